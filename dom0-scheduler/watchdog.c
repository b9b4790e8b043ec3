// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog (see DOC: watchdog in vgpu_sched.h): a holder that made
 * no progress for the timeout is guilty and loses the GPU; so is a worker
 * that keeps the table's lock. What it names, it names from the table,
 * which workers can write (DOC: trust): the parent kills only its own
 * children.
 */
#include <stdio.h>
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

/* The process thread tid belongs to, or 0. */
static pid_t process_of(pid_t tid)
{
	char path[64], line[128];
	int tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f) {
		return 0;
	}
	while (fgets(line, sizeof(line), f) &&
	       sscanf(line, "Tgid: %d", &tgid) != 1) {
		continue;
	}
	fclose(f);
	return tgid;
}

/*
 * sched_lock_timed() failed. Updates under the lock take microseconds,
 * so a lock held for the timeout is kept on purpose, by a worker its
 * guest took over. glibc records the owner of a robust mutex in it (the
 * kernel's robust-futex protocol needs the owner's thread id); that
 * thread's process is reset like a hung holder, and the mutex recovers
 * when it dies.
 */
static bool lock_kept(struct vgpu_sched *s, struct vgpu_sched_hang *hang)
{
	uint64_t now = vgpu_now_ns(), held;
	pid_t owner;

	if (!s->lock_denied_ns) {
		s->lock_denied_ns = now;
		return false;
	}
	held = now - s->lock_denied_ns + SCHED_LOCK_WAIT_MS * 1000000ull;
	if (held < s->cfg.timeout_ms * 1000000ull) {
		return false;
	}
	s->lock_denied_ns = 0;
	owner = process_of(__atomic_load_n(&s->t->lock.__data.__owner,
					   __ATOMIC_RELAXED));
	if (!own_child(owner)) {
		vgpu_err("the GPU scheduler's table has been locked for %llu ms "
			 "by no worker of this backend: guests wait for the "
			 "GPU until it is free",
			 (unsigned long long)(held / 1000000));
		return false;
	}
	*hang = (struct vgpu_sched_hang){
		.pid = owner, .stalled_ms = held / 1000000, .kept_lock = true,
	};
	return true;
}

/* The holder made no progress for the timeout: takes the GPU back. */
static bool holder_stalled(struct sched_table *t, uint64_t now,
			   struct vgpu_sched_hang *hang)
{
	struct sched_entry *e;
	uint64_t last;

	if (t->holder < 0) {
		return false;
	}
	e = &t->e[t->holder];
	last = e->progress_ns > e->hold_start_ns ? e->progress_ns :
						    e->hold_start_ns;
	if (now - last < t->cfg.timeout_ms * 1000000ull) {
		return false;
	}
	*hang = (struct vgpu_sched_hang){
		.pid = e->pid, .domid = e->domid,
		.stalled_ms = (now - last) / 1000000,
	};
	e->resets++;
	/* Detached now: the killed worker's last calls are ignored. */
	entry_drop(t, t->holder, now);
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
	hung = holder_stalled(s->t, vgpu_now_ns(), hang);
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
