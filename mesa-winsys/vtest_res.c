/* SPDX-License-Identifier: GPL-2.0 */
/* vtest resources: creation, backing shared with the backend, transfers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtest_int.h"
#include "vtest_protocol.h"

/* Gallium's last texture target, PIPE_TEXTURE_CUBE_ARRAY. */
#define VTEST_MAX_TARGET        8

static unsigned int bucket(uint32_t handle)
{
	return handle % VTEST_RES_BUCKETS;
}

struct vtest_res *vtest_res_find(struct vtest_client *c, uint32_t handle)
{
	struct vtest_res *res;

	for (res = c->res[bucket(handle)]; res; res = res->next) {
		if (res->handle == handle) {
			return res;
		}
	}
	return NULL;
}

static void unlink_res(struct vtest_client *c, struct vtest_res *res)
{
	struct vtest_res **p;

	for (p = &c->res[bucket(res->handle)]; *p; p = &(*p)->next) {
		if (*p == res) {
			*p = res->next;
			c->num_res--;
			return;
		}
	}
}

/*
 * Small backings come from the client's own pool: sharing pages with
 * the backend costs a round trip each way, and Mesa creates a tiny
 * resource for every fence. Reused pages hold only this client's data.
 */
struct vgpufront_buf *vtest_res_get_buf(struct vtest_client *c, uint32_t size)
{
	uint32_t pages = VGPU_DIV_ROUND_UP(size, VGPUIF_PAGE_SIZE);
	struct vtest_pool_class *pc;

	if (pages <= VTEST_POOL_MAX_PAGES && c->pool[pages].count) {
		pc = &c->pool[pages];
		return pc->bufs[--pc->count];
	}
	if (!c->dev->front) {
		errno = ENODEV;
		return NULL;
	}
	return vgpufront_buf_alloc(c->dev->front, size, false);
}

/* The pool class buf goes back to, or NULL if buf is to be freed. */
static struct vtest_pool_class *pool_for(struct vtest_client *c,
					 const struct vgpufront_buf *buf)
{
	struct vtest_pool_class *pc;

	if (buf->num_pages > VTEST_POOL_MAX_PAGES) {
		return NULL;
	}
	pc = &c->pool[buf->num_pages];
	return pc->count < VTEST_POOL_PAGES / buf->num_pages ? pc : NULL;
}

void vtest_res_put_buf(struct vtest_client *c, struct vgpufront_buf *buf)
{
	struct vtest_pool_class *pc;

	if (!buf) {
		return;
	}
	pc = pool_for(c, buf);
	if (pc) {
		pc->bufs[pc->count++] = buf;
		return;
	}
	vgpufront_buf_free(c->dev->front, buf);
}

/*
 * Sharing a buffer waits for the backend's main loop, which is slow
 * while it renders; Mesa creates a one-page resource per frame and frees
 * it a second later. So a few one-page buffers are shared ahead of need,
 * at most two per call, from the busy wait that blocks anyway.
 */
void vtest_res_pool_topup(struct vtest_client *c)
{
	struct vtest_pool_class *pc = &c->pool[1];
	struct vgpufront_buf *buf;
	unsigned int i;

	for (i = 0; i < 2 && pc->count < VTEST_POOL_TOPUP; i++) {
		buf = vgpufront_buf_alloc(c->dev->front, VGPUIF_PAGE_SIZE,
					  false);
		if (!buf) {
			return;
		}
		pc->bufs[pc->count++] = buf;
	}
}

static void free_pool(struct vtest_client *c)
{
	struct vtest_pool_class *pc;
	unsigned int i;

	for (i = 0; i < VGPU_ARRAY_SIZE(c->pool); i++) {
		pc = &c->pool[i];
		while (pc->count) {
			vgpufront_buf_free(c->dev->front, pc->bufs[--pc->count]);
		}
	}
}

void vtest_res_fill_req(struct vgpuif_req *req, uint8_t op, uint32_t ctx_id,
			 uint32_t res_id)
{
	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->ctx_id = ctx_id;
	req->op.resource.res_id = res_id;
}

