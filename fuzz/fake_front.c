/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvgpufront's API, as vgpu-vtest uses it, faked for the vtest fuzzer.
 * Requests are answered when sent, by a small model of the backend: it
 * knows two capsets, and which resources exist and have backing, and
 * refuses what the backend would (EEXIST, ENOENT, EBUSY, ENOSPC past
 * FAKE_MAX_RES); or the request fails, without effect, as the input's
 * mask asks. Buffers are plain memory with a shared fd. It checks what
 * vtest does with it:
 *   - every request is well formed (known operation and flags, reserved
 *     fields zero, ctx_id 0 exactly for the operations without one);
 *   - no more requests are outstanding than the ring holds, and every
 *     wait names one that is (a real frontend would block for ever);
 *   - when the client is gone, every buffer has been freed and every
 *     request waited for.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fake_front.h"
#include "fuzz_common.h"
#include "vgpu_util.h"
#include "vgpufront.h"

#define FAKE_MAX_PAGES          256     /* max-mapped-pages */
#define FAKE_MAX_SUBMIT         (64 * 1024)
#define FAKE_CAPS_V1_SIZE       308
#define FAKE_CAPS_V2_SIZE       1200
#define FAKE_MAX_BUFS           4096
#define FAKE_MAX_RES            256

struct pending {
	uint32_t id;
	struct vgpuif_resp resp;
};

struct fake_res {
	uint32_t id;
	bool backed;
};

struct vgpufront {
	struct vgpufront_limits lim;
	struct fake_res res[FAKE_MAX_RES];
	unsigned int nres;
	uint32_t fail_mask;
	uint32_t nr_sent;
	uint32_t next_id;
	struct pending pending[VGPUIF_RING_SIZE];
	unsigned int npending;
	unsigned int nbufs;
	grant_ref_t next_ref;
	int fd;
	uint8_t cmd[FAKE_MAX_SUBMIT];
};

static struct vgpufront fake = { .fd = -1 };

struct vgpufront *fake_front_reset(uint32_t fail_mask)
{
	int fd = fake.fd;

	memset(&fake, 0, sizeof(fake));
	fake.fd = fd >= 0 ? fd : memfd_create("fake-front", MFD_CLOEXEC);
	FUZZ_CHECK(fake.fd >= 0);
	fake.lim.max_mapped_pages = FAKE_MAX_PAGES;
	fake.lim.max_contexts = 64;
	fake.lim.max_resources = 4096;
	fake.lim.max_cmd_pages = FAKE_MAX_SUBMIT / VGPUIF_PAGE_SIZE;
	fake.lim.max_submit_size = FAKE_MAX_SUBMIT;
	fake.fail_mask = fail_mask;
	fake.next_id = 1;
	fake.next_ref = 1;
	return &fake;
}

void fake_front_check_idle(void)
{
	FUZZ_CHECK(fake.nbufs == 0);
	FUZZ_CHECK(fake.npending == 0);
}

const struct vgpufront_limits *vgpufront_limits(const struct vgpufront *dev)
{
	return &dev->lim;
}

uint32_t vgpufront_cmd_pages(const struct vgpufront *dev)
{
	return dev->lim.max_cmd_pages;
}

struct vgpufront_buf *vgpufront_buf_alloc(struct vgpufront *dev, size_t size,
					  bool readonly)
{
	struct vgpufront_buf *buf;
	uint32_t pages = VGPU_DIV_ROUND_UP(size, VGPUIF_PAGE_SIZE);

	(void)readonly;
	if (!size || pages > dev->lim.max_mapped_pages) {
		errno = ENOSPC;
		return NULL;
	}
	FUZZ_CHECK(dev->nbufs < FAKE_MAX_BUFS);
	buf = calloc(1, sizeof(*buf));
	FUZZ_CHECK(buf);
	buf->addr = calloc(pages, VGPUIF_PAGE_SIZE);
	FUZZ_CHECK(buf->addr);
	buf->size = (size_t)pages * VGPUIF_PAGE_SIZE;
	buf->num_pages = pages;
	buf->fd = dev->fd;
	buf->dir_ref = dev->next_ref++;
	dev->nbufs++;
	return buf;
}

void vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf)
{
	if (!buf) {
		return;
	}
	FUZZ_CHECK(dev->nbufs > 0);
	dev->nbufs--;
	free(buf->addr);
	free(buf);
}

