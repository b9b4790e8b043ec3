/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The watchdog (see DOC: watchdog in vgpu_sched.h): a holder that made
 * no progress for the timeout is guilty and loses the GPU; so is a worker
 * that keeps the table's lock. The table, which every worker can write
 * (DOC: trust), names whom to suspect; only the suspect's own page (its
 * witness) can make it guilty, and the parent kills only its own
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

static uint64_t timeout_ns(const struct vgpu_sched *s)
{
	return s->cfg.timeout_ms * 1000000ull;
}

/*
 * The worker says it has held the lock since before the watchdog first
 * failed to take it (first_denied), so for the whole time it was kept.
 */
static bool admits_lock(const struct sched_witness *w, uint64_t first_denied)
{
	uint64_t since = __atomic_load_n(&w->lock_since_ns, __ATOMIC_RELAXED);

	return since && since <= first_denied;
}

/*
 * vgpu_sched_table_lock_timed() failed. Updates under the lock take
 * microseconds, so a lock one owner kept for the timeout is kept on
 * purpose, by a worker its guest took over (a lock whose owner has
 * exited, vgpu_sched_table_lock_timed() has freed already). An owner
 * that is our child and says it holds the lock is reset like a hung
 * holder (reaping it frees the lock). Any other owner, named by a worker
 * that wrote the word itself, loses the lock: a worker must not get
 * another reset by writing that one's pid there.
 */
static bool lock_kept(struct vgpu_sched *s, struct vgpu_sched_hang *hang)
{
	uint32_t owner = __atomic_load_n(&s->t->lock, __ATOMIC_RELAXED) &
			 SCHED_LOCK_OWNER;
	uint64_t now = vgpu_now_ns(), first = s->lock_denied_ns, held;
	const struct sched_witness *w;

	s->lock_kept_ns = now;
	if (!first || owner != s->lock_denied_owner) {
		s->lock_denied_ns = now;
		s->lock_denied_owner = owner;
		return false;
	}
	held = now - first + SCHED_LOCK_WAIT_MS * 1000000ull;
	if (held < timeout_ns(s)) {
		return false;
	}
	s->lock_denied_ns = 0;
	w = vgpu_sched_witness_of(s, (pid_t)owner);
	if (w && own_child((pid_t)owner) && admits_lock(w, first)) {
		*hang = (struct vgpu_sched_hang){
			.pid = (pid_t)owner, .stalled_ms = held / 1000000,
			.kept_lock = true,
		};
		return true;
	}
	vgpu_err("the GPU scheduler's table was locked for %llu ms in the "
		 "name of pid %u, %s; breaking the lock",
		 (unsigned long long)(held / 1000000), owner,
		 w ? "a worker that says it does not hold it" :
		     "which is no worker of this backend");
	vgpu_sched_table_lock_break(s, owner);
	return false;
}

/*
 * The worker says it has held the GPU for the timeout without its work
 * moving, and no lock kept from it meanwhile explains that: a holder
 * stuck behind a lock another worker keeps is not hung itself. (So a
 * worker that keeps the lock now and then delays a hung holder's reset,
 * not its losing the GPU.)
 */
static bool admits_stall(const struct vgpu_sched *s,
			 const struct sched_witness *w, uint64_t now)
{
	uint64_t held = __atomic_load_n(&w->held_since_ns, __ATOMIC_RELAXED);
	uint64_t last = __atomic_load_n(&w->progress_ns, __ATOMIC_RELAXED);

	last = last > held ? last : held;
	last = last > s->lock_kept_ns ? last : s->lock_kept_ns;
	return held && last < now && now - last >= timeout_ns(s);
}

enum verdict {
	VERDICT_NONE,           /* no holder stalled */
	VERDICT_GUILTY,         /* hang names the worker to kill */
	VERDICT_DENIED,         /* the worker the table names says otherwise */
	VERDICT_FOREIGN,        /* the table names no worker of ours */
};

/*
 * The holder the table names made no progress for the timeout: takes
 * the GPU back, and finds it guilty if its worker agrees.
 */
static enum verdict holder_stalled(struct vgpu_sched *s, uint64_t now,
				   struct vgpu_sched_hang *hang)
{
	int holder = vgpu_sched_holder(s->t);
	const struct sched_witness *w;
	struct sched_entry *e;
	uint64_t last, start;

	if (holder < 0) {
		return VERDICT_NONE;
	}
	e = &s->t->e[holder];
	/* Each stamp read once: the one compared is the one used. */
	last = __atomic_load_n(&e->progress_ns, __ATOMIC_RELAXED);
	start = __atomic_load_n(&e->hold_start_ns, __ATOMIC_RELAXED);
	last = last > start ? last : start;
	if (now - last < timeout_ns(s)) {
		return VERDICT_NONE;
	}
	/* Read once: the pid checked must be the pid killed. */
	*hang = (struct vgpu_sched_hang){
		.pid = __atomic_load_n(&e->pid, __ATOMIC_RELAXED),
		.domid = e->domid, .devid = e->devid, .stalled_ms = (now - last) / 1000000,
	};
	w = vgpu_sched_witness_of(s, hang->pid);
	if (w && !admits_stall(s, w, now)) {
		vgpu_sched_entry_take_gpu(s, holder, now);
		return VERDICT_DENIED;
	}
	if (w) {
		e->resets++;
	}
	/* Detached now: the killed worker's last calls are ignored. */
	vgpu_sched_entry_drop(s, holder, now);
	return w ? VERDICT_GUILTY : VERDICT_FOREIGN;
}

bool vgpu_sched_watchdog(struct vgpu_sched *s, struct vgpu_sched_hang *hang)
{
	enum verdict verdict;

	if (!vgpu_sched_table_lock_timed(s)) {
		return lock_kept(s, hang);
	}
	s->lock_denied_ns = 0;
	/* Read the clock under the lock: no worker's stamp can be newer. */
	verdict = holder_stalled(s, vgpu_now_ns(), hang);
	vgpu_sched_table_unlock(s);
	if (verdict == VERDICT_GUILTY && own_child(hang->pid)) {
		return true;
	}
	if (verdict == VERDICT_DENIED) {
		vgpu_err(VGPU_DEV_FMT "the GPU scheduler's table says worker "
			 "%d has held the GPU for %llu ms without progress, and "
			 "the worker says otherwise: the GPU is taken back, "
			 "nothing is killed", hang->domid, hang->devid,
			 (int)hang->pid,
			 (unsigned long long)hang->stalled_ms);
	} else if (verdict != VERDICT_NONE) {
		vgpu_err(VGPU_DEV_FMT "the GPU scheduler's table names pid %d "
			 "as its worker, which is no worker of this backend: "
			 "the GPU is taken back, nothing is killed", hang->domid,
			 hang->devid,
			 (int)hang->pid);
	}
	return false;
}
