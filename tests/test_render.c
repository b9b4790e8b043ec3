/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Render tests: stock Mesa (virpipe) -> vgpu-vtest -> loopback ring ->
 * vgpu-backend -> virglrenderer, with the real programs as child
 * processes. Each test starts its own stack; the reference image is
 * glscene rendered directly on llvmpipe.
 *
 * Mesa connects to the fixed path /tmp/.virgl_test, so these tests must
 * not run beside another vtest server; they fail with a message if one
 * is listening there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "ppm.h"
#include "vtest_protocol.h"

/* GL processes at once, all on vgpu-vtest's one device. */
#define NCLIENTS	8

struct fixture {
	struct harness_stack stack;
	struct ppm ref;
};

static void path_in(const struct fixture *f, char *buf, size_t len,
		    const char *name, const char *ext)
{
	snprintf(buf, len, "%s/%s.%s", f->stack.dir, name, ext);
}

/* Renders the reference on llvmpipe into the stack's dir and loads it. */
static int load_reference(struct fixture *f)
{
	char out[PATH_MAX], log[PATH_MAX];
	struct harness_child c = { .name = "glscene-llvmpipe" };

	path_in(f, out, sizeof(out), "reference", "ppm");
	path_in(f, log, sizeof(log), "reference", "log");
	snprintf(c.log, sizeof(c.log), "%s", log);
	if (harness_glscene(log, false, NULL, out) != 0 ||
	    ppm_load(out, &f->ref) < 0) {
		harness_dump_log(&c);
		return -1;
	}
	return 0;
}

static int setup_with(void **state, const char *const *backend_args)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f) {
		return -1;
	}
	if (harness_stack_start_args(&f->stack, backend_args) < 0 ||
	    load_reference(f) < 0) {
		harness_stack_destroy(&f->stack);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* For tests of the scene alone: a temp dir, no stack. */
static int setup(void **state)
{
	return setup_with(state, NULL);
}

/* Room on the device for the resources of about two clients at once. */
static int setup_few_resources(void **state)
{
	static const char *const args[] = { "--max-resources=8", NULL };

	return setup_with(state, args);
}

static int setup_reference(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f) {
		return -1;
	}
	if (harness_mkdtemp(f->stack.dir, sizeof(f->stack.dir), "test") < 0 ||
	    load_reference(f) < 0) {
		harness_stack_destroy(&f->stack);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* Fails the test if a sanitizer or valgrind reported on our processes. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	harness_stack_stop(&f->stack, NULL, NULL);
	rc = harness_stack_check_logs(&f->stack);
	harness_stack_destroy(&f->stack);
	ppm_free(&f->ref);
	free(f);
	return rc;
}

/*
 * Checks what client NAME left behind: exit code 0, a virgl renderer in
 * its log and, if with_image, an image matching the reference.
 */
static void check_client(const struct fixture *f, const char *name, int rc,
			 bool with_image)
{
	char out[PATH_MAX], log[PATH_MAX];
	struct harness_child c = { 0 };
	struct ppm img;
	struct ppm_diff d;
	char *text;
	bool virgl;

	path_in(f, out, sizeof(out), name, "ppm");
	path_in(f, log, sizeof(log), name, "log");
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.log, sizeof(c.log), "%s", log);
	text = harness_read_file(log);
	virgl = text && strstr(text, "GL_RENDERER: virgl");
	free(text);
	if (rc != 0 || !virgl) {
		harness_dump_log(&c);
		harness_stack_dump_logs(&f->stack);
	}
	assert_int_equal(rc, 0);
	assert_true(virgl);
	if (!with_image) {
		return;
	}
	assert_int_equal(ppm_load(out, &img), 0);
	assert_int_equal(ppm_compare(&f->ref, &img, &d), 0);
	print_message("%s: max channel diff %d, %ld of %ld pixels differ\n",
		      name, d.max_channel, d.differing, d.pixels);
	ppm_free(&img);
	assert_true(ppm_within_tolerance(&d));
}

/* Runs one glscene through the stack and checks it. */
static void render_once(const struct fixture *f, const char *name,
			const char *const args[])
{
	char out[PATH_MAX], log[PATH_MAX];
	int rc;

	path_in(f, out, sizeof(out), name, "ppm");
	path_in(f, log, sizeof(log), name, "log");
	rc = harness_glscene(log, true, args, out);
	check_client(f, name, rc, true);
}

