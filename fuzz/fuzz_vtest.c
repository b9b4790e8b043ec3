/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz target: vgpu-vtest's vtest protocol parser. After a 4-byte fail
 * mask, the input is the byte stream a client (Mesa's virpipe) writes to
 * the socket, fed through the vtest_io hooks as tests/test_vtest_parse.c
 * does; commands are dispatched until one fails or the stream ends.
 *
 * Behind it is fuzz/fake_front.c, a device answering from memory, so the
 * resource, backing, transfer, submit, busy and caps paths run past their
 * first device call; bit i of the fail mask fails the i-th request, to
 * reach the paths that recover from a refusal. The fake checks that every
 * request vtest builds is well formed and that the client leaves no
 * buffer or unanswered request behind. Not fuzzed here: libvgpufront
 * itself (ring, command-region allocator) and the socket server.
 */
#include <errno.h>

#include "fake_front.h"
#include "fuzz_common.h"
#include "vgpu_util.h"
#include "vtest.h"

/*
 * No reply is longer: a v0 TRANSFER_GET answers with its data, at most
 * max-mapped-pages of it (the fake device's 256 pages).
 */
#define REPLY_MAX       (256 * 4096)

struct feed {
	struct vtest_io io;             /* first */
	struct fuzz_in in;
};

static int feed_read(struct vtest_io *io, void *buf, size_t len)
{
	struct feed *f = (struct feed *)io;

	if (len > fuzz_left(&f->in)) {
		f->in.pos = f->in.size;
		return -EPIPE;
	}
	fuzz_take(&f->in, buf, len);
	return 0;
}

/* Replies are thrown away, but must be readable and of a sane size. */
static int feed_write(struct vtest_io *io, const void *buf, size_t len)
{
	const volatile uint8_t *p = buf;
	uint8_t sum = 0;
	size_t i;

	(void)io;
	FUZZ_CHECK(len <= REPLY_MAX);
	for (i = 0; i < len; i++) {
		sum ^= p[i];
	}
	(void)sum;
	return 0;
}

static int feed_send_fd(struct vtest_io *io, int fd)
{
	(void)io;
	FUZZ_CHECK(fd >= -1);     /* -1: a refused create's answer */
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vgpu_log_init("fuzz_vtest", false);
	fuzz_quiet_logs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f = {
		.io = { feed_read, feed_write, feed_send_fd },
		.in = { data, size, 0 },
	};
	struct vtest_client *c;
	struct vtest_dev *dev;
	uint32_t fail_mask;
	int ret;

	fuzz_take(&f.in, &fail_mask, sizeof(fail_mask));
	dev = vtest_dev_create(fake_front_reset(fail_mask));
	FUZZ_CHECK(dev);
	c = vtest_client_create(dev, &f.io, "fuzz");
	FUZZ_CHECK(c);
	do {
		ret = vtest_client_dispatch(c);
	} while (!ret && fuzz_left(&f.in));
	FUZZ_CHECK(ret <= 0);
	vtest_client_destroy(c);
	vtest_dev_destroy(dev);
	fake_front_check_idle();
	return 0;
}
