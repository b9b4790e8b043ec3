/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's parent process (backend/parent.c) against workers that
 * do not cooperate, as one taken over by its guest would not: a worker
 * that blocks SIGTERM is still stopped, at run time and at shutdown, a
 * new worker holds none of the parent's own descriptors, and a worker
 * that spins gets no more CPU than --worker-cpu gives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpu_bound.h"
#include "harness.h"
#include "parent.h"
#include "vgpu_util.h"

#define VGPU_WEIGHT_DEF 256

struct fixture {
	struct vgpuback_parent parent;
	int event[2];           /* the run loop's event fd */
	int secret[2];          /* a descriptor only the parent may hold */
	pid_t to_stop;
	pid_t exited_pid;
	int exited_status;
};

static void on_event(void *opaque)
{
	struct fixture *f = opaque;
	char byte;

	assert_int_equal(read(f->event[0], &byte, 1), 1);
	vgpuback_parent_stop(&f->parent, f->to_stop);
}

static void on_exited(void *opaque, pid_t pid, int status)
{
	struct fixture *f = opaque;

	f->exited_pid = pid;
	f->exited_status = status;
	raise(SIGTERM);         /* blocked: ends the run loop */
}

static void in_child(void *opaque)
{
	struct fixture *f = opaque;

	close(f->secret[0]);
	close(f->secret[1]);
}

static const struct vgpuback_parent_ops ops = {
	.event = on_event,
	.exited = on_exited,
	.in_child = in_child,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->event, O_CLOEXEC) || pipe2(f->secret, O_CLOEXEC) ||
	    vgpuback_parent_init(&f->parent, NULL, NULL, &ops, f)) {
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vgpuback_parent_fini(&f->parent);
	close(f->event[0]);
	close(f->event[1]);
	close(f->secret[0]);
	close(f->secret[1]);
	free(f);
	return 0;
}

static bool closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

/*
 * Forks a worker that blocks SIGTERM and waits forever; returns once it
 * runs. In it, the parent's signalfd and the caller's fds are closed.
 */
