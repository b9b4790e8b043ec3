/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A worker taken over by its guest writes the scheduler's table (DOC:
 * trust in vgpu_sched.h). Here a forked "worker" writes it directly, as
 * such a worker would, and the parent plays the backend's parent process
 * with its own watchdog (vgpuback_watchdog). What must hold:
 *
 * - The parent kills no process that is not one of its workers, whatever
 *   pid the table names, and still takes the GPU back.
 * - A table broken on purpose (the holder out of range, a zero period
 *   and slice, weights of 0) crashes neither the parent nor an honest
 *   worker, which goes on getting the GPU.
 * - A worker that keeps the table's lock stalls neither the parent nor
 *   the tools: their calls fail with -EBUSY, the watchdog kills that
 *   worker, and the honest worker waiting for the lock gets the GPU.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "gpu_sched.h"
#include "harness.h"
#include "sched_worker.h"
#include "table.h"

#define TIMEOUT_MS      200

struct fixture {
	char dir[128];
	char path[PATH_MAX];
	struct vgpu_sched *s;
	struct sched_worker rogue, honest;
	pid_t bystander;        /* not our child */
	int bystander_alive;    /* reads EOF once the bystander is gone */
	int bystander_stop;     /* closed: the bystander exits */
};

/* Read by the rogue, set before it is forked. */
static pid_t forged_pid;

/*
 * The rogue's own commands. p: name forged_pid as its worker. b: break
 * the table. k: take the table's lock and keep it.
 */
static char rogue_cmd(struct vgpu_sched *s, int idx, char cmd)
{
	struct sched_table *t = s->t;
	int i;

	switch (cmd) {
	case 'p':
		t->e[idx].pid = forged_pid;
		return 'p';
	case 'b':
		t->holder = 0x7fffffff;
		t->cfg.period_us = 0;
		t->cfg.slice_us = 0;
		for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
			t->e[i].weight = 0;
		}
		return 'b';
	case 'k':
		pthread_mutex_lock(&t->lock);
		return 'k';
	default:
		return '?';
	}
}

/*
 * A process that is not our child: forked from a child that exits at
 * once. It lives until bystander_stop closes; bystander_alive reads EOF
 * when it is gone, however it went.
 */
static void bystander_start(struct fixture *f)
{
	int stop[2], alive[2], pid_pipe[2];
	pid_t middle, grandchild;

	assert_int_equal(pipe(stop), 0);
	assert_int_equal(pipe(alive), 0);
	assert_int_equal(pipe(pid_pipe), 0);
	middle = fork();
	assert_true(middle >= 0);
	if (middle == 0) {
		grandchild = fork();
		if (grandchild == 0) {
			char c;

			close(stop[1]);
			close(alive[0]);
			while (read(stop[0], &c, 1) > 0) {
				continue;
			}
			_exit(0);
		}
		_exit(write(pid_pipe[1], &grandchild, sizeof(grandchild)) !=
		      sizeof(grandchild));
	}
	assert_int_equal(waitpid(middle, NULL, 0), middle);
	assert_int_equal(read(pid_pipe[0], &f->bystander,
			      sizeof(f->bystander)), sizeof(f->bystander));
	assert_true(f->bystander > 0);
	close(pid_pipe[0]);
	close(pid_pipe[1]);
	close(stop[0]);
	close(alive[1]);
	f->bystander_stop = stop[1];
	f->bystander_alive = alive[0];
}

