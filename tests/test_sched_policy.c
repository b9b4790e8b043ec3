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
 * The workers are tests/sched_worker.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "sched_worker.h"

#define SLICE_US        300000
#define MAX_ENTRIES     8

struct fixture {
	struct sched_table_dir td;
	struct vgpu_sched *s;
	struct sched_worker a, b, c;
};

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
	ssize_t n;

	for (;;) {
		n = vgpu_sched_stats(f->s, st, MAX_ENTRIES);
		assert_true(n >= 0);
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
	vgpu_sched_config_defaults(&cfg);
	/* A slice and period long enough that no step outlasts a slice. */
	cfg.slice_us = SLICE_US;
	cfg.period_us = SLICE_US;
	cfg.linger_us = 0;
	cfg.timeout_ms = 3600000;
	sched_table_create(&f->td, "policy", &cfg);
	f->s = f->td.s;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sched_worker_stop(&f->a);
	sched_worker_stop(&f->b);
	sched_worker_stop(&f->c);
	sched_table_destroy(&f->td);
	free(f);
	return 0;
}

static void test_boost_preempts_within_slice(void **state)
{
	struct fixture *f = *state;

	/* C runs once and runs out of work, so it plays in this period. */
	sched_worker_start(&f->c, f->s, 3, NULL);
	assert_int_equal(sched_worker_ask(&f->c, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->c, 'l'), 'l');

	/*
	 * A holds through the end of the period: the refill gives A and C
	 * a share each, and A is charged its whole hold, so it goes into
	 * its next turn in debt and not boosted.
	 */
	sched_worker_start(&f->a, f->s, 1, NULL);
	assert_int_equal(sched_worker_ask(&f->a, 'q'), 'g');
	harness_sleep_ms((SLICE_US + SLICE_US / 10) / 1000);
	assert_int_equal(sched_worker_ask(&f->a, 'l'), 'l');
	assert_int_equal(sched_worker_ask(&f->a, 'q'), 'g');
	assert_int_equal(sched_worker_ask(&f->a, 'n'), '0');

	/* B is new (no credit yet, not boosted): A keeps its slice. */
	sched_worker_start(&f->b, f->s, 2, NULL);
	sched_worker_send(&f->b, 'q');
	wait_queued(f, 2);
	assert_int_equal(sched_worker_ask(&f->a, 'n'), '1');
	assert_int_equal(sched_worker_ask(&f->a, 'c'), '0');

	/* C comes back with credit: boosted, it takes the GPU at once. */
	sched_worker_send(&f->c, 'q');
	wait_queued(f, 3);
	assert_int_equal(sched_worker_ask(&f->a, 'c'), '1');
	assert_int_equal(sched_worker_ask(&f->a, 'r'), 'r');
	assert_int_equal(sched_worker_reply(&f->c), 'g');

	/* B gets the GPU after C, not before. */
	assert_int_equal(sched_worker_ask(&f->c, 'r'), 'r');
	assert_int_equal(sched_worker_reply(&f->b), 'g');
	assert_int_equal(sched_worker_ask(&f->b, 'r'), 'r');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boost_preempts_within_slice,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
