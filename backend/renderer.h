/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virglrenderer glue for one worker process: initialisation (EGL,
 * surfaceless or a chosen render node), capsets, and fences.
 *
 * DOC: fences
 * virglrenderer 0.10.4's global fences are created after the work they
 * cover, carry a 32-bit id of ours, and retire in creation order (several
 * at once: only the newest of a run is reported). The renderer keeps its
 * own increasing sequence number and a FIFO of responses deferred until a
 * fence retires; when write_fence(seq) comes, every deferred response
 * whose fence is at or before seq goes to the sink.
 *
 * Fences retire on virglrenderer's sync thread (ASYNC_FENCE_CB): its
 * write_fence() sends the responses they held straight to the sink, so
 * an answer waits for no wake-up of the worker's main loop. The lock
 * orders that thread against the main loop's fences and deferrals.
 * The sink must therefore be safe to call from that thread, and nothing
 * may hold the lock across a call into virglrenderer: the sync thread
 * can hold virglrenderer's poll lock while it takes ours. Then the main
 * loop learns of the retirement (for the scheduler's accounting) through
 * the poll fd, which is readable once a fence retired or virglrenderer
 * wants its queries checked. Where the sync thread cannot start, fences
 * retire on the main loop as before.
 *
 * virglrenderer keeps its state in globals, so there is one renderer per
 * process; fork before vgpuback_renderer_init(), never after.
 */
#ifndef VGPUBACK_RENDERER_H
#define VGPUBACK_RENDERER_H

#ifndef VIRGL_RENDERER_UNSTABLE_APIS
#define VIRGL_RENDERER_UNSTABLE_APIS
#endif
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <virglrenderer.h>

#include "vgpuif.h"

struct vgpuback_deferred;

/* virglrenderer.h only declares it; the layout is its pipe_box's. */
struct virgl_box {
	uint32_t x, y, z;
	uint32_t w, h, d;
};

/* Where completed deferred responses go (the worker's ring). */
typedef void (*vgpuback_resp_sink)(void *opaque,
				   const struct vgpuif_resp *resp);

struct vgpuback_renderer {
	struct virgl_renderer_callbacks cbs;
	const char *render_node;
	bool initialised;
	bool async;             /* fences retire on the sync thread */
	int poll_fd;            /* -1: poll on a timer instead */
	int retire_fd;          /* async: written as fences retire */
	pthread_mutex_t lock;
	/*
	 * Fences count up from 1; virglrenderer carries their low 32 bits,
	 * and write_fence() restores the rest (fewer than 2^32 are ever in
	 * flight), so that no comparison wraps.
	 */
	uint64_t seq;           /* newest fence created; main loop writes */
	/* Under lock: */
	uint64_t done;          /* newest fence retired */
	struct vgpuback_deferred *head;
	struct vgpuback_deferred *tail;
	vgpuback_resp_sink sink;
	void *sink_opaque;
};

/*
 * Initialises virglrenderer (EGL; surfaceless unless render_node, which
 * may be NULL, names a DRM render node). Logs what is missing and returns
 * -ENODEV when EGL/GL cannot be brought up, or -errno.
 */
int vgpuback_renderer_init(struct vgpuback_renderer *r,
			   const char *render_node);
/*
 * Drops deferred responses and tears virglrenderer down; its sync thread
 * must be idle (vgpuback_renderer_wait_idle()), as it may be waiting for
 * a poll or on a fence of a context that is gone.
 */
void vgpuback_renderer_fini(struct vgpuback_renderer *r);

void vgpuback_renderer_set_sink(struct vgpuback_renderer *r,
				vgpuback_resp_sink sink, void *opaque);

/*
 * Creates a fence after the work submitted so far (call it right after
 * the work, while ctx_id's GL context is current); r->seq is its number.
 * Fences retire in the order they were created. Returns 0 or -EIO.
 */
int vgpuback_renderer_fence(struct vgpuback_renderer *r, uint32_t ctx_id);

/* True while a fence created earlier has not retired. */
bool vgpuback_renderer_busy(struct vgpuback_renderer *r);

/* The newest fence retired. */
uint64_t vgpuback_renderer_done(struct vgpuback_renderer *r);

/* True once fence seq (0: none) has retired. */
bool vgpuback_renderer_retired(struct vgpuback_renderer *r, uint64_t seq);

/*
 * Holds resp until fence seq has retired, then passes it to the sink.
 * Returns 0, or -ENOMEM.
 */
int vgpuback_renderer_defer(struct vgpuback_renderer *r,
			    const struct vgpuif_resp *resp, uint64_t seq);
/* Forgets deferred responses (the frontend is gone). */
void vgpuback_renderer_drop_deferred(struct vgpuback_renderer *r);

/*
 * The fd that becomes readable when fences retire or virglrenderer wants
 * vgpuback_renderer_poll(), or -1.
 */
int vgpuback_renderer_poll_fd(const struct vgpuback_renderer *r);
/*
 * Retires signalled fences (may call the sink) and lets virglrenderer
 * check its queries. Call it whenever the poll fd is readable: the sync
 * thread may be waiting for it.
 */
void vgpuback_renderer_poll(struct vgpuback_renderer *r);
/*
 * Waits until every fence created so far has retired: the GPU has done
 * all the work given to it. A hang here is the scheduler watchdog's.
 */
void vgpuback_renderer_wait_idle(struct vgpuback_renderer *r);

/* Capsets by index: 0 to vgpuback_renderer_capset_count() - 1. */
uint32_t vgpuback_renderer_capset_count(void);
/* Returns 0, or -EINVAL past the last one. */
int vgpuback_renderer_capset_info(uint32_t index, uint32_t *id,
				  uint32_t *max_version, uint32_t *max_size);
/* Returns 0 and the capset's size, or -EINVAL for an unknown id. */
int vgpuback_renderer_capset_size(uint32_t id, uint32_t version,
				  uint32_t *size);

/*
 * Writes capset id (checked by vgpuback_renderer_capset_size) into dst,
 * size bytes. Returns 0 or -ENOMEM.
 */
int vgpuback_renderer_fill_caps(uint32_t id, uint32_t version, void *dst,
				uint32_t size);

#endif /* VGPUBACK_RENDERER_H */
