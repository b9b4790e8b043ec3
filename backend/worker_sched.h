/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend worker's use of the GPU scheduler library (the adapter to
 * libvgpusched/vgpu_sched.h; the library's side is libvgpusched/gate.c):
 * the worker holds the GPU while it has GPU work to do or in flight, is
 * charged after every request and retired fence, and gives the GPU up
 * when it runs out of work or the scheduler says so. Without a table
 * (cfg.sched == NULL: scheduling off) every call returns at once.
 */
#ifndef VGPUBACK_WORKER_SCHED_H
#define VGPUBACK_WORKER_SCHED_H

#include <stdint.h>

struct vgpu_worker;

/* Binds the worker to its device's entry, once connected. */
void vgpuback_sched_attach(struct vgpu_worker *w);
/* Gives the GPU up and leaves the entry. */
void vgpuback_sched_detach(struct vgpu_worker *w);

/* Before a request that uses the GPU: waits for it unless held. */
void vgpuback_sched_hold(struct vgpu_worker *w);
/*
 * After a request or retired fences: charges the time, and when the
 * scheduler asks for the GPU back, lets the work in flight finish first.
 */
void vgpuback_sched_account(struct vgpu_worker *w);
/*
 * The ring is empty: gives the GPU up if no work is in flight, unless
 * the scheduler lets it linger for more (see DOC: policy).
 */
void vgpuback_sched_idle(struct vgpu_worker *w);
/* How long the worker still lingers (ns), or -1 if it does not. */
int64_t vgpuback_sched_linger_left_ns(const struct vgpu_worker *w);

/* Counts one SUBMIT_3D for xenvgpu top. */
void vgpuback_sched_count_submit(struct vgpu_worker *w);

#endif /* VGPUBACK_WORKER_SCHED_H */