static pid_t fork_stubborn(struct fixture *f)
{
	int ready[2];
	sigset_t term;
	pid_t pid;
	char byte;

	assert_int_equal(pipe(ready), 0);
	pid = vgpuback_parent_fork(&f->parent, VGPU_WEIGHT_DEF);
	assert_true(pid >= 0);
	if (!pid) {
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		byte = closed(f->secret[0]) && closed(f->secret[1]) &&
		       closed(f->parent.sig_fd);
		if (write(ready[1], &byte, 1) != 1) {
			_exit(1);
		}
		for (;;) {
			pause();
		}
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	/* The worker found none of the parent's descriptors open. */
	assert_int_equal(byte, 1);
	return pid;
}

/* A stop at run time: SIGTERM is ignored, SIGKILL follows. */
static void test_stop_escalates(void **state)
{
	struct fixture *f = *state;

	f->to_stop = fork_stubborn(f);
	assert_int_equal(write(f->event[1], "x", 1), 1);
	assert_int_equal(vgpuback_parent_run(&f->parent, f->event[0]), 0);
	assert_int_equal(f->exited_pid, f->to_stop);
	assert_true(WIFSIGNALED(f->exited_status));
	assert_int_equal(WTERMSIG(f->exited_status), SIGKILL);
}

/* Shutdown does not wait forever for a worker that ignores SIGTERM. */
static void test_fini_escalates(void **state)
{
	struct fixture *f = *state;
	pid_t a = fork_stubborn(f), b = fork_stubborn(f);

	vgpuback_parent_fini(&f->parent);
	/* Both reaped: their pids name nothing of ours any more. */
	assert_int_equal(waitpid(a, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(waitpid(b, NULL, WNOHANG), -1);
	assert_int_equal(f->parent.nworkers, 0);
	/* teardown's fini finds nothing left to do. */
	assert_int_equal(vgpuback_parent_init(&f->parent, NULL, NULL, &ops, f), 0);
}

/* A worker that exits on SIGTERM is not killed, and reports its exit. */
static void test_cooperative_worker(void **state)
{
	struct fixture *f = *state;
	pid_t pid;

	pid = vgpuback_parent_fork(&f->parent, VGPU_WEIGHT_DEF);
	assert_true(pid >= 0);
	if (!pid) {
		pause();
		_exit(3);
	}
	f->to_stop = pid;
	assert_int_equal(write(f->event[1], "x", 1), 1);
	assert_int_equal(vgpuback_parent_run(&f->parent, f->event[0]), 0);
	assert_int_equal(f->exited_pid, pid);
	assert_int_equal(WTERMSIG(f->exited_status), SIGTERM);
}

/* Five crashes a minute are restarted; the sixth is not. */
static void test_restart_budget(void **state)
{
	struct vgpuback_restarts r = { 0 };
	int i;

	(void)state;
	for (i = 0; i < VGPUBACK_RESTART_BURST; i++) {
		assert_true(vgpuback_restart_allowed(&r));
	}
	assert_false(vgpuback_restart_allowed(&r));
}

#define CPU_PCT         20
#define SPIN_S          1.5

/*
 * A worker that spins, as one kept busy by its guest does, gets
 * CPU_PCT% of a CPU and no more, in a cgroup of its own that goes with
 * it. Skipped where this machine gives no writable CPU controller.
 */
static void test_spinning_worker_bounded(void **state)
{
	struct fixture *f = *state;
	struct vgpuback_cpu_bound cpu;
	char path[PATH_MAX], *groups;
	bool in_group = false;
	const char *why;
	double used;
	pid_t pid;
	int i;

	if (vgpuback_cpu_bound_init(&cpu, CPU_PCT, &why)) {
		print_message("no CPU bound here: %s\n", why);
		skip();
	}
	vgpuback_parent_fini(&f->parent);
	assert_int_equal(vgpuback_parent_init(&f->parent, NULL, &cpu, &ops, f),
			 0);
	pid = vgpuback_parent_fork(&f->parent, VGPU_WEIGHT_DEF);
	assert_true(pid >= 0);
	if (!pid) {
		uint64_t end = vgpu_now_ns() + (uint64_t)(SPIN_S * 1e9);

		while (vgpu_now_ns() < end) {
		}
		pause();
		_exit(0);
	}
	/* The worker enters its group as its first step. */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	for (i = 0; i < 100 && !in_group; i++) {
		groups = harness_read_file(path);
		assert_non_null(groups);
		in_group = strstr(groups, "/vgpu-") != NULL;
		free(groups);
		usleep(10000);
	}
	assert_true(in_group);
	usleep((useconds_t)(SPIN_S * 1e6) + 200000);
	used = harness_cpu_seconds(pid);
	print_message("a worker spinning %.1f s used %.2f s of CPU under a "
		      "%d%% bound (%.0f%%)\n", SPIN_S, used, CPU_PCT,
		      100 * used / SPIN_S);
	assert_true(used <= SPIN_S * CPU_PCT / 100 * 1.5);
	assert_true(used >= SPIN_S * CPU_PCT / 100 / 2);
	f->to_stop = pid;
	assert_int_equal(write(f->event[1], "x", 1), 1);
	assert_int_equal(vgpuback_parent_run(&f->parent, f->event[0]), 0);
	assert_int_equal(f->exited_pid, pid);
	/* Its group went with it. */
	snprintf(path, sizeof(path), "%s/vgpu-%d.%d", cpu.home,
		 (int)getpid(), 1);
	assert_int_equal(access(path, F_OK), -1);
}

#define S_NS    1000000000ull
#define START_NS(n) ((uint64_t)(n) * VGPUBACK_START_INTERVAL_MS * 1000000ull)

/*
 * Every start counts: a burst of them runs at once, and past it a device
 * that keeps restarting gets one start an interval, however its workers
 * ended. An idle device earns its burst back.
 */
static void test_start_pacing(void **state)
{
	struct vgpuback_pacing p = { 0 };
	uint64_t now = 1000 * S_NS;
	int i;

	(void)state;
	for (i = 0; i < VGPUBACK_RESTART_BURST; i++) {
		assert_int_equal(vgpuback_pace_delay_ns(&p, now), 0);
		vgpuback_pace_count(&p, now);
		now += S_NS / 10;
	}
	/* The sixth start within a second waits about one interval. */
	assert_true(vgpuback_pace_delay_ns(&p, now) > START_NS(1) - S_NS);
	assert_true(vgpuback_pace_delay_ns(&p, now) <= START_NS(1));
	now += vgpuback_pace_delay_ns(&p, now);
	assert_int_equal(vgpuback_pace_delay_ns(&p, now), 0);
	vgpuback_pace_count(&p, now);
	/* Kept up, it gets one start each interval and no more. */
	assert_int_equal(vgpuback_pace_delay_ns(&p, now), START_NS(1));
	/* After a quiet spell of a burst's worth of intervals: a burst. */
	now += START_NS(VGPUBACK_RESTART_BURST);
	for (i = 0; i < VGPUBACK_RESTART_BURST; i++) {
		assert_int_equal(vgpuback_pace_delay_ns(&p, now), 0);
		vgpuback_pace_count(&p, now);
	}
	assert_int_equal(vgpuback_pace_delay_ns(&p, now), START_NS(1));
	/* --start-burst=2: two at once, then the pace. */
	p = (struct vgpuback_pacing){ .burst = 2 };
	vgpuback_pace_count(&p, now);
	assert_int_equal(vgpuback_pace_delay_ns(&p, now), 0);
	vgpuback_pace_count(&p, now);
	assert_int_equal(vgpuback_pace_delay_ns(&p, now), START_NS(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stop_escalates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fini_escalates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cooperative_worker, setup,
						teardown),
		cmocka_unit_test(test_restart_budget),
		cmocka_unit_test(test_start_pacing),
		cmocka_unit_test_setup_teardown(test_spinning_worker_bounded,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("parent", tests, NULL, NULL);
}
