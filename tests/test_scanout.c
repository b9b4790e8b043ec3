/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The screen (feature-scanout) against the real vgpu-backend over
 * loopback, seen through its VNC display with libvncclient: a dumb
 * buffer shown in place from its backing pages, a host resource read
 * back, page flips paced to the refresh, the requests a hostile guest
 * can make, and VNC clients that misbehave.
 *
 * The guest is raw_front: every request is written by hand, as a
 * malicious domU can. Each case gets a fresh guest, so a fresh worker
 * with a VNC listener of its own, whose port the worker publishes in
 * its vnc-port node. Pixels are compared exactly.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include <png.h>
#include <rfb/rfbclient.h>

#include "harness.h"
#include "raw_front.h"
#include "vgpu_util.h"

#define CALL_MS         5000
#define VNC_MS          5000
#define CMD_PAGES       4

/* Gallium's values, as Mesa sends them. */
#define PIPE_BUFFER             0
#define PIPE_TEXTURE_2D         2
#define FORMAT_B8G8R8X8         2
#define FORMAT_R8_UNORM         64
#define BIND_RENDER_TARGET      (1 << 1)
#define BIND_SAMPLER_VIEW       (1 << 3)
#define BIND_SCANOUT            (1 << 18)

/* The screen's resources: W x H, rows STRIDE bytes apart in backing. */
#define W               64
#define H               48
#define STRIDE          320     /* wider than W * 4: stride is honoured */
#define BACK_PAGES      4       /* 16 KiB >= H * STRIDE */
#define CTX             1
#define RES_A           1
#define RES_B           2
#define RES_BUF         3
#define RES_NONE        99

struct fixture {
	char dir[128];
	char sock[PATH_MAX];
	struct harness_child backend;
	struct raw_front rf;
	struct raw_share back[3];       /* backing of RES_A, RES_B; dirs */
	struct raw_share gdir[3];
	int vnc_port;
	size_t log_mark;
};

/* ------------------------------------------------------------------ */
/* The guest                                                           */
/* ------------------------------------------------------------------ */

static int call(struct fixture *f, struct vgpuif_req req)
{
	struct vgpuif_resp resp;

	assert_int_equal(raw_front_call(&f->rf, &req, &resp,
					harness_ms(CALL_MS)), 0);
	assert_int_equal(resp.id, req.id);
	return resp.status;
}

static struct vgpuif_req req_scanout(uint8_t op, uint32_t res, uint32_t flags,
				     uint32_t offset, uint32_t stride)
{
	return (struct vgpuif_req){
		.operation = op,
		.op.scanout = { .res_id = res, .scanout_flags = flags,
				.offset = offset, .stride = stride,
				.width = W, .height = H },
	};
}

/* The whole W x H of res, from its backing. */
static struct vgpuif_req req_show(uint8_t op, uint32_t res)
{
	return req_scanout(op, res, VGPUIF_SCANOUT_BACKING, 0, STRIDE);
}

static struct vgpuif_req req_flush(uint32_t res, uint32_t x, uint32_t y,
				   uint32_t width, uint32_t height)
{
	return (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_FLUSH,
		.op.resource_flush = { .res_id = res, .x = x, .y = y,
				       .width = width, .height = height },
	};
}

static struct vgpuif_req req_res(uint8_t op, uint32_t ctx, uint32_t res)
{
	return (struct vgpuif_req){ .operation = op, .ctx_id = ctx,
				    .op.resource.res_id = res };
}

/* A W x H B8G8R8X8 texture, as a KMS driver makes a framebuffer. */
static void create_texture(struct fixture *f, uint32_t res)
{
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_RESOURCE_CREATE_3D,
		.op.resource_create_3d = {
			.res_id = res, .target = PIPE_TEXTURE_2D,
			.format = FORMAT_B8G8R8X8,
			.bind = BIND_RENDER_TARGET | BIND_SAMPLER_VIEW |
				BIND_SCANOUT,
			.width = W, .height = H, .depth = 1,
			.array_size = 1 },
	};

	assert_int_equal(call(f, req), 0);
}

/* BACK_PAGES of backing, shared by us as slot i, attached to res. */
static void attach_backing(struct fixture *f, uint32_t res, int i)
{
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
		.op.attach_backing = { .res_id = res,
				       .num_pages = BACK_PAGES },
	};

	assert_int_equal(raw_front_share(&f->rf, BACK_PAGES, false,
					 &f->back[i]), 0);
	assert_int_equal(raw_front_share(&f->rf, 1, true, &f->gdir[i]), 0);
	raw_dir_fill(&f->gdir[i], &f->back[i]);
	req.op.attach_backing.gref_directory = raw_share_gref(&f->gdir[i], 0);
	assert_int_equal(call(f, req), 0);
}

