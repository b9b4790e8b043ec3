/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Context operations: create and destroy a guest context, make resources
 * visible to it, submit its command stream, and answer whether its work
 * is still running.
 */
#include <errno.h>
#include <string.h>

#include "dispatch.h"
#include "vgpu_util.h"

#define CAPSET_VIRGL    1
#define CAPSET_VIRGL2   2

void vgpuback_ctx_release(struct vgpu_worker *w, struct vgpuback_ctx *ctx)
{
	virgl_renderer_context_destroy(ctx->node.id);
	vgpuback_ctx_remove(&w->objs, ctx);
}

int vgpuback_op_ctx_create(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp)
{
	const struct vgpuif_ctx_create_req *c = &req->op.ctx_create;
	uint32_t capset = c->capset_id ? c->capset_id : CAPSET_VIRGL2;
	struct vgpuback_ctx *ctx;
	int ret;

	(void)resp;
	if (capset != CAPSET_VIRGL && capset != CAPSET_VIRGL2) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "capset_id %u unknown", c->capset_id);
	}
	if (c->name_len > VGPUIF_CTX_NAME_MAX) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "name_len %u over %u", c->name_len,
				       VGPUIF_CTX_NAME_MAX);
	}
	ret = vgpuback_ctx_add(&w->objs, req->ctx_id, &ctx);
	if (ret) {
		return vgpuback_reject(w, req, ret, "cannot add context %u",
				       req->ctx_id);
	}
	if (virgl_renderer_context_create_with_flags(req->ctx_id, capset,
						     c->name_len, c->name)) {
		vgpuback_ctx_remove(&w->objs, ctx);
		return vgpuback_reject(w, req, VGPUIF_EIO,
				       "virglrenderer cannot create context %u",
				       req->ctx_id);
	}
	/*
	 * virglrenderer leaves the new context's GL context current but
	 * still records the previous one as current, so the next command of
	 * that previous context would run in the new GL context, against
	 * framebuffer names that do not exist there. Resetting to context 0
	 * makes the next switch real.
	 */
	virgl_renderer_force_ctx_0();
	return 0;
}

/*
 * All work in flight is let finish first. virglrenderer makes each fence
 * a sync object of whichever GL context is current when it is created,
 * which need not be the submitting context's (after a refused submit it
 * is the previous one's); one made in a context destroyed before it
 * signals never signals, and every later fence waits behind it. Fenced
 * requests still pending are answered as their fences retire, before
 * this answer.
 */
int vgpuback_op_ctx_destroy(struct vgpu_worker *w,
			    const struct vgpuif_req *req,
			    struct vgpuif_resp *resp)
{
	(void)resp;
	vgpuback_renderer_wait_idle(w->r);
	vgpuback_ctx_release(w, vgpuback_ctx_lookup(&w->objs, req->ctx_id));
	return 0;
}

int vgpuback_op_ctx_attach(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp)
{
	uint32_t res_id = req->op.resource.res_id;
	struct vgpuback_res *res;
	int ret;

	(void)resp;
	res = vgpuback_res_lookup(&w->objs, res_id);
	if (!res) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT,
				       "no resource %u", res_id);
	}
	ret = vgpuback_res_attach_ctx(res, req->ctx_id);
	if (ret) {
		return vgpuback_reject(w, req, ret,
				       "cannot attach resource %u to "
				       "context %u", res_id, req->ctx_id);
	}
	virgl_renderer_ctx_attach_resource(req->ctx_id, res_id);
	return 0;
}

int vgpuback_op_ctx_detach(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp)
{
	uint32_t res_id = req->op.resource.res_id;
	struct vgpuback_res *res;

	(void)resp;
	res = vgpuback_res_lookup(&w->objs, res_id);
	if (!res) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT,
				       "no resource %u", res_id);
	}
	if (vgpuback_res_detach_ctx(res, req->ctx_id)) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT,
				       "resource %u not attached to context %u",
				       res_id, req->ctx_id);
	}
	virgl_renderer_ctx_detach_resource(req->ctx_id, res_id);
	return 0;
}

static int check_submit(struct vgpu_worker *w, const struct vgpuif_req *req)
{
	const struct vgpuif_submit_3d_req *s = &req->op.submit_3d;
	uint64_t end = (uint64_t)s->cmd_offset + s->cmd_size;
	uint64_t region = (uint64_t)w->cmd_pages * VGPUIF_PAGE_SIZE;

	if (!s->cmd_size || (s->cmd_size & 3) || (s->cmd_offset & 3)) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "cmd_offset %u, cmd_size %u: empty or "
				       "not 4-byte aligned",
				       s->cmd_offset, s->cmd_size);
	}
	if (s->cmd_size > w->cfg.lim.max_submit_size) {
		return vgpuback_reject(w, req, VGPUIF_E2BIG,
				       "cmd_size %u over max-submit-size %u",
				       s->cmd_size, w->cfg.lim.max_submit_size);
	}
	if (end > region) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "cmd_offset %u + cmd_size %u past the "
				       "command region (%llu)",
				       s->cmd_offset, s->cmd_size,
				       (unsigned long long)region);
	}
	return 0;
}

/*
 * The one copy on the data path: the command bytes leave shared memory
 * before virglrenderer parses them, so the guest cannot change them
 * under the parser.
 */
int vgpuback_op_submit_3d(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp)
{
	const struct vgpuif_submit_3d_req *s = &req->op.submit_3d;
	int ret;

	(void)resp;
	ret = check_submit(w, req);
	if (ret) {
		return ret;
	}
	memcpy(w->submit_buf, w->cmd + s->cmd_offset, s->cmd_size);
	w->bytes_copied += s->cmd_size;
	vgpuback_sched_count_submit(w);
	ret = virgl_renderer_submit_cmd(w->submit_buf, (int)req->ctx_id,
					(int)(s->cmd_size / 4));
	/* Fence whatever part ran, so that RESOURCE_BUSY stays truthful. */
	if (vgpuback_renderer_fence(w->r, req->ctx_id)) {
		return vgpuback_reject(w, req, VGPUIF_EIO,
				       "cannot create a fence");
	}
	vgpuback_ctx_lookup(&w->objs, req->ctx_id)->last_fence = w->r->seq;
	if (ret) {
		return vgpuback_reject(w, req, VGPUIF_EPROTO,
				       "virglrenderer refused the command "
				       "stream (%d)", ret);
	}
	return 0;
}

/*
 * Busy while the context's newest work has not retired. Its resources are
 * its own (a frontend serving several clients gives each client a context
 * of its own), so other contexts' work does not hold it up.
 */
int vgpuback_op_resource_busy(struct vgpu_worker *w,
			      const struct vgpuif_req *req,
			      struct vgpuif_resp *resp)
{
	const struct vgpuif_resource_busy_req *b = &req->op.resource_busy;
	uint64_t fence;

	if (b->busy_flags & ~VGPUIF_BUSY_WAIT) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "unknown busy_flags 0x%x",
				       b->busy_flags);
	}
	if (!vgpuback_res_lookup(&w->objs, b->res_id)) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT,
				       "no resource %u", b->res_id);
	}
	fence = vgpuback_ctx_lookup(&w->objs, req->ctx_id)->last_fence;
	if (!vgpuback_renderer_retired(w->r, fence)) {
		vgpuback_renderer_poll(w->r);
	}
	if (vgpuback_renderer_retired(w->r, fence)) {
		return 0;
	}
	if (b->busy_flags & VGPUIF_BUSY_WAIT) {
		return VGPUBACK_DEFER;
	}
	resp->op.resource_busy.busy = 1;
	return 0;
}
