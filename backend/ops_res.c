/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Resource operations: create and free 3D resources, attach guest pages
 * as their backing (mapped once, persistently), and move boxes between
 * backing and host resource with virglrenderer's own transfers.
 */
#include <errno.h>
#include <string.h>

#include "dispatch.h"
#include "gref.h"
#include "vgpu_res_size.h"
#include "scanout.h"
#include "vgpu_util.h"

static void backing_release(struct vgpu_worker *w, struct vgpuback_res *res)
{
	if (!res->backing) {
		return;
	}
	virgl_renderer_resource_detach_iov((int)res->node.id, NULL, NULL);
	vgpuback_gref_unmap(w->t, &w->objs, res->backing, res->backing_pages);
	res->backing = NULL;
	res->backing_pages = 0;
	memset(&res->iov, 0, sizeof(res->iov));
}

void vgpuback_res_release(struct vgpu_worker *w, struct vgpuback_res *res)
{
	vgpuback_scanout_forget(w, res);
	backing_release(w, res);
	virgl_renderer_resource_unref(res->node.id);
	vgpuback_host_release(&w->objs, res->host_bytes);
	vgpuback_res_remove(&w->objs, res);
}

static struct vgpuback_res *find_res(struct vgpu_worker *w,
				     const struct vgpuif_req *req,
				     uint32_t res_id, int *err)
{
	struct vgpuback_res *res = vgpuback_res_lookup(&w->objs, res_id);

	if (!res) {
		*err = vgpuback_reject(w, req, VGPUIF_ENOENT, "no resource %u",
				       res_id);
	}
	return res;
}

/*
 * Reserves the storage the resource will take from the device's budget
 * before virglrenderer allocates it; *bytes is what to release later.
 */
static int reserve_host(struct vgpu_worker *w, const struct vgpuif_req *req,
			uint64_t *bytes)
{
	const struct vgpuif_resource_create_3d_req *c =
		&req->op.resource_create_3d;

	if (vgpu_res_host_size(c, bytes)) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "resource %u (target %u format %u "
				       "%ux%ux%u, %u layers, last level %u, %u "
				       "samples): its size overflows",
				       c->res_id, c->target, c->format,
				       c->width, c->height, c->depth,
				       c->array_size, c->last_level,
				       c->nr_samples);
	}
	if (vgpuback_host_reserve(&w->objs, *bytes)) {
		return vgpuback_reject(w, req, VGPUIF_ENOSPC,
				       "resource %u (%ux%ux%u, %u layers) needs "
				       "%llu KiB of dom0 memory, over the %llu "
				       "KiB of vram left", c->res_id, c->width,
				       c->height, c->depth, c->array_size,
				       (unsigned long long)(*bytes >> 10),
				       (unsigned long long)(vgpuback_host_left(
							&w->objs) >> 10));
	}
	return 0;
}

int vgpuback_op_res_create(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp)
{
	const struct vgpuif_resource_create_3d_req *c =
		&req->op.resource_create_3d;
	struct virgl_renderer_resource_create_args args = {
		.handle = c->res_id, .target = c->target, .format = c->format,
		.bind = c->bind, .width = c->width, .height = c->height,
		.depth = c->depth, .array_size = c->array_size,
		.last_level = c->last_level, .nr_samples = c->nr_samples,
		.flags = c->flags,
	};
	struct vgpuback_res *res;
	uint64_t bytes;
	int ret;

	(void)resp;
	if (!c->res_id || c->res_id > VGPUBACK_MAX_ID) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "res_id %u out of range", c->res_id);
	}
	ret = vgpuback_res_add(&w->objs, c->res_id, &res);
	if (ret) {
		return vgpuback_reject(w, req, ret, "cannot add resource %u",
				       c->res_id);
	}
	ret = reserve_host(w, req, &bytes);
	if (ret) {
		goto fail_reserve;
	}
	ret = virgl_renderer_resource_create(&args, NULL, 0);
	if (ret) {
		ret = vgpuback_reject(w, req, VGPUIF_EINVAL,
				      "virglrenderer refused resource %u "
				      "(target %u format %u %ux%ux%u): %d",
				      c->res_id, c->target, c->format,
				      c->width, c->height, c->depth, ret);
		goto fail_create;
	}
	res->host_bytes = bytes;
	res->desc = *c;
	return 0;

fail_create:
	vgpuback_host_release(&w->objs, bytes);
fail_reserve:
	vgpuback_res_remove(&w->objs, res);
	return ret;
}

int vgpuback_op_res_unref(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp)
{
	struct vgpuback_res *res;
	int ret = 0;

	(void)resp;
	res = find_res(w, req, req->op.resource.res_id, &ret);
	if (res) {
		vgpuback_res_release(w, res);
	}
	return ret;
}

int vgpuback_op_attach_backing(struct vgpu_worker *w,
			       const struct vgpuif_req *req,
			       struct vgpuif_resp *resp)
{
	const struct vgpuif_attach_backing_req *a = &req->op.attach_backing;
	struct vgpuback_res *res;
	int ret = 0;