static void make_screen_res(struct fixture *f, uint32_t res, int i)
{
	create_texture(f, res);
	attach_backing(f, res, i);
}

/* The pixel the tests draw at (x, y) in frame seed: 0x00RRGGBB. */
static uint32_t pattern(uint32_t x, uint32_t y, uint32_t seed)
{
	return ((x * 4 + seed) & 0xff) << 16 | ((y * 5 + seed) & 0xff) << 8 |
	       ((x ^ y ^ seed) & 0xff);
}

/* Draws frame seed into slot i's backing, as the guest's CPU would. */
static void draw(struct fixture *f, int i, uint32_t seed)
{
	uint32_t x, y;

	for (y = 0; y < H; y++) {
		uint32_t *row = (uint32_t *)(f->back[i].addr +
					     (size_t)y * STRIDE);

		for (x = 0; x < W; x++) {
			row[x] = pattern(x, y, seed);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The VNC client                                                      */
/* ------------------------------------------------------------------ */

static void vnc_quiet(const char *fmt, ...)
{
	(void)fmt;
}

/* Zeroed: pixels no update has brought yet are black, not undefined. */
static rfbBool vnc_alloc(rfbClient *c)
{
	free(c->frameBuffer);
	c->frameBuffer = calloc((size_t)c->width * c->height, 4);
	return c->frameBuffer != NULL;
}

/* rfbClientSetClientData's key of the password: any unique address. */
static const char passwd_tag;

/* NULL, not "", for none: libvncclient frees only a non-empty one. */
static char *vnc_passwd(rfbClient *c)
{
	const char *passwd = rfbClientGetClientData(c, (void *)&passwd_tag);

	return passwd ? strdup(passwd) : NULL;
}

/* A client of the display on port, giving passwd if asked (may be NULL). */
static rfbClient *vnc_connect_with(int port, const char *passwd)
{
	rfbClient *c = rfbGetClient(8, 3, 4);

	rfbClientLog = vnc_quiet;
	free(c->serverHost);
	c->serverHost = strdup("127.0.0.1");
	c->serverPort = port;
	/* Lossless encodings only: the pixels are compared exactly. */
	c->appData.encodingsString = "zrle hextile raw";
	c->appData.enableJPEG = FALSE;
	c->MallocFrameBuffer = vnc_alloc;
	c->GetPassword = vnc_passwd;
	rfbClientSetClientData(c, (void *)&passwd_tag, (void *)passwd);
	if (!rfbInitClient(c, NULL, NULL)) {
		return NULL; /* rfbInitClient freed c */
	}
	return c;
}

static rfbClient *vnc_connect(int port)
{
	return vnc_connect_with(port, NULL);
}

/* rfbClientCleanup leaves the frame buffer to whoever allocated it. */
static void vnc_close(rfbClient *c)
{
	free(c->frameBuffer);
	c->frameBuffer = NULL;
	rfbClientCleanup(c);
}

/* The client's pixel at (x, y) as 0x00RRGGBB (its format: R lowest). */
static uint32_t vnc_pixel(const rfbClient *c, int x, int y)
{
	uint32_t p = ((const uint32_t *)c->frameBuffer)[y * c->width + x];

	return (p & 0xff) << 16 | (p & 0xff00) | (p >> 16 & 0xff);
}

/* 0: the client shows frame seed (0xff..: black) at width x height. */
static int vnc_mismatch(const rfbClient *c, uint32_t seed)
{
	int x, y;

	if (c->width != W || c->height != H) {
		return -1;
	}
	for (y = 0; y < H; y++) {
		for (x = 0; x < W; x++) {
			uint32_t want = seed == UINT32_MAX ? 0 :
					pattern((uint32_t)x, (uint32_t)y,
						seed);

			if (vnc_pixel(c, x, y) != want) {
				return 1 + y * W + x;
			}
		}
	}
	return 0;
}

/* Reads updates until the client shows frame seed; fails after VNC_MS. */
static void vnc_expect(rfbClient *c, uint32_t seed)
{
	uint64_t deadline = harness_now_ns() +
			    (uint64_t)harness_ms(VNC_MS) * 1000000;
	int bad;

	while ((bad = vnc_mismatch(c, seed)) && harness_now_ns() < deadline) {
		if (WaitForMessage(c, 50000) > 0) {
			assert_true(HandleRFBServerMessage(c));
		}
	}
	if (bad > 0) {
		fail_msg("VNC pixel %d,%d is %06x, want %06x", (bad - 1) % W,
			 (bad - 1) / W, vnc_pixel(c, (bad - 1) % W,
						  (bad - 1) / W),
			 seed == UINT32_MAX ? 0 :
			 pattern((uint32_t)(bad - 1) % W,
				 (uint32_t)(bad - 1) / W, seed));
	}
	assert_int_equal(bad, 0);
}

/* ------------------------------------------------------------------ */
/* Backend and fixture                                                 */
/* ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	static const char *const opts[] = { "--vnc-listen=127.0.0.1", NULL };
	struct fixture *f = calloc(1, sizeof(*f));
	char log[PATH_MAX];

	if (!f || harness_mkdtemp(f->dir, sizeof(f->dir), "scanout")) {
		free(f);
		return -1;
	}
	snprintf(f->sock, sizeof(f->sock), "%s/backend.sock", f->dir);
	snprintf(log, sizeof(log), "%s/backend.log", f->dir);
	if (harness_backend_start(&f->backend, f->sock, opts, log)) {
		harness_dump_log(&f->backend);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;
	const char *keep = getenv("VGPU_TEST_KEEP");
	bool errors;
	int rc;

	if (!f) {
		return 0; /* the setup failed */
	}
	rc = harness_stop(&f->backend, SIGTERM, harness_ms(20000));
	errors = harness_log_has_errors(f->backend.log);

	if (rc || errors) {
		harness_dump_log(&f->backend);
	}
	if (keep && !strcmp(keep, "1")) {
		fprintf(stderr, "test_scanout: keeping %s\n", f->dir);
	} else {
		harness_rmtree(f->dir);
	}
	free(f);
	assert_int_equal(rc, 0);
	assert_false(errors);
	return 0;
}

/* A fresh guest on the backend at sock, with its worker's VNC port. */
static int open_guest(struct fixture *f, const char *sock)
{
	const char *port;

	memset(&f->rf, 0, sizeof(f->rf));
	memset(f->back, 0, sizeof(f->back));
	memset(f->gdir, 0, sizeof(f->gdir));
	if (raw_front_open(&f->rf, sock, 1, CMD_PAGES)) {
		return -1;
	}
	port = strstr(f->rf.back_nodes, "vnc-port=");
	f->vnc_port = port ? atoi(port + strlen("vnc-port=")) : -1;
	return 0;
}

/* Each case: a fresh guest, and the log read from here on. */
static int setup(void **state)
{
	struct fixture *f = *state;
	char *log = harness_read_file(f->backend.log);

	f->log_mark = log ? strlen(log) : 0;
	free(log);
	return open_guest(f, f->sock);
}

static void close_guest(struct fixture *f)
{
	size_t i;

	raw_front_close(&f->rf);
	for (i = 0; i < VGPU_ARRAY_SIZE(f->back); i++) {
		raw_share_free(&f->back[i]);
		raw_share_free(&f->gdir[i]);
	}
}

static int teardown(void **state)
{
	close_guest(*state);
	return 0;
}

/* The line the worker logs when its guest goes, from this case on. */
static char *screen_line(struct fixture *f)
{
	uint64_t deadline = harness_now_ns() + 5000000000ull;
	char *log, *line = NULL;

	close_guest(f);
	while (!line && harness_now_ns() < deadline) {
		log = harness_read_file(f->backend.log);
		if (log && strlen(log) > f->log_mark &&
		    strstr(log + f->log_mark, "screen: ")) {
			line = strdup(strstr(log + f->log_mark, "screen: "));
			*strchr(line, '\n') = '\0';
		}
		free(log);
		harness_sleep_ms(20);
	}
	assert_non_null(line);
	return line;
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */
/* ------------------------------------------------------------------ */

static void test_advertised(void **state)
{
	struct fixture *f = *state;

	assert_non_null(strstr(f->rf.back_nodes, "feature-scanout=1\n"));
	assert_true(f->vnc_port >= 5900 && f->vnc_port < 6000);
}

/* A dumb buffer: the backing pages on the screen, no copy in dom0. */
static void test_dumb_buffer(void **state)
{
	struct fixture *f = *state;
	rfbClient *c;
	char *line;

	make_screen_res(f, RES_A, 0);
	draw(f, 0, 1);
	assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT, RES_A)), 0);
	assert_int_equal(call(f, req_flush(RES_A, 0, 0, W, H)), 0);
	c = vnc_connect(f->vnc_port);
	assert_non_null(c);
	vnc_expect(c, 1);
	/* A change, flushed: the client gets it as an update. */
	draw(f, 0, 2);
	assert_int_equal(call(f, req_flush(RES_A, 0, 0, W, H)), 0);
	vnc_expect(c, 2);
	vnc_close(c);
	line = screen_line(f);
	assert_non_null(strstr(line, " 0 pixel bytes copied"));
	free(line);
}

