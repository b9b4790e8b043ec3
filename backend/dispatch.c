/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Request decoding: the opcode table, the checks common to every request
 * (operation, flags, reserved fields, ctx_id), fenced and deferred
 * answers, rate-limited reject logs, and the device-level operations
 * (NOP, capsets).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "gref.h"
#include "vgpu_util.h"

/* Our negative errno values are the protocol's status codes. */
_Static_assert(-ENOENT == VGPUIF_ENOENT, "errno");
_Static_assert(-ENOMEM == VGPUIF_ENOMEM, "errno");
_Static_assert(-EFAULT == VGPUIF_EFAULT, "errno");
_Static_assert(-EBUSY == VGPUIF_EBUSY, "errno");
_Static_assert(-EEXIST == VGPUIF_EEXIST, "errno");
_Static_assert(-EINVAL == VGPUIF_EINVAL, "errno");
_Static_assert(-ENOSPC == VGPUIF_ENOSPC, "errno");
_Static_assert(sizeof(struct vgpuif_req) == 96, "request size");
_Static_assert(sizeof(struct vgpuif_resp) == 96, "response size");

/*
 * Rejections are logged from a token bucket: a burst of REJECT_LOG_BURST
 * lines, then REJECT_LOG_PER_S a second, so a hostile guest cannot flood
 * the log and an honest one's occasional error is always named.
 */
#define REJECT_LOG_BURST        50
#define REJECT_LOG_PER_S        10

/* What ctx_id must name. */
enum ctx_rule {
	CTX_NONE,       /* must be 0 */
	CTX_NEW,        /* in range; the handler checks it is free */
	CTX_LIVE,       /* an existing context */
};

struct op_desc {
	const char *name;
	vgpuback_handler fn;    /* NULL: reserved, VGPUIF_EOPNOTSUPP */
	uint8_t payload;        /* octets of the operation specific part used */
	uint8_t ctx;            /* enum ctx_rule */
	bool gpu;               /* runs on the GPU: hold it first */
};

#define OP_SIZE(member) sizeof(((struct vgpuif_req *)0)->op.member)

static int op_nop(struct vgpu_worker *w, const struct vgpuif_req *req,
		  struct vgpuif_resp *resp);
static int op_capset_info(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp);
static int op_capset(struct vgpu_worker *w, const struct vgpuif_req *req,
		     struct vgpuif_resp *resp);

static const struct op_desc ops[] = {
	[VGPUIF_OP_NOP] = { "nop", op_nop, 0, CTX_NONE },
	[VGPUIF_OP_GET_CAPSET_INFO] = { "get-capset-info", op_capset_info,
					OP_SIZE(capset_info), CTX_NONE },
	[VGPUIF_OP_GET_CAPSET] = { "get-capset", op_capset,
				   OP_SIZE(capset), CTX_NONE },
	[VGPUIF_OP_CTX_CREATE] = { "ctx-create", vgpuback_op_ctx_create,
				   OP_SIZE(ctx_create), CTX_NEW, true },
	[VGPUIF_OP_CTX_DESTROY] = { "ctx-destroy", vgpuback_op_ctx_destroy,
				    0, CTX_LIVE, true },
	[VGPUIF_OP_RESOURCE_CREATE_3D] = { "resource-create-3d",
					   vgpuback_op_res_create,
					   OP_SIZE(resource_create_3d),
					   CTX_NONE, true },
	[VGPUIF_OP_RESOURCE_UNREF] = { "resource-unref", vgpuback_op_res_unref,
				       OP_SIZE(resource), CTX_NONE, true },
	[VGPUIF_OP_RESOURCE_ATTACH_BACKING] = { "attach-backing",
						vgpuback_op_attach_backing,
						OP_SIZE(attach_backing),
						CTX_NONE, true },
	[VGPUIF_OP_RESOURCE_DETACH_BACKING] = { "detach-backing",
						vgpuback_op_detach_backing,
						OP_SIZE(resource), CTX_NONE, true },
	[VGPUIF_OP_CTX_ATTACH_RESOURCE] = { "ctx-attach-resource",
					    vgpuback_op_ctx_attach,
					    OP_SIZE(resource), CTX_LIVE, true },
	[VGPUIF_OP_CTX_DETACH_RESOURCE] = { "ctx-detach-resource",
					    vgpuback_op_ctx_detach,
					    OP_SIZE(resource), CTX_LIVE, true },
	[VGPUIF_OP_SUBMIT_3D] = { "submit-3d", vgpuback_op_submit_3d,
				  OP_SIZE(submit_3d), CTX_LIVE, true },
	[VGPUIF_OP_TRANSFER_TO_HOST_3D] = { "transfer-to-host-3d",
					    vgpuback_op_transfer_to_host,
					    OP_SIZE(transfer_3d), CTX_LIVE, true },
	[VGPUIF_OP_TRANSFER_FROM_HOST_3D] = { "transfer-from-host-3d",
					      vgpuback_op_transfer_from_host,
					      OP_SIZE(transfer_3d), CTX_LIVE, true },
	[VGPUIF_OP_RESOURCE_BUSY] = { "resource-busy",
				      vgpuback_op_resource_busy,
				      OP_SIZE(resource_busy), CTX_LIVE },
	/* Read-backs hold the GPU themselves; dumb buffers need none. */
	[VGPUIF_OP_SET_SCANOUT] = { "set-scanout", vgpuback_op_set_scanout,
				    OP_SIZE(scanout), CTX_NONE },
	[VGPUIF_OP_RESOURCE_FLUSH] = { "resource-flush",
				       vgpuback_op_resource_flush,
				       OP_SIZE(resource_flush), CTX_NONE },
	[VGPUIF_OP_PAGE_FLIP] = { "page-flip", vgpuback_op_page_flip,
				  OP_SIZE(scanout), CTX_NONE },
	[VGPUIF_OP_RESOURCE_CREATE_BLOB] = { "create-blob (feature-blob)" },
	[VGPUIF_OP_RESOURCE_MAP_BLOB] = { "map-blob (feature-blob)" },
	[VGPUIF_OP_RESOURCE_UNMAP_BLOB] = { "unmap-blob (feature-blob)" },
};