	(void)resp;
	res = find_res(w, req, a->res_id, &ret);
	if (!res) {
		return ret;
	}
	if (res->backing) {
		return vgpuback_reject(w, req, VGPUIF_EBUSY,
				       "resource %u already has backing",
				       a->res_id);
	}
	if (!a->num_pages || a->num_pages > w->cfg.lim.max_mapped_pages) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "num_pages %u not in 1..%u",
				       a->num_pages,
				       w->cfg.lim.max_mapped_pages);
	}
	res->backing = vgpuback_gref_map_dir(w->t, &w->objs, a->gref_directory,
					     a->num_pages, true, &ret);
	if (!res->backing) {
		return vgpuback_reject(w, req, ret,
				       "cannot map %u backing pages of "
				       "resource %u", a->num_pages, a->res_id);
	}
	res->backing_pages = a->num_pages;
	res->iov.iov_base = res->backing;
	res->iov.iov_len = (size_t)a->num_pages * VGPUIF_PAGE_SIZE;
	if (virgl_renderer_resource_attach_iov((int)a->res_id, &res->iov, 1)) {
		vgpuback_gref_unmap(w->t, &w->objs, res->backing,
				    res->backing_pages);
		res->backing = NULL;
		res->backing_pages = 0;
		return vgpuback_reject(w, req, VGPUIF_EIO,
				       "virglrenderer cannot attach backing");
	}
	return 0;
}

int vgpuback_op_detach_backing(struct vgpu_worker *w,
			       const struct vgpuif_req *req,
			       struct vgpuif_resp *resp)
{
	struct vgpuback_res *res;
	int ret = 0;

	(void)resp;
	res = find_res(w, req, req->op.resource.res_id, &ret);
	if (!res) {
		return ret;
	}
	if (!res->backing) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT,
				       "resource %u has no backing",
				       res->node.id);
	}
	vgpuback_scanout_forget(w, res);
	backing_release(w, res);
	return 0;
}

/*
 * The level is one the resource has and the box lies within the backing,
 * computed in 64 bits: virglrenderer 0.10 compares the level as an int
 * and sums the box in 32 bits, and a worker reads out of bounds with a
 * level or stride of 2^31.
 */
static int check_box(struct vgpu_worker *w, const struct vgpuif_req *req,
		     const struct vgpuback_res *res)
{
	const struct vgpuif_transfer_3d_req *x = &req->op.transfer_3d;
	uint64_t size = (uint64_t)res->backing_pages * VGPUIF_PAGE_SIZE;
	uint64_t end;
	int ret;

	if (x->level > res->desc.last_level) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "resource %u has levels 0 to %u, not "
				       "%u", x->res_id, res->desc.last_level,
				       x->level);
	}
	ret = vgpu_res_transfer_end(&res->desc, x, &end);
	if (ret || end > size) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "resource %u: box %u,%u,%u %ux%ux%u of "
				       "level %u (stride %u, layer stride %u) "
				       "at offset %llu ends %s%llu, past its "
				       "backing of %llu bytes", x->res_id,
				       x->x, x->y, x->z, x->width, x->height,
				       x->depth, x->level, x->stride,
				       x->layer_stride,
				       (unsigned long long)x->offset,
				       ret ? "beyond byte " : "at byte ",
				       ret ? (unsigned long long)UINT64_MAX
					   : (unsigned long long)end,
				       (unsigned long long)size);
	}
	return 0;
}

static int transfer(struct vgpu_worker *w, const struct vgpuif_req *req,
		    bool to_host)
{
	const struct vgpuif_transfer_3d_req *x = &req->op.transfer_3d;
	struct virgl_box box = { x->x, x->y, x->z, x->width, x->height,
				 x->depth };
	struct vgpuback_res *res;
	int ret = 0;

	res = find_res(w, req, x->res_id, &ret);
	if (!res) {
		return ret;
	}
	if (!vgpuback_res_has_ctx(res, req->ctx_id) || !res->backing) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT,
				       "resource %u: %s", x->res_id,
				       res->backing ? "not attached to the "
						      "context" : "no backing");
	}
	ret = check_box(w, req, res);
	if (ret) {
		return ret;
	}
	if (to_host) {
		ret = virgl_renderer_transfer_write_iov(
			x->res_id, req->ctx_id, (int)x->level, x->stride,
			x->layer_stride, &box, x->offset, NULL, 0);
	} else {
		ret = virgl_renderer_transfer_read_iov(
			x->res_id, req->ctx_id, x->level, x->stride,
			x->layer_stride, &box, x->offset, NULL, 0);
	}
	if (ret) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "virglrenderer refused the transfer of "
				       "resource %u (%d)", x->res_id, ret);
	}
	return 0;
}

int vgpuback_op_transfer_to_host(struct vgpu_worker *w,
				 const struct vgpuif_req *req,
				 struct vgpuif_resp *resp)
{
	(void)resp;
	return transfer(w, req, true);
}

int vgpuback_op_transfer_from_host(struct vgpu_worker *w,
				   const struct vgpuif_req *req,
				   struct vgpuif_resp *resp)
{
	(void)resp;
	return transfer(w, req, false);
}
