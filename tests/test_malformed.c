/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Malformed requests against the real vgpu-backend over loopback: each
 * must get its error status and a log line naming the cause, and the
 * backend must go on serving this frontend and others. A frontend that
 * speaks another protocol version is refused with a reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "vgpu_util.h"
#include "vgpufront.h"

#define MAX_CONTEXTS    4
#define MAX_SUBMIT      65536
/* Ring, 256 command pages and their directory take 258 of these. */
#define MAX_MAPPED      300

struct fixture {
	struct harness_test_backend b;
	struct vgpufront *dev;
};

static int setup(void **state)
{
	static const char *const limits[] = {
		"--max-contexts=" HARNESS_STR(MAX_CONTEXTS),
		"--max-submit-size=" HARNESS_STR(MAX_SUBMIT),
		"--max-mapped-pages=" HARNESS_STR(MAX_MAPPED),
		NULL,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(harness_mkdtemp(f->b.dir, sizeof(f->b.dir),
					 "malformed"), 0);
	assert_int_equal(harness_test_backend_start(&f->b, limits), 0);
	f->dev = vgpufront_open(f->b.spec, 0);
	assert_non_null(f->dev);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vgpufront_close(f->dev);
	if (!harness_test_backend_stop(&f->b, NULL)) {
		fail_msg("the backend did not stop cleanly (its log above)");
	}
	harness_rmtree(f->b.dir);
	free(f);
	return 0;
}

static int call(struct fixture *f, struct vgpuif_req req)
{
	return vgpufront_call(f->dev, &req, NULL);
}

/* The backend still answers, on this device and on a new one. */
static void assert_serving(struct fixture *f)
{
	struct vgpufront *other;

	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_NOP }), 0);
	other = vgpufront_open(f->b.spec, 0);
	assert_non_null(other);
	vgpufront_close(other);
	assert_true(harness_alive(&f->b.child));
}

/* The backend logged the rejection of request id with this status. */
static void assert_logged(struct fixture *f, uint32_t id, int status)
{
	char needle[64], *log = harness_read_file(f->b.child.log);

	snprintf(needle, sizeof(needle), ", id %u) -> %d: ", id, status);
	assert_non_null(log);
	if (!strstr(log, needle)) {
		harness_dump_log(&f->b.child);
		fail_msg("no log line with '%s'", needle);
	}
	free(log);
}

struct bad_request {
	const char *what;
	struct vgpuif_req req;
	int status;
};

