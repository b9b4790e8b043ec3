/* SPDX-License-Identifier: GPL-2.0 */
/* vtest command submission and the busy waits Mesa builds fences on. */
#include <errno.h>
#include <string.h>

#include "vtest_int.h"
#include "vtest_protocol.h"

/*
 * DOC: submits and busy waits
 *
 * SUBMIT_CMD's bytes are received from the socket straight into a
 * reservation in the command region, which the backend maps; nothing is
 * copied in between but the few bytes the socket read ahead (server.c).
 * Their resource handles are translated there, in place, to the
 * device's ids (vtest_cmds.c). Submits are sent detached and unfenced: the backend
 * answers once it has copied and run the commands, the library takes
 * that response and frees the region's bytes, and the client goes on
 * while the GPU works. (The backend fences every submit itself, which
 * is what RESOURCE_BUSY reports on; a VGPUIF_FLAG_FENCE would only hold
 * the region and a ring slot until the GPU is done.)
 *
 * Mesa emulates fences by asking RESOURCE_BUSY_WAIT whether any of its
 * work is unfinished, polling without VCMD_BUSY_WAIT_FLAG_WAIT or
 * blocking with it. A client that submitted nothing since the device
 * last called it idle is answered here at once, without a round trip.
 * Otherwise the device's RESOURCE_BUSY answers, and with the wait flag
 * its answer comes only once the work is done, so nobody polls.
 *
 * Mesa waits on a fence right after each frame's submit, so that
 * RESOURCE_BUSY, with the wait flag, is sent right behind the submit,
 * without a kick of its own: the backend takes both in one wake-up.
 * Mesa's wait then only waits for that answer, and the polls of its
 * resource cache, which asks whether older fences are still busy, only
 * look at whether it has come: neither costs a round trip. A client
 * has one such request at a time; a second submit before it is
 * answered leaves the next busy wait to ask the device.
 */

/* Asks now for the answer the client's next busy wait will want. */
static void send_busy_ahead(struct vtest_client *c)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_RESOURCE_BUSY };
	const struct vtest_res *res;

	if (c->busy_ahead_id) {
		c->busy_ahead_stale = true;     /* it covers older work only */
		return;
	}
	res = vtest_res_any_on_device(c);
	if (!res) {
		return;
	}
	req.ctx_id = c->ctx_id;
	req.op.resource_busy.res_id = res->res_id;
	req.op.resource_busy.busy_flags = VGPUIF_BUSY_WAIT;
	if (!vgpufront_send_lazy(c->dev->front, &req)) {
		c->busy_ahead_id = req.id;
		c->busy_ahead_stale = false;
	}
}

void vtest_submit_drop_busy_ahead(struct vtest_client *c)
{
	if (c->busy_ahead_id && c->dev->front) {
		vgpufront_forget(c->dev->front, c->busy_ahead_id);
	}
	c->busy_ahead_id = 0;
}

/*
 * The busy wait answered by the request sent ahead. Without wait it
 * only looks; with it, it waits, and the requests sent without waiting
 * before it have been answered too.
 */
static int take_busy_ahead(struct vtest_client *c, bool wait, uint32_t *busy)
{
	int ret;

	if (!wait && !vgpufront_done(c->dev->front, c->busy_ahead_id)) {
		*busy = 1;
		return 0;
	}
	if (wait) {
		vtest_res_pool_topup(c);
	}
	ret = vgpufront_wait(c->dev->front, c->busy_ahead_id, NULL);
	c->busy_ahead_id = 0;
	if (ret == -ENODEV) {
		return ret;
	}
	if (ret < 0) {
		vtest_log(VGPU_LOG_WARN, c, "busy query sent ahead: %s",
			  strerror(-ret));
	}
	*busy = 0;
	c->maybe_busy = false;
	return vtest_async_reap(c);
}

