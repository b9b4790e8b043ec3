/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Contexts and resources of one guest device: hash tables keyed by the
 * guest's ids, per-guest limits, and the mapped-pages account.
 */
#include <errno.h>
#include <stdlib.h>

#include "objects.h"
#include "vgpuif.h"

#define TABLE_MAX_BUCKETS 4096u

static uint32_t buckets_for(uint32_t limit)
{
	uint32_t n = 16;

	while (n < limit && n < TABLE_MAX_BUCKETS) {
		n <<= 1;
	}
	return n;
}

static int table_init(struct vgpuback_table *tb, uint32_t limit)
{
	tb->nbuckets = buckets_for(limit);
	tb->count = 0;
	tb->buckets = calloc(tb->nbuckets, sizeof(*tb->buckets));
	if (!tb->buckets) {
		return -ENOMEM;
	}
	return 0;
}

static struct vgpuback_node **table_slot(struct vgpuback_table *tb,
					 uint32_t id)
{
	uint32_t h = id * 2654435761u;

	return &tb->buckets[(h >> 16) & (tb->nbuckets - 1)];
}

static struct vgpuback_node *table_find(struct vgpuback_table *tb,
					uint32_t id)
{
	struct vgpuback_node *n;

	for (n = *table_slot(tb, id); n; n = n->next) {
		if (n->id == id) {
			return n;
		}
	}
	return NULL;
}

static void table_insert(struct vgpuback_table *tb, struct vgpuback_node *n)
{
	struct vgpuback_node **slot = table_slot(tb, n->id);

	n->next = *slot;
	*slot = n;
	tb->count++;
}

static void table_unlink(struct vgpuback_table *tb, struct vgpuback_node *n)
{
	struct vgpuback_node **p;

	for (p = table_slot(tb, n->id); *p; p = &(*p)->next) {
		if (*p == n) {
			*p = n->next;
			tb->count--;
			return;
		}
	}
}

static struct vgpuback_node *table_any(struct vgpuback_table *tb)
{
	uint32_t i;

	if (!tb->count) {
		return NULL;
	}
	for (i = 0; i < tb->nbuckets; i++) {
		if (tb->buckets[i]) {
			return tb->buckets[i];
		}
	}
	return NULL;
}

int vgpuback_objects_init(struct vgpuback_objects *o,
			  const struct vgpuback_limits *lim)
{
	int ret;

	o->lim = *lim;
	o->mapped_pages = 0;
	o->host_bytes = 0;
	ret = table_init(&o->ctxs, lim->max_contexts);
	if (ret) {
		return ret;
	}
	ret = table_init(&o->ress, lim->max_resources);
	if (ret) {
		free(o->ctxs.buckets);
		o->ctxs.buckets = NULL;
		return ret;
	}
	return 0;
}

void vgpuback_objects_fini(struct vgpuback_objects *o)
{
	struct vgpuback_ctx *ctx;
	struct vgpuback_res *res;

	while ((res = vgpuback_res_any(o))) {
		vgpuback_res_remove(o, res);
	}
	while ((ctx = vgpuback_ctx_any(o))) {
		vgpuback_ctx_remove(o, ctx);
	}
	free(o->ctxs.buckets);
	free(o->ress.buckets);
	o->ctxs.buckets = NULL;
	o->ress.buckets = NULL;
}

struct vgpuback_ctx *vgpuback_ctx_lookup(struct vgpuback_objects *o,
					 uint32_t id)
{
	return (struct vgpuback_ctx *)table_find(&o->ctxs, id);
}

int vgpuback_ctx_add(struct vgpuback_objects *o, uint32_t id,
		     struct vgpuback_ctx **out)
{
	struct vgpuback_ctx *ctx;

	if (table_find(&o->ctxs, id)) {
		return -EEXIST;
	}
	if (o->ctxs.count >= o->lim.max_contexts) {
		return -ENOSPC;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		return -ENOMEM;
	}
	ctx->node.id = id;
	table_insert(&o->ctxs, &ctx->node);
	*out = ctx;
	return 0;
}