static void assert_stack_alive(struct fixture *f)
{
	if (!f->stack.reference) {
		assert_true(harness_alive(&f->stack.backend));
	}
	assert_true(harness_alive(&f->stack.vtest));
}

/* The scene itself is not trivial: otherwise comparing proves little. */
static void test_reference_is_a_real_scene(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->ref.width, 256);
	assert_int_equal(f->ref.height, 256);
	assert_true(ppm_count_colours(&f->ref, 1000) >= 1000);
}

/* (a) The stack draws what llvmpipe draws. */
static void test_render_matches_llvmpipe(void **state)
{
	render_once(*state, "single", NULL);
}

/*
 * (b) Eight clients at once on one device, each with its own context and
 * each numbering its resources from 1, all correct.
 */
static void test_render_concurrent_clients(void **state)
{
	static const char *const args[] = { "--frames", "5", NULL };
	struct fixture *f = *state;
	struct harness_child c[NCLIENTS];
	char name[NCLIENTS][32], out[PATH_MAX], log[PATH_MAX];
	int i, rc[NCLIENTS];

	for (i = 0; i < NCLIENTS; i++) {
		snprintf(name[i], sizeof(name[i]), "client%d", i);
		path_in(f, out, sizeof(out), name[i], "ppm");
		path_in(f, log, sizeof(log), name[i], "log");
		assert_int_equal(harness_glscene_spawn(&c[i], log, true, args,
						       out), 0);
	}
	for (i = 0; i < NCLIENTS; i++) {
		rc[i] = harness_wait(&c[i], harness_ms(120000));
	}
	for (i = 0; i < NCLIENTS; i++) {
		check_client(f, name[i], rc[i], true);
	}
	assert_stack_alive(f);
	assert_int_equal(harness_stack_rejections(&f->stack), 0);
	if (!f->stack.reference) {
		assert_int_equal(harness_count_in_file(f->stack.backend.log,
						       "connected (loopback)"),
				 1);
	}
}

/*
 * (f) What a client held goes back to the device when it exits, or
 * dies mid-stream: with room for about two clients' resources, client
 * after client still renders.
 */
static void test_clients_release_everything(void **state)
{
	static const char *const abort_args[] = { "--abort-after-submit",
						  NULL };
	struct fixture *f = *state;
	char name[32], log[PATH_MAX];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "aborts%d", i);
		path_in(f, log, sizeof(log), name, "log");
		check_client(f, name, harness_glscene(log, true, abort_args,
						       NULL), false);
		snprintf(name, sizeof(name), "renders%d", i);
		render_once(f, name, NULL);
	}
	assert_int_equal(harness_stack_rejections(&f->stack), 0);
	assert_stack_alive(f);
}

/* (c) Clients vanishing mid-stream leave the stack serving others. */
static void test_render_client_abort(void **state)
{
	static const char *const abort_args[] = { "--abort-after-submit",
						  NULL };
	struct fixture *f = *state;
	char name[32], log[PATH_MAX];
	int i, rc;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "abort%d", i);
		path_in(f, log, sizeof(log), name, "log");
		rc = harness_glscene(log, true, abort_args, NULL);
		check_client(f, name, rc, false);
	}
	assert_stack_alive(f);
	render_once(f, "after-abort", NULL);
	assert_stack_alive(f);
}

/* A vtest client of our own, speaking protocol v0 on Mesa's socket. */
static int raw_vtest_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/.virgl_test");
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	return fd;
}

static void raw_vtest_send(int fd, uint32_t cmd, const uint32_t *words,
			   uint32_t n, uint32_t len)
{
	uint32_t hdr[2] = { len, cmd };

	assert_int_equal(send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL),
			 sizeof(hdr));
	assert_int_equal(send(fd, words, n * 4, MSG_NOSIGNAL), (ssize_t)n * 4);
}

/* Whether the server closed fd within timeout_ms. */
static bool raw_vtest_dropped(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char byte;

	return poll(&p, 1, timeout_ms) == 1 && recv(fd, &byte, 1, 0) == 0;
}

/*
 * (d) A hostile client on the same device names a resource handle it
 * never created (the one Mesa gives another process's first buffer): it
 * is dropped, and the client that owns that handle renders correctly.
 */
