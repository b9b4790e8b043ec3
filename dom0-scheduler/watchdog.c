// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog (see DOC: watchdog in vgpu_sched.h): a holder that made
 * no progress for the timeout is guilty and loses the GPU.
 */
#include "table.h"
#include "vgpu_util.h"

pid_t vgpu_sched_watchdog(struct vgpu_sched *s, uint32_t *domid,
			  uint64_t *stalled_ms)
{
	struct sched_table *t = s->t;
	uint64_t now, last;
	struct sched_entry *e;
	pid_t guilty = 0;

	/* Read the clock under the lock: no worker's stamp can be newer. */
	sched_lock(s);
	now = vgpu_now_ns();
	if (t->holder < 0) {
		goto out;
	}
	e = &t->e[t->holder];
	last = e->progress_ns > e->hold_start_ns ? e->progress_ns :
						    e->hold_start_ns;
	if (now - last < t->cfg.timeout_ms * 1000000ull) {
		goto out;
	}
	guilty = e->pid;
	*domid = e->domid;
	*stalled_ms = (now - last) / 1000000;
	e->resets++;
	/* Detached now: the killed worker's last calls are ignored. */
	entry_drop(t, t->holder, now);
out:
	sched_unlock(s);
	return guilty;
}
