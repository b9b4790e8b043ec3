/* SPDX-License-Identifier: GPL-2.0 */
/* vtest transfers: data over the socket (v0) or in shared backing (v2). */
#include <errno.h>
#include <string.h>

#include "vtest_int.h"
#include "vtest_protocol.h"

/* A transfer's box and where its data lies in the backing. */
struct vtest_xfer {
	uint32_t handle;
	uint32_t level;
	uint32_t stride;
	uint32_t layer_stride;
	uint32_t box[6];                /* x, y, z, width, height, depth */
	uint32_t data_size;
	uint32_t offset;
};

static void decode_v0(const uint32_t *w, struct vtest_xfer *x)
{
	memset(x, 0, sizeof(*x));
	x->handle = w[VCMD_TRANSFER_HANDLE];
	x->level = w[VCMD_TRANSFER_LEVEL];
	x->stride = w[VCMD_TRANSFER_STRIDE];
	x->layer_stride = w[VCMD_TRANSFER_LAYER_STRIDE];
	memcpy(x->box, &w[VCMD_TRANSFER_X], sizeof(x->box));
	x->data_size = w[VCMD_TRANSFER_DATA_SIZE];
}

static void decode_v2(const uint32_t *w, struct vtest_xfer *x)
{
	memset(x, 0, sizeof(*x));
	x->handle = w[VCMD_TRANSFER2_HANDLE];
	x->level = w[VCMD_TRANSFER2_LEVEL];
	memcpy(x->box, &w[VCMD_TRANSFER2_X], sizeof(x->box));
	x->data_size = w[VCMD_TRANSFER2_DATA_SIZE];
	x->offset = w[VCMD_TRANSFER2_OFFSET];
}

/*
 * Asks the backend to copy between the backing and the host resource.
 * A failure the renderer reports is logged and the client goes on, as
 * after a failed GL call; only a lost device ends it.
 */
static int transfer(struct vtest_client *c, uint8_t op,
		    const struct vtest_res *res, const struct vtest_xfer *x)
{
	struct vgpuif_req req = { .operation = op };
	struct vgpuif_transfer_3d_req *t = &req.op.transfer_3d;
	int ret;

	req.ctx_id = c->ctx_id;
	t->res_id = res->res_id;
	t->level = x->level;
	t->stride = x->stride;
	t->layer_stride = x->layer_stride;
	t->x = x->box[0];
	t->y = x->box[1];
	t->z = x->box[2];
	t->width = x->box[3];
	t->height = x->box[4];
	t->depth = x->box[5];
	t->offset = x->offset;
	ret = vtest_client_call(c, &req, NULL);
	if (ret < 0 && ret != -ENODEV) {
		vtest_log(VGPU_LOG_WARN, c, "transfer %s resource %u: %s",
			  op == VGPUIF_OP_TRANSFER_TO_HOST_3D ? "to" : "from",
			  x->handle, strerror(-ret));
		ret = 0;
	}
	return ret;
}

/* v0 resources get backing at their first transfer, and grow with it. */
static int ensure_backing(struct vtest_client *c, struct vtest_res *res,
			  uint32_t size)
{
	struct vgpufront_buf *buf;
	struct vgpuif_req reqs[2];
	unsigned int n = 0;
	int st[2], ret;

	if (res->buf && res->buf->size >= size) {
		return 0;
	}
	buf = vtest_res_get_buf(c, size);
	if (!buf) {
		return -errno;
	}
	if (res->buf) {
		vtest_res_fill_req(&reqs[n++], VGPUIF_OP_RESOURCE_DETACH_BACKING,
				   0, res->res_id);
	}
	vtest_res_fill_attach(&reqs[n++], res->res_id, buf);
	ret = vtest_client_call_n(c, reqs, st, n);
	/*
	 * The old backing is gone from the device if it was detached, or if
	 * the new one attached (the backend refuses a second backing): a
	 * detach can fail because an earlier attach never took.
	 */
	if (res->buf && (st[0] == 0 || st[n - 1] == 0)) {
		vtest_res_put_buf(c, res->buf);
		res->buf = NULL;
	}
	if (st[n - 1] < 0) {
		vtest_res_put_buf(c, buf);
		vtest_budget_set_pages(c->dev, &res->charge,
				       res->buf ? res->buf->num_pages : 0);
		return ret;
	}
	res->buf = buf;
	vtest_budget_set_pages(c->dev, &res->charge, buf->num_pages);
	return 0;
}

/* Reads and decodes a transfer's words. */
static int read_xfer(struct vtest_client *c, uint32_t *w, uint32_t words,
		     struct vtest_xfer *x)
{
	int ret;

	ret = vtest_read_words(c, w, words);
	if (ret < 0) {
		return ret;
	}
	if (words == VCMD_TRANSFER_WORDS) {
		decode_v0(w, x);
	} else {
		decode_v2(w, x);
	}
	return 0;
}

/*
 * Finds the transfer's resource and makes sure the context and the
 * resource exist on the device.
 */
