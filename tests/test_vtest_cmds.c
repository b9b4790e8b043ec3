/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Several GL processes on one device: each client's resource handles are
 * translated to device ids of its own, in its command stream too, and a
 * handle the client did not create is refused. No backend: the client's
 * resources are put in its table by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vtest_int.h"

#define HDR(cmd, obj, len)      ((cmd) | (obj) << 8 | (uint32_t)(len) << 16)

/* Command and object ids of the virgl protocol. */
#define CREATE_OBJECT           1
#define SET_VERTEX_BUFFERS      6
#define DRAW_VBO                8
#define SET_INDEX_BUFFER        11
#define SET_CONSTANT_BUFFER     12
#define BLIT                    16
#define SET_SHADER_IMAGES       35
#define END_TRANSFERS           44
#define COPY_TRANSFER3D         45
#define OBJ_BLEND               1
#define OBJ_SURFACE             8
#define OBJ_QUERY               9

struct fixture {
	struct vtest_dev *dev;
	struct vtest_client *a, *b;
};

static void give(struct vtest_client *c, uint32_t handle, uint32_t res_id)
{
	struct vtest_res *res = calloc(1, sizeof(*res));

	assert_non_null(res);
	res->handle = handle;
	res->res_id = res_id;
	res->next = c->res[handle % VTEST_RES_BUCKETS];
	c->res[handle % VTEST_RES_BUCKETS] = res;
	c->num_res++;
}

static int setup(void **state)
{
	static struct vtest_io no_io;
	static struct fixture fx;

	fx.dev = vtest_dev_create(NULL);
	fx.a = vtest_client_create(fx.dev, &no_io, "a");
	fx.b = vtest_client_create(fx.dev, &no_io, "b");
	assert_non_null(fx.a);
	assert_non_null(fx.b);
	/* Both number from 1, as every Mesa process does. */
	give(fx.a, 1, 101);
	give(fx.a, 2, 102);
	give(fx.a, 5, 105);
	give(fx.b, 1, 201);
	give(fx.b, 2, 202);
	give(fx.b, 5, 205);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	vtest_client_destroy(fx->a);
	vtest_client_destroy(fx->b);
	vtest_dev_destroy(fx->dev);
	return 0;
}

/*
 * One stream with a handle word in each kind of place, and words that
 * look like handles but are not (object ids, sizes, inline data, Mesa's
 * stale END_TRANSFERS padding). out is the stream as client A's device
 * ids; for client B, 1xx becomes 2xx.
 */
static const uint32_t stream_in[] = {
	HDR(CREATE_OBJECT, OBJ_SURFACE, 5), 7, 1, 2, 1, 0,
	HDR(CREATE_OBJECT, OBJ_QUERY, 4), 9, 1, 2, 5,
	HDR(CREATE_OBJECT, OBJ_BLEND, 11), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	HDR(SET_VERTEX_BUFFERS, 0, 6), 16, 0, 1, 32, 64, 0,
	HDR(DRAW_VBO, 0, 12), 1, 2, 1, 5, 1, 2, 1, 5, 1, 2, 1, 5,
	HDR(DRAW_VBO, 0, 20), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 5,
		0, 0, 0, 0, 0,
	HDR(SET_CONSTANT_BUFFER, 0, 4), 0, 0, 1, 2,
	HDR(END_TRANSFERS, 0, 3), 1, 2, 99,
	HDR(BLIT, 0, 21), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
		0, 0, 0, 0, 0,
	HDR(SET_SHADER_IMAGES, 0, 12), 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5,
	HDR(COPY_TRANSFER3D, 0, 14), 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0,
		0,
	HDR(SET_INDEX_BUFFER, 0, 3), 2, 4, 0,
};