static void test_foreign_handle_dropped(void **state)
{
	static const char *const args[] = { "--frames", "40", NULL };
	static const uint32_t name[] = { 0x00786c67 };  /* "glx" */
	static const uint32_t buffer[VCMD_RES_CREATE_WORDS] = {
		7, 0, 64, 1 << 4, 4096, 1, 1, 1, 0, 0,
	};
	/* SET_INDEX_BUFFER of resource 1, which client "owner" holds. */
	static const uint32_t cmds[] = { 11 | 3 << 16, 1, 4, 0 };
	struct fixture *f = *state;
	char out[PATH_MAX], log[PATH_MAX];
	struct harness_child owner;
	int fd;

	if (f->stack.reference) {
		skip();
	}
	path_in(f, out, sizeof(out), "owner", "ppm");
	path_in(f, log, sizeof(log), "owner", "log");
	assert_int_equal(harness_glscene_spawn(&owner, log, true, args, out),
			 0);
	fd = raw_vtest_connect();
	raw_vtest_send(fd, VCMD_CREATE_RENDERER, name, 1, 4);
	raw_vtest_send(fd, VCMD_RESOURCE_CREATE, buffer,
		       VCMD_RES_CREATE_WORDS, VCMD_RES_CREATE_WORDS);
	raw_vtest_send(fd, VCMD_SUBMIT_CMD, cmds, 4, 4);
	assert_true(raw_vtest_dropped(fd, harness_ms(30000)));
	close(fd);
	check_client(f, "owner", harness_wait(&owner, harness_ms(120000)),
		     true);
	assert_int_equal(harness_count_in_file(f->stack.vtest.log,
					       "names resource 1, which this "
					       "client did not create"), 1);
	assert_stack_alive(f);
}

/* Reads an answer to cmd and discards it. */
static void raw_vtest_skip_answer(int fd, uint32_t cmd)
{
	uint32_t hdr[2], word;

	assert_int_equal(recv(fd, hdr, sizeof(hdr), MSG_WAITALL),
			 sizeof(hdr));
	assert_int_equal(hdr[1], cmd);
	for (; hdr[0]; hdr[0]--) {
		assert_int_equal(recv(fd, &word, 4, MSG_WAITALL), 4);
	}
}

/* Opens fifo for writing once its reader has (child must stay alive). */
static int open_fifo_writer(const char *fifo, struct harness_child *child)
{
	int i, fd;

	for (i = 0; i < harness_ms(120000) / 10; i++) {
		fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 || !harness_alive(child)) {
			return fd;
		}
		harness_sleep_ms(10);
	}
	return -1;
}

/*
 * (g) Another process creates its context while a client is between two
 * frames. The client's second frame changes no GL state, so Mesa sends
 * no framebuffer again: it must still run in the client's own GL
 * context, not in the one created last.
 */
static void test_new_context_between_frames(void **state)
{
	static const uint32_t name[] = { 0x0077656e };  /* "new" */
	static const uint32_t buffer[VCMD_RES_CREATE_WORDS] = {
		1, 0, 64, 1 << 4, 4096, 1, 1, 1, 0, 0,
	};
	struct fixture *f = *state;
	char out[PATH_MAX], log[PATH_MAX], fifo[PATH_MAX];
	const char *args[] = { "--frames", "2", "--pause", fifo, NULL };
	struct harness_child client;
	int gate, fd;

	path_in(f, out, sizeof(out), "paused", "ppm");
	path_in(f, log, sizeof(log), "paused", "log");
	path_in(f, fifo, sizeof(fifo), "pause", "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(harness_glscene_spawn(&client, log, true, args, out),
			 0);
	gate = open_fifo_writer(fifo, &client);
	assert_true(gate >= 0);
	/*
	 * Its first resource makes the device create the new context, and
	 * nothing else runs in that context: a ping is answered in order
	 * without reaching the device.
	 */
	fd = raw_vtest_connect();
	raw_vtest_send(fd, VCMD_CREATE_RENDERER, name, 1, 4);
	raw_vtest_send(fd, VCMD_RESOURCE_CREATE, buffer,
		       VCMD_RES_CREATE_WORDS, VCMD_RES_CREATE_WORDS);
	raw_vtest_send(fd, VCMD_PING_PROTOCOL_VERSION, NULL, 0, 0);
	raw_vtest_skip_answer(fd, VCMD_PING_PROTOCOL_VERSION);
	close(gate);
	check_client(f, "paused", harness_wait(&client, harness_ms(120000)),
		     true);
	close(fd);
	assert_stack_alive(f);
	/* The readback alone cannot tell: frame 1 drew the same image. */
	assert_int_equal(harness_stack_rejections(&f->stack), 0);
}