/* A host resource: uploaded, then read back for the screen. */
static void test_host_resource(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req up = req_res(VGPUIF_OP_TRANSFER_TO_HOST_3D, CTX,
				       RES_A);
	struct vgpuif_req ctx = { .operation = VGPUIF_OP_CTX_CREATE,
				  .ctx_id = CTX };
	char want[64];
	rfbClient *c;
	char *line;

	up.op.transfer_3d = (struct vgpuif_transfer_3d_req){
		.res_id = RES_A, .stride = STRIDE, .width = W, .height = H,
		.depth = 1 };
	make_screen_res(f, RES_A, 0);
	assert_int_equal(call(f, ctx), 0);
	assert_int_equal(call(f, req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE, CTX,
					 RES_A)), 0);
	draw(f, 0, 3);
	assert_int_equal(call(f, up), 0);
	/* What the screen shows must come from the host resource. */
	memset(f->back[0].addr, 0, (size_t)BACK_PAGES * VGPUIF_PAGE_SIZE);
	assert_int_equal(call(f, req_scanout(VGPUIF_OP_SET_SCANOUT, RES_A, 0,
					     0, 0)), 0);
	c = vnc_connect(f->vnc_port);
	assert_non_null(c);
	vnc_expect(c, 3);
	/* Damage of 8 x 4: only those pixels are read back again. */
	draw(f, 0, 4);
	up.op.transfer_3d.x = 8;
	up.op.transfer_3d.y = 4;
	up.op.transfer_3d.width = 8;
	up.op.transfer_3d.height = 4;
	up.op.transfer_3d.offset = 4 * STRIDE + 8 * 4;
	assert_int_equal(call(f, up), 0);
	assert_int_equal(call(f, req_flush(RES_A, 8, 4, 8, 4)), 0);
	vnc_close(c);
	line = screen_line(f);
	snprintf(want, sizeof(want), " %d pixel bytes copied",
		 W * H * 4 + 8 * 4 * 4);
	assert_non_null(strstr(line, want));
	free(line);
}