void vtest_res_fill_attach(struct vgpuif_req *req, uint32_t res_id,
			    const struct vgpufront_buf *buf)
{
	memset(req, 0, sizeof(*req));
	req->operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING;
	req->op.attach_backing.res_id = res_id;
	req->op.attach_backing.gref_directory = buf->dir_ref;
	req->op.attach_backing.num_pages = buf->num_pages;
}

static void fill_desc(struct vgpuif_resource_create_3d_req *d,
		      const uint32_t *w, uint32_t res_id)
{
	memset(d, 0, sizeof(*d));
	d->res_id = res_id;
	d->target = w[VCMD_RES_CREATE_TARGET];
	d->format = w[VCMD_RES_CREATE_FORMAT];
	d->bind = w[VCMD_RES_CREATE_BIND];
	d->width = w[VCMD_RES_CREATE_WIDTH];
	d->height = w[VCMD_RES_CREATE_HEIGHT];
	d->depth = w[VCMD_RES_CREATE_DEPTH];
	d->array_size = w[VCMD_RES_CREATE_ARRAY_SIZE];
	d->last_level = w[VCMD_RES_CREATE_LAST_LEVEL];
	d->nr_samples = w[VCMD_RES_CREATE_NR_SAMPLES];
}

/*
 * What makes the command itself wrong, so that the client is dropped, as
 * vtest drops it; the renderer checks the rest.
 */
static int check_handle(struct vtest_client *c, const uint32_t *w)
{
	uint32_t handle = w[VCMD_RES_CREATE_HANDLE];

	if (!handle || handle > INT32_MAX) {
		vtest_log(VGPU_LOG_WARN, c, "bad resource handle %u", handle);
		return -EINVAL;
	}
	if (w[VCMD_RES_CREATE_TARGET] > VTEST_MAX_TARGET) {
		vtest_log(VGPU_LOG_WARN, c, "bad resource target %u",
			  w[VCMD_RES_CREATE_TARGET]);
		return -EINVAL;
	}
	if (vtest_res_find(c, handle)) {
		vtest_log(VGPU_LOG_WARN, c, "resource %u exists", handle);
		return -EEXIST;
	}
	return 0;
}

/* What we refuse before the device sees it: the client's create fails. */
static int check_room(struct vtest_client *c, uint32_t data_size)
{
	if (c->num_res >= VTEST_MAX_RESOURCES) {
		vtest_log(VGPU_LOG_WARN, c, "%u resources, the most a client "
			  "may hold", c->num_res);
		return -ENOSPC;
	}
	if (data_size > c->dev->max_backing) {
		vtest_log(VGPU_LOG_WARN, c, "backing of %u bytes, over the "
			  "device's %llu", data_size,
			  (unsigned long long)c->dev->max_backing);
		return -E2BIG;
	}
	return 0;
}

/*
 * DOC: resources made when first named
 *
 * Mesa creates a resource for every fence it makes, one a frame, and
 * only ever names it in RESOURCE_BUSY_WAIT, which the device answers for
 * the context's work as a whole. So a resource that the device's account
 * says the backend will accept (vtest_budget.c) is not sent at its
 * create: it is made on the device just before the first request that
 * names it, a transfer or a submit whose command stream does, and
 * without waiting (vtest_async.c). A resource nothing names never costs
 * the backend a create, a mapping of its backing, or an unref. One the
 * account cannot vouch for is made at once and waited for, so that a
 * refusal fails its create (DOC: a refused create), unless the account
 * says the backend would have to refuse a deferred one later for it
 * (vtest_budget.c).
 */

/* Create, attach the backing, make it visible to the client's context. */
static unsigned int fill_create_batch(struct vtest_client *c,
				      const struct vtest_res *res,
				      struct vgpuif_req *reqs)
{
	unsigned int n = 0;

