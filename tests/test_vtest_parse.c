/* SPDX-License-Identifier: GPL-2.0 */
/* vgpu-vtest's parser on malformed input, fed from buffers, no backend. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vtest.h"
#include "vtest_protocol.h"

struct feed {
	struct vtest_io io;             /* first */
	uint32_t in[64];
	size_t in_len;                  /* bytes */
	size_t pos;
	uint32_t out[64];
	size_t out_len;                 /* bytes */
	int fds_sent;
	int creates_failed;             /* the byte sent without an fd */
};

struct fixture {
	struct feed feed;
	struct vtest_dev *dev;
	struct vtest_client *c;
};

static int feed_read(struct vtest_io *io, void *buf, size_t len)
{
	struct feed *f = (struct feed *)io;

	if (len > f->in_len - f->pos) {
		f->pos = f->in_len;
		return -EPIPE;
	}
	memcpy(buf, (char *)f->in + f->pos, len);
	f->pos += len;
	return 0;
}

static int feed_write(struct vtest_io *io, const void *buf, size_t len)
{
	struct feed *f = (struct feed *)io;

	if (len > sizeof(f->out) - f->out_len) {
		return -ENOSPC;
	}
	memcpy((char *)f->out + f->out_len, buf, len);
	f->out_len += len;
	return 0;
}

static int feed_send_fd(struct vtest_io *io, int fd)
{
	if (fd < 0) {
		((struct feed *)io)->creates_failed++;
	} else {
		((struct feed *)io)->fds_sent++;
	}
	return 0;
}

/* Appends words to the input. */
static void put(struct fixture *fx, size_t n, const uint32_t *w)
{
	struct feed *f = &fx->feed;

	assert_true(f->in_len + n * 4 <= sizeof(f->in));
	memcpy((char *)f->in + f->in_len, w, n * 4);
	f->in_len += n * 4;
}

#define PUT(fx, ...) \
	put(fx, sizeof((uint32_t[]){ __VA_ARGS__ }) / 4, \
	    (uint32_t[]){ __VA_ARGS__ })

static int setup(void **state)
{
	static struct fixture fx;

	memset(&fx, 0, sizeof(fx));
	fx.feed.io = (struct vtest_io){ feed_read, feed_write, feed_send_fd };
	fx.dev = vtest_dev_create(NULL);
	assert_non_null(fx.dev);
	fx.c = vtest_client_create(fx.dev, &fx.feed.io, "test");
	assert_non_null(fx.c);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	vtest_client_destroy(fx->c);
	vtest_dev_destroy(fx->dev);
	return 0;
}

/* CREATE_RENDERER "glx\0": the length counts bytes. */
static void hello(struct fixture *fx)
{
	PUT(fx, 4, VCMD_CREATE_RENDERER, 0x00786c67);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
}

/* PROTOCOL_VERSION 2, answered with 2. */
static void hello_v2(struct fixture *fx)
{
	hello(fx);
	PUT(fx, 1, VCMD_PROTOCOL_VERSION, 2);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	assert_int_equal(vtest_client_version(fx->c), 2);
	fx->feed.out_len = 0;
}

static void test_truncated_header(void **state)
{
	struct fixture *fx = *state;
	uint16_t half = VCMD_CREATE_RENDERER;

	memcpy(fx->feed.in, &half, sizeof(half));
	fx->feed.in_len = sizeof(half);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPIPE);
}

static void test_truncated_payload(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	PUT(fx, VCMD_RES_CREATE2_WORDS, VCMD_RESOURCE_CREATE2, 1, 2, 3);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPIPE);
}

static void test_first_command_must_create_renderer(void **state)
{
	struct fixture *fx = *state;

	PUT(fx, 0, VCMD_PING_PROTOCOL_VERSION);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPROTO);
}

static void test_renderer_name_too_long(void **state)
{
	struct fixture *fx = *state;

	PUT(fx, 0x7fffffff, VCMD_CREATE_RENDERER);
	assert_int_equal(vtest_client_dispatch(fx->c), -E2BIG);
}

static void test_long_name_is_truncated(void **state)
{
	struct fixture *fx = *state;
	uint32_t name[24];

	memset(name, 'a', sizeof(name));
	PUT(fx, sizeof(name), VCMD_CREATE_RENDERER);
	put(fx, sizeof(name) / 4, name);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	assert_int_equal(fx->feed.pos, fx->feed.in_len);
}

static void test_ping_and_version(void **state)
{
	struct fixture *fx = *state;

	hello(fx);
	PUT(fx, 0, VCMD_PING_PROTOCOL_VERSION);
	PUT(fx, 1, VCMD_PROTOCOL_VERSION, 1);
	PUT(fx, 1, VCMD_PROTOCOL_VERSION, 99);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	assert_int_equal(vtest_client_version(fx->c), 0);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	assert_int_equal(vtest_client_version(fx->c), VTEST_VERSION_MAX);
	assert_int_equal(fx->feed.out_len, 8 * 4);
	assert_int_equal(fx->feed.out[0], 0);
	assert_int_equal(fx->feed.out[1], VCMD_PING_PROTOCOL_VERSION);
	assert_int_equal(fx->feed.out[3], VCMD_PROTOCOL_VERSION);
	assert_int_equal(fx->feed.out[4], 0);
	assert_int_equal(fx->feed.out[7], VTEST_VERSION_MAX);
}

static void test_unknown_commands(void **state)
{
	struct fixture *fx = *state;
	const uint32_t bad[] = { 0, 15, VCMD_RESOURCE_CREATE_BLOB, 99,
				 0xffffffff, VCMD_CREATE_RENDERER };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		teardown(state);
		setup(state);
		fx = *state;
		hello_v2(fx);
		PUT(fx, 0, bad[i]);
		assert_int_equal(vtest_client_dispatch(fx->c), -EPROTO);
	}
}

