/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Request decoding: a table indexed by opcode (in the manner of vtest),
 * the checks every request goes through, and the handlers.
 *
 * vgpuback_dispatch() works on a request already copied out of shared
 * memory, so unit tests and fuzzers drive it with a plain buffer.
 */
#ifndef VGPUBACK_DISPATCH_H
#define VGPUBACK_DISPATCH_H

#include <stdbool.h>

#include "vgpuif.h"
#include "worker.h"

/*
 * A handler's return value besides 0 and a negative VGPUIF_E* status:
 * answer only once every fence created so far has retired.
 */
#define VGPUBACK_DEFER 1
/*
 * Another: the handler kept a copy of resp and sends it itself later
 * (a page flip, answered when it is shown).
 */
#define VGPUBACK_HELD 2

typedef int (*vgpuback_handler)(struct vgpu_worker *w,
				const struct vgpuif_req *req,
				struct vgpuif_resp *resp);

/*
 * Checks and executes req, filling resp (id, operation, flags and
 * fence_id echoed, status set). Returns resp->status. When *deferred
 * comes back true, resp must not be sent: it goes to the renderer's sink
 * once its fence retires.
 */
int vgpuback_dispatch(struct vgpu_worker *w, const struct vgpuif_req *req,
		      struct vgpuif_resp *resp, bool *deferred);

/* Destroys every context and resource of w (teardown). */
void vgpuback_dispatch_release_all(struct vgpu_worker *w);

/* The operation's name for logs ("op-N" when unknown). */
const char *vgpuback_op_name(uint8_t op);

/*
 * Logs why req is refused, rate-limited per worker (the first 20, then
 * every 1000th), and returns status.
 */
int vgpuback_reject(struct vgpu_worker *w, const struct vgpuif_req *req,
		    int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Handlers (ops_ctx.c, ops_res.c). */
int vgpuback_op_ctx_create(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp);
int vgpuback_op_ctx_destroy(struct vgpu_worker *w,
			    const struct vgpuif_req *req,
			    struct vgpuif_resp *resp);
int vgpuback_op_ctx_attach(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp);
int vgpuback_op_ctx_detach(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp);
int vgpuback_op_submit_3d(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp);
int vgpuback_op_resource_busy(struct vgpu_worker *w,
			      const struct vgpuif_req *req,
			      struct vgpuif_resp *resp);
void vgpuback_ctx_release(struct vgpu_worker *w, struct vgpuback_ctx *ctx);

int vgpuback_op_res_create(struct vgpu_worker *w, const struct vgpuif_req *req,
			   struct vgpuif_resp *resp);
int vgpuback_op_res_unref(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp);
int vgpuback_op_attach_backing(struct vgpu_worker *w,
			       const struct vgpuif_req *req,
			       struct vgpuif_resp *resp);
int vgpuback_op_detach_backing(struct vgpu_worker *w,
			       const struct vgpuif_req *req,
			       struct vgpuif_resp *resp);
int vgpuback_op_transfer_to_host(struct vgpu_worker *w,
				 const struct vgpuif_req *req,
				 struct vgpuif_resp *resp);
int vgpuback_op_transfer_from_host(struct vgpu_worker *w,
				   const struct vgpuif_req *req,
				   struct vgpuif_resp *resp);
void vgpuback_res_release(struct vgpu_worker *w, struct vgpuback_res *res);

/* Handlers of feature-scanout (scanout.c). */
int vgpuback_op_set_scanout(struct vgpu_worker *w,
			    const struct vgpuif_req *req,
			    struct vgpuif_resp *resp);
int vgpuback_op_page_flip(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp);
int vgpuback_op_resource_flush(struct vgpu_worker *w,
			       const struct vgpuif_req *req,
			       struct vgpuif_resp *resp);

#endif /* VGPUBACK_DISPATCH_H */