	memset(&reqs[n], 0, sizeof(reqs[n]));
	reqs[n].operation = VGPUIF_OP_RESOURCE_CREATE_3D;
	reqs[n++].op.resource_create_3d = res->desc;
	if (res->buf) {
		vtest_res_fill_attach(&reqs[n++], res->res_id, res->buf);
	}
	vtest_res_fill_req(&reqs[n++], VGPUIF_OP_CTX_ATTACH_RESOURCE,
			   c->ctx_id, res->res_id);
	return n;
}

/* Sends the batch and waits; unreferences a resource half made. */
static int create_and_wait(struct vtest_client *c, struct vgpuif_req *reqs,
			   unsigned int n, uint32_t res_id)
{
	int st[3];
	int ret;

	ret = vtest_client_call_n(c, reqs, st, n);
	if (ret < 0 && st[0] == 0) {
		vtest_res_fill_req(&reqs[0], VGPUIF_OP_RESOURCE_UNREF, 0,
				   res_id);
		vtest_client_call(c, &reqs[0], NULL);
	}
	return ret;
}

static void set_on_device(struct vtest_client *c, struct vtest_res *res)
{
	res->state = VTEST_RES_ON_DEVICE;
	c->last_on_device = res;
	vtest_budget_made(c->dev, &res->charge);
}

/*
 * Defers the resource when the account vouches for it; otherwise makes
 * it and waits. Returns 0 or the device's status.
 */
static int create_on_device(struct vtest_client *c, struct vtest_res *res)
{
	struct vgpuif_req reqs[3];
	unsigned int n;
	int ret;

	if (vtest_budget_charge(c->dev, &res->desc,
				res->buf ? res->buf->num_pages : 0,
				&res->charge)) {
		res->state = VTEST_RES_DEFERRED;
		vtest_budget_defer(c->dev, &res->charge);
		return 0;
	}
	ret = -ENOSPC;
	if (vtest_budget_backend_may_decide(c->dev)) {
		n = fill_create_batch(c, res, reqs);
		ret = create_and_wait(c, reqs, n, res->res_id);
	}
	if (ret < 0) {
		vtest_budget_refund(c->dev, &res->charge);
		return ret;
	}
	set_on_device(c, res);
	return 0;
}

int vtest_res_make(struct vtest_client *c, struct vtest_res *res)
{
	struct vgpuif_req reqs[3];
	unsigned int n;
	int ret;

	if (res->state != VTEST_RES_DEFERRED) {
		return 0;
	}
	n = fill_create_batch(c, res, reqs);
	ret = vtest_async_send(c, reqs, n);
	if (ret == -EAGAIN) {
		ret = create_and_wait(c, reqs, n, res->res_id);
	}
	if (ret == -ENODEV) {
		return ret;
	}
	if (ret < 0) {
		/* The account vouched for it: a bug, or vram= changed. */
		vtest_log(VGPU_LOG_WARN, c, "resource %u could not be made on "
			  "the device: %s; requests naming it will fail",
			  res->handle, strerror(-ret));
		res->state = VTEST_RES_ABSENT;
		vtest_budget_made(c->dev, &res->charge);
		return 0;
	}
	set_on_device(c, res);
	return 0;
}

struct vtest_res *vtest_res_any_on_device(struct vtest_client *c)
{
	struct vtest_res *res;
	unsigned int i;

	for (i = 0; !c->last_on_device && i < VTEST_RES_BUCKETS; i++) {
		for (res = c->res[i]; res; res = res->next) {
			if (res->state == VTEST_RES_ON_DEVICE) {
				c->last_on_device = res;
				break;
			}
		}
	}
	return c->last_on_device;
}

static void insert_res(struct vtest_client *c, struct vtest_res *res)
{
	res->next = c->res[bucket(res->handle)];
	c->res[bucket(res->handle)] = res;
	c->num_res++;
}

