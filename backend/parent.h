/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's parent process, shared by the loopback listener
 * (main.c) and the Xen supervisor (supervisor.c): it forks the workers
 * with the GPU scheduler's witness, reaps them, runs the GPU watchdog,
 * stops them (SIGTERM, then SIGKILL after a grace period) and takes
 * SIGCHLD, SIGINT and SIGTERM through a signalfd in its one poll loop.
 *
 * DOC: stopping a worker
 * A worker runs code its guest can reach, so it may not cooperate: it
 * can block SIGTERM. Every stop therefore escalates to SIGKILL after
 * VGPUBACK_STOP_GRACE_MS, at run time as at shutdown, so that a worker
 * never outlives its device with the guest's pages still mapped.
 */
#ifndef VGPUBACK_PARENT_H
#define VGPUBACK_PARENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vgpu_sched;
struct vgpuback_cpu_bound;

#define VGPUBACK_STOP_GRACE_MS  5000

struct vgpuback_parent_ops {
	/* The event fd given to vgpuback_parent_run() is readable. */
	void (*event)(void *opaque);
	/* A worker was reaped; status as from waitpid(). */
	void (*exited)(void *opaque, pid_t pid, int status);
	/* In a new worker, before anything else: close the caller's fds. */
	void (*in_child)(void *opaque);
	/* Once a loop turn; returns ms until it is due again, or -1. */
	int (*tick)(void *opaque);
};

struct vgpuback_worker_slot {
	pid_t pid;
	int cpu_group;                  /* cpu_bound.h; 0: none */
	uint64_t kill_at_ns;            /* 0: not being stopped */
};

struct vgpuback_parent {
	struct vgpu_sched *sched;       /* NULL: scheduling off */
	struct vgpuback_cpu_bound *cpu; /* NULL: workers' CPU unbounded */
	const struct vgpuback_parent_ops *ops;
	void *opaque;
	int sig_fd;
	sigset_t old_mask;
	struct vgpuback_worker_slot *workers;
	size_t nworkers;
	size_t cap;
};

/* Takes the signals. Returns 0 or a negative errno. */
int vgpuback_parent_init(struct vgpuback_parent *p, struct vgpu_sched *sched,
			 struct vgpuback_cpu_bound *cpu,
			 const struct vgpuback_parent_ops *ops, void *opaque);
/* Stops every worker (escalating as above), gives the signals back. */
void vgpuback_parent_fini(struct vgpuback_parent *p);

/*
 * Forks a worker, in a CPU group of its own with the scheduler's weight
 * when the CPU is bounded. Returns 0 in the worker (ops->in_child has
 * run, the signal mask is the caller's again, and it dies with the
 * parent), its pid in the parent, or a negative errno.
 */
pid_t vgpuback_parent_fork(struct vgpuback_parent *p, uint32_t weight);

/* A worker's scheduler weight changed: so does its CPU share. */
void vgpuback_parent_set_weight(struct vgpuback_parent *p, pid_t pid,
				uint32_t weight);

/* Asks a worker to stop; it is killed if still there after the grace. */
void vgpuback_parent_stop(struct vgpuback_parent *p, pid_t pid);

/*
 * Serves until SIGINT or SIGTERM: ops->event when event_fd is readable,
 * ops->exited for each reaped worker, the watchdog and the escalation of
 * stops on time. Returns 0, or a negative errno if poll failed.
 */
int vgpuback_parent_run(struct vgpuback_parent *p, int event_fd);

/* A device's crash budget: at most a burst of restarts in a window. */
struct vgpuback_restarts {
	unsigned int count;
	uint64_t window_start_ns;
};

#define VGPUBACK_RESTART_BURST  5

/* Counts a crash; false once there were too many to restart again. */
bool vgpuback_restart_allowed(struct vgpuback_restarts *r);

/*
 * DOC: start pacing
 * Every start of a device's worker counts, whatever ended the last one:
 * a guest that closes or breaks its frontend on purpose must not make
 * dom0 fork and start a renderer in a loop. A device may start
 * VGPUBACK_RESTART_BURST workers at once, then one every
 * VGPUBACK_START_INTERVAL_MS; an idle device earns its burst back at
 * that rate. (A generic cell rate: one deadline, no history.) The burst
 * is the daemon's --start-burst.
 */
#define VGPUBACK_START_INTERVAL_MS      12000

struct vgpuback_pacing {
	uint64_t due_ns;        /* when the next start would be on pace */
	uint32_t burst;         /* 0: VGPUBACK_RESTART_BURST */
};

/* ns to wait before the next start may run; 0: now. */
uint64_t vgpuback_pace_delay_ns(const struct vgpuback_pacing *p, uint64_t now);
/* Counts a start made at now. */
void vgpuback_pace_count(struct vgpuback_pacing *p, uint64_t now);

/*
 * The GPU watchdog (see DOC: watchdog in vgpu_sched.h): kills a worker
 * that holds the GPU without progress. Run it every
 * vgpuback_watchdog_interval_ms(); both accept a NULL table.
 */
void vgpuback_watchdog(struct vgpu_sched *s);
int vgpuback_watchdog_interval_ms(struct vgpu_sched *s);

#endif /* VGPUBACK_PARENT_H */
