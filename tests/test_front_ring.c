/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvgpufront's ways of sending and waiting, against the real
 * vgpu-backend over loopback, with no spinning on either end: a request
 * sent without a kick is served once someone waits; a look at whether
 * an answer came never blocks; a request given up frees its ring slot
 * when its answer comes. And the spin window's rules, on their own.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "vgpu_util.h"
#include "vgpufront.h"

/* A wait that never ends fails the test instead of hanging it. */
#define WAIT_LIMIT_S    20
/* Far longer than the worker takes to go back to sleep. */
#define SETTLE_US       200000

struct fixture {
	struct harness_test_backend b;
	struct vgpufront *dev;
};

/*
 * One round trip, then time for the worker to go to sleep on its kick:
 * what follows starts from a backend that sees only what wakes it.
 */
static void settle(struct fixture *f)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_NOP };

	assert_int_equal(vgpufront_call(f->dev, &req, NULL), 0);
	usleep(SETTLE_US);
}

static int setup(void **state)
{
	static const char *const no_spin[] = { "--poll-us=0", "--no-sched",
						NULL };
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(harness_mkdtemp(f->b.dir, sizeof(f->b.dir), "ring"),
			 0);
	assert_int_equal(harness_test_backend_start(&f->b, no_spin), 0);
	f->dev = vgpufront_open(f->b.spec, 0);
	assert_non_null(f->dev);
	vgpufront_set_poll_us(f->dev, 0);
	alarm(WAIT_LIMIT_S);
	*state = f;
	settle(f);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	alarm(0);
	vgpufront_close(f->dev);
	if (!harness_test_backend_stop(&f->b, NULL)) {
		fail_msg("the backend did not stop cleanly (its log above)");
	}
	harness_rmtree(f->b.dir);
	free(f);
	return 0;
}

static uint32_t send_nop(struct fixture *f, bool lazy)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_NOP };

	assert_int_equal(lazy ? vgpufront_send_lazy(f->dev, &req)
			      : vgpufront_send(f->dev, &req), 0);
	return req.id;
}

/*
 * Lazy requests wake nobody: a sleeping backend leaves them alone. The
 * wait for the last of them pays the kick they owe, and they are all
 * answered, in order.
 */
static void test_lazy_requests_served_on_wait(void **state)
{
	struct fixture *f = *state;
	uint32_t ids[8];
	unsigned int i;

	for (i = 0; i < 8; i++) {
		ids[i] = send_nop(f, true);
	}
	usleep(SETTLE_US);
	assert_false(vgpufront_done(f->dev, ids[0]));
	assert_int_equal(vgpufront_wait(f->dev, ids[7], NULL), 0);
	for (i = 0; i < 7; i++) {
		assert_true(vgpufront_done(f->dev, ids[i]));
		assert_int_equal(vgpufront_wait(f->dev, ids[i], NULL), 0);
	}
}

/*
 * A kicked request's answer comes by itself: looking finds it without
 * waiting, and the wait then returns its status at once.
 */
static void test_done_looks_without_waiting(void **state)
{
	struct fixture *f = *state;
	uint32_t id = send_nop(f, false);

	while (!vgpufront_done(f->dev, id)) {
		usleep(1000);
	}
	assert_int_equal(vgpufront_wait(f->dev, id, NULL), 0);
}

/*
 * Requests given up hold no slot once answered: far more of them than
 * the ring has slots go through, with calls in between.
 */
static void test_forgotten_requests_free_their_slots(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req req;
	unsigned int i;

	for (i = 0; i < 8 * VGPUIF_RING_SIZE; i++) {
		vgpufront_forget(f->dev, send_nop(f, i % 2));
		if (i % 5 == 0) {
			req = (struct vgpuif_req){ .operation = VGPUIF_OP_NOP };
			assert_int_equal(vgpufront_call(f->dev, &req, NULL),
					 0);
		}
	}
	req = (struct vgpuif_req){ .operation = VGPUIF_OP_NOP };
	assert_int_equal(vgpufront_call(f->dev, &req, NULL), 0);
}

/*
 * The spin window: waits that end within it change nothing; one that
 * ends after it but within the poll time doubles it, up to the poll
 * time; one longer than the poll time halves it, down to none, from
 * where a short wait starts it again.
 */
static void test_spin_window_learns(void **state)
{
	/* From a window of 40 us: n waits of waited_ns leave cur_ns. */
	static const struct {
		unsigned int n;
		uint64_t waited_ns, cur_ns;
	} steps[] = {
		{ 1, 10000, 40000 },    /* within the spin: kept */
		{ 1, 900000, 20000 },   /* past the poll time: halved */
		{ 3, 900000, 2500 },
		{ 1, 900000, 0 },       /* below 2 us: no spin */
		{ 1, 30000, 2000 },     /* a spin would have caught it */
		{ 4, 30000, 32000 },    /* doubled each time */
		{ 1, 35000, 40000 },    /* up to the poll time */
	};
	struct vgpu_spin_window sw;
	unsigned int i, n;

	(void)state;
	vgpu_spin_window_init(&sw, 40000);
	assert_int_equal(sw.cur_ns, 40000);
	for (i = 0; i < VGPU_ARRAY_SIZE(steps); i++) {
		for (n = 0; n < steps[i].n; n++) {
			vgpu_spin_window_learn(&sw, steps[i].waited_ns);
		}
		assert_int_equal(sw.cur_ns, steps[i].cur_ns);
	}
	vgpu_spin_window_init(&sw, 0);
	vgpu_spin_window_learn(&sw, 100);
	assert_int_equal(sw.cur_ns, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_lazy_requests_served_on_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_done_looks_without_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_forgotten_requests_free_their_slots, setup,
			teardown),
		cmocka_unit_test(test_spin_window_learns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