/* RES_A and RES_B drawn with frames seed_a and seed_b, RES_A shown. */
static void show_a_of_two(struct fixture *f, uint32_t seed_a, uint32_t seed_b)
{
	make_screen_res(f, RES_A, 0);
	make_screen_res(f, RES_B, 1);
	draw(f, 0, seed_a);
	draw(f, 1, seed_b);
	assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT, RES_A)), 0);
}

/* Flips between two buffers: answered once shown, at most 60 a second. */
static void test_flips_paced(void **state)
{
	struct fixture *f = *state;
	const int flips = 30;
	uint64_t start;
	double seconds;
	rfbClient *c;
	int i;

	show_a_of_two(f, 5, 6);
	start = harness_now_ns();
	for (i = 0; i < flips; i++) {
		assert_int_equal(call(f, req_show(VGPUIF_OP_PAGE_FLIP,
						  i % 2 ? RES_A : RES_B)), 0);
	}
	seconds = (double)(harness_now_ns() - start) / 1e9;
	print_message("%d flips in %.3f s: %.1f a second\n", flips, seconds,
		      flips / seconds);
	/* Each waits for the next tick: no two in one 1/60 s. */
	assert_true(seconds >= (flips - 1) / (double)VGPUIF_SCANOUT_REFRESH_HZ);
	c = vnc_connect(f->vnc_port);
	assert_non_null(c);
	vnc_expect(c, 5); /* the last flip (30th) showed RES_A */
	vnc_close(c);
}

/* A flip while one waits is refused; the waiting one is still shown. */
static void test_second_flip_busy(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req a = req_show(VGPUIF_OP_PAGE_FLIP, RES_B);
	struct vgpuif_req b = req_show(VGPUIF_OP_PAGE_FLIP, RES_A);
	struct vgpuif_resp resp[2];
	uint32_t id_a, id_b;
	int i;

	show_a_of_two(f, 0, 0);
	id_a = raw_front_queue(&f->rf, &a);
	id_b = raw_front_queue(&f->rf, &b);
	raw_front_publish(&f->rf);
	for (i = 0; i < 2; i++) {
		assert_int_equal(raw_front_wait(&f->rf, &resp[i],
						harness_ms(CALL_MS)), 0);
	}
	/* The refusal is at once, the flip at the refresh. */
	assert_int_equal(resp[0].id, id_b);
	assert_int_equal(resp[0].status, VGPUIF_EBUSY);
	assert_int_equal(resp[1].id, id_a);
	assert_int_equal(resp[1].status, 0);
}

