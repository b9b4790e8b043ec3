/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-device object tables of the backend worker: the guest's contexts and
 * resources, looked up by the ids the guest chose, and the per-guest limits
 * on how many of each may live and how many guest pages may be mapped.
 *
 * The tables only keep book; the virglrenderer calls are the caller's.
 */
#ifndef VGPUBACK_OBJECTS_H
#define VGPUBACK_OBJECTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vgpuif.h"

/* Largest context or resource id a guest may use (2^31 - 1). */
#define VGPUBACK_MAX_ID 0x7fffffffu

struct vgpuback_node {
	uint32_t id;
	struct vgpuback_node *next;
};

struct vgpuback_table {
	struct vgpuback_node **buckets;
	uint32_t nbuckets;      /* a power of two */
	uint32_t count;
};

struct vgpuback_ctx {
	struct vgpuback_node node;      /* id: ctx_id */
	uint64_t last_fence;            /* after its newest work; 0: none */
};

struct vgpuback_res {
	struct vgpuback_node node;      /* id: res_id */
	void *backing;                  /* mapped guest pages, or NULL */
	uint32_t backing_pages;
	struct iovec iov;               /* virglrenderer keeps a pointer */
	uint32_t *ctxs;                 /* contexts it is attached to */
	uint32_t nctxs;
	uint32_t ctxs_cap;
	uint64_t host_bytes;            /* its storage in the renderer */
	/* As the guest created it: transfers are checked against it. */
	struct vgpuif_resource_create_3d_req desc;
};

struct vgpuback_limits {
	uint32_t max_mapped_pages;
	uint32_t max_contexts;
	uint32_t max_resources;
	uint32_t max_cmd_pages;
	uint32_t max_submit_size;
};

struct vgpuback_objects {
	struct vgpuback_table ctxs;
	struct vgpuback_table ress;
	struct vgpuback_limits lim;
	uint32_t mapped_pages;
	uint64_t host_bytes;            /* all resources' renderer storage */
};

int vgpuback_objects_init(struct vgpuback_objects *o,
			  const struct vgpuback_limits *lim);
/* Frees the bookkeeping; the objects must have been released already. */
void vgpuback_objects_fini(struct vgpuback_objects *o);

struct vgpuback_ctx *vgpuback_ctx_lookup(struct vgpuback_objects *o,
					 uint32_t id);
/* -EEXIST, -ENOSPC (max-contexts) or -ENOMEM. */
int vgpuback_ctx_add(struct vgpuback_objects *o, uint32_t id,
		     struct vgpuback_ctx **out);
/* Unlinks and frees ctx, and forgets it in every resource's list. */
void vgpuback_ctx_remove(struct vgpuback_objects *o, struct vgpuback_ctx *ctx);
/* Any context, or NULL when there is none (for teardown). */
struct vgpuback_ctx *vgpuback_ctx_any(struct vgpuback_objects *o);

struct vgpuback_res *vgpuback_res_lookup(struct vgpuback_objects *o,
					 uint32_t id);
/* -EEXIST, -ENOSPC (max-resources) or -ENOMEM. */
int vgpuback_res_add(struct vgpuback_objects *o, uint32_t id,
		     struct vgpuback_res **out);
void vgpuback_res_remove(struct vgpuback_objects *o, struct vgpuback_res *res);
struct vgpuback_res *vgpuback_res_any(struct vgpuback_objects *o);

bool vgpuback_res_has_ctx(const struct vgpuback_res *res, uint32_t ctx_id);
/* -EBUSY if already attached, -ENOMEM. */
int vgpuback_res_attach_ctx(struct vgpuback_res *res, uint32_t ctx_id);
/* -ENOENT if not attached. */
int vgpuback_res_detach_ctx(struct vgpuback_res *res, uint32_t ctx_id);

/*
 * Accounts count more mapped guest pages against max-mapped-pages.
 * Returns 0 or -ENOSPC.
 */
int vgpuback_pages_reserve(struct vgpuback_objects *o, uint32_t count);
void vgpuback_pages_release(struct vgpuback_objects *o, uint32_t count);
/*
 * Accounts bytes more of the renderer's own storage for resources (dom0
 * memory, unlike the guest's pages) against the same vram budget:
 * max-mapped-pages pages. Returns 0 or -ENOSPC.
 */
int vgpuback_host_reserve(struct vgpuback_objects *o, uint64_t bytes);
uint64_t vgpuback_host_left(const struct vgpuback_objects *o);
/* The guest's vram: max-mapped-pages, in bytes. */
uint64_t vgpuback_vram_bytes(const struct vgpuback_limits *lim);
void vgpuback_host_release(struct vgpuback_objects *o, uint64_t bytes);

#endif /* VGPUBACK_OBJECTS_H */
