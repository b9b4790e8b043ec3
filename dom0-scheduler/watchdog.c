// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog (see DOC: watchdog in vgpu_sched.h): a holder that made
 * no progress for the timeout is guilty and loses the GPU; so is a worker
 * that keeps the table's lock. What it names, it names from the table,
 * which workers can write (DOC: trust): the parent kills only its own
 * children.
 */
#include <sys/wait.h>

#include "table.h"
#include "vgpu_util.h"

/* One of the caller's workers, alive or not yet reaped. */
static bool own_child(pid_t pid)
{
	siginfo_t info;

	return pid > 0 &&
	       !waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
}

/*
 * sched_lock_timed() failed. Updates under the lock take microseconds,
 * so a lock one owner kept for the timeout is kept on purpose, by a
 * worker its guest took over (a lock whose owner has exited,
 * sched_lock_timed() has freed already). An owner that is our child is
 * reset like a hung holder (reaping it frees the lock); one that is not,
 * which only a worker can have written, loses the lock.
 */
static bool lock_kept(struct vgpu_sched *s, struct vgpu_sched_hang *hang)
{
	uint32_t owner = __atomic_load_n(&s->t->lock, __ATOMIC_RELAXED) &
			 SCHED_LOCK_OWNER;
	uint64_t now = vgpu_now_ns(), held;

	if (!s->lock_denied_ns || owner != s->lock_denied_owner) {
		s->lock_denied_ns = now;
		s->lock_denied_owner = owner;
		return false;
	}
	held = now - s->lock_denied_ns + SCHED_LOCK_WAIT_MS * 1000000ull;
	if (held < s->cfg.timeout_ms * 1000000ull) {
		return false;
	}
	s->lock_denied_ns = 0;
	if (!own_child((pid_t)owner)) {
		vgpu_err("the GPU scheduler's table was locked for %llu ms by "
			 "pid %u, which is no worker of this backend; breaking "
			 "the lock", (unsigned long long)(held / 1000000),
			 owner);
		sched_lock_break(s, owner);
		return false;
	}
	*hang = (struct vgpu_sched_hang){
		.pid = (pid_t)owner, .stalled_ms = held / 1000000,
		.kept_lock = true,
	};
	return true;
}

/* The holder made no progress for the timeout: takes the GPU back. */
static bool holder_stalled(struct vgpu_sched *s, uint64_t now,
			   struct vgpu_sched_hang *hang)
{
	int holder = sched_holder(s->t);
	struct sched_entry *e;
	uint64_t last;

	if (holder < 0) {
		return false;
	}
	e = &s->t->e[holder];
	last = e->progress_ns > e->hold_start_ns ? e->progress_ns :
						    e->hold_start_ns;
	if (now - last < s->cfg.timeout_ms * 1000000ull) {
		return false;
	}
	*hang = (struct vgpu_sched_hang){
		.pid = e->pid, .domid = e->domid,
		.stalled_ms = (now - last) / 1000000,
	};
	e->resets++;
	/* Detached now: the killed worker's last calls are ignored. */
	entry_drop(s, holder, now);
	return true;
}

bool vgpu_sched_watchdog(struct vgpu_sched *s, struct vgpu_sched_hang *hang)
{
	bool hung;

	if (!sched_lock_timed(s)) {
		return lock_kept(s, hang);
	}
	s->lock_denied_ns = 0;
	/* Read the clock under the lock: no worker's stamp can be newer. */
	hung = holder_stalled(s, vgpu_now_ns(), hang);
	sched_unlock(s);
	if (hung && !own_child(hang->pid)) {
		vgpu_err("dom%u: the GPU scheduler's table names pid %d as its "
			 "worker, which is no worker of this backend: the GPU "
			 "is taken back, nothing is killed", hang->domid,
			 (int)hang->pid);
		hung = false;
	}
	return hung;
}