/* ctx_id must be 0 for these, and name a context for the others. */
static bool op_without_ctx(uint8_t op)
{
	switch (op) {
	case VGPUIF_OP_NOP:
	case VGPUIF_OP_GET_CAPSET_INFO:
	case VGPUIF_OP_GET_CAPSET:
	case VGPUIF_OP_RESOURCE_CREATE_3D:
	case VGPUIF_OP_RESOURCE_UNREF:
	case VGPUIF_OP_RESOURCE_ATTACH_BACKING:
	case VGPUIF_OP_RESOURCE_DETACH_BACKING:
		return true;
	default:
		return false;
	}
}

static void check_req(const struct vgpuif_req *req)
{
	FUZZ_CHECK(req->operation <= VGPUIF_OP_RESOURCE_BUSY);
	FUZZ_CHECK(!(req->flags & ~VGPUIF_FLAGS_ALL));
	FUZZ_CHECK(!req->reserved && !req->reserved1);
	FUZZ_CHECK(op_without_ctx(req->operation) == !req->ctx_id);
}

static struct fake_res *res_find(struct vgpufront *dev, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < dev->nres; i++) {
		if (dev->res[i].id == id) {
			return &dev->res[i];
		}
	}
	return NULL;
}

static int res_create(struct vgpufront *dev, uint32_t id)
{
	if (res_find(dev, id)) {
		return VGPUIF_EEXIST;
	}
	if (dev->nres == FAKE_MAX_RES) {
		return VGPUIF_ENOSPC;
	}
	dev->res[dev->nres].id = id;
	dev->res[dev->nres].backed = false;
	dev->nres++;
	return 0;
}

static int res_unref(struct vgpufront *dev, uint32_t id)
{
	struct fake_res *r = res_find(dev, id);

	if (!r) {
		return VGPUIF_ENOENT;
	}
	*r = dev->res[--dev->nres];
	return 0;
}

/* Attach (backed) or detach (!backed) backing. */
static int res_back(struct vgpufront *dev, uint32_t id, bool backed)
{
	struct fake_res *r = res_find(dev, id);

	if (!r) {
		return VGPUIF_ENOENT;
	}
	if (r->backed == backed) {
		return backed ? VGPUIF_EBUSY : VGPUIF_ENOENT;
	}
	r->backed = backed;
	return 0;
}

static int transfer(struct vgpufront *dev, uint32_t id)
{
	struct fake_res *r = res_find(dev, id);

	return r && r->backed ? 0 : VGPUIF_ENOENT;
}

static int answer_res(struct vgpufront *dev, const struct vgpuif_req *req)
{
	switch (req->operation) {
	case VGPUIF_OP_RESOURCE_CREATE_3D:
		return res_create(dev, req->op.resource_create_3d.res_id);
	case VGPUIF_OP_RESOURCE_UNREF:
		return res_unref(dev, req->op.resource.res_id);
	case VGPUIF_OP_RESOURCE_ATTACH_BACKING:
		return res_back(dev, req->op.attach_backing.res_id, true);
	case VGPUIF_OP_RESOURCE_DETACH_BACKING:
		return res_back(dev, req->op.resource.res_id, false);
	default:
		return transfer(dev, req->op.transfer_3d.res_id);
	}
}

/* The backend's answer. */
static int answer(struct vgpufront *dev, const struct vgpuif_req *req,
		  struct vgpuif_resp *resp)
{
	struct vgpuif_capset_info_resp *info = &resp->op.capset_info;
	uint32_t index = req->op.capset_info.capset_index;
	uint32_t id = req->op.capset.capset_id;

	switch (req->operation) {
	case VGPUIF_OP_RESOURCE_CREATE_3D:
	case VGPUIF_OP_RESOURCE_UNREF:
	case VGPUIF_OP_RESOURCE_ATTACH_BACKING:
	case VGPUIF_OP_RESOURCE_DETACH_BACKING:
	case VGPUIF_OP_TRANSFER_TO_HOST_3D:
	case VGPUIF_OP_TRANSFER_FROM_HOST_3D:
		return answer_res(dev, req);
	case VGPUIF_OP_GET_CAPSET_INFO:
		if (index > 1) {
			return VGPUIF_EINVAL;
		}
		info->capset_id = index + 1;
		info->capset_max_version = index + 1;
		info->capset_max_size = index ? FAKE_CAPS_V2_SIZE
					      : FAKE_CAPS_V1_SIZE;
		return 0;
	case VGPUIF_OP_GET_CAPSET:
		FUZZ_CHECK(id == 1 || id == 2);
		resp->op.capset.capset_size = id == 1 ? FAKE_CAPS_V1_SIZE
						      : FAKE_CAPS_V2_SIZE;
		FUZZ_CHECK(req->op.capset.buf_size >=
			   resp->op.capset.capset_size);
		return 0;
	default:
		return 0;
	}
}