/* A 2D texture of TEX_SIDE^2 BGRA pixels, with its backing shared. */
#define TEX_SIDE	1024
#define TEX_BYTES	(TEX_SIDE * TEX_SIDE * 4)
/* vram= 16 MiB: room for three such textures (host storage and pages). */
#define SMALL_VRAM_PAGES 4096
/* Pixels a transfer moves in the round trip below: one row of 64. */
#define ROW_PIXELS	64

/* A v2 client: Mesa's handshake, so that backings come as fds. */
static int raw_vtest_connect_v2(void)
{
	static const uint32_t name[] = { 0x00327632 };  /* "2v2" */
	static const uint32_t probe[VCMD_BUSY_WAIT_WORDS] = { 0, 0 };
	static const uint32_t version[] = { 2 };
	uint32_t hdr[2], agreed;
	int fd = raw_vtest_connect();

	raw_vtest_send(fd, VCMD_CREATE_RENDERER, name, 1, 4);
	raw_vtest_send(fd, VCMD_PING_PROTOCOL_VERSION, NULL, 0, 0);
	raw_vtest_send(fd, VCMD_RESOURCE_BUSY_WAIT, probe, 2, 2);
	raw_vtest_skip_answer(fd, VCMD_PING_PROTOCOL_VERSION);
	raw_vtest_skip_answer(fd, VCMD_RESOURCE_BUSY_WAIT);
	raw_vtest_send(fd, VCMD_PROTOCOL_VERSION, version, 1, 1);
	assert_int_equal(recv(fd, hdr, sizeof(hdr), MSG_WAITALL), sizeof(hdr));
	assert_int_equal(hdr[1], VCMD_PROTOCOL_VERSION);
	assert_int_equal(recv(fd, &agreed, 4, MSG_WAITALL), 4);
	assert_int_equal(agreed, 2);
	return fd;
}

/*
 * The answer to a RESOURCE_CREATE2 with data, as Mesa reads it: one byte,
 * with the backing's fd, or without one when the create failed (-1). A
 * dropped client reads no byte, which fails the test.
 */
static int raw_vtest_recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg;
	int fd = -1;

	assert_int_equal(recvmsg(sock, &msg, MSG_CMSG_CLOEXEC), 1);
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET &&
	    cmsg->cmsg_type == SCM_RIGHTS) {
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	}
	return fd;
}

/* RESOURCE_CREATE2 of a sampled 2D BGRA texture; its fd, or -1. */
static int raw_vtest_create_texture(int fd, uint32_t handle, uint32_t side)
{
	const uint32_t w[VCMD_RES_CREATE2_WORDS] = {
		handle, 2, 1, 1 << 3, side, side, 1, 1, 0, 0, side * side * 4,
	};

	raw_vtest_send(fd, VCMD_RESOURCE_CREATE2, w, VCMD_RES_CREATE2_WORDS,
		       VCMD_RES_CREATE2_WORDS);
	return raw_vtest_recv_fd(fd);
}

/* Waits until the device has done everything the client sent. */
static void raw_vtest_finish(int fd)
{
	static const uint32_t wait[VCMD_BUSY_WAIT_WORDS] = {
		0, VCMD_BUSY_WAIT_FLAG_WAIT,
	};

	raw_vtest_send(fd, VCMD_RESOURCE_BUSY_WAIT, wait, 2, 2);
	raw_vtest_skip_answer(fd, VCMD_RESOURCE_BUSY_WAIT);
}

/* TRANSFER_PUT2 or GET2 of the first ROW_PIXELS pixels of row 0. */
static void raw_vtest_row(int fd, uint32_t cmd, uint32_t handle)
{
	const uint32_t w[VCMD_TRANSFER2_WORDS] = {
		handle, 0, 0, 0, 0, ROW_PIXELS, 1, 1, ROW_PIXELS * 4, 0,
	};
	uint32_t len = VCMD_TRANSFER2_WORDS;

	if (cmd == VCMD_TRANSFER_PUT2) {
		len += ROW_PIXELS;      /* counted, not sent */
	}
	raw_vtest_send(fd, cmd, w, VCMD_TRANSFER2_WORDS, len);
}

