/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend worker's use of the GPU scheduler library: the adapter
 * between what a worker does (requests, fences in flight, an empty ring)
 * and the library's worker-facing calls, which libvgpusched/gate.c
 * implements. It holds the GPU around the worker's work, has it charged,
 * and gives the GPU up only once its fences have retired, so that the
 * GPU time of its work is charged to it. What the worker keeps for this
 * (its entry, whether it holds the GPU, lingering) is in struct
 * vgpu_worker, not in the library.
 */
#include <errno.h>

#include "llvmpipe_affinity.h"
#include "vgpu_sched.h"
#include "vgpu_util.h"
#include "worker.h"
#include "worker_sched.h"

/*
 * True when the worker got somewhere since last asked: a fence retired,
 * or nothing is left in flight. The watchdog looks for neither.
 */
static bool progressed(struct vgpu_worker *w)
{
	uint64_t done = vgpuback_renderer_done(w->r);
	bool moved = done != w->sched_seen_done;

	w->sched_seen_done = done;
	return moved || !vgpuback_renderer_busy(w->r);
}

static void report_mapped(struct vgpu_worker *w)
{
	vgpu_sched_set_mapped(w->cfg.sched, w->sched_idx, w->objs.mapped_pages,
			      w->cfg.lim.max_mapped_pages);
}

void vgpuback_sched_attach(struct vgpu_worker *w)
{
	if (!w->cfg.sched) {
		return;
	}
	w->sched_idx = vgpu_sched_attach(w->cfg.sched, w->t->domid,
					 w->t->devid);
	if (w->sched_idx < 0) {
		vgpu_warn(VGPU_DEV_FMT "%s: this device runs unscheduled",
			  w->t->domid, w->t->devid, w->sched_idx == -ENOSPC ?
			  "the GPU scheduler's table is full" :
			  "this worker has no witness page for the GPU scheduler");
		return;
	}
	report_mapped(w);
}

void vgpuback_sched_detach(struct vgpu_worker *w)
{
	if (w->cfg.sched && w->sched_idx >= 0) {
		vgpu_sched_detach(w->cfg.sched, w->sched_idx);
		w->sched_idx = -1;
		w->gpu_held = false;
	}
}

/*
 * Held with a batch in flight and a waiter behind: lets the batch retire
 * and is charged for it before starting more (see DOC: policy), which may
 * give the GPU up.
 */
static void bound_in_flight(struct vgpu_worker *w)
{
	if (vgpuback_renderer_busy(w->r) &&
	    vgpu_sched_contended(w->cfg.sched, w->sched_idx)) {
		vgpuback_renderer_wait_idle(w->r);
		vgpuback_sched_account(w);
	}
}

void vgpuback_sched_hold(struct vgpu_worker *w)
{
	if (w->gpu_held) {
		w->linger_until = 0;    /* the work it lingered for came */
		bound_in_flight(w);
	}
	if (w->gpu_held || !w->cfg.sched || w->sched_idx < 0) {
		return;
	}
	w->linger_until = 0;
	vgpu_sched_acquire(w->cfg.sched, w->sched_idx);
	w->gpu_held = true;
	/* Co-tenants come and go: pinning follows (llvmpipe_affinity.c). */
	vgpuback_llvmpipe_affinity_shared(vgpu_sched_workers(w->cfg.sched) > 1);
	w->sched_seen_done = vgpuback_renderer_done(w->r);
}

static void give_up(struct vgpu_worker *w)
{
	vgpu_sched_release(w->cfg.sched, w->sched_idx);
	w->gpu_held = false;
	w->linger_until = 0;
}

void vgpuback_sched_account(struct vgpu_worker *w)
{
	if (!w->gpu_held) {
		return;
	}
	report_mapped(w);
	if (!vgpu_sched_charge(w->cfg.sched, w->sched_idx, progressed(w))) {
		return;
	}
	vgpuback_renderer_wait_idle(w->r);
	give_up(w);
}

void vgpuback_sched_idle(struct vgpu_worker *w)
{
	uint64_t now, linger;

	if (!w->gpu_held || vgpuback_renderer_busy(w->r)) {
		return;
	}
	now = vgpu_now_ns();
	if (!w->linger_until) {
		linger = vgpu_sched_linger(w->cfg.sched, w->sched_idx);
		w->linger_until = linger ? now + linger : 0;
	}
	if (now >= w->linger_until) {
		give_up(w);
	}
}

int64_t vgpuback_sched_linger_left_ns(const struct vgpu_worker *w)
{
	uint64_t now = vgpu_now_ns();

	if (!w->gpu_held || !w->linger_until) {
		return -1;
	}
	return w->linger_until > now ? (int64_t)(w->linger_until - now) : 0;
}

void vgpuback_sched_count_submit(struct vgpu_worker *w)
{
	if (w->cfg.sched && w->sched_idx >= 0) {
		vgpu_sched_count_submit(w->cfg.sched, w->sched_idx);
	}
}