const char *vgpuback_op_name(uint8_t op)
{
	if (op < VGPU_ARRAY_SIZE(ops) && ops[op].name) {
		return ops[op].name;
	}
	return "unknown";
}

/* Takes a log token if one is left; refills by the time gone by. */
static bool may_log(struct vgpu_worker *w)
{
	uint64_t now = vgpu_now_ns();
	uint64_t earned;

	if (!w->log_refill_ns) {
		w->log_tokens = REJECT_LOG_BURST;
		w->log_refill_ns = now;
	}
	earned = (now - w->log_refill_ns) * REJECT_LOG_PER_S / 1000000000ull;
	if (earned) {
		w->log_tokens += earned;
		if (w->log_tokens > REJECT_LOG_BURST) {
			w->log_tokens = REJECT_LOG_BURST;
		}
		w->log_refill_ns = now;
	}
	if (!w->log_tokens) {
		w->nr_unlogged++;
		return false;
	}
	w->log_tokens--;
	return true;
}

int vgpuback_reject(struct vgpu_worker *w, const struct vgpuif_req *req,
		    int status, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	w->nr_rejects++;
	if (!may_log(w)) {
		return status;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	vgpu_warn(VGPU_DEV_FMT "%s (op %u, id %u) -> %d: %s", w->t->domid, w->t->devid,
		  vgpuback_op_name(req->operation), req->operation, req->id,
		  status, why);
	if (w->nr_unlogged) {
		vgpu_warn(VGPU_DEV_FMT "%llu more rejections not logged",
			  w->t->domid, w->t->devid, (unsigned long long)w->nr_unlogged);
		w->nr_unlogged = 0;
	}
	return status;
}

static bool tail_is_zero(const struct vgpuif_req *req, size_t used)
{
	size_t i;

	for (i = used; i < sizeof(req->op.reserved); i++) {
		if (req->op.reserved[i]) {
			return false;
		}
	}
	return true;
}

static int check_ctx(struct vgpu_worker *w, const struct vgpuif_req *req,
		     enum ctx_rule rule)
{
	if (rule == CTX_NONE) {
		if (req->ctx_id) {
			return vgpuback_reject(w, req, VGPUIF_EINVAL,
					       "ctx_id %u must be 0",
					       req->ctx_id);
		}
		return 0;
	}
	if (!req->ctx_id || req->ctx_id > VGPUBACK_MAX_ID) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "ctx_id %u out of range", req->ctx_id);
	}
	if (rule == CTX_LIVE && !vgpuback_ctx_lookup(&w->objs, req->ctx_id)) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT, "no context %u",
				       req->ctx_id);
	}
	return 0;
}

static int check_header(struct vgpu_worker *w, const struct vgpuif_req *req,
			const struct op_desc **out)
{
	const struct op_desc *d = NULL;

	if (req->operation < VGPU_ARRAY_SIZE(ops)) {
		d = &ops[req->operation];
	}
	if (!d || !d->fn) {
		return vgpuback_reject(w, req, VGPUIF_EOPNOTSUPP,
				       d && d->name ? "reserved operation" :
						      "unknown operation");
	}
	if (req->flags & ~VGPUIF_FLAGS_ALL) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "unknown flags 0x%x", req->flags);
	}
	if (req->reserved || req->reserved1) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "reserved header fields not zero");
	}
	if (!tail_is_zero(req, d->payload)) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "reserved octets after the operation's "
				       "fields not zero");
	}
	*out = d;
	return check_ctx(w, req, d->ctx);
}