/* A SET_SCANOUT while a flip waits: the flip is shown and answered first. */
static void test_set_during_flip(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req flip = req_show(VGPUIF_OP_PAGE_FLIP, RES_B);
	struct vgpuif_req set = req_show(VGPUIF_OP_SET_SCANOUT, RES_A);
	struct vgpuif_resp resp[2];
	uint32_t ids[2];
	rfbClient *c;
	int i;

	show_a_of_two(f, 11, 12);
	ids[0] = raw_front_queue(&f->rf, &flip);
	ids[1] = raw_front_queue(&f->rf, &set);
	raw_front_publish(&f->rf);
	for (i = 0; i < 2; i++) {
		assert_int_equal(raw_front_wait(&f->rf, &resp[i],
						harness_ms(CALL_MS)), 0);
		assert_int_equal(resp[i].id, ids[i]);
		assert_int_equal(resp[i].status, 0);
	}
	c = vnc_connect(f->vnc_port);
	assert_non_null(c);
	vnc_expect(c, 11);
	vnc_close(c);
}

struct bad_case {
	const char *what;
	struct vgpuif_req req;
	int status;
};

#define SCANOUT(...)    .operation = VGPUIF_OP_SET_SCANOUT, \
			.op.scanout = { __VA_ARGS__ }
#define FLIP(...)       .operation = VGPUIF_OP_PAGE_FLIP, \
			.op.scanout = { __VA_ARGS__ }
#define FLUSH(...)      .operation = VGPUIF_OP_RESOURCE_FLUSH, \
			.op.resource_flush = { __VA_ARGS__ }
#define SHOW_A          .res_id = RES_A, .width = W, .height = H
#define BACKED          .scanout_flags = VGPUIF_SCANOUT_BACKING, \
			.stride = STRIDE

/* Before any scanout is set. */
static const struct bad_case bad_requests[] = {
	{ "unknown resource", { SCANOUT(.res_id = RES_NONE, .width = W,
					.height = H) }, VGPUIF_ENOENT },
	{ "a buffer, not a texture", { SCANOUT(.res_id = RES_BUF, .width = 16,
					       .height = 1) }, VGPUIF_EINVAL },
	{ "rectangle past the right edge", { SCANOUT(.res_id = RES_A,
		.x = W - 8, .width = 16, .height = H) }, VGPUIF_EINVAL },
	{ "rectangle wrapping around", { SCANOUT(.res_id = RES_A,
		.y = 0xfffffff0u, .width = W, .height = 0x20) },
	  VGPUIF_EINVAL },
	{ "empty rectangle", { SCANOUT(.res_id = RES_A, .width = W) },
	  VGPUIF_EINVAL },
	{ "over VGPUIF_SCANOUT_MAX_DIM", { SCANOUT(.res_id = RES_A,
		.width = VGPUIF_SCANOUT_MAX_DIM + 1, .height = H) },
	  VGPUIF_EINVAL },
	{ "offset not a multiple of 4", { SCANOUT(SHOW_A, BACKED,
						  .offset = 2) },
	  VGPUIF_EINVAL },
	{ "stride below 4 x width", { SCANOUT(SHOW_A, .stride = W * 4 - 4,
		.scanout_flags = VGPUIF_SCANOUT_BACKING) }, VGPUIF_EINVAL },
	{ "rectangle past the backing", { SCANOUT(SHOW_A, BACKED,
		.offset = BACK_PAGES * VGPUIF_PAGE_SIZE -
			  ((H - 1) * STRIDE + W * 4) + 4) },
	  VGPUIF_EINVAL },
	{ "stride wrapping the backing", { SCANOUT(SHOW_A,
		.scanout_flags = VGPUIF_SCANOUT_BACKING,
		.stride = 0xfffffffcu) }, VGPUIF_EINVAL },
	{ "backing flag without backing", { SCANOUT(.res_id = RES_B,
		.width = W, .height = H, BACKED) }, VGPUIF_ENOENT },
	{ "offset without the backing flag", { SCANOUT(SHOW_A,
						       .offset = 4) },
	  VGPUIF_EINVAL },
	{ "unknown flags", { SCANOUT(SHOW_A, .scanout_flags = 1u << 1) },
	  VGPUIF_EINVAL },
	{ "scanout 1", { SCANOUT(SHOW_A, .scanout_id = 1) }, VGPUIF_EINVAL },
	{ "blank with fields set", { SCANOUT(.width = W) }, VGPUIF_EINVAL },
	{ "a context named", { .ctx_id = 1, SCANOUT(SHOW_A) },
	  VGPUIF_EINVAL },
	{ "flip with no scanout set", { FLIP(SHOW_A) }, VGPUIF_EINVAL },
	{ "flush of an unknown resource", { FLUSH(.res_id = RES_NONE,
		.width = 1, .height = 1) }, VGPUIF_ENOENT },
	{ "flush past the resource", { FLUSH(.res_id = RES_A, .x = 1,
		.width = W, .height = H) }, VGPUIF_EINVAL },
	{ "flush wrapping around", { FLUSH(.res_id = RES_A, .x = 0xffffffffu,
		.width = 2, .height = 1) }, VGPUIF_EINVAL },
	{ "empty flush", { FLUSH(.res_id = RES_A, .height = 1) },
	  VGPUIF_EINVAL },
	{ "flush of a resource not shown", { FLUSH(.res_id = RES_A,
		.width = W, .height = H) }, 0 },
};