static void forget_ctx(struct vgpuback_table *ress, uint32_t ctx_id)
{
	struct vgpuback_node *n;
	uint32_t i;

	for (i = 0; i < ress->nbuckets; i++) {
		for (n = ress->buckets[i]; n; n = n->next) {
			vgpuback_res_detach_ctx((struct vgpuback_res *)n,
						ctx_id);
		}
	}
}

void vgpuback_ctx_remove(struct vgpuback_objects *o, struct vgpuback_ctx *ctx)
{
	forget_ctx(&o->ress, ctx->node.id);
	table_unlink(&o->ctxs, &ctx->node);
	free(ctx);
}

struct vgpuback_ctx *vgpuback_ctx_any(struct vgpuback_objects *o)
{
	return (struct vgpuback_ctx *)table_any(&o->ctxs);
}

struct vgpuback_res *vgpuback_res_lookup(struct vgpuback_objects *o,
					 uint32_t id)
{
	return (struct vgpuback_res *)table_find(&o->ress, id);
}

int vgpuback_res_add(struct vgpuback_objects *o, uint32_t id,
		     struct vgpuback_res **out)
{
	struct vgpuback_res *res;

	if (table_find(&o->ress, id)) {
		return -EEXIST;
	}
	if (o->ress.count >= o->lim.max_resources) {
		return -ENOSPC;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		return -ENOMEM;
	}
	res->node.id = id;
	table_insert(&o->ress, &res->node);
	*out = res;
	return 0;
}

void vgpuback_res_remove(struct vgpuback_objects *o, struct vgpuback_res *res)
{
	table_unlink(&o->ress, &res->node);
	free(res->ctxs);
	free(res);
}

struct vgpuback_res *vgpuback_res_any(struct vgpuback_objects *o)
{
	return (struct vgpuback_res *)table_any(&o->ress);
}

bool vgpuback_res_has_ctx(const struct vgpuback_res *res, uint32_t ctx_id)
{
	uint32_t i;

	for (i = 0; i < res->nctxs; i++) {
		if (res->ctxs[i] == ctx_id) {
			return true;
		}
	}
	return false;
}

int vgpuback_res_attach_ctx(struct vgpuback_res *res, uint32_t ctx_id)
{
	uint32_t *grown;
	uint32_t cap;

	if (vgpuback_res_has_ctx(res, ctx_id)) {
		return -EBUSY;
	}
	if (res->nctxs == res->ctxs_cap) {
		cap = res->ctxs_cap ? res->ctxs_cap * 2 : 4;
		grown = realloc(res->ctxs, cap * sizeof(*grown));
		if (!grown) {
			return -ENOMEM;
		}
		res->ctxs = grown;
		res->ctxs_cap = cap;
	}
	res->ctxs[res->nctxs++] = ctx_id;
	return 0;
}

int vgpuback_res_detach_ctx(struct vgpuback_res *res, uint32_t ctx_id)
{
	uint32_t i;

	for (i = 0; i < res->nctxs; i++) {
		if (res->ctxs[i] == ctx_id) {
			res->ctxs[i] = res->ctxs[--res->nctxs];
			return 0;
		}
	}
	return -ENOENT;
}

int vgpuback_pages_reserve(struct vgpuback_objects *o, uint32_t count)
{
	if (count > o->lim.max_mapped_pages - o->mapped_pages) {
		return -ENOSPC;
	}
	o->mapped_pages += count;
	return 0;
}

void vgpuback_pages_release(struct vgpuback_objects *o, uint32_t count)
{
	o->mapped_pages -= count;
}

uint64_t vgpuback_vram_bytes(const struct vgpuback_limits *lim)
{
	return (uint64_t)lim->max_mapped_pages * VGPUIF_PAGE_SIZE;
}

uint64_t vgpuback_host_left(const struct vgpuback_objects *o)
{
	return vgpuback_vram_bytes(&o->lim) - o->host_bytes;
}

int vgpuback_host_reserve(struct vgpuback_objects *o, uint64_t bytes)
{
	if (bytes > vgpuback_host_left(o)) {
		return -ENOSPC;
	}
	o->host_bytes += bytes;
	return 0;
}

void vgpuback_host_release(struct vgpuback_objects *o, uint64_t bytes)
{
	o->host_bytes -= bytes;
}
