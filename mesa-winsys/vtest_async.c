/* SPDX-License-Identifier: GPL-2.0 */
/* Requests a client sends without waiting, and their answers reaped later. */
#include <errno.h>
#include <string.h>

#include "vtest_int.h"

/*
 * DOC: asynchronous requests
 *
 * Mesa waits for the answer to RESOURCE_CREATE2 (the fd) and creates a
 * resource for every fence, right after the submit the backend is still
 * running. Everything the answer needs is local (the backing's pages and
 * fd), so when the device's account says the backend will accept the
 * resource (vtest_budget.c), the device requests go out without waiting,
 * and their answers are collected after the client's next synchronous
 * request: the ring is processed in order, so by then they have arrived.
 * A create that might be refused waits instead, and a refusal fails the
 * create itself (vtest_res.c, DOC: a refused create). A failure of an
 * asynchronous request (which the account did not foresee) is logged
 * when reaped; later requests naming the resource fail and are logged.
 *
 * Each unreaped request holds a ring slot, so their number is bounded per
 * client and for the whole device; past either bound the caller waits.
 * They do not wake the backend (vgpufront_send_lazy()): it takes them
 * with the client's next submit or synchronous request, and a busy
 * frame saves a wake-up of the backend for each.
 */

static bool take_budget(struct vtest_dev *dev, unsigned int n)
{
	unsigned int cur = __atomic_load_n(&dev->async_inflight,
					   __ATOMIC_RELAXED);

	do {
		if (cur + n > VTEST_ASYNC_PER_DEVICE) {
			return false;
		}
	} while (!__atomic_compare_exchange_n(&dev->async_inflight, &cur,
					      cur + n, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

static void give_budget(struct vtest_dev *dev, unsigned int n)
{
	__atomic_fetch_sub(&dev->async_inflight, n, __ATOMIC_RELAXED);
}

/*
 * Sends n requests whose answers nobody waits for now. Returns 0, -EAGAIN
 * when over budget (nothing was sent: do it synchronously), or the
 * failure of a send (requests sent before it stay tracked).
 */
int vtest_async_send(struct vtest_client *c, struct vgpuif_req *reqs,
		     unsigned int n)
{
	unsigned int i;
	int ret;

	if (!c->dev->front) {
		return -ENODEV;
	}
	if (c->async_count + n > VTEST_ASYNC_PER_CLIENT ||
	    !take_budget(c->dev, n)) {
		return -EAGAIN;
	}
	for (i = 0; i < n; i++) {
		ret = vgpufront_send_lazy(c->dev->front, &reqs[i]);
		if (ret < 0) {
			give_budget(c->dev, n - i);
			return ret;
		}
		c->async_ids[c->async_count++] = reqs[i].id;
	}
	return 0;
}

/* Collects every outstanding answer. Returns -ENODEV if the device is lost. */
int vtest_async_reap(struct vtest_client *c)
{
	struct vgpuif_resp resp;
	unsigned int i;
	int st, ret = 0;

	for (i = 0; i < c->async_count; i++) {
		memset(&resp, 0, sizeof(resp));
		st = vgpufront_wait(c->dev->front, c->async_ids[i], &resp);
		if (st == -ENODEV) {
			ret = st;
		} else if (st < 0) {
			vtest_log(VGPU_LOG_WARN, c,
				  "request (op %u) failed: %s",
				  resp.operation, strerror(-st));
		}
	}
	give_budget(c->dev, c->async_count);
	c->async_count = 0;
	return ret;
}

/* A synchronous request; answers to earlier ones are collected after it. */
int vtest_client_call(struct vtest_client *c, struct vgpuif_req *req,
		      struct vgpuif_resp *resp)
{
	int ret = vtest_dev_call(c->dev, req, resp);
	int reaped = vtest_async_reap(c);

	return reaped == -ENODEV ? reaped : ret;
}

int vtest_client_call_n(struct vtest_client *c, struct vgpuif_req *reqs,
			int *st, unsigned int n)
{
	int ret = vtest_dev_call_n(c->dev, reqs, st, n);
	int reaped = vtest_async_reap(c);

	return reaped == -ENODEV ? reaped : ret;
}
