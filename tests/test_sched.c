/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dom0 GPU scheduler with real guests: a vgpu-backend on loopback
 * and several "guests", each stock Mesa (virpipe) behind its own
 * vgpu-vtest in its own mount namespace (tests/loopback-guest.sh),
 * running tests/progs/glload. What a user depends on:
 *
 * - weights are obeyed under contention (frames, not our own figures);
 * - a guest whose shader never ends is reset by the watchdog while
 *   another guest's frames keep coming;
 * - an idle guest that wakes gets no burst beyond its bound;
 * - a weight changed live with `xenvgpu sched` takes effect.
 *
 * Shares need real timing: under a wrapper (valgrind) only the watchdog
 * test runs.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "vgpu_sched.h"
#include "vgpu_util.h"

#define WORK            "50"    /* about 1.5 ms of llvmpipe per frame */
#define MAX_GUESTS      4
#define MAX_TRACE       100000

struct fixture {
	char dir[128];
	char sock[256];
	char table[PATH_MAX];
	struct harness_child backend;
	struct harness_child guest[MAX_GUESTS];
};

struct trace {
	size_t n;
	uint64_t *start, *end;
};

static bool wrapped(void)
{
	const char *w = getenv("VGPU_BACKEND_WRAPPER");

	return w && *w;
}

/* Backend sockets live under /run: every guest mounts its own /tmp. */
static void start_backend(struct fixture *f, const char *extra)
{
	const char *argv[] = { extra, NULL };
	char log[PATH_MAX + 16];

	snprintf(f->dir, sizeof(f->dir), "/run/vgpu-sched-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/backend.sock", f->dir);
	snprintf(f->table, sizeof(f->table), "%s.sched", f->sock);
	snprintf(log, sizeof(log), "%s/backend.log", f->dir);
	assert_int_equal(harness_backend_start(&f->backend, f->sock, argv,
					       log), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int i, rc;

	for (i = 0; i < MAX_GUESTS; i++) {
		if (f->guest[i].pid) {
			harness_stop(&f->guest[i], SIGKILL, 5000);
		}
	}
	rc = harness_stop(&f->backend, SIGTERM, harness_ms(20000));
	if (rc != 0 || harness_log_has_errors(f->backend.log)) {
		harness_dump_log(&f->backend);
		fail_msg("backend exit %d or memory errors in its log", rc);
	}
	if (!getenv("VGPU_TEST_KEEP")) {
		harness_rmtree(f->dir);
	}
	free(f);
	return 0;
}

/* Starts guest i as loopback domain domid running glload with args. */
static void start_guest(struct fixture *f, int i, uint32_t domid,
			const char *const *args)
{
	char script[PATH_MAX], build[PATH_MAX], prog[PATH_MAX], dom[16];
	char log[PATH_MAX + 32];
	char *argv[24] = { script, build, dom, f->sock, prog };
	int n = 5;

	snprintf(script, sizeof(script), "%s/tests/loopback-guest.sh",
		 VGPU_SRCDIR);
	snprintf(build, sizeof(build), "%s", harness_build());
	snprintf(dom, sizeof(dom), "%u", domid);
	harness_build_path(prog, sizeof(prog), "tests/progs/glload");
	while (*args && n < 23) {
		argv[n++] = (char *)*args++;
	}
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/guest%u.log", f->dir, domid);
	assert_int_equal(harness_spawn(&f->guest[i], NULL, argv, NULL, log),
			 0);
}

/* Waits for guest i; returns its exit code. */
static int finish_guest(struct fixture *f, int i, int timeout_ms)
{
	int rc = harness_wait(&f->guest[i], harness_ms(timeout_ms));

	if (rc != 0) {
		/* Its worker's end, if that is why, is in the backend's log. */
		harness_dump_log(&f->guest[i]);
		harness_dump_log(&f->backend);
	}
	return rc;
}

static void trace_path(struct fixture *f, uint32_t domid, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%s/trace%u", f->dir, domid);
}

static void read_trace(struct fixture *f, uint32_t domid, struct trace *t)
{
	unsigned long long s, e;
	char path[PATH_MAX];
	FILE *fp;

	trace_path(f, domid, path, sizeof(path));
	fp = fopen(path, "r");
	assert_non_null(fp);
	t->start = calloc(MAX_TRACE, sizeof(*t->start));
	t->end = calloc(MAX_TRACE, sizeof(*t->end));
	assert_true(t->start && t->end);
	t->n = 0;
	while (t->n < MAX_TRACE && fscanf(fp, "%llu %llu", &s, &e) == 2) {
		t->start[t->n] = s;
		t->end[t->n++] = e;
	}
	fclose(fp);
}

static void free_trace(struct trace *t)
{
	free(t->start);
	free(t->end);
}

/* Frames of t that ended in [from, to). */
static size_t frames_between(const struct trace *t, uint64_t from,
			     uint64_t to)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++) {
		n += t->end[i] >= from && t->end[i] < to;
	}
	return n;
}

