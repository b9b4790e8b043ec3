/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which creates vgpu-vtest sends without waiting: only those the
 * device's account (mesa-winsys/vtest_budget.c) says the backend will
 * accept, away from its limits. The account is worked here on a device
 * with no transport, with the limits a backend would publish.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vtest_int.h"

/* vram= 16 MiB, a 256-page command region at most, 64 resources. */
#define VRAM_PAGES      4096
#define CMD_PAGES       256
#define MAX_RES         64
/* The account starts with the ring and the command region. */
#define FIXED_PAGES     (1 + CMD_PAGES)

static int setup(void **state)
{
	const struct vgpufront_limits lim = {
		.max_mapped_pages = VRAM_PAGES, .max_cmd_pages = CMD_PAGES,
		.max_resources = MAX_RES,
	};
	struct vtest_dev *dev = vtest_dev_create(NULL);

	assert_non_null(dev);
	vtest_budget_init(&dev->budget, &lim, lim.max_cmd_pages);
	*state = dev;
	return 0;
}

static int teardown(void **state)
{
	vtest_dev_destroy(*state);
	return 0;
}

/* A 2D B8G8R8A8 texture of side^2 pixels: side^2 * 4 bytes. */
static struct vgpuif_resource_create_3d_req texture(uint32_t side)
{
	return (struct vgpuif_resource_create_3d_req){
		.target = 2, .format = 1, .width = side, .height = side,
		.depth = 1, .array_size = 1,
	};
}

/* 1 MiB textures with 1 MiB backings go until 15/16 of 16 MiB. */
static void test_sync_near_vram(void **state)
{
	struct vgpuif_resource_create_3d_req c = texture(512);
	struct vtest_dev *dev = *state;
	struct vtest_charge ch[16];
	unsigned int n = 0;

	while (n < 15 && vtest_budget_charge(dev, &c, 256, &ch[n])) {
		n++;
	}
	/* Pages bind first: 257 + 256 n + 1 directory page <= 3840. */
	assert_int_equal(n, (VRAM_PAGES - VRAM_PAGES / 16 - FIXED_PAGES - 1) /
			    256);
	assert_int_equal(dev->budget.host_bytes, (uint64_t)(n + 1) << 20);
	/* The create that had to wait was refused: room again below. */
	vtest_budget_refund(dev, &ch[n]);
	vtest_budget_refund(dev, &ch[0]);
	assert_true(vtest_budget_charge(dev, &c, 256, &ch[0]));
	assert_int_equal(dev->budget.pages, FIXED_PAGES + 256 * n);
	while (n--) {
		vtest_budget_refund(dev, &ch[n]);
	}
	assert_int_equal(dev->budget.host_bytes, 0);
	assert_int_equal(dev->budget.pages, FIXED_PAGES);
	assert_int_equal(dev->budget.resources, 0);
}

/* Mesa's buffers (one per fence) come with an array size of 0. */
static void test_fence_buffer_goes_at_once(void **state)
{
	const struct vgpuif_resource_create_3d_req c = {
		.target = 0, .format = 64, .width = 8, .height = 1,
		.depth = 1, .array_size = 0,
	};
	struct vtest_dev *dev = *state;
	struct vtest_charge ch;

	assert_true(vtest_budget_charge(dev, &c, 1, &ch));
	assert_int_equal(ch.bytes, 8);
}

/* Storage counts without backing too (multisampled, v0 creates). */
static void test_sync_near_host_bytes(void **state)
{
	struct vgpuif_resource_create_3d_req c = texture(1024);
	struct vtest_dev *dev = *state;
	struct vtest_charge ch[4];

	assert_true(vtest_budget_charge(dev, &c, 0, &ch[0]));
	assert_true(vtest_budget_charge(dev, &c, 0, &ch[1]));
	assert_true(vtest_budget_charge(dev, &c, 0, &ch[2]));
	/* 16 MiB of 16: over 15/16 of the budget. */
	assert_false(vtest_budget_charge(dev, &c, 0, &ch[3]));
}

static void test_sync_near_max_resources(void **state)
{
	const struct vgpufront_limits lim = {
		.max_mapped_pages = VRAM_PAGES, .max_cmd_pages = CMD_PAGES,
		.max_resources = 8,
	};
	struct vgpuif_resource_create_3d_req c = texture(16);
	struct vtest_dev *dev = *state;
	struct vtest_charge ch[8], next;
	unsigned int i;

	vtest_budget_init(&dev->budget, &lim, lim.max_cmd_pages);
	/* 8 - 8 / 16 = 8: all eight, not the ninth. */
	for (i = 0; i < 8; i++) {
		assert_true(vtest_budget_charge(dev, &c, 1, &ch[i]));
	}
	assert_false(vtest_budget_charge(dev, &c, 1, &next));
}