/*
 * Pixels written into the texture's backing go to the host resource and
 * come back after the backing was cleared: the resource exists there.
 */
static void assert_texture_round_trip(int sock, uint32_t handle, int tex_fd)
{
	uint32_t *px = mmap(NULL, TEX_BYTES, PROT_READ | PROT_WRITE,
			    MAP_SHARED, tex_fd, 0);
	unsigned int i;

	assert_true(px != MAP_FAILED);
	for (i = 0; i < ROW_PIXELS; i++) {
		px[i] = 0xff000000u | i * 0x010203u;
	}
	raw_vtest_row(sock, VCMD_TRANSFER_PUT2, handle);
	raw_vtest_finish(sock);
	memset(px, 0, ROW_PIXELS * 4);
	raw_vtest_row(sock, VCMD_TRANSFER_GET2, handle);
	raw_vtest_finish(sock);
	for (i = 0; i < ROW_PIXELS; i++) {
		assert_int_equal(px[i], 0xff000000u | i * 0x010203u);
	}
	munmap(px, TEX_BYTES);
}

static int setup_small_vram(void **state)
{
	static const char *const args[] = {
		"--max-mapped-pages=" HARNESS_STR(SMALL_VRAM_PAGES), NULL,
	};

	return setup_with(state, args);
}

/*
 * (h) A client fills a small vram= with textures. The create the device
 * refuses fails as Mesa sees a failed create (its answer carries no fd),
 * and nothing else breaks: the client's earlier textures keep their
 * pixels, another client creates its own, a freed texture makes room
 * again, and a GL client renders correctly afterwards.
 */
static void test_full_vram_fails_create(void **state)
{
	struct fixture *f = *state;
	int fds[8], a, b, other, n, i;

	if (f->stack.reference) {
		skip();
	}
	a = raw_vtest_connect_v2();
	for (n = 0; n < 8; n++) {
		fds[n] = raw_vtest_create_texture(a, n + 1, TEX_SIDE);
		if (fds[n] < 0) {
			break;
		}
	}
	print_message("%d textures of 4 MiB made in a 16 MiB vram\n", n);
	assert_true(n >= 1 && n < 8);
	assert_texture_round_trip(a, 1, fds[0]);
	b = raw_vtest_connect_v2();
	other = raw_vtest_create_texture(b, 1, 16);
	assert_true(other >= 0);
	/* Mesa names its next resource as the refused one: it is free. */
	raw_vtest_send(a, VCMD_RESOURCE_UNREF, (const uint32_t[]){ 1 }, 1, 1);
	close(fds[0]);
	fds[0] = raw_vtest_create_texture(a, n + 1, TEX_SIDE);
	assert_true(fds[0] >= 0);
	assert_texture_round_trip(a, n + 1, fds[0]);
	for (i = 0; i < n; i++) {
		close(fds[i]);
	}
	close(other);
	close(a);
	close(b);
	assert_int_equal(harness_count_in_file(f->stack.vtest.log,
					       "the client is told its create "
					       "failed"), 1);
	render_once(f, "after-full-vram", NULL);
	assert_stack_alive(f);
}

/*
 * (i) Real Mesa allocates textures past a small vram=: GL reports the
 * texture it cannot have (glfill stops at the first GL error), with
 * no crash, and the textures it made are drawn with; the device then
 * serves the next GL client.
 */