static void set_weight(struct fixture *f, uint32_t domid, uint32_t weight)
{
	struct vgpu_sched *s = vgpu_sched_open(f->table);

	assert_non_null(s);
	assert_int_equal(vgpu_sched_configure(s, domid, 0, weight, 0), 0);
	vgpu_sched_close(s);
}

static void greedy_args(struct fixture *f, uint32_t domid, const char *secs,
			char *trace, size_t len, const char **args)
{
	trace_path(f, domid, trace, len);
	args[0] = "--seconds";
	args[1] = secs;
	args[2] = "--work";
	args[3] = WORK;
	args[4] = "--trace";
	args[5] = trace;
	args[6] = NULL;
}

/* Weights 1:2:4 under contention: frame shares within 5 points. */
static void test_weights_obeyed(void **state)
{
	struct fixture *f = *state;
	static const uint32_t weight[3] = { 256, 512, 1024 };
	char trace[3][PATH_MAX];
	const char *args[3][8];
	struct trace t[3];
	uint64_t from = 0, to = UINT64_MAX;
	double total = 0, share;
	int i;

	if (wrapped()) {
		skip();
	}
	start_backend(f, "--watchdog-ms=2000");
	for (i = 0; i < 3; i++) {
		set_weight(f, i + 1, weight[i]);
		greedy_args(f, i + 1, "6", trace[i], sizeof(trace[i]),
			    args[i]);
		start_guest(f, i, i + 1, args[i]);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(finish_guest(f, i, 60000), 0);
		read_trace(f, i + 1, &t[i]);
		assert_true(t[i].n > 10);
		/* Only the time all three ran, less a second at the start. */
		from = t[i].start[0] > from ? t[i].start[0] : from;
		to = t[i].end[t[i].n - 1] < to ? t[i].end[t[i].n - 1] : to;
	}
	from += 1000000000ull;
	assert_true(to > from + 2000000000ull);
	for (i = 0; i < 3; i++) {
		total += (double)frames_between(&t[i], from, to);
	}
	for (i = 0; i < 3; i++) {
		share = (double)frames_between(&t[i], from, to) / total;
		printf("weight %u: %.3f of the frames (ideal %.3f)\n",
		       weight[i], share, weight[i] / 1792.0);
		assert_true(share > weight[i] / 1792.0 - 0.05 &&
			    share < weight[i] / 1792.0 + 0.05);
		free_trace(&t[i]);
	}
}

/* Sums one statistic over domid's entries in the table. */
static uint64_t sched_stat(struct fixture *f, uint32_t domid,
			   size_t offset)
{
	struct vgpu_sched_stat st[VGPU_SCHED_MAX_ENTRIES];
	struct vgpu_sched *s = vgpu_sched_open(f->table);
	uint64_t sum = 0, v;
	ssize_t n;
	size_t i;

	assert_non_null(s);
	n = vgpu_sched_stats(s, st, VGPU_SCHED_MAX_ENTRIES);
	assert_true(n >= 0);
	for (i = 0; i < (size_t)n && i < VGPU_SCHED_MAX_ENTRIES; i++) {
		if (st[i].domid == domid) {
			memcpy(&v, (char *)&st[i] + offset, sizeof(v));
			sum += v;
		}
	}
	vgpu_sched_close(s);
	return sum;
}

#define sched_resets(f, domid) \
	sched_stat(f, domid, offsetof(struct vgpu_sched_stat, resets))
#define sched_submissions(f, domid) \
	sched_stat(f, domid, offsetof(struct vgpu_sched_stat, submissions))

/* Waits until domid has submitted at least n times. */
static void wait_submissions(struct fixture *f, uint32_t domid, uint64_t n,
			     int timeout_ms)
{
	uint64_t deadline = vgpu_now_ns() + (uint64_t)timeout_ms * 1000000;

	while (sched_submissions(f, domid) < n) {
		assert_true(vgpu_now_ns() < deadline);
		usleep(50000);
	}
}

/*
 * Guest 2 hangs the GPU with an endless shader: the watchdog resets it
 * alone, counts it, and guest 1 renders before and after.
 */
