/* SPDX-License-Identifier: GPL-2.0 */
/* The backend's parent process: workers' life, signals, the watchdog. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu_bound.h"
#include "parent.h"
#include "vgpu_sched.h"
#include "vgpu_util.h"

#define RESTART_WINDOW_NS       (60ull * 1000000000ull)
#define NS_PER_MS               1000000ull

static int open_signals(struct vgpuback_parent *p)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, &p->old_mask)) {
		return -errno;
	}
	p->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	return p->sig_fd < 0 ? -errno : 0;
}

int vgpuback_parent_init(struct vgpuback_parent *p, struct vgpu_sched *sched,
			 struct vgpuback_cpu_bound *cpu,
			 const struct vgpuback_parent_ops *ops, void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->sched = sched;
	p->cpu = cpu;
	p->ops = ops;
	p->opaque = opaque;
	return open_signals(p);
}

static struct vgpuback_worker_slot *find_worker(struct vgpuback_parent *p,
						pid_t pid)
{
	size_t i;

	for (i = 0; i < p->nworkers; i++) {
		if (p->workers[i].pid == pid) {
			return &p->workers[i];
		}
	}
	return NULL;
}

static int track_worker(struct vgpuback_parent *p, pid_t pid, int cpu_group)
{
	struct vgpuback_worker_slot *grown;

	if (p->nworkers == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		grown = realloc(p->workers, p->cap * sizeof(*grown));
		if (!grown) {
			return -ENOMEM;
		}
		p->workers = grown;
	}
	p->workers[p->nworkers++] = (struct vgpuback_worker_slot){
		.pid = pid, .cpu_group = cpu_group,
	};
	return 0;
}

static void forget_worker(struct vgpuback_parent *p, pid_t pid)
{
	struct vgpuback_worker_slot *w = find_worker(p, pid);

	if (!w) {
		return;
	}
	if (w->cpu_group) {
		vgpuback_cpu_bound_remove(p->cpu, w->cpu_group);
	}
	*w = p->workers[--p->nworkers];
}

static void reap(struct vgpuback_parent *p)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		forget_worker(p, pid);
		if (p->sched) {
			vgpu_sched_reaped(p->sched, pid);
		}
		if (p->ops->exited) {
			p->ops->exited(p->opaque, pid, status);
		}
	}
}

/* In the worker: nothing of the parent's stays but what it must. */
static void become_worker(struct vgpuback_parent *p, int cpu_group)
{
	int ret;

	/* Bounded before it runs a line of the guest's, or not at all. */
	if (cpu_group) {
		ret = vgpuback_cpu_bound_enter(p->cpu, cpu_group);
		if (ret) {
			vgpu_err("cannot enter the worker's CPU group: %s",
				 strerror(-ret));
			_exit(1);
		}
	}
	close(p->sig_fd);
	free(p->workers);
	p->workers = NULL;
	p->nworkers = p->cap = 0;
	if (p->ops->in_child) {
		p->ops->in_child(p->opaque);
	}
	sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

pid_t vgpuback_parent_fork(struct vgpuback_parent *p, uint32_t weight)
{
	int ret = vgpu_sched_before_fork(p->sched), group = 0;
	pid_t pid;

	if (ret) {
		return ret;
	}
	if (p->cpu) {
		group = vgpuback_cpu_bound_make(p->cpu, weight);
		if (group < 0) {
			return group;   /* the next fork takes the page */
		}
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto fail_fork;
	}
	/* In the worker, before a byte from the guest. */
	vgpu_sched_after_fork(p->sched, pid);
	if (!pid) {
		become_worker(p, group);
		return 0;
	}
	if (track_worker(p, pid, group)) {
		kill(pid, SIGKILL);     /* untracked, it could not be stopped */
		return -ENOMEM;         /* its group stays: it is in there */
	}
	return pid;

fail_fork:
	if (group) {
		vgpuback_cpu_bound_remove(p->cpu, group);
	}
	return ret;
}

void vgpuback_parent_set_weight(struct vgpuback_parent *p, pid_t pid,
				uint32_t weight)
{
	struct vgpuback_worker_slot *w = find_worker(p, pid);

	if (w && w->cpu_group) {
		vgpuback_cpu_bound_set_weight(p->cpu, w->cpu_group, weight);
	}
}

void vgpuback_parent_stop(struct vgpuback_parent *p, pid_t pid)
{
	struct vgpuback_worker_slot *w = find_worker(p, pid);

	if (!w || w->kill_at_ns) {
		return;
	}
	kill(pid, SIGTERM);
	w->kill_at_ns = vgpu_now_ns() + VGPUBACK_STOP_GRACE_MS * NS_PER_MS;
}

static void kill_stubborn(pid_t pid)
{
	vgpu_warn("worker %d ignored SIGTERM for %u ms: killing it", (int)pid,
		  VGPUBACK_STOP_GRACE_MS);
	kill(pid, SIGKILL);
}

/* Kills the workers whose grace has run out; returns ms to the next. */
static int escalate_stops(struct vgpuback_parent *p)
{
	uint64_t now = vgpu_now_ns(), next = UINT64_MAX;
	size_t i;

	for (i = 0; i < p->nworkers; i++) {
		struct vgpuback_worker_slot *w = &p->workers[i];

		if (!w->kill_at_ns) {
			continue;
		}
		if (w->kill_at_ns <= now) {
			kill_stubborn(w->pid);
			w->kill_at_ns = UINT64_MAX;     /* once */
		} else if (w->kill_at_ns < next) {
			next = w->kill_at_ns;
		}
	}
	if (next == UINT64_MAX) {
		return -1;
	}
	return (int)((next - now) / NS_PER_MS) + 1;
}

/* Returns true when asked to stop. */
static bool handle_signal(struct vgpuback_parent *p)
{
	struct signalfd_siginfo si;

	if (read(p->sig_fd, &si, sizeof(si)) != sizeof(si)) {
		return false;
	}
	if (si.ssi_signo == SIGCHLD) {
		reap(p);
		return false;
	}
	vgpu_info("signal %u: shutting down", si.ssi_signo);
	return true;
}

static int min_timeout(int a, int b)
{
	if (a < 0) {
		return b;
	}
	return b < 0 || a < b ? a : b;
}

int vgpuback_parent_run(struct vgpuback_parent *p, int event_fd)
{
	struct pollfd fds[2] = {
		{ .fd = p->sig_fd, .events = POLLIN },
		{ .fd = event_fd, .events = POLLIN },
	};
	int timeout;

	for (;;) {
		vgpuback_watchdog(p->sched);
		timeout = min_timeout(vgpuback_watchdog_interval_ms(p->sched),
				      escalate_stops(p));
		if (p->ops->tick) {
			timeout = min_timeout(timeout, p->ops->tick(p->opaque));
		}
		if (poll(fds, 2, timeout) < 0) {
			if (errno == EINTR) {
				continue;
			}
			vgpu_err("poll: %s", strerror(errno));
			return -errno;
		}
		if (fds[0].revents && handle_signal(p)) {
			return 0;
		}
		if (fds[1].revents) {
			p->ops->event(p->opaque);
		}
	}
}

/* Waits up to the grace for every worker to go; true if they all did. */
static bool wait_all(struct vgpuback_parent *p)
{
	uint64_t end = vgpu_now_ns() + VGPUBACK_STOP_GRACE_MS * NS_PER_MS;
	struct pollfd fd = { .fd = p->sig_fd, .events = POLLIN };
	uint64_t now;

	for (;;) {
		reap(p);
		now = vgpu_now_ns();
		if (!p->nworkers || now >= end) {
			return !p->nworkers;
		}
		/* SIGCHLD stays blocked: it arrives on the signalfd. */
		poll(&fd, 1, (int)((end - now) / NS_PER_MS) + 1);
		if (fd.revents) {
			struct signalfd_siginfo si;

			if (read(p->sig_fd, &si, sizeof(si)) < 0) {
				return !p->nworkers;
			}
		}
	}
}

void vgpuback_parent_fini(struct vgpuback_parent *p)
{
	size_t i;

	for (i = 0; i < p->nworkers; i++) {
		kill(p->workers[i].pid, SIGTERM);
	}
	if (!wait_all(p)) {
		for (i = 0; i < p->nworkers; i++) {
			kill_stubborn(p->workers[i].pid);
		}
		while (p->nworkers) {
			if (waitpid(p->workers[0].pid, NULL, 0) < 0 &&
			    errno == EINTR) {
				continue;
			}
			forget_worker(p, p->workers[0].pid);
		}
	}
	free(p->workers);
	p->workers = NULL;
	if (p->sig_fd >= 0) {
		close(p->sig_fd);
		sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
	}
	p->sig_fd = -1;
}

bool vgpuback_restart_allowed(struct vgpuback_restarts *r)
{
	uint64_t now = vgpu_now_ns();

	if (now - r->window_start_ns > RESTART_WINDOW_NS) {
		r->window_start_ns = now;
		r->count = 0;
	}
	return ++r->count <= VGPUBACK_RESTART_BURST;
}

#define START_INTERVAL_NS  (VGPUBACK_START_INTERVAL_MS * NS_PER_MS)

uint64_t vgpuback_pace_delay_ns(const struct vgpuback_pacing *p, uint64_t now)
{
	uint32_t burst = p->burst ? p->burst : VGPUBACK_RESTART_BURST;
	/* How far ahead of the pace a burst may run. */
	uint64_t ahead = (uint64_t)(burst - 1) * START_INTERVAL_NS;
	uint64_t allowed_at = p->due_ns > ahead ? p->due_ns - ahead : 0;

	return now >= allowed_at ? 0 : allowed_at - now;
}

void vgpuback_pace_count(struct vgpuback_pacing *p, uint64_t now)
{
	p->due_ns = (p->due_ns > now ? p->due_ns : now) + START_INTERVAL_NS;
}

void vgpuback_watchdog(struct vgpu_sched *s)
{
	struct vgpu_sched_hang hang;

	if (!s || !vgpu_sched_watchdog(s, &hang)) {
		return;
	}
	if (hang.kept_lock) {
		vgpu_err("worker %d kept the GPU scheduler's lock for %llu ms; "
			 "resetting it (its guest sees the device lost)",
			 (int)hang.pid, (unsigned long long)hang.stalled_ms);
	} else {
		vgpu_err(VGPU_DEV_FMT "GPU hang: no progress for %llu ms; "
			 "resetting its worker %d (its guest sees the device "
			 "lost)", hang.domid, hang.devid, (unsigned long long)hang.stalled_ms,
			 (int)hang.pid);
	}
	kill(hang.pid, SIGKILL);
}

int vgpuback_watchdog_interval_ms(struct vgpu_sched *s)
{
	struct vgpu_sched_config cfg;

	if (!s) {
		return -1;
	}
	/* A hang is caught within a quarter of the timeout. */
	vgpu_sched_get_config(s, &cfg);
	return cfg.timeout_ms / 4 > 500 ? 500 : (int)cfg.timeout_ms / 4;
}