static void test_gl_out_of_memory(void **state)
{
	static char *env[] = { "GALLIUM_DRIVER=virpipe",
			       "LIBGL_ALWAYS_SOFTWARE=1", NULL };
	struct fixture *f = *state;
	struct harness_child c = { .name = "glfill" };
	char bin[PATH_MAX], log[PATH_MAX];
	char *argv[] = { bin, "--max", "16", NULL };
	unsigned int made = 0;
	char *text, *line;
	int rc;

	harness_build_path(bin, sizeof(bin), "tests/progs/glfill");
	path_in(f, log, sizeof(log), "glfill", "log");
	assert_int_equal(harness_spawn(&c, NULL, argv, env, log), 0);
	rc = harness_wait(&c, harness_ms(120000));
	text = harness_read_file(log);
	line = text ? strstr(text, "textures=") : NULL;
	if (rc != 0 || !line || !strstr(line, "refused=1")) {
		harness_dump_log(&c);
		harness_stack_dump_logs(&f->stack);
	}
	assert_int_equal(rc, 0);
	assert_non_null(line);
	assert_int_equal(sscanf(line, "textures=%u", &made), 1);
	print_message("glfill: %u textures of 4 MiB in a 16 MiB vram\n", made);
	assert_true(made >= 1 && made < 16);
	assert_non_null(strstr(line, "refused=1"));
	free(text);
	render_once(f, "after-glfill", NULL);
	assert_stack_alive(f);
}

/* The size of Mesa's single-file shader cache under dir (-1: none). */
static long long cache_bytes(const char *dir)
{
	char cmd[PATH_MAX + 64], out[64] = "-1";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "find '%s' -name foz_cache.foz -printf "
		 "'%%s\\n' 2>/dev/null", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, sizeof(out), p)) {
		out[0] = '\0';
	}
	pclose(p);
	return atoll(out);
}

/*
 * The cache's size once Mesa has written it out. Mesa writes from a
 * thread of the lowest priority (SCHED_IDLE), which runs only when the
 * CPUs are free: a size read as the client exits can miss an entry.
 * Settled means unchanged for 1 s.
 */
static long long cache_bytes_settled(const char *dir)
{
	long long size = cache_bytes(dir), now;
	int same = 0, polls;

	for (polls = 0; polls < 300 && same < 10; polls++) {
		usleep(100 * 1000);
		now = cache_bytes(dir);
		same = now == size ? same + 1 : 0;
		size = now;
	}
	assert_true(same >= 10);
	return size;
}

/*
 * (e) The sandboxed worker keeps the guest's compiled shaders in the
 * guest's cache, and the next client's worker finds them there.
 */
static void test_shader_cache_kept(void **state)
{
	struct fixture *f = *state;
	char cache[PATH_MAX];
	long long first;

	if (f->stack.reference) {
		skip();
	}
	snprintf(cache, sizeof(cache), "%s/shaders/loopback", f->stack.dir);
	render_once(f, "cold", NULL);
	first = cache_bytes_settled(cache);
	/* Written as the shaders compiled (an empty one has a 16-byte head). */
	assert_true(first > 16);
	render_once(f, "warm", NULL);
	/* Nothing new to compile: the same shaders came from the cache. */
	assert_int_equal(cache_bytes_settled(cache), first);
	assert_int_equal(harness_count_in_file(f->stack.backend.log,
					       "died of signal"), 0);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * vgpu-vtest's socket lets only its owner in: a client under Xen holds
 * gntalloc files (docs/security.md, finding 9).
 */
static void test_socket_owner_only(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	if (f->stack.reference) {
		skip();
	}
	assert_int_equal(stat(HARNESS_VTEST_SOCKET, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
}

/* (d) SIGTERM after real work: both exit 0 and remove their sockets. */
static void test_sigterm_exits_cleanly(void **state)
{
	struct fixture *f = *state;
	int vtest_rc, backend_rc;

	if (f->stack.reference) {
		skip();	/* virgl_test_server dies by the signal */
	}
	render_once(f, "before-stop", NULL);
	harness_stack_stop(&f->stack, &vtest_rc, &backend_rc);
	assert_int_equal(vtest_rc, 0);
	assert_int_equal(backend_rc, 0);
	assert_false(exists(HARNESS_VTEST_SOCKET));
	assert_false(exists(f->stack.backend_sock));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reference_is_a_real_scene,
						setup_reference, teardown),
		cmocka_unit_test_setup_teardown(test_render_matches_llvmpipe,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_concurrent_clients,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_handle_dropped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_context_between_frames,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_shader_cache_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_vram_fails_create,
						setup_small_vram, teardown),
		cmocka_unit_test_setup_teardown(test_gl_out_of_memory,
						setup_small_vram, teardown),
		cmocka_unit_test_setup_teardown(test_clients_release_everything,
						setup_few_resources, teardown),
		cmocka_unit_test_setup_teardown(test_render_client_abort,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_owner_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_exits_cleanly,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