static void test_watchdog_isolates_hang(void **state)
{
	struct fixture *f = *state;
	const char *hang[] = { "--hang", NULL };
	const char *args[8];
	char trace[PATH_MAX], *log;
	uint64_t caught, gap = 0;
	struct trace t;
	size_t i;

	/*
	 * Under valgrind one shader compile in the backend takes seconds,
	 * so the timeout is longer and guest 1 runs long enough to render
	 * well after the reset.
	 */
	start_backend(f, wrapped() ? "--watchdog-ms=30000" :
				     "--watchdog-ms=1000");
	greedy_args(f, 1, wrapped() ? "150" : "8", trace, sizeof(trace), args);
	start_guest(f, 0, 1, args);
	/* The hang starts once guest 1 is past its warm-up frame. */
	wait_submissions(f, 1, 20, harness_ms(60000));
	start_guest(f, 1, 2, hang);
	/* Mesa aborts when vgpu-vtest reports the device lost. */
	assert_int_not_equal(finish_guest(f, 1, 60000), 0);
	caught = vgpu_now_ns();
	assert_int_equal(finish_guest(f, 0, 240000), 0);
	assert_int_equal(sched_resets(f, 2), 1);
	assert_int_equal(sched_resets(f, 1), 0);
	log = harness_read_file(f->backend.log);
	assert_non_null(log);
	assert_non_null(strstr(log, "domain 2 device 0: GPU hang"));
	free(log);
	read_trace(f, 1, &t);
	for (i = 1; i < t.n; i++) {
		if (t.end[i] - t.end[i - 1] > gap) {
			gap = t.end[i] - t.end[i - 1];
		}
	}
	printf("guest 1: %zu frames, %zu after the reset; longest gap "
	       "%.0f ms\n", t.n, frames_between(&t, caught, UINT64_MAX),
	       (double)gap / 1e6);
	assert_true(frames_between(&t, caught, UINT64_MAX) > 10);
	if (!wrapped()) {
		/* The GPU was held for the timeout, not for longer. */
		assert_true(gap < 2500000000ull);
	}
	free_trace(&t);
}

/*
 * Guest 2 idles 3 s (credit would pile up without a bound), then both
 * contend: in the first 300 ms its share stays near its half.
 */
static void test_idle_guest_no_burst(void **state)
{
	struct fixture *f = *state;
	const char *args1[8], *args2[10];
	char trace1[PATH_MAX], trace2[PATH_MAX];
	struct trace t1, t2;
	uint64_t wake;
	double mine, theirs;

	if (wrapped()) {
		skip();
	}
	start_backend(f, "--watchdog-ms=2000");
	greedy_args(f, 1, "6", trace1, sizeof(trace1), args1);
	greedy_args(f, 2, "2", trace2, sizeof(trace2), args2);
	args2[6] = "--idle-first";
	args2[7] = "3";
	args2[8] = NULL;
	start_guest(f, 0, 1, args1);
	start_guest(f, 1, 2, args2);
	assert_int_equal(finish_guest(f, 1, 60000), 0);
	assert_int_equal(finish_guest(f, 0, 60000), 0);
	read_trace(f, 1, &t1);
	read_trace(f, 2, &t2);
	assert_true(t2.n > 10);
	wake = t2.start[0];
	mine = (double)frames_between(&t2, wake, wake + 300000000ull);
	theirs = (double)frames_between(&t1, wake, wake + 300000000ull);
	printf("first 300 ms after waking: %.0f frames against %.0f\n", mine,
	       theirs);
	/* Half, plus one period's share (50 ms of 300) of credit at most. */
	assert_true(mine / (mine + theirs) < 0.5 + 50.0 / 300.0 + 0.05);
	free_trace(&t1);
	free_trace(&t2);
}

/* Equal weights, then guest 2 goes to 1024 with xenvgpu sched. */
static void test_live_weight_change(void **state)
{
	struct fixture *f = *state;
	char trace[2][PATH_MAX], xenvgpu[PATH_MAX], table[PATH_MAX + 16];
	char *argv[] = { xenvgpu, "sched", table, "2", "weight=1024", NULL };
	struct harness_child tool = { 0 };
	const char *args[2][8];
	struct trace t[2];
	uint64_t changed;
	double before, after;
	int i;

	if (wrapped()) {
		skip();
	}
	start_backend(f, "--watchdog-ms=2000");
	for (i = 0; i < 2; i++) {
		greedy_args(f, i + 1, "8", trace[i], sizeof(trace[i]),
			    args[i]);
		start_guest(f, i, i + 1, args[i]);
	}
	sleep(4);
	harness_build_path(xenvgpu, sizeof(xenvgpu), "bin/xenvgpu");
	snprintf(table, sizeof(table), "--table=%s", f->table);
	assert_int_equal(harness_spawn(&tool, NULL, argv, NULL,
				       f->backend.log), 0);
	assert_int_equal(harness_wait(&tool, 10000), 0);
	changed = vgpu_now_ns();
	for (i = 0; i < 2; i++) {
		assert_int_equal(finish_guest(f, i, 60000), 0);
		read_trace(f, i + 1, &t[i]);
	}
	before = (double)frames_between(&t[1], changed - 2500000000ull,
					 changed) /
		 (double)(frames_between(&t[0], changed - 2500000000ull,
					 changed) + 1);
	after = (double)frames_between(&t[1], changed + 500000000ull,
					changed + 3500000000ull) /
		(double)(frames_between(&t[0], changed + 500000000ull,
					changed + 3500000000ull) + 1);
	printf("guest 2 against guest 1: %.2f before, %.2f after (ideal 1 "
	       "and 4)\n", before, after);
	assert_true(before > 0.75 && before < 1.33);
	assert_true(after > 2.8);
	free_trace(&t[0]);
	free_trace(&t[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_weights_obeyed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_isolates_hang,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_guest_no_burst,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_weight_change,
						setup, teardown),
	};

	if (getenv("VGPU_TEST_FILTER")) {
		cmocka_set_test_filter(getenv("VGPU_TEST_FILTER"));
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