static const uint32_t stream_a[] = {
	HDR(CREATE_OBJECT, OBJ_SURFACE, 5), 7, 101, 2, 1, 0,
	HDR(CREATE_OBJECT, OBJ_QUERY, 4), 9, 1, 2, 105,
	HDR(CREATE_OBJECT, OBJ_BLEND, 11), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	HDR(SET_VERTEX_BUFFERS, 0, 6), 16, 0, 101, 32, 64, 0,
	HDR(DRAW_VBO, 0, 12), 1, 2, 1, 5, 1, 2, 1, 5, 1, 2, 1, 5,
	HDR(DRAW_VBO, 0, 20), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 105,
		0, 0, 0, 0, 0,
	HDR(SET_CONSTANT_BUFFER, 0, 4), 0, 0, 1, 2,
	HDR(END_TRANSFERS, 0, 3), 1, 2, 99,
	HDR(BLIT, 0, 21), 0, 0, 0, 101, 0, 0, 0, 0, 0, 0, 0, 0, 102, 0, 0,
		0, 0, 0, 0, 0, 0,
	HDR(SET_SHADER_IMAGES, 0, 12), 1, 0, 0, 0, 0, 0, 101, 0, 0, 0, 0,
		105,
	HDR(COPY_TRANSFER3D, 0, 14), 105, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 102,
		0, 0,
	HDR(SET_INDEX_BUFFER, 0, 3), 102, 4, 0,
};

#define WORDS(a)        (sizeof(a) / sizeof((a)[0]))

static void test_each_client_gets_its_own_ids(void **state)
{
	struct fixture *fx = *state;
	uint32_t words[WORDS(stream_in)];
	size_t i;

	memcpy(words, stream_in, sizeof(words));
	assert_int_equal(vtest_cmds_translate(fx->a, words, WORDS(words)), 0);
	for (i = 0; i < WORDS(words); i++) {
		if (words[i] != stream_a[i]) {
			fail_msg("client a, word %zu: %u, expected %u", i,
				 words[i], stream_a[i]);
		}
	}
	memcpy(words, stream_in, sizeof(words));
	assert_int_equal(vtest_cmds_translate(fx->b, words, WORDS(words)), 0);
	for (i = 0; i < WORDS(words); i++) {
		if (words[i] != stream_a[i] + (stream_a[i] != stream_in[i] ?
					       100 : 0)) {
			fail_msg("client b, word %zu: %u", i, words[i]);
		}
	}
}

/* A hostile client names a handle only another client holds. */
static void test_foreign_handle_refused(void **state)
{
	struct fixture *fx = *state;
	uint32_t ib[] = { HDR(SET_INDEX_BUFFER, 0, 3), 3, 4, 0 };
	uint32_t surf[] = { HDR(CREATE_OBJECT, OBJ_SURFACE, 5), 7, 201, 2,
			    0, 0 };

	give(fx->b, 3, 203);
	assert_int_equal(vtest_cmds_translate(fx->a, ib, WORDS(ib)), -EINVAL);
	/* Nor by the other client's device id. */
	assert_int_equal(vtest_cmds_translate(fx->a, surf, WORDS(surf)),
			 -EINVAL);
}

static void test_malformed_streams_refused(void **state)
{
	struct fixture *fx = *state;
	uint32_t truncated[] = { HDR(SET_VERTEX_BUFFERS, 0, 6), 16, 0, 1 };
	uint32_t unknown[] = { HDR(62, 0, 0) };
	uint32_t last_short[] = { HDR(SET_INDEX_BUFFER, 0, 3), 1, 4, 0,
				  HDR(BLIT, 0, 21), 0 };

	assert_int_equal(vtest_cmds_translate(fx->a, truncated,
					      WORDS(truncated)), -EINVAL);
	assert_int_equal(vtest_cmds_translate(fx->a, unknown, WORDS(unknown)),
			 -EINVAL);
	assert_int_equal(vtest_cmds_translate(fx->a, last_short,
					      WORDS(last_short)), -EINVAL);
}

/* Device ids are unique among live resources, also after frees. */
static void test_device_ids_unique(void **state)
{
	struct fixture *fx = *state;
	uint32_t ids[64], again;
	int i, j;

	for (i = 0; i < 64; i++) {
		assert_int_equal(vtest_dev_alloc_res_id(fx->dev, &ids[i]), 0);
		assert_true(ids[i] >= 1 && ids[i] <= VTEST_MAX_RES_ID);
		for (j = 0; j < i; j++) {
			assert_int_not_equal(ids[i], ids[j]);
		}
	}
	vtest_dev_free_res_id(fx->dev, ids[10]);
	/* Force the counter to wrap onto the live ids. */
	fx->dev->next_res_id = ids[0];
	assert_int_equal(vtest_dev_alloc_res_id(fx->dev, &again), 0);
	assert_int_equal(again, ids[10]);
	for (i = 0; i < 64; i++) {
		vtest_dev_free_res_id(fx->dev, i == 10 ? again : ids[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_each_client_gets_its_own_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_handle_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_streams_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_ids_unique, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