static const struct bad_request bad_requests[] = {
	{ "unknown operation",
	  { .operation = 99 }, VGPUIF_EOPNOTSUPP },
	{ "scanout other than 0",
	  { .operation = VGPUIF_OP_SET_SCANOUT, .op.scanout.scanout_id = 1 },
	  VGPUIF_EINVAL },
	{ "reserved blob operation",
	  { .operation = VGPUIF_OP_RESOURCE_CREATE_BLOB }, VGPUIF_EOPNOTSUPP },
	{ "unknown flag",
	  { .operation = VGPUIF_OP_NOP, .flags = 0x80 }, VGPUIF_EINVAL },
	{ "reserved header field set",
	  { .operation = VGPUIF_OP_NOP, .reserved = 1 }, VGPUIF_EINVAL },
	{ "context id 0",
	  { .operation = VGPUIF_OP_CTX_CREATE, .ctx_id = 0 }, VGPUIF_EINVAL },
	{ "context id out of range",
	  { .operation = VGPUIF_OP_CTX_CREATE, .ctx_id = 0x80000000u },
	  VGPUIF_EINVAL },
	{ "destroy of a context never created",
	  { .operation = VGPUIF_OP_CTX_DESTROY, .ctx_id = 77 }, VGPUIF_ENOENT },
	{ "context name longer than its field",
	  { .operation = VGPUIF_OP_CTX_CREATE, .ctx_id = 9,
	    .op.ctx_create = { .name_len = VGPUIF_CTX_NAME_MAX + 1 } },
	  VGPUIF_EINVAL },
	{ "submit bigger than max-submit-size",
	  { .operation = VGPUIF_OP_SUBMIT_3D, .ctx_id = 1,
	    .op.submit_3d = { .cmd_offset = 0, .cmd_size = MAX_SUBMIT + 4 } },
	  VGPUIF_E2BIG },
	{ "submit past the end of the command region",
	  { .operation = VGPUIF_OP_SUBMIT_3D, .ctx_id = 1,
	    .op.submit_3d = { .cmd_offset = 0xfffff000u, .cmd_size = 4096 } },
	  VGPUIF_EINVAL },
	{ "submit of a size that is not a multiple of 4",
	  { .operation = VGPUIF_OP_SUBMIT_3D, .ctx_id = 1,
	    .op.submit_3d = { .cmd_offset = 0, .cmd_size = 6 } },
	  VGPUIF_EINVAL },
	{ "submit to a context never created",
	  { .operation = VGPUIF_OP_SUBMIT_3D, .ctx_id = 55,
	    .op.submit_3d = { .cmd_offset = 0, .cmd_size = 4 } },
	  VGPUIF_ENOENT },
	{ "resource id 0",
	  { .operation = VGPUIF_OP_RESOURCE_CREATE_3D,
	    .op.resource_create_3d = { .res_id = 0, .width = 1, .height = 1,
				       .depth = 1, .array_size = 1 } },
	  VGPUIF_EINVAL },
	{ "unref of a resource never created",
	  { .operation = VGPUIF_OP_RESOURCE_UNREF,
	    .op.resource = { .res_id = 4242 } }, VGPUIF_ENOENT },
	{ "backing for a resource never created",
	  { .operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
	    .op.attach_backing = { .res_id = 4242, .gref_directory = 1,
				   .num_pages = 1 } }, VGPUIF_ENOENT },
	{ "gref directory that was never granted",
	  { .operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
	    .op.attach_backing = { .res_id = 1, .gref_directory = 0x7ffffff0,
				   .num_pages = 1 } }, VGPUIF_EFAULT },
	{ "backing of zero pages",
	  { .operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
	    .op.attach_backing = { .res_id = 1, .gref_directory = 1,
				   .num_pages = 0 } }, VGPUIF_EINVAL },
	{ "backing larger than max-mapped-pages",
	  { .operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
	    .op.attach_backing = { .res_id = 1, .gref_directory = 1,
				   .num_pages = 0x7fffffff } }, VGPUIF_EINVAL },
	{ "capset index past the last",
	  { .operation = VGPUIF_OP_GET_CAPSET_INFO,
	    .op.capset_info = { .capset_index = 1000 } }, VGPUIF_EINVAL },
	{ "transfer on a resource with no backing",
	  { .operation = VGPUIF_OP_TRANSFER_TO_HOST_3D, .ctx_id = 1,
	    .op.transfer_3d = { .res_id = 1, .width = 1, .height = 1,
				.depth = 1 } }, VGPUIF_ENOENT },
};

/* Context 1 and a 64x64 texture, resource 1, for the table to act on. */
static void make_objects(struct fixture *f)
{
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_CREATE, .ctx_id = 1 }), 0);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_CREATE_3D,
		.op.resource_create_3d = {
			.res_id = 1, .target = 2 /* PIPE_TEXTURE_2D */,
			.format = 1 /* B8G8R8A8_UNORM */, .bind = 8,
			.width = 64, .height = 64, .depth = 1,
			.array_size = 1 } }), 0);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_ATTACH_RESOURCE, .ctx_id = 1,
		.op.resource = { .res_id = 1 } }), 0);
}

static void test_bad_requests(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req req;
	size_t i;
	int status;

	make_objects(f);
	for (i = 0; i < VGPU_ARRAY_SIZE(bad_requests); i++) {
		req = bad_requests[i].req;
		status = vgpufront_call(f->dev, &req, NULL);
		if (status != bad_requests[i].status) {
			fail_msg("%s: status %d, expected %d",
				 bad_requests[i].what, status,
				 bad_requests[i].status);
		}
		assert_logged(f, req.id, status);
		assert_serving(f);
	}
}