/* Makes the resource on the device; 0 or why it could not be made. */
static int create_res(struct vtest_client *c, const uint32_t *w,
		      uint32_t data_size, struct vtest_res **out)
{
	struct vtest_res *res;
	int ret;

	res = calloc(1, sizeof(*res));
	if (!res) {
		return -ENOMEM;
	}
	ret = vtest_dev_alloc_res_id(c->dev, &res->res_id);
	if (ret < 0) {
		goto fail_id;
	}
	res->handle = w[VCMD_RES_CREATE_HANDLE];
	fill_desc(&res->desc, w, res->res_id);
	if (data_size) {
		res->buf = vtest_res_get_buf(c, data_size);
		if (!res->buf) {
			ret = -errno;
			goto fail_buf;
		}
	}
	ret = create_on_device(c, res);
	if (ret < 0) {
		goto fail_device;
	}
	insert_res(c, res);
	*out = res;
	return 0;

fail_device:
	vtest_res_put_buf(c, res->buf);
fail_buf:
	vtest_dev_free_res_id(c->dev, res->res_id);
fail_id:
	free(res);
	return ret;
}

/*
 * A handle for a resource the device does not have: the create had no
 * answer to fail, and the client will name it. Requests naming it then
 * fail on the device, rather than dropping the client. Such handles
 * count toward the client's resources, so a client past its limit goes.
 */
static int add_absent(struct vtest_client *c, const uint32_t *w)
{
	struct vtest_res *res;
	int ret;

	if (c->num_res >= VTEST_MAX_RESOURCES) {
		return -ENOSPC;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		return -ENOMEM;
	}
	ret = vtest_dev_alloc_res_id(c->dev, &res->res_id);
	if (ret < 0) {
		free(res);
		return ret;
	}
	res->handle = w[VCMD_RES_CREATE_HANDLE];
	res->state = VTEST_RES_ABSENT;
	insert_res(c, res);
	return 0;
}

/*
 * DOC: a refused create
 *
 * The device refuses a create when its vram= or max-resources is used up,
 * or the renderer refuses the description. Mesa waits for the backing's
 * fd of a RESOURCE_CREATE2 with data; one byte without an fd makes
 * Mesa's resource_create return NULL (GL_OUT_OF_MEMORY for the texture
 * or buffer) and keeps the stream in step, so the client goes on. Stock
 * vtest drops the client instead, and Mesa aborts at its next read.
 * A create Mesa does not wait for (protocol v0, which Xen's fd-less
 * transport uses, and multisampled v2 resources) cannot be failed: its
 * handle names a resource the device does not have, and what names it
 * fails on the device and is logged.
 */
static int refuse_create(struct vtest_client *c, const uint32_t *w,
			 uint32_t data_size, int err)
{
	vtest_log(VGPU_LOG_WARN, c, "cannot create resource %u (target %u "
		  "format %u %ux%ux%u, %u layers): %s; %s; the device's vram= "
		  "or max-resources may be too small for this client",
		  w[VCMD_RES_CREATE_HANDLE], w[VCMD_RES_CREATE_TARGET],
		  w[VCMD_RES_CREATE_FORMAT], w[VCMD_RES_CREATE_WIDTH],
		  w[VCMD_RES_CREATE_HEIGHT], w[VCMD_RES_CREATE_DEPTH],
		  w[VCMD_RES_CREATE_ARRAY_SIZE], strerror(-err),
		  data_size ? "the client is told its create failed"
			    : "the client cannot be told");
	if (data_size) {
		return c->io->send_fd(c->io, -1);
	}
	return add_absent(c, w);
}

/*
 * Common part of RESOURCE_CREATE and RESOURCE_CREATE2. *out is NULL when
 * the device refused the resource and the client was answered so.
 */
static int create_cmd(struct vtest_client *c, const uint32_t *w,
		      uint32_t data_size, struct vtest_res **out)
{
	int ret;

	*out = NULL;
	ret = check_handle(c, w);
	if (ret < 0) {
		return ret;
	}
	ret = check_room(c, data_size);
	if (ret < 0) {
		return refuse_create(c, w, data_size, ret);
	}
	ret = vtest_ensure_ctx(c);
	if (ret < 0) {
		return ret;
	}
	ret = create_res(c, w, data_size, out);
	if (ret < 0 && ret != -ENODEV) {
		ret = refuse_create(c, w, data_size, ret);
	}
	return ret;
}