/* What the bridge cannot vouch for waits, charged as the backend would. */
static void test_doubtful_descriptions_wait(void **state)
{
	struct vgpuif_resource_create_3d_req c = texture(64);
	struct vtest_dev *dev = *state;
	struct vtest_charge ch;

	c.format = 1000;
	assert_false(vtest_budget_charge(dev, &c, 0, &ch));
	assert_int_equal(ch.bytes, 64 * 64 * 16);
	vtest_budget_refund(dev, &ch);
	c = texture(64);
	c.last_level = 7;       /* 64 has levels 0 to 6 */
	assert_false(vtest_budget_charge(dev, &c, 0, &ch));
	vtest_budget_refund(dev, &ch);
	c = texture(64);
	c.height = 0;
	assert_false(vtest_budget_charge(dev, &c, 0, &ch));
	vtest_budget_refund(dev, &ch);
	/* Larger than all of vram, or overflowing: refused, not charged. */
	c = texture(0x80000000u);
	assert_false(vtest_budget_charge(dev, &c, 0, &ch));
	assert_int_equal(ch.bytes, 0);
	vtest_budget_refund(dev, &ch);
	assert_int_equal(dev->budget.host_bytes, 0);
	assert_int_equal(dev->budget.resources, 0);
}

/* A device that published no limits: every create waits. */
static void test_no_limits_waits(void **state)
{
	struct vgpuif_resource_create_3d_req c = texture(16);
	struct vtest_dev *dev = *state;
	struct vtest_charge ch;

	vtest_budget_init(&dev->budget, NULL, 0);
	assert_false(vtest_budget_charge(dev, &c, 1, &ch));
	vtest_budget_refund(dev, &ch);
}

/* A v0 backing attached at a transfer moves the account's pages. */
static void test_backing_pages_follow(void **state)
{
	struct vgpuif_resource_create_3d_req c = texture(16);
	struct vtest_dev *dev = *state;
	struct vtest_charge ch, next;

	assert_true(vtest_budget_charge(dev, &c, 0, &ch));
	vtest_budget_set_pages(dev, &ch, 3700);
	assert_int_equal(dev->budget.pages, FIXED_PAGES + 3700);
	assert_false(vtest_budget_charge(dev, &c, 0, &next));
	vtest_budget_refund(dev, &next);
	vtest_budget_set_pages(dev, &ch, 1);
	assert_int_equal(dev->budget.pages, FIXED_PAGES + 1);
	assert_true(vtest_budget_charge(dev, &c, 0, &next));
}

/*
 * While a resource the account vouched for is not made on the device,
 * a create the account cannot vouch for goes to the backend only if
 * everything charged fits; otherwise the backend would take it and
 * refuse the vouched one later. With none deferred the backend decides.
 */
static void test_deferred_keep_their_room(void **state)
{
	struct vgpuif_resource_create_3d_req c = texture(1024);   /* 4 MiB */
	struct vgpuif_resource_create_3d_req small = texture(16);
	struct vtest_dev *dev = *state;
	struct vtest_charge ch[5];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		assert_true(vtest_budget_charge(dev, &c, 1024, &ch[i]));
		vtest_budget_defer(dev, &ch[i]);
	}
	/* 257 + 3 * 1024 + 700 pages: past the margin, within vram=. */
	assert_false(vtest_budget_charge(dev, &c, 700, &ch[3]));
	assert_true(vtest_budget_backend_may_decide(dev));
	/* 100 pages more: past vram= itself. */
	assert_false(vtest_budget_charge(dev, &small, 100, &ch[4]));
	assert_false(vtest_budget_backend_may_decide(dev));
	for (i = 0; i < 3; i++) {
		vtest_budget_made(dev, &ch[i]);
	}
	assert_int_equal(dev->budget.deferred, 0);
	assert_true(vtest_budget_backend_may_decide(dev));
	vtest_budget_defer(dev, &ch[0]);
	assert_int_equal(dev->budget.deferred, 1);
	for (i = 0; i < 5; i++) {
		vtest_budget_refund(dev, &ch[i]);
	}
	assert_int_equal(dev->budget.deferred, 0);
	assert_int_equal(dev->budget.pages, FIXED_PAGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync_near_vram, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fence_buffer_goes_at_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_near_host_bytes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_near_max_resources,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_doubtful_descriptions_wait,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_limits_waits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deferred_keep_their_room,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_backing_pages_follow,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("vtest_budget", tests, NULL, NULL);
}