/*
 * The fence a fenced answer waits for: after the context's newest work,
 * or after all work for a request that names no live context.
 */
static uint64_t answer_fence(struct vgpu_worker *w,
			     const struct vgpuif_req *req)
{
	const struct vgpuback_ctx *ctx;

	ctx = req->ctx_id ? vgpuback_ctx_lookup(&w->objs, req->ctx_id) : NULL;
	return ctx ? ctx->last_fence : w->r->seq;
}

/*
 * Holds a fenced response back until its fence retires, if need be. A
 * failed one too: the guest signals its fences in the order of the
 * answers, so an error answered ahead of its context's earlier work
 * would signal that work's fences before it is done.
 */
static int finish(struct vgpu_worker *w, const struct vgpuif_req *req,
		  struct vgpuif_resp *resp, int ret, bool *deferred)
{
	bool fenced = ret == VGPUBACK_DEFER || (req->flags & VGPUIF_FLAG_FENCE);
	uint64_t fence = fenced ? answer_fence(w, req) : 0;

	if (ret == VGPUBACK_HELD) {
		*deferred = true;
		return 0;
	}

	resp->status = ret < 0 ? ret : 0;
	if (!fenced || vgpuback_renderer_retired(w->r, fence)) {
		return resp->status;
	}
	if (vgpuback_renderer_defer(w->r, resp, fence)) {
		resp->status = vgpuback_reject(w, req, VGPUIF_ENOMEM,
					       "out of memory to defer");
		return resp->status;
	}
	*deferred = true;
	return resp->status;
}

int vgpuback_dispatch(struct vgpu_worker *w, const struct vgpuif_req *req,
		      struct vgpuif_resp *resp, bool *deferred)
{
	const struct op_desc *d = NULL;
	int ret;

	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->operation = req->operation;
	resp->flags = req->flags;
	resp->fence_id = req->fence_id;
	*deferred = false;
	w->nr_requests++;

	ret = check_header(w, req, &d);
	if (!ret) {
		if (d->gpu) {
			vgpuback_sched_hold(w);
		}
		ret = d->fn(w, req, resp);
	}
	if (ret < 0) {
		memset(&resp->op, 0, sizeof(resp->op));
	}
	return finish(w, req, resp, ret, deferred);
}

void vgpuback_dispatch_release_all(struct vgpu_worker *w)
{
	struct vgpuback_ctx *ctx;
	struct vgpuback_res *res;

	while ((ctx = vgpuback_ctx_any(&w->objs))) {
		vgpuback_ctx_release(w, ctx);
	}
	while ((res = vgpuback_res_any(&w->objs))) {
		vgpuback_res_release(w, res);
	}
}

static int op_nop(struct vgpu_worker *w, const struct vgpuif_req *req,
		  struct vgpuif_resp *resp)
{
	(void)w;
	(void)req;
	(void)resp;
	return 0;
}

static int op_capset_info(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp)
{
	struct vgpuif_capset_info_resp *info = &resp->op.capset_info;
	uint32_t index = req->op.capset_info.capset_index;

	if (vgpuback_renderer_capset_info(index, &info->capset_id,
					  &info->capset_max_version,
					  &info->capset_max_size)) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "capset_index %u past the last (%u)",
				       index,
				       vgpuback_renderer_capset_count() - 1);
	}
	return 0;
}

static int op_capset(struct vgpu_worker *w, const struct vgpuif_req *req,
		     struct vgpuif_resp *resp)
{
	const struct vgpuif_capset_req *c = &req->op.capset;
	uint32_t size, pages;
	void *buf;
	int ret;

	if (vgpuback_renderer_capset_size(c->capset_id, c->capset_version,
					  &size)) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "no capset %u version %u",
				       c->capset_id, c->capset_version);
	}
	if (c->buf_size < size || c->buf_size > VGPUIF_MAX_CAPSET_SIZE) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "buf_size %u: the capset needs %u, at "
				       "most %u", c->buf_size, size,
				       VGPUIF_MAX_CAPSET_SIZE);
	}
	pages = VGPU_DIV_ROUND_UP(c->buf_size, VGPUIF_PAGE_SIZE);
	buf = vgpuback_gref_map_dir(w->t, &w->objs, c->gref_directory, pages,
				    true, &ret);
	if (!buf) {
		return vgpuback_reject(w, req, ret,
				       "cannot map the capset buffer");
	}
	ret = vgpuback_renderer_fill_caps(c->capset_id, c->capset_version,
					  buf, size);
	vgpuback_gref_unmap(w->t, &w->objs, buf, pages);
	if (ret) {
		return vgpuback_reject(w, req, ret, "cannot fill the capset");
	}
	resp->op.capset.capset_size = size;
	return 0;
}