/* Once RES_A is shown. */
static const struct bad_case bad_once_shown[] = {
	{ "flip changing the size", { FLIP(.res_id = RES_A, .width = W / 2,
					   .height = H) }, VGPUIF_EINVAL },
	{ "flip to an unknown resource", { FLIP(.res_id = RES_NONE,
		.width = W, .height = H) }, VGPUIF_ENOENT },
	{ "flip to a buffer", { FLIP(.res_id = RES_BUF, .width = W,
				     .height = H) }, VGPUIF_EINVAL },
};

static void run_cases(struct fixture *f, const struct bad_case *cases,
		      size_t n)
{
	size_t i;
	int status;

	for (i = 0; i < n; i++) {
		status = call(f, cases[i].req);
		if (status != cases[i].status) {
			fail_msg("%s: status %d, want %d", cases[i].what,
				 status, cases[i].status);
		}
	}
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req buf = {
		.operation = VGPUIF_OP_RESOURCE_CREATE_3D,
		.op.resource_create_3d = {
			.res_id = RES_BUF, .target = PIPE_BUFFER,
			.format = FORMAT_R8_UNORM, .width = 4096,
			.height = 1, .depth = 1, .array_size = 1 },
	};
	rfbClient *c;

	make_screen_res(f, RES_A, 0);
	create_texture(f, RES_B);
	assert_int_equal(call(f, buf), 0);
	run_cases(f, bad_requests, VGPU_ARRAY_SIZE(bad_requests));
	draw(f, 0, 7);
	assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT, RES_A)), 0);
	run_cases(f, bad_once_shown, VGPU_ARRAY_SIZE(bad_once_shown));
	/* After all that, the screen is as the guest set it. */
	c = vnc_connect(f->vnc_port);
	assert_non_null(c);
	vnc_expect(c, 7);
	vnc_close(c);
	assert_int_equal(call(f, (struct vgpuif_req){ 0 }), 0);
}

/* Freeing the shown resource, or its backing, blanks the screen first. */
static void test_unref_blanks(void **state)
{
	struct fixture *f = *state;
	uint8_t ops[] = { VGPUIF_OP_RESOURCE_DETACH_BACKING,
			  VGPUIF_OP_RESOURCE_UNREF };
	rfbClient *c;
	size_t i;

	c = vnc_connect(f->vnc_port);
	assert_non_null(c);
	for (i = 0; i < VGPU_ARRAY_SIZE(ops); i++) {
		make_screen_res(f, RES_A + (uint32_t)i, (int)i);
		draw(f, (int)i, 8);
		assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT,
						  RES_A + (uint32_t)i)), 0);
		vnc_expect(c, 8);
		assert_int_equal(call(f, req_res(ops[i], 0,
						 RES_A + (uint32_t)i)), 0);
		vnc_expect(c, UINT32_MAX);
	}
	/* Nothing shown now: a flip has nothing to replace. */
	make_screen_res(f, RES_BUF, 2);
	assert_int_equal(call(f, req_show(VGPUIF_OP_PAGE_FLIP, RES_BUF)),
			 VGPUIF_EINVAL);
	vnc_close(c);
}