static int find_xfer_res(struct vtest_client *c, const struct vtest_xfer *x,
			 struct vtest_res **res)
{
	int ret;

	if (x->data_size > c->dev->max_backing) {
		vtest_log(VGPU_LOG_WARN, c, "transfer of %u bytes",
			  x->data_size);
		return -E2BIG;
	}
	*res = vtest_res_find(c, x->handle);
	if (!*res) {
		vtest_log(VGPU_LOG_WARN, c, "transfer on unknown resource %u",
			  x->handle);
		return -EINVAL;
	}
	ret = vtest_ensure_ctx(c);
	return ret < 0 ? ret : vtest_res_make(c, *res);
}

/* Reads a transfer's words and finds its resource and the context. */
static int start_xfer(struct vtest_client *c, uint32_t *w, uint32_t words,
		      struct vtest_xfer *x, struct vtest_res **res)
{
	int ret = read_xfer(c, w, words, x);

	return ret < 0 ? ret : find_xfer_res(c, x, res);
}

/* TRANSFER_GET (v0): the data is the answer, data_size bytes, no header. */
int vtest_xfer_cmd_get(struct vtest_client *c, uint32_t len)
{
	uint32_t w[VCMD_TRANSFER_WORDS];
	struct vtest_xfer x;
	struct vtest_res *res;
	int ret;

	if (len != VCMD_TRANSFER_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "TRANSFER_GET of %u words", len);
		return -EPROTO;
	}
	ret = start_xfer(c, w, VCMD_TRANSFER_WORDS, &x, &res);
	if (ret < 0 || !x.data_size) {
		return ret;
	}
	ret = ensure_backing(c, res, x.data_size);
	if (!ret) {
		ret = transfer(c, VGPUIF_OP_TRANSFER_FROM_HOST_3D, res, &x);
	}
	if (ret < 0) {
		return ret;
	}
	vtest_dev_count_copy(c->dev, x.data_size);
	return c->io->write(c->io, res->buf->addr, x.data_size);
}

/*
 * TRANSFER_PUT (v0): data_size bytes follow the words; they go from the
 * socket straight into the backing, the one copy this version forces.
 */
int vtest_xfer_cmd_put(struct vtest_client *c, uint32_t len)
{
	uint32_t w[VCMD_TRANSFER_WORDS];
	struct vtest_xfer x;
	struct vtest_res *res;
	int ret;

	if (len < VCMD_TRANSFER_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "TRANSFER_PUT of %u words", len);
		return -EPROTO;
	}
	ret = read_xfer(c, w, VCMD_TRANSFER_WORDS, &x);
	if (ret < 0) {
		return ret;
	}
	if (len - VCMD_TRANSFER_WORDS !=
	    VGPU_DIV_ROUND_UP((uint64_t)x.data_size, 4)) {
		vtest_log(VGPU_LOG_WARN, c, "TRANSFER_PUT length %u for %u bytes",
			  len, x.data_size);
		return -EPROTO;
	}
	ret = find_xfer_res(c, &x, &res);
	if (ret < 0 || !x.data_size) {
		return ret;
	}
	ret = ensure_backing(c, res, x.data_size);
	if (!ret) {
		ret = c->io->read(c->io, res->buf->addr, x.data_size);
	}
	if (ret < 0) {
		return ret;
	}
	vtest_dev_count_copy(c->dev, x.data_size);
	return transfer(c, VGPUIF_OP_TRANSFER_TO_HOST_3D, res, &x);
}

/* TRANSFER_GET2/PUT2 (v2): the data stays in the shared backing. */
static int xfer2(struct vtest_client *c, uint8_t op)
{
	uint32_t w[VCMD_TRANSFER2_WORDS];
	struct vtest_xfer x;
	struct vtest_res *res;
	int ret;

	ret = start_xfer(c, w, VCMD_TRANSFER2_WORDS, &x, &res);
	if (ret < 0) {
		return ret;
	}
	if (!res->buf || x.offset >= res->buf->size) {
		vtest_log(VGPU_LOG_WARN, c,
			  "transfer at %u outside resource %u's backing",
			  x.offset, x.handle);
		return -EINVAL;
	}
	return transfer(c, op, res, &x);
}

int vtest_xfer_cmd_get2(struct vtest_client *c, uint32_t len)
{
	if (len != VCMD_TRANSFER2_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "TRANSFER_GET2 of %u words", len);
		return -EPROTO;
	}
	return xfer2(c, VGPUIF_OP_TRANSFER_FROM_HOST_3D);
}

/* The length also counts the data words, which do not follow. */
int vtest_xfer_cmd_put2(struct vtest_client *c, uint32_t len)
{
	if (len < VCMD_TRANSFER2_WORDS) {
		vtest_log(VGPU_LOG_WARN, c, "TRANSFER_PUT2 of %u words", len);
		return -EPROTO;
	}
	return xfer2(c, VGPUIF_OP_TRANSFER_TO_HOST_3D);
}