static void test_v2_command_needs_v2(void **state)
{
	struct fixture *fx = *state;

	hello(fx);
	PUT(fx, VCMD_TRANSFER2_WORDS, VCMD_TRANSFER_GET2);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPROTO);
}

static void test_submit_too_long(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	PUT(fx, 0x40000000, VCMD_SUBMIT_CMD);
	assert_int_equal(vtest_client_dispatch(fx->c), -E2BIG);
	PUT(fx, 0xffffffff, VCMD_SUBMIT_CMD);
	assert_int_equal(vtest_client_dispatch(fx->c), -E2BIG);
}

static void test_empty_submit(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	PUT(fx, 0, VCMD_SUBMIT_CMD);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
}

/* handle, target, format, bind, w, h, d, array, levels, samples, size */
static void create2(struct fixture *fx, uint32_t len, uint32_t handle,
		    uint32_t target, uint32_t size)
{
	PUT(fx, len, VCMD_RESOURCE_CREATE2, handle, target, 1, 2, 64, 64, 1,
	    1, 0, 0, size);
}

static void test_bad_resource_create(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	create2(fx, VCMD_RES_CREATE2_WORDS, 0, 2, 4096);
	assert_int_equal(vtest_client_dispatch(fx->c), -EINVAL);
	create2(fx, VCMD_RES_CREATE2_WORDS, 0x80000000, 2, 4096);
	assert_int_equal(vtest_client_dispatch(fx->c), -EINVAL);
	create2(fx, VCMD_RES_CREATE2_WORDS, 5, 42, 4096);
	assert_int_equal(vtest_client_dispatch(fx->c), -EINVAL);
	assert_int_equal(fx->feed.fds_sent, 0);
	assert_int_equal(fx->feed.creates_failed, 0);
}

/*
 * A backing larger than the device's vram is refused before the device
 * sees it, as a failed create: one byte without an fd, and the client
 * stays (Mesa's resource_create returns NULL and it goes on).
 */
static void test_oversized_backing_fails_create(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	create2(fx, VCMD_RES_CREATE2_WORDS, 5, 2, 0xffffffff);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	assert_int_equal(fx->feed.fds_sent, 0);
	assert_int_equal(fx->feed.creates_failed, 1);
	PUT(fx, 0, VCMD_SUBMIT_CMD);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
}

static void test_resource_create_bad_length(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	create2(fx, VCMD_RES_CREATE2_WORDS + 1, 5, 2, 4096);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPROTO);
}

/* A well-formed create reaches the device, which is missing here. */
static void test_resource_create_without_device(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	create2(fx, VCMD_RES_CREATE2_WORDS, 5, 2, 4096);
	assert_int_equal(vtest_client_dispatch(fx->c), -ENODEV);
	assert_int_equal(fx->feed.fds_sent, 0);
}

static void test_transfer_unknown_resource(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	PUT(fx, VCMD_TRANSFER2_WORDS + 4, VCMD_TRANSFER_PUT2, 77, 0, 0, 0, 0,
	    4, 4, 1, 16, 0);
	assert_int_equal(vtest_client_dispatch(fx->c), -EINVAL);
}

static void test_transfer_put_length_mismatch(void **state)
{
	struct fixture *fx = *state;

	hello(fx);
	PUT(fx, VCMD_TRANSFER_WORDS + 1, VCMD_TRANSFER_PUT, 77, 0, 0, 0, 0,
	    0, 0, 4, 4, 1, 64);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPROTO);
}

/* Mesa's probe: PING, then BUSY_WAIT on handle 0 before any context. */
static void test_busy_wait_probe(void **state)
{
	struct fixture *fx = *state;

	hello(fx);
	PUT(fx, 2, VCMD_RESOURCE_BUSY_WAIT, 0, 0);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	assert_int_equal(fx->feed.out_len, 3 * 4);
	assert_int_equal(fx->feed.out[0], 1);
	assert_int_equal(fx->feed.out[1], VCMD_RESOURCE_BUSY_WAIT);
	assert_int_equal(fx->feed.out[2], 0);
	PUT(fx, 3, VCMD_RESOURCE_BUSY_WAIT, 0, 0, 0);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPROTO);
}

static void test_unref_unknown_is_ignored(void **state)
{
	struct fixture *fx = *state;

	hello_v2(fx);
	PUT(fx, 1, VCMD_RESOURCE_UNREF, 1234);
	assert_int_equal(vtest_client_dispatch(fx->c), 0);
	PUT(fx, 2, VCMD_RESOURCE_UNREF, 1234, 0);
	assert_int_equal(vtest_client_dispatch(fx->c), -EPROTO);
}

static void test_caps_without_device(void **state)
{
	struct fixture *fx = *state;

	hello(fx);
	PUT(fx, 0, VCMD_GET_CAPS2);
	assert_int_equal(vtest_client_dispatch(fx->c), -ENODEV);
	assert_int_equal(fx->feed.out_len, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_truncated_header),
		T(test_truncated_payload),
		T(test_first_command_must_create_renderer),
		T(test_renderer_name_too_long),
		T(test_long_name_is_truncated),
		T(test_ping_and_version),
		T(test_unknown_commands),
		T(test_v2_command_needs_v2),
		T(test_submit_too_long),
		T(test_empty_submit),
		T(test_bad_resource_create),
		T(test_oversized_backing_fails_create),
		T(test_resource_create_bad_length),
		T(test_resource_create_without_device),
		T(test_transfer_unknown_resource),
		T(test_transfer_put_length_mismatch),
		T(test_busy_wait_probe),
		T(test_unref_unknown_is_ignored),
		T(test_caps_without_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