static void test_duplicate_and_exhausted_contexts(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req req;
	uint32_t ctx;

	for (ctx = 1; ctx <= MAX_CONTEXTS; ctx++) {
		assert_int_equal(call(f, (struct vgpuif_req){
			.operation = VGPUIF_OP_CTX_CREATE, .ctx_id = ctx }), 0);
	}
	req = (struct vgpuif_req){ .operation = VGPUIF_OP_CTX_CREATE,
				   .ctx_id = 1 };
	assert_int_equal(vgpufront_call(f->dev, &req, NULL), VGPUIF_EEXIST);
	assert_logged(f, req.id, VGPUIF_EEXIST);
	req = (struct vgpuif_req){ .operation = VGPUIF_OP_CTX_CREATE,
				   .ctx_id = MAX_CONTEXTS + 1 };
	assert_int_equal(vgpufront_call(f->dev, &req, NULL), VGPUIF_ENOSPC);
	assert_logged(f, req.id, VGPUIF_ENOSPC);
	/* Destroying one makes room again: the limit is live, not sticky. */
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_DESTROY, .ctx_id = 2 }), 0);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_CREATE,
		.ctx_id = MAX_CONTEXTS + 1 }), 0);
	assert_serving(f);
}

static int attach(struct fixture *f, const struct vgpufront_buf *buf,
		  uint32_t *id)
{
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
		.op.attach_backing = { .res_id = 1,
				       .gref_directory = buf->dir_ref,
				       .num_pages = buf->num_pages },
	};
	int status = vgpufront_call(f->dev, &req, NULL);

	*id = req.id;
	return status;
}

/* Mapped pages are counted per device, and the count comes back down. */
static void test_mapped_pages_limit(void **state)
{
	struct fixture *f = *state;
	struct vgpufront_buf *big, *small;
	uint32_t id;

	make_objects(f);
	big = vgpufront_buf_alloc(f->dev, 64 * VGPUIF_PAGE_SIZE, false);
	small = vgpufront_buf_alloc(f->dev, 16 * VGPUIF_PAGE_SIZE, false);
	assert_non_null(big);
	assert_non_null(small);
	assert_int_equal(attach(f, big, &id), VGPUIF_ENOSPC);
	assert_logged(f, id, VGPUIF_ENOSPC);
	assert_int_equal(attach(f, small, &id), 0);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_DETACH_BACKING,
		.op.resource = { .res_id = 1 } }), 0);
	assert_int_equal(attach(f, small, &id), 0);
	assert_serving(f);
	vgpufront_buf_free(f->dev, big);
	vgpufront_buf_free(f->dev, small);
}

/* Connects by hand and offers nodes with protocol-version 99. */
static int connect_with_version(const char *sock, char *reply, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char payload[VGPU_LB_MAX_PAYLOAD + 1];
	int fds[2], nfds, s, n, ret;
	uint32_t type;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(connect(s, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	n = vgpu_lb_recv(s, &type, payload, sizeof(payload), fds, &nfds);
	assert_true(n >= 0);
	assert_int_equal(type, VGPU_LB_HELLO);
	fds[0] = eventfd(0, EFD_CLOEXEC);
	fds[1] = eventfd(0, EFD_CLOEXEC);
	snprintf(payload, sizeof(payload),
		 "protocol-version=99\nring-ref=1\ncmd-dir-ref=2\ncmd-pages=1\n");
	assert_int_equal(vgpu_lb_send(s, VGPU_LB_CONNECT, payload,
				      strlen(payload), fds, 2), 0);
	n = vgpu_lb_recv(s, &type, payload, sizeof(payload), fds + 0, &nfds);
	assert_int_equal(type, VGPU_LB_REPLY);
	assert_true(n >= (int)sizeof(struct vgpu_lb_reply));
	memcpy(&ret, payload, sizeof(ret));
	snprintf(reply, len, "%.200s", payload + sizeof(struct vgpu_lb_reply));
	close(s);
	return ret;
}

static void test_version_mismatch(void **state)
{
	struct fixture *f = *state;
	char reply[256];

	assert_int_equal(connect_with_version(f->b.sock, reply, sizeof(reply)),
			 -EINVAL);
	assert_non_null(strstr(reply, "protocol-version"));
	assert_serving(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_duplicate_and_exhausted_contexts, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_mapped_pages_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_version_mismatch, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
