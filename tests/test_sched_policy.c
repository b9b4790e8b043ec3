/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scheduler's order, on a real table shared by forked "workers", with
 * no GPU: what decides how long an interactive guest waits.
 *
 * - A holder within its slice keeps the GPU from a waiter that is not
 *   boosted, even one with more credit.
 * - A waiter that gave the GPU up for lack of work and comes back with
 *   credit is boosted: the holder must give the GPU up at its next
 *   request boundary, within its slice, and the boosted waiter gets it
 *   before the other.
 * - A holder with a waiter behind it is told it is contended (it then
 *   keeps one batch in flight).
 *
 * Each worker is a child process driven over a pipe; the parent reads
 * the figures from the table, as xenvgpu does.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "vgpu_sched.h"

#define SLICE_US        300000
#define MAX_ENTRIES     8

struct worker {
	pid_t pid;
	int cmd;                /* parent writes commands */
	int reply;              /* parent reads replies */
};

struct fixture {
	char dir[128];
	char path[PATH_MAX];
	struct vgpu_sched *s;
	struct worker a, b, c;
};

/*
 * The child: attaches as domid, then runs commands until 'x'.
 * q: acquire (replies 'g' once it holds), c: charge (replies '1' to give
 * up, '0' to keep), n: contended ('1'/'0'), l: out of work: linger, then
 * release ('l'), r: release ('r').
 */
static void worker_loop(struct vgpu_sched *s, uint32_t domid, int in, int out)
{
	int idx = vgpu_sched_attach(s, domid, 0);
	char cmd, rep;

	while (idx >= 0 && read(in, &cmd, 1) == 1 && cmd != 'x') {
		switch (cmd) {
		case 'q':
			vgpu_sched_acquire(s, idx);
			rep = 'g';
			break;
		case 'c':
			rep = vgpu_sched_charge(s, idx, true) ? '1' : '0';
			break;
		case 'n':
			rep = vgpu_sched_contended(s, idx) ? '1' : '0';
			break;
		case 'l':
			vgpu_sched_linger(s, idx);
			vgpu_sched_release(s, idx);
			rep = 'l';
			break;
		default:
			vgpu_sched_release(s, idx);
			rep = 'r';
			break;
		}
		if (write(out, &rep, 1) != 1) {
			break;
		}
	}
	if (idx >= 0) {
		vgpu_sched_detach(s, idx);
	}
	_exit(idx >= 0 ? 0 : 1);
}

static void worker_start(struct fixture *f, struct worker *w, uint32_t domid)
{
	int to_child[2], to_parent[2];

	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	w->pid = fork();
	assert_true(w->pid >= 0);
	if (w->pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		worker_loop(f->s, domid, to_child[0], to_parent[1]);
	}
	close(to_child[0]);
	close(to_parent[1]);
	w->cmd = to_child[1];
	w->reply = to_parent[0];
}

static void send_cmd(struct worker *w, char cmd)
{
	assert_int_equal(write(w->cmd, &cmd, 1), 1);
}

static char get_reply(struct worker *w)
{
	char rep = 0;

	assert_int_equal(read(w->reply, &rep, 1), 1);
	return rep;
}

static char ask(struct worker *w, char cmd)
{
	send_cmd(w, cmd);
	return get_reply(w);
}

/*
 * Asks the worker to exit and reaps it; one still blocked (a failed test
 * left it waiting for the GPU) is killed, and that fails the test.
 */
static void worker_stop(struct worker *w)
{
	int status = 0, left = harness_ms(5000);
	pid_t got;

	if (!w->pid) {
		return;
	}
	send_cmd(w, 'x');
	close(w->cmd);
	close(w->reply);
	while ((got = waitpid(w->pid, &status, WNOHANG)) == 0 && left-- > 0) {
		usleep(1000);
	}
	if (got == 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &status, 0);
	}
	w->pid = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const struct vgpu_sched_stat *stat_of(struct vgpu_sched_stat *st,
					     size_t n, uint32_t domid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (st[i].domid == domid) {
			return &st[i];
		}
	}
	return NULL;
}

/* Waits (5 s at most, scaled) until domid queues for the GPU. */
static void wait_queued(struct fixture *f, uint32_t domid)
{
	struct vgpu_sched_stat st[MAX_ENTRIES];
	const struct vgpu_sched_stat *e;
	int left = harness_ms(5000);
	size_t n;

	for (;;) {
		n = vgpu_sched_stats(f->s, st, MAX_ENTRIES);
		e = stat_of(st, n < MAX_ENTRIES ? n : MAX_ENTRIES, domid);
		if (e && e->waiting) {
			return;
		}
		assert_true(left-- > 0);
		usleep(1000);
	}
}

static int setup(void **state)
{
	struct vgpu_sched_config cfg;
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(harness_mkdtemp(f->dir, sizeof(f->dir), "policy"), 0);
	snprintf(f->path, sizeof(f->path), "%s/sched", f->dir);
	vgpu_sched_config_defaults(&cfg);
	/* A slice and period long enough that no step outlasts a slice. */
	cfg.slice_us = SLICE_US;
	cfg.period_us = SLICE_US;
	cfg.linger_us = 0;
	cfg.timeout_ms = 3600000;
	f->s = vgpu_sched_create(f->path, &cfg);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	worker_stop(&f->a);
	worker_stop(&f->b);
	worker_stop(&f->c);
	vgpu_sched_destroy(f->s);
	harness_rmtree(f->dir);
	free(f);
	return 0;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR) {
		continue;
	}
}

static void test_boost_preempts_within_slice(void **state)
{
	struct fixture *f = *state;

	/* C runs once and runs out of work, so it plays in this period. */
	worker_start(f, &f->c, 3);
	assert_int_equal(ask(&f->c, 'q'), 'g');
	assert_int_equal(ask(&f->c, 'l'), 'l');

	/*
	 * A holds through the end of the period: the refill gives A and C
	 * a share each, and A is charged its whole hold, so it goes into
	 * its next turn in debt and not boosted.
	 */
	worker_start(f, &f->a, 1);
	assert_int_equal(ask(&f->a, 'q'), 'g');
	sleep_us(SLICE_US + SLICE_US / 10);
	assert_int_equal(ask(&f->a, 'l'), 'l');
	assert_int_equal(ask(&f->a, 'q'), 'g');
	assert_int_equal(ask(&f->a, 'n'), '0');

	/* B is new (no credit yet, not boosted): A keeps its slice. */
	worker_start(f, &f->b, 2);
	send_cmd(&f->b, 'q');
	wait_queued(f, 2);
	assert_int_equal(ask(&f->a, 'n'), '1');
	assert_int_equal(ask(&f->a, 'c'), '0');

	/* C comes back with credit: boosted, it takes the GPU at once. */
	send_cmd(&f->c, 'q');
	wait_queued(f, 3);
	assert_int_equal(ask(&f->a, 'c'), '1');
	assert_int_equal(ask(&f->a, 'r'), 'r');
	assert_int_equal(get_reply(&f->c), 'g');

	/* B gets the GPU after C, not before. */
	assert_int_equal(ask(&f->c, 'r'), 'r');
	assert_int_equal(get_reply(&f->b), 'g');
	assert_int_equal(ask(&f->b, 'r'), 'r');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boost_preempts_within_slice,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