/* A flip whose resource goes before the refresh is answered ENOENT. */
static void test_flip_to_freed(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req flip = req_show(VGPUIF_OP_PAGE_FLIP, RES_B);
	struct vgpuif_req unref = req_res(VGPUIF_OP_RESOURCE_UNREF, 0, RES_B);
	struct vgpuif_resp resp[2];
	uint32_t id_flip;
	int i;

	show_a_of_two(f, 0, 0);
	id_flip = raw_front_queue(&f->rf, &flip);
	raw_front_queue(&f->rf, &unref);
	raw_front_publish(&f->rf);
	for (i = 0; i < 2; i++) {
		assert_int_equal(raw_front_wait(&f->rf, &resp[i],
						harness_ms(CALL_MS)), 0);
		if (resp[i].id == id_flip) {
			assert_int_equal(resp[i].status, VGPUIF_ENOENT);
		} else {
			assert_int_equal(resp[i].status, 0);
		}
	}
}

/* A TCP connection to the display, or -1. */
static int tcp_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Connects, sends bytes (may be NULL) and hangs up, n times at once. */
static void hostile_clients(int port, const void *bytes, size_t len, int n)
{
	int fds[32];
	int i;

	assert_true(n <= (int)VGPU_ARRAY_SIZE(fds));
	for (i = 0; i < n; i++) {
		fds[i] = tcp_connect(port);
		assert_true(fds[i] >= 0);
		if (bytes) {
			assert_int_equal(write(fds[i], bytes, len),
					 (ssize_t)len);
		}
	}
	for (i = 0; i < n; i++) {
		close(fds[i]);
	}
}

/* xenvgpu screenshot --vnc=DISPLAY makes a PNG of exactly frame seed. */
static void assert_screenshot(struct fixture *f, const char *display,
			      uint32_t seed)
{
	char bin[PATH_MAX], vnc[PATH_MAX + 300], png[PATH_MAX + 16];
	char *argv[] = { bin, "screenshot", vnc, png, NULL };
	png_image image = { .version = PNG_IMAGE_VERSION };
	struct harness_child tool;
	uint8_t rgb[W * H * 3];
	uint32_t x, y;

	harness_build_path(bin, sizeof(bin), "bin/xenvgpu");
	snprintf(vnc, sizeof(vnc), "--vnc=%s", display);
	snprintf(png, sizeof(png), "%s/shot.png", f->dir);
	assert_int_equal(harness_spawn(&tool, NULL, argv, NULL, NULL), 0);
	assert_int_equal(harness_wait(&tool, harness_ms(20000)), 0);
	assert_true(png_image_begin_read_from_file(&image, png));
	assert_int_equal(image.width, W);
	assert_int_equal(image.height, H);
	image.format = PNG_FORMAT_RGB;
	assert_true(png_image_finish_read(&image, NULL, rgb, 0, NULL));
	for (y = 0; y < H; y++) {
		for (x = 0; x < W; x++) {
			const uint8_t *p = rgb + (y * W + x) * 3;

			assert_int_equal((uint32_t)p[0] << 16 | p[1] << 8 | p[2],
					 pattern(x, y, seed));
		}
	}
}

/* xenvgpu screenshot, pointed at the display: a PNG of exactly it. */
static void test_screenshot(void **state)
{
	struct fixture *f = *state;
	char display[32];

	make_screen_res(f, RES_A, 0);
	draw(f, 0, 10);
	assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT, RES_A)), 0);
	snprintf(display, sizeof(display), "127.0.0.1:%d", f->vnc_port);
	assert_screenshot(f, display, 10);
}

/* The socket at path accepts: its worker lives. */
static bool socket_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	live = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0) {
		close(fd);
	}
	return live;
}

/* How many sockets in dir accept; path is one of them. */
static int live_sockets(const char *dir, char *path, size_t len)
{
	char name[PATH_MAX + 256];
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		snprintf(name, sizeof(name), "%s/%s", dir, e->d_name);
		if (strstr(e->d_name, ".sock") && socket_live(name)) {
			snprintf(path, len, "%s", name);
			n++;
		}
	}
	closedir(d);
	return n;
}

/*
 * Our worker's socket: the only one left that accepts. The harness's
 * probe of the backend's socket started a worker too, which goes once
 * it finds no frontend, leaving its socket file dead.
 */
static void our_socket(const char *dir, char *path, size_t len)
{
	uint64_t deadline = harness_now_ns() +
			    (uint64_t)harness_ms(20000) * 1000000;

	while (live_sockets(dir, path, len) != 1) {
		assert_true(harness_now_ns() < deadline);
		harness_sleep_ms(100);
	}
}

/*
 * Without VNC (vnc=0): the worker's screen socket, which only root
 * reaches, still gives xenvgpu screenshot the screen.
 */