/* SUBMIT_CMD: the length counts words of virgl commands. */
int vtest_submit_cmd_submit(struct vtest_client *c, uint32_t len)
{
	struct vgpufront_cmd cmd;
	int ret;

	if (len > c->dev->max_submit / 4) {
		vtest_log(VGPU_LOG_WARN, c, "submit of %u words, at most %u",
			  len, c->dev->max_submit / 4);
		return -E2BIG;
	}
	if (!len) {
		return 0;
	}
	ret = vtest_ensure_ctx(c);
	if (ret < 0) {
		return ret;
	}
	ret = vgpufront_cmd_reserve(c->dev->front, len * 4, &cmd);
	if (ret < 0) {
		return ret;
	}
	ret = c->io->read(c->io, cmd.ptr, (size_t)len * 4);
	if (!ret) {
		ret = vtest_cmds_translate(c, cmd.ptr, len);
	}
	if (ret < 0) {
		vgpufront_cmd_cancel(c->dev->front, &cmd);
		return ret;
	}
	ret = vgpufront_cmd_submit(c->dev->front, c->ctx_id, &cmd, 0, NULL);
	if (ret < 0) {
		return ret;
	}
	c->submits++;
	c->maybe_busy = true;
	send_busy_ahead(c);
	return 0;
}

/*
 * RESOURCE_BUSY names a resource, but the device answers for all of the
 * context's work before it. Mesa names its fence's resource, which is
 * deferred (vtest_res.c) and stays so when any other resource of the
 * client will do; its probe names 0. 0: the client has none to name.
 */
static int busy_res_id(struct vtest_client *c, uint32_t handle,
		       uint32_t *res_id)
{
	struct vtest_res *res = vtest_res_find(c, handle), *other;
	int ret;

	if (!res || res->state != VTEST_RES_ON_DEVICE) {
		other = vtest_res_any_on_device(c);
		res = other ? other : res;
	}
	*res_id = 0;
	if (!res) {
		return 0;
	}
	ret = vtest_res_make(c, res);
	if (!ret && res->state == VTEST_RES_ON_DEVICE) {
		*res_id = res->res_id;
	}
	return ret;
}

/*
 * Asks the device whether the client's work is still running; with wait,
 * the answer comes once it is not. A failure other than a lost device is
 * logged and read as idle: a stuck "busy" would hang the client.
 */
static int query_busy(struct vtest_client *c, uint32_t handle, bool wait,
		      uint32_t *busy)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_RESOURCE_BUSY };
	struct vgpuif_resp resp;
	int ret;

	req.ctx_id = c->ctx_id;
	ret = busy_res_id(c, handle, &req.op.resource_busy.res_id);
	if (ret < 0) {
		return ret;
	}
	if (!req.op.resource_busy.res_id) {
		*busy = 0;
		return 0;
	}
	if (wait) {
		vtest_res_pool_topup(c);
	}
	req.op.resource_busy.busy_flags = wait ? VGPUIF_BUSY_WAIT : 0;
	ret = vtest_client_call(c, &req, &resp);
	if (ret == -ENODEV) {
		return ret;
	}
	if (ret < 0) {
		vtest_log(VGPU_LOG_WARN, c, "busy query on resource %u: %s",
			  handle, strerror(-ret));
		*busy = 0;
	} else {
		*busy = wait ? 0 : !!resp.op.resource_busy.busy;
	}
	c->maybe_busy = *busy;
	return 0;
}

/* RESOURCE_BUSY_WAIT: the answer is one word, 1 while busy. */
int vtest_submit_cmd_busy_wait(struct vtest_client *c, uint32_t len)
{
	uint32_t w[VCMD_BUSY_WAIT_WORDS];
	uint32_t busy = 0;
	bool wait;
	int ret;

	if (len != VCMD_BUSY_WAIT_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "RESOURCE_BUSY_WAIT of %u words",
			  len);
		return -EPROTO;
	}
	ret = vtest_read_words(c, w, VCMD_BUSY_WAIT_WORDS);
	if (ret < 0) {
		return ret;
	}
	wait = w[VCMD_BUSY_WAIT_FLAGS] & VCMD_BUSY_WAIT_FLAG_WAIT;
	if (c->maybe_busy && c->busy_ahead_id && !c->busy_ahead_stale) {
		ret = take_busy_ahead(c, wait, &busy);
	} else if (c->maybe_busy) {
		vtest_submit_drop_busy_ahead(c);
		ret = query_busy(c, w[VCMD_BUSY_WAIT_HANDLE], wait, &busy);
	}
	if (ret < 0) {
		return ret;
	}
	return vtest_reply(c, VCMD_RESOURCE_BUSY_WAIT, &busy, 1);
}