int vgpufront_send(struct vgpufront *dev, struct vgpuif_req *req)
{
	struct pending *p;
	int status;

	check_req(req);
	FUZZ_CHECK(dev->npending < VGPU_ARRAY_SIZE(dev->pending));
	req->id = dev->next_id++;
	p = &dev->pending[dev->npending++];
	memset(p, 0, sizeof(*p));
	p->id = req->id;
	if (dev->nr_sent < 32 && (dev->fail_mask >> dev->nr_sent) & 1) {
		status = dev->nr_sent & 1 ? VGPUIF_ENOSPC : VGPUIF_EINVAL;
	} else {
		status = answer(dev, req, &p->resp);
	}
	dev->nr_sent++;
	p->resp.id = req->id;
	p->resp.operation = req->operation;
	p->resp.flags = req->flags;
	p->resp.fence_id = req->fence_id;
	p->resp.status = status;
	return 0;
}

/* Kicks are not modelled: every request is answered when sent. */
int vgpufront_send_lazy(struct vgpufront *dev, struct vgpuif_req *req)
{
	return vgpufront_send(dev, req);
}

int vgpufront_wait(struct vgpufront *dev, uint32_t id,
		   struct vgpuif_resp *resp)
{
	unsigned int i;
	int status;

	for (i = 0; i < dev->npending; i++) {
		if (dev->pending[i].id != id) {
			continue;
		}
		status = dev->pending[i].resp.status;
		if (resp) {
			*resp = dev->pending[i].resp;
		}
		dev->pending[i] = dev->pending[--dev->npending];
		return status;
	}
	FUZZ_CHECK(!"wait for a request that is not outstanding");
	return VGPUIF_ENODEV;
}

bool vgpufront_done(struct vgpufront *dev, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < dev->npending; i++) {
		if (dev->pending[i].id == id) {
			return true;
		}
	}
	FUZZ_CHECK(!"look at a request that is not outstanding");
	return true;
}

void vgpufront_forget(struct vgpufront *dev, uint32_t id)
{
	vgpufront_wait(dev, id, NULL);
}

int vgpufront_call(struct vgpufront *dev, struct vgpuif_req *req,
		   struct vgpuif_resp *resp)
{
	int ret = vgpufront_send(dev, req);

	return ret ? ret : vgpufront_wait(dev, req->id, resp);
}

int vgpufront_cmd_reserve(struct vgpufront *dev, uint32_t size,
			  struct vgpufront_cmd *cmd)
{
	uint64_t rounded = ((uint64_t)size + 3) & ~3ull;

	if (rounded > dev->lim.max_submit_size) {
		return -E2BIG;
	}
	cmd->ptr = dev->cmd;
	cmd->offset = 0;
	cmd->size = (uint32_t)rounded;
	return 0;
}

void vgpufront_cmd_cancel(struct vgpufront *dev, struct vgpufront_cmd *cmd)
{
	(void)dev;
	cmd->size = 0;
}

int vgpufront_cmd_submit(struct vgpufront *dev, uint32_t ctx_id,
			 struct vgpufront_cmd *cmd, uint64_t fence_id,
			 uint32_t *id)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_SUBMIT_3D };
	int ret;

	FUZZ_CHECK(cmd->ptr == dev->cmd && cmd->size <= sizeof(dev->cmd));
	req.ctx_id = ctx_id;
	req.flags = fence_id ? VGPUIF_FLAG_FENCE : 0;
	req.fence_id = fence_id;
	req.op.submit_3d.cmd_offset = cmd->offset;
	req.op.submit_3d.cmd_size = cmd->size;
	ret = vgpufront_send(dev, &req);
	if (ret) {
		return ret;
	}
	if (id) {
		*id = req.id;
		return 0;
	}
	/* Nobody waits: the library drops the answer. */
	vgpufront_wait(dev, req.id, NULL);
	return 0;
}