static void test_screenshot_without_vnc(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX], sock[PATH_MAX], log[PATH_MAX];
	char opt[PATH_MAX + 16], path[PATH_MAX + 256];
	const char *const opts[] = { opt, NULL };
	struct harness_child plain;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/screens", f->dir);
	snprintf(sock, sizeof(sock), "%s/plain.sock", f->dir);
	snprintf(log, sizeof(log), "%s/plain.log", f->dir);
	snprintf(opt, sizeof(opt), "--screen-dir=%s", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(harness_backend_start(&plain, sock, opts, log), 0);
	close_guest(f);
	assert_int_equal(open_guest(f, sock), 0);
	assert_int_equal(f->vnc_port, 0);
	make_screen_res(f, RES_A, 0);
	draw(f, 0, 13);
	assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT, RES_A)), 0);
	our_socket(dir, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_screenshot(f, path, 13);
	close_guest(f);
	assert_int_equal(harness_stop(&plain, SIGTERM, harness_ms(20000)), 0);
	assert_false(harness_log_has_errors(log));
}

/* A second backend of this case's own, started with opt; its socket. */
static void start_other(struct fixture *f, struct harness_child *b,
			const char *opt, char *sock, size_t len)
{
	const char *const opts[] = { opt, "--vnc-listen=127.0.0.1", NULL };
	char log[PATH_MAX + 16];

	snprintf(sock, len, "%s/other.sock", f->dir);
	snprintf(log, sizeof(log), "%s/other.log", f->dir);
	assert_int_equal(harness_backend_start(b, sock, opts, log), 0);
	close_guest(f);
	assert_int_equal(open_guest(f, sock), 0);
}

static void stop_other(struct fixture *f, struct harness_child *b)
{
	close_guest(f);
	assert_int_equal(harness_stop(b, SIGTERM, harness_ms(20000)), 0);
	assert_false(harness_log_has_errors(b->log));
}

/* With a password, a client that does not give it sees nothing. */
static void test_vnc_password(void **state)
{
	struct fixture *f = *state;
	char file[PATH_MAX + 16], opt[PATH_MAX + 40], sock[PATH_MAX + 16];
	struct harness_child other;
	rfbClient *c;
	FILE *pw;

	snprintf(file, sizeof(file), "%s/vncpasswd", f->dir);
	pw = fopen(file, "w");
	assert_non_null(pw);
	fputs("s3cret\n", pw);
	fclose(pw);
	snprintf(opt, sizeof(opt), "--vnc-passwd-file=%s", file);
	start_other(f, &other, opt, sock, sizeof(sock));
	make_screen_res(f, RES_A, 0);
	draw(f, 0, 14);
	assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT, RES_A)), 0);
	assert_null(vnc_connect_with(f->vnc_port, NULL));
	assert_null(vnc_connect_with(f->vnc_port, "wrong"));
	c = vnc_connect_with(f->vnc_port, "s3cret");
	assert_non_null(c);
	vnc_expect(c, 14);
	vnc_close(c);
	stop_other(f, &other);
}

/* VNC clients that hang up, send garbage or crowd in harm no one. */
static void test_hostile_vnc_clients(void **state)
{
	struct fixture *f = *state;
	static const char garbage[] = "RFB 003.008\n\xff\xff\xff\xff"
				      "\x00\x00\x00\x01GET / HTTP/1.1\r\n";
	uint8_t noise[4096];
	rfbClient *c;
	size_t i;

	for (i = 0; i < sizeof(noise); i++) {
		noise[i] = (uint8_t)(i * 131 + 7);
	}
	make_screen_res(f, RES_A, 0);
	draw(f, 0, 9);
	assert_int_equal(call(f, req_show(VGPUIF_OP_SET_SCANOUT, RES_A)), 0);
	hostile_clients(f->vnc_port, NULL, 0, 3);
	hostile_clients(f->vnc_port, garbage, sizeof(garbage), 3);
	hostile_clients(f->vnc_port, noise, sizeof(noise), 3);
	/* More than the worker serves at once. */
	hostile_clients(f->vnc_port, NULL, 0, 20);
	/* The guest is still served, and an honest client still sees it. */
	for (i = 0; i < 10; i++) {
		assert_int_equal(call(f, (struct vgpuif_req){ 0 }), 0);
	}
	c = vnc_connect(f->vnc_port);
	assert_non_null(c);
	vnc_expect(c, 9);
	vnc_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_advertised, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dumb_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_resource, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flips_paced, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_second_flip_busy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_during_flip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unref_blanks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flip_to_freed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_screenshot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_screenshot_without_vnc,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vnc_password, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hostile_vnc_clients,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