static bool bystander_alive(struct fixture *f)
{
	struct pollfd p = { .fd = f->bystander_alive, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

static int setup(void **state)
{
	struct vgpu_sched_config cfg;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(harness_mkdtemp(f->dir, sizeof(f->dir), "trust"), 0);
	snprintf(f->path, sizeof(f->path), "%s/sched", f->dir);
	vgpu_sched_config_defaults(&cfg);
	cfg.timeout_ms = TIMEOUT_MS;
	f->s = vgpu_sched_create(f->path, &cfg);
	assert_non_null(f->s);
	f->bystander_alive = f->bystander_stop = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sched_worker_stop(&f->honest);
	sched_worker_stop(&f->rogue);
	if (f->bystander_stop >= 0) {
		close(f->bystander_stop);
		close(f->bystander_alive);
	}
	vgpu_sched_destroy(f->s);
	harness_rmtree(f->dir);
	free(f);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts)) {
		continue;
	}
}

/* True if no entry holds the GPU. */
static bool gpu_free(struct fixture *f)
{
	struct vgpu_sched_stat st[8];
	ssize_t n, i;

	n = vgpu_sched_stats(f->s, st, 8);
	assert_true(n >= 0 && n <= 8);
	for (i = 0; i < n; i++) {
		if (st[i].running) {
			return false;
		}
	}
	return true;
}

static void test_forged_pid_is_not_killed(void **state)
{
	struct fixture *f = *state;

	bystander_start(f);
	forged_pid = f->bystander;
	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	assert_int_equal(sched_worker_ask(&f->rogue, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->rogue, 'p'), 'p');

	/* The rogue holds the GPU and makes no progress. */
	sleep_ms(TIMEOUT_MS + TIMEOUT_MS / 2);
	vgpuback_watchdog(f->s);
	sleep_ms(50);
	assert_true(bystander_alive(f));
	assert_true(gpu_free(f));

	/* The GPU was taken back: an honest worker gets it. */
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->honest, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
}

static void test_broken_table_is_repaired(void **state)
{
	struct fixture *f = *state;
	struct vgpu_sched_config cfg;

	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->rogue, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->rogue, 'b'), 'b');

	/* The parent's calls index with the holder and divide by the period. */
	vgpuback_watchdog(f->s);
	assert_int_equal(vgpu_sched_configure(f->s, 3, 0, 256, 0), 0);

	/* The honest worker gets the GPU, and again after a refill. */
	assert_int_equal(sched_worker_ask(&f->honest, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'c'), '0');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
	vgpu_sched_get_config(f->s, &cfg);
	sleep_ms((int)(cfg.period_us / 1000) + 10);
	assert_int_equal(sched_worker_ask(&f->honest, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'c'), '0');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
}

static void test_kept_lock_is_reset(void **state)
{
	struct fixture *f = *state;
	struct vgpu_sched_stat st[8];
	int status, left = harness_ms(5000) / 20;
	pid_t got = 0;

	sched_worker_start(&f->rogue, f->s, 1, rogue_cmd);
	sched_worker_start(&f->honest, f->s, 2, NULL);
	assert_int_equal(sched_worker_ask(&f->rogue, 'k'), 'k');
	sched_worker_send(&f->honest, 'q');

	/* Neither the parent nor a tool waits for ever. */
	assert_int_equal(vgpu_sched_configure(f->s, 3, 0, 256, 0), -EBUSY);
	assert_int_equal(vgpu_sched_stats(f->s, st, 8), -EBUSY);

	/* Within the timeout (and a little), the watchdog kills the rogue. */
	while (!got && left-- > 0) {
		vgpuback_watchdog(f->s);
		sleep_ms(20);
		got = waitpid(f->rogue.pid, &status, WNOHANG);
	}
	assert_int_equal(got, f->rogue.pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(f->rogue.cmd);
	close(f->rogue.reply);
	f->rogue.pid = 0;
	vgpu_sched_reaped(f->s, got);

	/* The lock recovered from its dead owner: the honest worker goes on. */
	assert_int_equal(sched_worker_reply(&f->honest), 'g');
	assert_int_equal(sched_worker_ask(&f->honest, 'r'), 'r');
	assert_true(vgpu_sched_stats(f->s, st, 8) >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forged_pid_is_not_killed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_table_is_repaired,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_lock_is_reset,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