/* RESOURCE_CREATE (v0): no backing until a transfer needs one; no answer. */
int vtest_res_cmd_create(struct vtest_client *c, uint32_t len)
{
	uint32_t w[VCMD_RES_CREATE_WORDS];
	struct vtest_res *res;
	int ret;

	if (len != VCMD_RES_CREATE_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "RESOURCE_CREATE of %u words", len);
		return -EPROTO;
	}
	ret = vtest_read_words(c, w, VCMD_RES_CREATE_WORDS);
	if (ret < 0) {
		return ret;
	}
	return create_cmd(c, w, 0, &res);
}

/* RESOURCE_CREATE2 (v2): the answer is the backing's fd, if it has one. */
int vtest_res_cmd_create2(struct vtest_client *c, uint32_t len)
{
	uint32_t w[VCMD_RES_CREATE2_WORDS];
	struct vtest_res *res;
	int ret;

	if (len != VCMD_RES_CREATE2_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "RESOURCE_CREATE2 of %u words",
			  len);
		return -EPROTO;
	}
	ret = vtest_read_words(c, w, VCMD_RES_CREATE2_WORDS);
	if (ret < 0) {
		return ret;
	}
	ret = create_cmd(c, w, w[VCMD_RES_CREATE2_DATA_SIZE], &res);
	if (ret < 0 || !res || !res->buf) {
		return ret;
	}
	return c->io->send_fd(c->io, res->buf->fd);
}

/*
 * Unreferences the resource on the device. Without waiting when its
 * backing goes back to the pool (the pool's pages stay shared, and the
 * ring orders the unref before any reuse); a backing that is freed
 * waits, so that its pages are unmapped before they stop being shared.
 */
static void unref_on_device(struct vtest_client *c, struct vtest_res *res)
{
	struct vgpuif_req req;
	int ret = -EAGAIN;

	vtest_res_fill_req(&req, VGPUIF_OP_RESOURCE_UNREF, 0, res->res_id);
	if (!res->buf || pool_for(c, res->buf)) {
		ret = vtest_async_send(c, &req, 1);
	}
	if (ret == -EAGAIN) {
		ret = vtest_client_call(c, &req, NULL);
	}
	if (ret < 0 && ret != -ENODEV) {
		vtest_log(VGPU_LOG_WARN, c, "cannot free resource %u: %s",
			  res->handle, strerror(-ret));
	}
}

static void release_res(struct vtest_client *c, struct vtest_res *res)
{
	if (res->state == VTEST_RES_ON_DEVICE) {
		unref_on_device(c, res);
	}
	if (c->last_on_device == res) {
		c->last_on_device = NULL;
	}
	/* Any unref is in the ring: every later create comes after it. */
	vtest_budget_refund(c->dev, &res->charge);
	vtest_res_put_buf(c, res->buf);
	vtest_dev_free_res_id(c->dev, res->res_id);
	free(res);
}

/* RESOURCE_UNREF: an unknown handle is ignored, as vtest does. */
int vtest_res_cmd_unref(struct vtest_client *c, uint32_t len)
{
	uint32_t handle;
	struct vtest_res *res;
	int ret;

	if (len != VCMD_RES_UNREF_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "RESOURCE_UNREF of %u words", len);
		return -EPROTO;
	}
	ret = vtest_read_words(c, &handle, 1);
	if (ret < 0) {
		return ret;
	}
	res = vtest_res_find(c, handle);
	if (!res) {
		vtest_log(VGPU_LOG_DEBUG, c, "unref of unknown resource %u",
			  handle);
		return 0;
	}
	unlink_res(c, res);
	release_res(c, res);
	return 0;
}

void vtest_res_destroy_all(struct vtest_client *c)
{
	struct vtest_res *res;
	unsigned int i;

	for (i = 0; i < VTEST_RES_BUCKETS; i++) {
		while ((res = c->res[i])) {
			c->res[i] = res->next;
			c->num_res--;
			release_res(c, res);
		}
	}
	vtest_async_reap(c);
	free_pool(c);
}
