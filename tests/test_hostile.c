/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hostile guest against the real vgpu-backend over loopback. The guest
 * here is raw_front: it writes ring indices, request slots, gref
 * directories and command bytes directly, as a malicious domU can, and
 * plays with its grants and the setup socket.
 *
 * Each case ends in the exact VGPUIF_E* status the protocol names, or in
 * the backend disconnecting that guest. After each one the backend must
 * still run, no worker may have died of a signal, a well-behaved guest
 * that connected before the first attack must still get real work done
 * (contexts, resources, transfers, fenced submits) with its memory
 * untouched, and a new guest must still be able to connect.
 *
 * One backend serves the whole group (a worker start costs seconds
 * under valgrind); each case gets a fresh hostile guest. The backend
 * runs under $VGPU_BACKEND_WRAPPER (valgrind in pass 3 of tests/run.sh);
 * at the group's end it must exit 0 on SIGTERM with a clean log.
 *
 * Under Xen (make e2e, step 40) the same cases run inside a domU with
 * VGPU_HOSTILE_XEN=GOOD,EVIL,SPARE, three of its vgpu device ids, against
 * dom0's vgpu-backend --xen started with the limits below. The good guest
 * is device GOOD, the hostile one EVIL, and second guests (the fresh one,
 * rogues) SPARE. The backend's log is in dom0, which checks it after the
 * run; here its lines cannot be asserted. Cases that need the loopback
 * setup socket or its gref numbering are skipped, and one Xen case takes
 * their place: grants made to another domain.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <xenstore.h>

#include "harness.h"
#include "raw_front.h"
#include "vgpu_util.h"
#include "vgpufront.h"

/* Per-guest limits of the backend under test, small enough to reach. */
#define MAX_CONTEXTS    4
#define MAX_RESOURCES   8
/* Room for a 3-page directory chain, so that a loop in one can matter. */
#define MAX_MAPPED      3072
#define MAX_CMD_PAGES   16
#define MAX_SUBMIT      16384

/* The hostile guest's command region: all the backend allows. */
#define EVIL_CMD_PAGES  MAX_CMD_PAGES
/* Ring and command region: what a connected hostile guest has mapped. */
#define EVIL_BASE_PAGES (1 + EVIL_CMD_PAGES)
/* Its grefs start far from the good guest's, which start at 1. */
#define EVIL_GREF       0x100000u
#define GOOD_CMD_PAGES  8

/* Every resource here is a 16 KiB buffer: 4 pages of backing. */
#define BUF_BYTES       16384
#define BUF_PAGES       (BUF_BYTES / VGPUIF_PAGE_SIZE)
#define PIPE_BUFFER             0
#define PIPE_TEXTURE_2D         2
#define PIPE_TEXTURE_2D_ARRAY   7
#define VIRGL_FORMAT_B8G8R8A8_UNORM 1
#define VIRGL_FORMAT_R8_UNORM   64
#define VIRGL_BIND_SAMPLER_VIEW (1 << 3)
#define VIRGL_BIND_VERTEX_BUFFER (1 << 4)
#define VIRGL_CCMD_NOP          0
#define VIRGL_CMD0(cmd, obj, len) \
	((cmd) | ((obj) << 8) | ((uint32_t)(len) << 16))

/* The contexts and resource the good guest makes before every attack. */
#define GOOD_CTX        1
#define GOOD_RES        1

#define CALL_MS         5000
#define GONE_MS         5000

/*
 * One backend and one good guest for the whole group: the good guest
 * connects before the first attack and must come through all of them.
 * Each case gets a fresh hostile guest.
 */
struct fixture {
	char dir[128];
	char sock[PATH_MAX];
	char spec[PATH_MAX + 16];
	struct harness_child backend;
	struct vgpufront *good;         /* connected before the attacks */
	struct vgpufront_buf *good_buf; /* GOOD_RES's backing */
	uint64_t good_fence;
	size_t log_mark;                /* log length when the case began */
	struct raw_front evil;          /* connected at each case's setup */
	/* VGPU_HOSTILE_XEN: device ids of this domU; spec is GOOD's. */
	bool xen;
	uint32_t evil_dev, spare_dev;
};

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

static struct vgpuif_req req_nop(void)
{
	return (struct vgpuif_req){ .operation = VGPUIF_OP_NOP };
}

static struct vgpuif_req req_ctx(uint8_t op, uint32_t ctx)
{
	return (struct vgpuif_req){ .operation = op, .ctx_id = ctx };
}

static struct vgpuif_req req_res_create(uint32_t res)
{
	return (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_CREATE_3D,
		.op.resource_create_3d = {
			.res_id = res, .target = PIPE_BUFFER,
			.format = VIRGL_FORMAT_R8_UNORM,
			.bind = VIRGL_BIND_VERTEX_BUFFER, .width = BUF_BYTES,
			.height = 1, .depth = 1, .array_size = 1 },
	};
}

/* An operation on res in ctx (0 for the device-level ones). */
static struct vgpuif_req req_res(uint8_t op, uint32_t ctx, uint32_t res)
{
	return (struct vgpuif_req){ .operation = op, .ctx_id = ctx,
				    .op.resource.res_id = res };
}

static struct vgpuif_req req_attach(uint32_t res, grant_ref_t dir,
				    uint32_t num_pages)
{
	return (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
		.op.attach_backing = { .res_id = res, .gref_directory = dir,
				       .num_pages = num_pages },
	};
}

static struct vgpuif_req req_submit(uint32_t ctx, uint32_t offset,
				    uint32_t size)
{
	return (struct vgpuif_req){
		.operation = VGPUIF_OP_SUBMIT_3D, .ctx_id = ctx,
		.op.submit_3d = { .cmd_offset = offset, .cmd_size = size },
	};
}

/* The whole buffer, between backing and host resource. */
static struct vgpuif_req req_transfer(uint8_t op, uint32_t ctx, uint32_t res)
{
	return (struct vgpuif_req){
		.operation = op, .ctx_id = ctx,
		.op.transfer_3d = { .res_id = res, .width = BUF_BYTES,
				    .height = 1, .depth = 1 },
	};
}

/* One VIRGL_CCMD_NOP covering bytes: virglrenderer skips its payload. */
static void put_nops(void *at, uint32_t bytes)
{
	uint32_t *p = at;

	p[0] = VIRGL_CMD0(VIRGL_CCMD_NOP, 0, bytes / 4 - 1);
}

static void fill_pattern(void *buf, size_t len, uint8_t seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		p[i] = (uint8_t)(i * 7 + seed);
	}
}

static bool has_pattern(const void *buf, size_t len, uint8_t seed)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != (uint8_t)(i * 7 + seed)) {
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The well-behaved guest                                              */
/* ------------------------------------------------------------------ */

#define GOOD_SEED       0x3c

static int good_call(struct vgpufront *dev, struct vgpuif_req req)
{
	return vgpufront_call(dev, &req, NULL);
}

/* A fenced submit of NOPs in ctx: answered once the GPU got past it. */
static void good_fenced_submit(struct vgpufront *dev, uint32_t ctx,
			       uint64_t fence)
{
	struct vgpufront_cmd cmd;
	struct vgpuif_resp resp;
	uint32_t id;

	assert_int_equal(vgpufront_cmd_reserve(dev, 256, &cmd), 0);
	memset(cmd.ptr, 0, 256);
	put_nops(cmd.ptr, 256);
	assert_int_equal(vgpufront_cmd_submit(dev, ctx, &cmd, fence, &id), 0);
	assert_int_equal(vgpufront_wait(dev, id, &resp), 0);
	assert_int_equal(resp.fence_id, fence);
}

/* Sends each of reqs on dev; returns the first status that is not 0. */
static int good_calls(struct vgpufront *dev, const struct vgpuif_req *reqs,
		      size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = good_call(dev, reqs[i]);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

/*
 * Context, resource with backing b, attached, uploaded: before the
 * attack. Part of setup, so it returns a status instead of asserting.
 */
static int good_prepare(struct fixture *f, struct vgpufront_buf *b)
{
	const struct vgpuif_req reqs[] = {
		req_ctx(VGPUIF_OP_CTX_CREATE, GOOD_CTX),
		req_res_create(GOOD_RES),
		req_attach(GOOD_RES, b->dir_ref, b->num_pages),
		req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE, GOOD_CTX, GOOD_RES),
		req_transfer(VGPUIF_OP_TRANSFER_TO_HOST_3D, GOOD_CTX,
			     GOOD_RES),
	};

	fill_pattern(b->addr, BUF_BYTES, GOOD_SEED);
	return good_calls(f->good, reqs, VGPU_ARRAY_SIZE(reqs));
}

/*
 * The good guest's memory still holds its pattern, and so does its host
 * resource: read back into zeroed backing, the pattern comes again.
 */
static void good_check_data(struct fixture *f)
{
	void *addr = f->good_buf->addr;

	assert_true(has_pattern(addr, BUF_BYTES, GOOD_SEED));
	memset(addr, 0, BUF_BYTES);
	assert_int_equal(good_call(f->good, req_transfer(
		VGPUIF_OP_TRANSFER_FROM_HOST_3D, GOOD_CTX, GOOD_RES)), 0);
	assert_true(has_pattern(addr, BUF_BYTES, GOOD_SEED));
}

/* Real work on dev: NOPs, a new context and resource, fenced submits. */
static void good_work(struct vgpufront *dev, uint32_t ctx, uint32_t res,
		      uint64_t *fence)
{
	int i;

	for (i = 0; i < 16; i++) {
		assert_int_equal(good_call(dev, req_nop()), 0);
	}
	assert_int_equal(good_call(dev, req_ctx(VGPUIF_OP_CTX_CREATE, ctx)),
			 0);
	assert_int_equal(good_call(dev, req_res_create(res)), 0);
	assert_int_equal(good_call(dev, req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE,
						ctx, res)), 0);
	good_fenced_submit(dev, ctx, ++*fence);
	assert_int_equal(good_call(dev, req_res(VGPUIF_OP_RESOURCE_UNREF, 0,
						res)), 0);
	assert_int_equal(good_call(dev, req_ctx(VGPUIF_OP_CTX_DESTROY, ctx)),
			 0);
}

/* ------------------------------------------------------------------ */
/* Backend and fixture                                                 */
/* ------------------------------------------------------------------ */

static int spawn_backend(struct fixture *f)
{
	static const char *const limits[] = {
		"--max-contexts=" HARNESS_STR(MAX_CONTEXTS),
		"--max-resources=" HARNESS_STR(MAX_RESOURCES),
		"--max-mapped-pages=" HARNESS_STR(MAX_MAPPED),
		"--max-cmd-pages=" HARNESS_STR(MAX_CMD_PAGES),
		"--max-submit-size=" HARNESS_STR(MAX_SUBMIT),
		NULL,
	};
	char log[PATH_MAX];

	snprintf(log, sizeof(log), "%s/backend.log", f->dir);
	return harness_backend_start(&f->backend, f->sock, limits, log);
}

/* The backend's log from where the current case began (malloc'd). */
static char *log_since_mark(struct fixture *f)
{
	char *log = harness_read_file(f->backend.log);
	size_t len = log ? strlen(log) : 0;

	if (log && f->log_mark && f->log_mark <= len) {
		memmove(log, log + f->log_mark, len - f->log_mark + 1);
	}
	return log;
}

/*
 * A worker died of a signal during this case (the supervisor logs it),
 * or the log holds a sanitizer or valgrind report. Dumps the log if so.
 */
static bool backend_crashed(struct fixture *f)
{
	char *log;
	bool died;

	if (f->xen) {
		return false; /* dom0 reads the log after the run */
	}
	log = log_since_mark(f);
	died = log && strstr(log, "died of signal");

	free(log);
	if (died || harness_log_has_errors(f->backend.log)) {
		harness_dump_log(&f->backend);
		return true;
	}
	return false;
}

/* Under Xen, dom0's backend is not ours to look at: a guest gets on. */
static bool backend_alive(struct fixture *f)
{
	return f->xen || harness_alive(&f->backend);
}

static void assert_no_crash(struct fixture *f)
{
	if (backend_crashed(f)) {
		fail_msg("a backend worker crashed or hit a memory error");
	}
}

/*
 * Closes the good guest, stops the backend (SIGTERM) and returns its
 * exit code; then removes the temp dir (unless VGPU_TEST_KEEP=1) and
 * frees f. *crashed tells whether the log showed a crash or memory error.
 */
static int fixture_destroy(struct fixture *f, bool *crashed)
{
	const char *keep = getenv("VGPU_TEST_KEEP");
	int rc;

	if (f->good) {
		vgpufront_buf_free(f->good, f->good_buf);
	}
	vgpufront_close(f->good);
	rc = f->xen ? 0 : harness_stop(&f->backend, SIGTERM,
				       harness_ms(20000));
	if (rc != 0) {
		harness_dump_log(&f->backend);
	}
	f->log_mark = 0;
	*crashed = backend_crashed(f);
	if (f->xen) {
		/* no temp dir */
	} else if (keep && !strcmp(keep, "1")) {
		fprintf(stderr, "test_hostile: keeping %s\n", f->dir);
	} else {
		harness_rmtree(f->dir);
	}
	free(f);
	return rc;
}

/*
 * VGPU_HOSTILE_XEN=GOOD,EVIL,SPARE: run against dom0's backend. Returns
 * 0 (f->xen tells which), or -1 if the variable is malformed.
 */
static int xen_devices(struct fixture *f)
{
	const char *env = getenv("VGPU_HOSTILE_XEN");
	unsigned int good, evil, spare;

	if (!env || !*env) {
		return 0;
	}
	if (sscanf(env, "%u,%u,%u", &good, &evil, &spare) != 3) {
		fprintf(stderr, "test_hostile: VGPU_HOSTILE_XEN=%s: want "
			"GOOD,EVIL,SPARE device ids\n", env);
		return -1;
	}
	f->xen = true;
	f->evil_dev = evil;
	f->spare_dev = spare;
	snprintf(f->spec, sizeof(f->spec), "xen:%u", good);
	return 0;
}

/* A loopback backend of our own with the limits above. */
static int loopback_backend(struct fixture *f)
{
	if (harness_mkdtemp(f->dir, sizeof(f->dir), "hostile")) {
		return -1;
	}
	snprintf(f->sock, sizeof(f->sock), "%s/backend.sock", f->dir);
	snprintf(f->spec, sizeof(f->spec), "loopback:%s", f->sock);
	return spawn_backend(f);
}

/*
 * A backend with small limits (or dom0's), and the good guest connected
 * with its objects made. Unwinds by itself on failure: cmocka runs no
 * teardown after a failed setup.
 */
static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	bool crashed;

	if (!f) {
		return -1;
	}
	if (xen_devices(f)) {
		free(f);
		return -1;
	}
	if (!f->xen && loopback_backend(f)) {
		goto fail;
	}
	f->good = vgpufront_open(f->spec, GOOD_CMD_PAGES);
	if (f->good) {
		f->good_buf = vgpufront_buf_alloc(f->good, BUF_BYTES, false);
	}
	if (!f->good_buf || good_prepare(f, f->good_buf)) {
		goto fail;
	}
	*state = f;
	return 0;

fail:
	fprintf(stderr, "test_hostile: group setup failed\n");
	harness_dump_log(&f->backend);
	fixture_destroy(f, &crashed);
	return -1;
}

/* The backend must exit 0 on SIGTERM with a clean log. */
static int group_teardown(void **state)
{
	bool crashed;
	int rc = fixture_destroy(*state, &crashed);

	if (rc != 0 || crashed) {
		fail_msg("backend exit %d on SIGTERM%s", rc,
			 crashed ? "; a worker crashed or hit a memory error"
				 : "");
	}
	return 0;
}

/*
 * Starts rf as a new hostile guest: on loopback, dialled with its grefs
 * from first_gref; under Xen, on device devid. Not yet connected.
 */
static int raw_start(struct fixture *f, struct raw_front *rf,
		     uint32_t first_gref, uint32_t devid)
{
	struct vgpufront_transport *t;

	if (!f->xen) {
		return raw_front_dial(rf, f->sock, first_gref);
	}
	t = vgpufront_xen_create(devid);
	raw_front_attach(rf, t);
	return t ? 0 : -errno;
}

/* raw_start() and connect with cmd_pages; returns the connect status. */
static int raw_open(struct fixture *f, struct raw_front *rf,
		    uint32_t first_gref, uint32_t devid, uint32_t cmd_pages)
{
	int ret = raw_start(f, rf, first_gref, devid);

	return ret ? ret : raw_front_connect(rf, cmd_pages);
}

/* Each case: a fresh hostile guest, and the log read from here on. */
static int setup(void **state)
{
	struct fixture *f = *state;
	char *log = f->xen ? NULL : harness_read_file(f->backend.log);

	f->log_mark = log ? strlen(log) : 0;
	free(log);
	if (raw_open(f, &f->evil, EVIL_GREF, f->evil_dev, EVIL_CMD_PAGES)) {
		fprintf(stderr, "test_hostile: the hostile guest cannot "
			"connect\n");
		raw_front_close(&f->evil);
		return -1;
	}
	return 0;
}

/* Whatever the case did, the backend must still run, uncrashed. */
static int teardown(void **state)
{
	struct fixture *f = *state;

	raw_front_close(&f->evil);
	if (!backend_alive(f) || backend_crashed(f)) {
		fail_msg("the backend died or a worker crashed");
	}
	return 0;
}

/*
 * What every case ends with: the backend runs, no worker crashed, the
 * good guest that connected before the attack still works and its data
 * is intact, and a new guest can connect and work.
 */
static void assert_survived(struct fixture *f)
{
	struct vgpufront *fresh;
	uint64_t fence = 0;
	char spare[32];

	assert_true(backend_alive(f));
	assert_no_crash(f);
	good_check_data(f);
	good_work(f->good, GOOD_CTX + 1, GOOD_RES + 1, &f->good_fence);
	good_fenced_submit(f->good, GOOD_CTX, ++f->good_fence);
	snprintf(spare, sizeof(spare), "xen:%u", f->spare_dev);
	fresh = vgpufront_open(f->xen ? spare : f->spec, GOOD_CMD_PAGES);
	assert_non_null(fresh);
	good_work(fresh, 1, 1, &fence);
	vgpufront_close(fresh);
	assert_true(backend_alive(f));
}

/* ------------------------------------------------------------------ */
/* The hostile guest                                                   */
/* ------------------------------------------------------------------ */

/* Sends req on rf's ring; returns the status of its answer. */
static int raw_call(struct raw_front *rf, struct vgpuif_req req)
{
	struct vgpuif_resp resp;

	assert_int_equal(raw_front_call(rf, &req, &resp, harness_ms(CALL_MS)),
			 0);
	assert_int_equal(resp.id, req.id);
	assert_int_equal(resp.operation, req.operation);
	return resp.status;
}

static int evil_call(struct fixture *f, struct vgpuif_req req)
{
	return raw_call(&f->evil, req);
}

/* Cases that need loopback's setup socket or its gref numbering. */
static void loopback_only(struct fixture *f)
{
	if (f->xen) {
		skip();
	}
}

/* The hostile guest is still served. */
static void assert_evil_served(struct fixture *f)
{
	assert_int_equal(evil_call(f, req_nop()), 0);
}

/* The backend hung up on rf, and only rf. */
static void assert_disconnected(struct fixture *f, struct raw_front *rf)
{
	if (raw_front_wait_gone(rf, harness_ms(GONE_MS))) {
		harness_dump_log(&f->backend);
		fail_msg("the backend did not disconnect the hostile guest");
	}
}

/* The backend logged a line holding text during this case. */
static void assert_logged(struct fixture *f, const char *text)
{
	char *log;
	bool found;

	if (f->xen) {
		return; /* the log is dom0's */
	}
	log = log_since_mark(f);
	found = log && strstr(log, text);

	free(log);
	if (!found) {
		harness_dump_log(&f->backend);
		fail_msg("no log line with '%s'", text);
	}
}

/* ctx, and res (a buffer) attached to it, in the hostile guest. */
static void evil_objects(struct fixture *f, uint32_t ctx, uint32_t res)
{
	assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_CREATE, ctx)), 0);
	assert_int_equal(evil_call(f, req_res_create(res)), 0);
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE,
					      ctx, res)), 0);
}

/* data (num_pages, rw) and a well-formed directory for it (ro). */
static void evil_buffer(struct raw_front *rf, uint32_t num_pages,
			struct raw_share *data, struct raw_share *dir)
{
	assert_int_equal(raw_front_share(rf, num_pages, false, data), 0);
	assert_int_equal(raw_front_share(rf, VGPU_DIV_ROUND_UP(num_pages,
					 VGPUIF_GREFS_PER_DIR_PAGE), true,
					 dir), 0);
	raw_dir_fill(dir, data);
}

/* Fills the ring with NOPs and publishes prod: far past what fits. */
static void publish_bogus_prod(struct fixture *f, RING_IDX prod)
{
	struct vgpuif_req nop = req_nop();
	uint32_t i;

	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		raw_front_queue(&f->evil, &nop);
	}
	raw_front_set_req_prod(&f->evil, prod);
}

/* Sends req on rf's ring; returns the status and the answer in resp. */
static int raw_call_resp(struct raw_front *rf, struct vgpuif_req req,
			 struct vgpuif_resp *resp)
{
	assert_int_equal(raw_front_call(rf, &req, resp, harness_ms(CALL_MS)),
			 0);
	assert_int_equal(resp->id, req.id);
	assert_int_equal(resp->operation, req.operation);
	return resp->status;
}

/*
 * Dials a second hostile guest and offers a ring page (read-only if
 * ring_ro), a command region and its directory; then sends CONNECT with
 * ring_ref and cmd_dir_ref (0: the ones it shared) and cmd_pages.
 * Returns the REPLY status.
 */
static int connect_rogue(struct fixture *f, struct raw_front *rf,
			 bool ring_ro, grant_ref_t ring_ref,
			 grant_ref_t cmd_dir_ref, uint32_t cmd_pages)
{
	char nodes[256];

	assert_int_equal(raw_start(f, rf, EVIL_GREF, f->spare_dev), 0);
	assert_int_equal(raw_front_share(rf, 1, ring_ro, &rf->ring), 0);
	evil_buffer(rf, cmd_pages ? cmd_pages : 1, &rf->cmd, &rf->cmd_dir);
	SHARED_RING_INIT((struct vgpuif_sring *)rf->ring.addr);
	snprintf(nodes, sizeof(nodes),
		 "protocol-version=%d\nring-ref=%u\ncmd-dir-ref=%u\n"
		 "cmd-pages=%u\n", VGPUIF_PROTOCOL_VERSION,
		 ring_ref ? ring_ref : raw_share_gref(&rf->ring, 0),
		 cmd_dir_ref ? cmd_dir_ref : raw_share_gref(&rf->cmd_dir, 0),
		 cmd_pages);
	return raw_front_connect_nodes(rf, nodes);
}

/*
 * connect_rogue() must be refused with status (under Xen, where the
 * reason is in an error node, -ECONNREFUSED), and the rogue hung up on.
 */
static void assert_refused(struct fixture *f, int status, bool ring_ro,
			   grant_ref_t ring_ref, grant_ref_t cmd_dir_ref,
			   uint32_t cmd_pages)
{
	struct raw_front rogue;

	assert_int_equal(connect_rogue(f, &rogue, ring_ro, ring_ref,
				       cmd_dir_ref, cmd_pages),
			 f->xen ? -ECONNREFUSED : status);
	assert_disconnected(f, &rogue);
	raw_front_close(&rogue);
}

/* How often the backend logged text during this case. */
static unsigned int count_in_log(struct fixture *f, const char *text)
{
	char *log = f->xen ? NULL : log_since_mark(f);
	unsigned int n = 0;
	const char *p;

	for (p = log; p && (p = strstr(p, text)); p += strlen(text)) {
		n++;
	}
	free(log);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* Ring indices                                                        */
/* ------------------------------------------------------------------ */

/* req_prod 1000 past our answers: no ring of 32 slots holds that. */
static void test_req_prod_far_ahead(void **state)
{
	struct fixture *f = *state;

	assert_evil_served(f);
	publish_bogus_prod(f, f->evil.sring->rsp_prod + 1000);
	assert_disconnected(f, &f->evil);
	assert_logged(f, "hostile frontend, disconnecting");
	assert_survived(f);
}

/*
 * req_prod half the index space away, and (from a second guest) moved
 * back behind what the backend already took: both read as a ring
 * overrun, not as a wrap.
 */
static void test_req_prod_half_range(void **state)
{
	struct fixture *f = *state;
	struct raw_front back;

	publish_bogus_prod(f, 0x80000000u);
	assert_disconnected(f, &f->evil);

	assert_int_equal(raw_open(f, &back, EVIL_GREF, f->spare_dev,
				  EVIL_CMD_PAGES), 0);
	assert_int_equal(raw_call(&back, req_nop()), 0);
	raw_front_set_req_prod(&back, back.req_prod - 2);
	assert_disconnected(f, &back);
	raw_front_close(&back);
	assert_survived(f);
}

/*
 * A full ring published at once is fine; one request more than the ring
 * holds, published before the answers were read, is an overrun.
 */
static void test_ring_overrun(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req nop = req_nop();
	struct vgpuif_resp resp;
	uint32_t first = 0, id, i;

	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		id = raw_front_queue(&f->evil, &nop);
		first = i ? first : id;
	}
	raw_front_publish(&f->evil);
	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		assert_int_equal(raw_front_wait(&f->evil, &resp,
						harness_ms(CALL_MS)), 0);
		assert_int_equal(resp.id, first + i);
		assert_int_equal(resp.status, 0);
	}
	for (i = 0; i < VGPUIF_RING_SIZE + 1; i++) {
		raw_front_queue(&f->evil, &nop);
	}
	raw_front_publish(&f->evil);
	assert_disconnected(f, &f->evil);
	assert_survived(f);
}

/*
 * Sends count copies of req as fast as the ring allows, reading each
 * answer as it comes: every one must carry status, in order.
 */
static void flood(struct raw_front *rf, struct vgpuif_req req,
		  uint32_t count, int status)
{
	uint32_t sent = 0, answered = 0, first = rf->next_id + 1, queued;
	struct vgpuif_resp resp;

	while (answered < count) {
		for (queued = 0; sent < count && rf->req_prod - rf->rsp_cons <
		     VGPUIF_RING_SIZE; queued++) {
			raw_front_queue(rf, &req);
			sent++;
		}
		if (queued) {
			raw_front_publish(rf);
		}
		assert_int_equal(raw_front_wait(rf, &resp,
						harness_ms(CALL_MS)), 0);
		do {
			assert_int_equal(resp.id, first + answered);
			assert_int_equal(resp.status, status);
			answered++;
		} while (raw_front_pending(rf) &&
			 !raw_front_wait(rf, &resp, 0));
	}
}

/* The reject log is a token bucket: 50 lines, then 10 a second. */
#define REJECT_LOG_BURST        50
#define REJECT_LOG_PER_S        10

/*
 * Thousands of NOPs, then thousands of unknown operations, as fast as
 * the ring takes them: each is answered, and the rejections do not
 * flood the log.
 */
static void test_nop_flood(void **state)
{
	struct fixture *f = *state;
	double start = now_s();
	unsigned int logged;

	flood(&f->evil, req_nop(), 20000, 0);
	flood(&f->evil, (struct vgpuif_req){ .operation = 99 }, 5000,
	      VGPUIF_EOPNOTSUPP);
	logged = count_in_log(f, "(op 99,");
	print_message("25000 requests in %.2f s; %u of 5000 rejections "
		      "logged\n", now_s() - start, logged);
	assert_true(logged <= REJECT_LOG_BURST + 2 +
		    REJECT_LOG_PER_S * (now_s() - start));
	assert_evil_served(f);
	assert_survived(f);
}

/*
 * NOPs published one by one with no look at the answers or the free
 * space: the backend either keeps up and answers every one, or sees
 * req_prod run past the ring and disconnects this guest.
 */
static void test_blind_flood(void **state)
{
	struct fixture *f = *state;
	struct raw_front *rf = &f->evil;
	struct vgpuif_req nop = req_nop();
	uint32_t i, n = 10000;
	double end;

	for (i = 0; i < n; i++) {
		if (!(i % 256) && raw_front_gone(rf)) {
			break;
		}
		raw_front_queue(rf, &nop);
		raw_front_publish(rf);
	}
	end = now_s() + harness_ms(GONE_MS) / 1000.0;
	while (!raw_front_gone(rf) &&
	       raw_front_pending(rf) != rf->req_prod - rf->rsp_cons) {
		assert_true(now_s() < end);
		usleep(1000);
	}
	if (raw_front_gone(rf)) {
		print_message("blind flood: %u of %u published, %u answered, "
			      "then disconnected\n", i, n,
			      raw_front_pending(rf));
	} else {
		print_message("blind flood: all %u answered\n", n);
		rf->rsp_cons = rf->req_prod;
		assert_evil_served(f);
	}
	assert_survived(f);
}

/* ------------------------------------------------------------------ */
/* Grants                                                              */
/* ------------------------------------------------------------------ */

/* A gref far from every share of the hostile guest. */
#define NEVER_GRANTED   0x7ffffff0u

/* The first capset, its newest version and its size. */
static void evil_capset_info(struct fixture *f, uint32_t *id,
			     uint32_t *version, uint32_t *size)
{
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_GET_CAPSET_INFO,
		.op.capset_info.capset_index = 0,
	};
	struct vgpuif_resp resp;

	assert_int_equal(raw_call_resp(&f->evil, req, &resp), 0);
	*id = resp.op.capset_info.capset_id;
	*version = resp.op.capset_info.capset_max_version;
	*size = resp.op.capset_info.capset_max_size;
	assert_true(*size > 0 && *size <= VGPUIF_MAX_CAPSET_SIZE);
}

static struct vgpuif_req req_capset(uint32_t id, uint32_t version,
				    grant_ref_t dir, uint32_t size)
{
	return (struct vgpuif_req){
		.operation = VGPUIF_OP_GET_CAPSET,
		.op.capset = { .capset_id = id, .capset_version = version,
			       .gref_directory = dir, .buf_size = size },
	};
}

/*
 * A failed attach gives its page account back: repeated many times, the
 * failures would otherwise use up max-mapped-pages.
 */
static void assert_failures_leak_no_pages(struct fixture *f)
{
	struct raw_share data, dir;
	struct vgpuif_gref_directory *d;
	uint32_t pages = 1000, i;

	evil_buffer(&f->evil, pages, &data, &dir);
	d = raw_share_page(&dir, 0);
	d->gref[pages - 1] = NEVER_GRANTED;
	for (i = 0; i < 8; i++) {
		assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
							 pages)),
				 VGPUIF_EFAULT);
	}
	d->gref[pages - 1] = raw_share_gref(&data, pages - 1);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref, pages)),
			 0);
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), 0);
	raw_share_free(&data);
	raw_share_free(&dir);
}

/*
 * Grefs nobody granted: as a directory, listed in a directory, as a
 * capset buffer, and as ring-ref or cmd-dir-ref at connect.
 */
static void test_grefs_never_granted(void **state)
{
	struct fixture *f = *state;
	struct raw_share data, dir;
	struct vgpuif_gref_directory *d;
	uint32_t id, version, size;

	evil_objects(f, 1, 1);
	assert_int_equal(evil_call(f, req_attach(1, NEVER_GRANTED,
						 BUF_PAGES)), VGPUIF_EFAULT);
	/*
	 * Gref 0 ends a directory chain; it is never a grant. Under Xen,
	 * 0 and 1 are the guest's console and xenstore rings, granted to
	 * dom0 by the toolstack: never a buffer either.
	 */
	assert_int_equal(evil_call(f, req_attach(1, 0, BUF_PAGES)),
			 VGPUIF_EFAULT);
	assert_int_equal(evil_call(f, req_attach(1, 1, 1)), VGPUIF_EFAULT);
	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	d = raw_share_page(&dir, 0);
	d->gref[BUF_PAGES - 1] = NEVER_GRANTED;
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), VGPUIF_EFAULT);
	assert_failures_leak_no_pages(f);

	evil_capset_info(f, &id, &version, &size);
	assert_int_equal(evil_call(f, req_capset(id, version, NEVER_GRANTED,
						 size)), VGPUIF_EFAULT);

	assert_refused(f, -EFAULT, false, NEVER_GRANTED, 0, 1);
	assert_refused(f, -EFAULT, false, 0, NEVER_GRANTED, 1);
	assert_evil_served(f);
	raw_share_free(&data);
	raw_share_free(&dir);
	assert_survived(f);
}

/*
 * Grants ended with UNSHARE: of the data, of the directory, twice. A
 * mapping made before the end stays valid until the guest detaches, as
 * on Xen; after that the grefs are gone. Ending the ring and command
 * region's grants while connected changes nothing either.
 */
static void test_grefs_unshared(void **state)
{
	struct fixture *f = *state;
	struct raw_share data, dir;

	loopback_only(f);
	evil_objects(f, 1, 1);
	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	assert_int_equal(raw_front_unshare(&f->evil, &data), 0);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), VGPUIF_EFAULT);
	assert_int_equal(raw_front_unshare(&f->evil, &data), -ENOENT);
	raw_share_free(&data);
	raw_share_free(&dir);

	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	assert_int_equal(raw_front_unshare(&f->evil, &dir), 0);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), VGPUIF_EFAULT);
	raw_share_free(&data);
	raw_share_free(&dir);

	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), 0);
	assert_int_equal(raw_front_unshare(&f->evil, &data), 0);
	assert_int_equal(raw_front_unshare(&f->evil, &dir), 0);
	fill_pattern(data.addr, BUF_BYTES, 0x11);
	assert_int_equal(evil_call(f, req_transfer(
		VGPUIF_OP_TRANSFER_TO_HOST_3D, 1, 1)), 0);
	memset(data.addr, 0, BUF_BYTES);
	assert_int_equal(evil_call(f, req_transfer(
		VGPUIF_OP_TRANSFER_FROM_HOST_3D, 1, 1)), 0);
	assert_true(has_pattern(data.addr, BUF_BYTES, 0x11));
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), 0);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), VGPUIF_EFAULT);
	raw_share_free(&data);
	raw_share_free(&dir);

	assert_int_equal(raw_front_unshare(&f->evil, &f->evil.ring), 0);
	assert_int_equal(raw_front_unshare(&f->evil, &f->evil.cmd), 0);
	assert_int_equal(raw_front_unshare(&f->evil, &f->evil.cmd_dir), 0);
	put_nops(f->evil.cmd.addr, 64);
	assert_int_equal(evil_call(f, req_submit(1, 0, 64)), 0);
	assert_evil_served(f);
	assert_survived(f);
}

/*
 * Another guest's grefs. The good guest's directory gref, and its gref
 * numbers listed in our directory, are not grants of ours. A twin that
 * numbers its grants from 1 as the good guest does gets its own pages
 * under the same numbers: a transfer round trip moves its data, and the
 * good guest's memory and resource keep theirs (assert_survived).
 */
static void test_grefs_of_other_guest(void **state)
{
	struct fixture *f = *state;
	grant_ref_t good_dir = f->good_buf->dir_ref;
	struct raw_share data, dir;
	struct vgpuif_gref_directory *d;
	struct raw_front twin;
	uint32_t i;

	loopback_only(f);
	evil_objects(f, 1, 1);
	assert_int_equal(evil_call(f, req_attach(1, good_dir, BUF_PAGES)),
			 VGPUIF_EFAULT);
	assert_int_equal(raw_front_share(&f->evil, 1, true, &dir), 0);
	d = raw_share_page(&dir, 0);
	for (i = 0; i < 64; i++) {
		d->gref[i] = i + 1;
	}
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref, 64)),
			 VGPUIF_EFAULT);
	raw_share_free(&dir);

	assert_int_equal(raw_front_open(&twin, f->sock, 1, 1), 0);
	assert_int_equal(raw_call(&twin, req_ctx(VGPUIF_OP_CTX_CREATE, 1)),
			 0);
	assert_int_equal(raw_call(&twin, req_res_create(1)), 0);
	assert_int_equal(raw_call(&twin, req_res(
		VGPUIF_OP_CTX_ATTACH_RESOURCE, 1, 1)), 0);
	/* Its data grefs cover the good guest's numbers. */
	evil_buffer(&twin, good_dir + BUF_PAGES, &data, &dir);
	assert_true(data.first_gref <= good_dir);
	d = raw_share_page(&dir, 0);
	for (i = 0; i < BUF_PAGES; i++) {
		d->gref[i] = good_dir + i;
	}
	assert_int_equal(raw_call(&twin, req_attach(1, dir.first_gref,
						    BUF_PAGES)), 0);
	fill_pattern(raw_share_page(&data, good_dir - data.first_gref),
		     BUF_BYTES, 0x77);
	assert_int_equal(raw_call(&twin, req_transfer(
		VGPUIF_OP_TRANSFER_TO_HOST_3D, 1, 1)), 0);
	memset(raw_share_page(&data, good_dir - data.first_gref), 0,
	       BUF_BYTES);
	assert_int_equal(raw_call(&twin, req_transfer(
		VGPUIF_OP_TRANSFER_FROM_HOST_3D, 1, 1)), 0);
	assert_true(has_pattern(raw_share_page(&data,
					       good_dir - data.first_gref),
				BUF_BYTES, 0x77));
	assert_true(has_pattern(f->good_buf->addr, BUF_BYTES, GOOD_SEED));
	raw_front_close(&twin);
	raw_share_free(&data);
	raw_share_free(&dir);
	assert_evil_served(f);
	assert_survived(f);
}

/*
 * Grants n pages of this domain to itself, not to the backend, through
 * gntalloc (Xen only). Fills grefs; returns the gntalloc fd (closing it
 * ends the grants) and maps the pages at *addr.
 */
static int grant_elsewhere(uint32_t n, grant_ref_t *grefs, void **addr)
{
	struct xs_handle *xs = xs_open(0);
	unsigned int len;
	char *domid;
	int fd;

	assert_non_null(xs);
	domid = xs_read(xs, XBT_NULL, "domid", &len);
	assert_non_null(domid);
	fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(vgpufront_xen_grant(fd, strtoul(domid, NULL, 10), n,
					     false, grefs), 0);
	*addr = mmap(NULL, (size_t)n * VGPUIF_PAGE_SIZE,
		     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(*addr != MAP_FAILED);
	free(domid);
	xs_close(xs);
	return fd;
}

/*
 * Xen's form of another guest's grefs: grants this domain made to a
 * domain other than the backend's (itself). The backend maps them as
 * its own domain, which the hypervisor refuses: as a directory, listed
 * in a directory of ours, and as ring-ref at connect.
 */
static void test_grefs_granted_elsewhere(void **state)
{
	struct fixture *f = *state;
	grant_ref_t elsewhere[BUF_PAGES];
	struct raw_share dir;
	uint32_t i;
	void *addr;
	int fd;

	if (!f->xen) {
		skip(); /* loopback: test_grefs_of_other_guest */
	}
	fd = grant_elsewhere(BUF_PAGES, elsewhere, &addr);
	evil_objects(f, 1, 1);
	assert_int_equal(evil_call(f, req_attach(1, elsewhere[0], 1)),
			 VGPUIF_EFAULT);
	assert_int_equal(raw_front_share(&f->evil, 1, true, &dir), 0);
	for (i = 0; i < BUF_PAGES; i++) {
		((struct vgpuif_gref_directory *)raw_share_page(&dir, 0))
			->gref[i] = elsewhere[i];
	}
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), VGPUIF_EFAULT);
	raw_share_free(&dir);
	assert_failures_leak_no_pages(f);
	assert_refused(f, -EFAULT, false, elsewhere[0], 0, 1);
	munmap(addr, BUF_PAGES * VGPUIF_PAGE_SIZE);
	close(fd);
	assert_evil_served(f);
	assert_survived(f);
}

/*
 * Read-only grants where the backend must write: resource backing
 * (TRANSFER_FROM_HOST writes it), a capset buffer, the ring. The
 * loopback transport has read-only shares (vgpu_lb_share.readonly), as
 * Xen has read-only grants; directories are read-only by design.
 */
static void test_readonly_share(void **state)
{
	struct fixture *f = *state;
	struct raw_share data, dir;
	uint32_t id, version, size;
	struct vgpuif_resp resp;

	evil_objects(f, 1, 1);
	assert_int_equal(raw_front_share(&f->evil, BUF_PAGES, true, &data), 0);
	assert_int_equal(raw_front_share(&f->evil, 1, true, &dir), 0);
	raw_dir_fill(&dir, &data);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), VGPUIF_EFAULT);

	evil_capset_info(f, &id, &version, &size);
	raw_share_free(&data);
	raw_share_free(&dir);
	assert_int_equal(raw_front_share(&f->evil, VGPU_DIV_ROUND_UP(size,
					 VGPUIF_PAGE_SIZE), true, &data), 0);
	assert_int_equal(raw_front_share(&f->evil, 1, true, &dir), 0);
	raw_dir_fill(&dir, &data);
	assert_int_equal(evil_call(f, req_capset(id, version, dir.first_gref,
						 size)), VGPUIF_EFAULT);
	raw_share_free(&data);
	raw_share_free(&dir);

	/* The same with writable data and a read-only directory works. */
	evil_buffer(&f->evil, VGPU_DIV_ROUND_UP(size, VGPUIF_PAGE_SIZE),
		    &data, &dir);
	assert_int_equal(raw_call_resp(&f->evil, req_capset(id, version,
				       dir.first_gref, size), &resp), 0);
	assert_int_equal(resp.op.capset.capset_size, size);
	raw_share_free(&data);
	raw_share_free(&dir);
	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), 0);
	raw_share_free(&data);
	raw_share_free(&dir);

	assert_refused(f, -EFAULT, true, 0, 0, 1);
	assert_evil_served(f);
	assert_survived(f);
}

/* ------------------------------------------------------------------ */
/* Directories and counts                                              */
/* ------------------------------------------------------------------ */

#define PER_DIR         VGPUIF_GREFS_PER_DIR_PAGE

/* Directory page i of dir: next, and n grefs of data from the first. */
static void dir_page(const struct raw_share *dir, uint32_t i,
		     grant_ref_t next, const struct raw_share *data,
		     uint32_t n)
{
	struct vgpuif_gref_directory *d = raw_share_page(dir, i);
	uint32_t k;

	d->gref_dir_next_page = next;
	for (k = 0; k < n; k++) {
		d->gref[k] = raw_share_gref(data, k);
	}
}

/*
 * Directory chains that loop: a page naming itself, a two-page cycle.
 * The backend reads only as many directory pages as num_pages needs, so
 * a loop is merely a chain read in circles: 3000 pages through a page
 * naming itself map (aliased), promptly; a cycle whose second page names
 * an ungranted gref fails on it; a chain that ends early is refused.
 */
static void test_looping_directory(void **state)
{
	struct fixture *f = *state;
	struct raw_share data, dir;
	grant_ref_t a, b;
	double start;

	evil_objects(f, 1, 1);
	assert_int_equal(raw_front_share(&f->evil, PER_DIR, false, &data), 0);
	assert_int_equal(raw_front_share(&f->evil, 2, true, &dir), 0);
	a = raw_share_gref(&dir, 0);
	b = raw_share_gref(&dir, 1);

	dir_page(&dir, 0, a, &data, PER_DIR);
	start = now_s();
	assert_int_equal(evil_call(f, req_attach(1, a, 3000)), 0);
	print_message("3000 pages through a self-looping directory in "
		      "%.3f s\n", now_s() - start);
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), 0);

	dir_page(&dir, 0, b, &data, PER_DIR);
	dir_page(&dir, 1, a, &data, PER_DIR);
	((struct vgpuif_gref_directory *)raw_share_page(&dir, 1))->gref[5] =
		NEVER_GRANTED;
	assert_int_equal(evil_call(f, req_attach(1, a, 2 * PER_DIR + 10)),
			 VGPUIF_EFAULT);

	dir_page(&dir, 0, 0, &data, PER_DIR);
	assert_int_equal(evil_call(f, req_attach(1, a, PER_DIR + 1)),
			 VGPUIF_EINVAL);
	raw_share_free(&data);
	raw_share_free(&dir);
	assert_evil_served(f);
	assert_survived(f);
}

/* A transfer of res in ctx with one field changed by the caller. */
static struct vgpuif_req req_transfer_with(uint32_t x, uint32_t width,
					   uint64_t offset)
{
	struct vgpuif_req req = req_transfer(VGPUIF_OP_TRANSFER_TO_HOST_3D,
					     1, 1);

	req.op.transfer_3d.x = x;
	req.op.transfer_3d.width = width;
	req.op.transfer_3d.offset = offset;
	return req;
}

/*
 * Counts, sizes and offsets past every bound, and at the edges where 32
 * or 64-bit arithmetic would wrap.
 */
static void test_oversized_counts(void **state)
{
	struct fixture *f = *state;
	uint32_t region = EVIL_CMD_PAGES * VGPUIF_PAGE_SIZE;
	struct raw_share data, dir;
	uint32_t id, version, size;
	grant_ref_t d;
	size_t i;
	const struct {
		uint32_t offset, size;
		int status;
	} submits[] = {
		{ region, 4, VGPUIF_EINVAL },
		{ region - 4, 8, VGPUIF_EINVAL },
		{ 0xfffffffcu, 8, VGPUIF_EINVAL },
		{ 4, 0xfffffffcu, VGPUIF_E2BIG },
		{ 0, MAX_SUBMIT + 4, VGPUIF_E2BIG },
		{ 0, 0, VGPUIF_EINVAL },
		{ 2, 4, VGPUIF_EINVAL },
		{ 0, 6, VGPUIF_EINVAL },
	};
	const struct {
		uint32_t x, width;
		uint64_t offset;
	} transfers[] = {
		{ 0, BUF_BYTES, 0xfffffffffffff000ull },
		{ 0, BUF_BYTES, BUF_BYTES },
		{ 0, BUF_BYTES, 0x100000000ull },
		{ 0, 0xffffffffu, 0 },
		{ 0, 0x80000000u, 0 },
		{ 0xfffffff0u, 32, 0 },
		{ 16, BUF_BYTES, 0 },
		{ 0, BUF_BYTES + 1, 0 },
	};

	evil_objects(f, 1, 1);
	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	d = dir.first_gref;
	assert_int_equal(evil_call(f, req_attach(1, d, 0)), VGPUIF_EINVAL);
	assert_int_equal(evil_call(f, req_attach(1, d, 0xffffffffu)),
			 VGPUIF_EINVAL);
	assert_int_equal(evil_call(f, req_attach(1, d, MAX_MAPPED + 1)),
			 VGPUIF_EINVAL);
	assert_int_equal(evil_call(f, req_attach(1, d, MAX_MAPPED)),
			 VGPUIF_ENOSPC);
	/* What is left fits, but not with the directory page being read. */
	assert_int_equal(evil_call(f, req_attach(1, d, MAX_MAPPED -
						 EVIL_BASE_PAGES)),
			 VGPUIF_ENOSPC);

	for (i = 0; i < VGPU_ARRAY_SIZE(submits); i++) {
		if (evil_call(f, req_submit(1, submits[i].offset,
					    submits[i].size)) !=
		    submits[i].status) {
			fail_msg("submit %#x + %#x: not %d", submits[i].offset,
				 submits[i].size, submits[i].status);
		}
	}

	assert_int_equal(evil_call(f, req_attach(1, d, BUF_PAGES)), 0);
	for (i = 0; i < VGPU_ARRAY_SIZE(transfers); i++) {
		if (evil_call(f, req_transfer_with(transfers[i].x,
						   transfers[i].width,
						   transfers[i].offset)) !=
		    VGPUIF_EINVAL) {
			fail_msg("transfer x %#x width %#x offset %#llx: "
				 "not refused", transfers[i].x,
				 transfers[i].width,
				 (unsigned long long)transfers[i].offset);
		}
	}

	evil_capset_info(f, &id, &version, &size);
	assert_int_equal(evil_call(f, req_capset(id, version, d,
						 0xffffffffu)), VGPUIF_EINVAL);
	assert_int_equal(evil_call(f, req_capset(id, version, d, size - 1)),
			 VGPUIF_EINVAL);
	assert_int_equal(evil_call(f, req_capset(id, version + 1, d, size)),
			 VGPUIF_EINVAL);
	raw_share_free(&data);
	raw_share_free(&dir);
	assert_evil_served(f);
	assert_survived(f);
}

/* ------------------------------------------------------------------ */
/* Object ids                                                          */
/* ------------------------------------------------------------------ */

/* Every operation that names ctx 1 or res 1, expecting status. */
static void assert_all_refused(struct fixture *f, int status)
{
	const struct vgpuif_req reqs[] = {
		req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE, 1, 1),
		req_res(VGPUIF_OP_CTX_DETACH_RESOURCE, 1, 1),
		req_transfer(VGPUIF_OP_TRANSFER_TO_HOST_3D, 1, 1),
		req_transfer(VGPUIF_OP_TRANSFER_FROM_HOST_3D, 1, 1),
		req_res(VGPUIF_OP_RESOURCE_BUSY, 1, 1),
		req_submit(1, 0, 4),
	};
	size_t i;

	for (i = 0; i < VGPU_ARRAY_SIZE(reqs); i++) {
		if (evil_call(f, reqs[i]) != status) {
			fail_msg("op %u: not %d", reqs[i].operation, status);
		}
	}
}

/*
 * Ids created twice, and used after their object died: the backend
 * answers EEXIST, EBUSY or ENOENT and keeps no stale state; a reused id
 * starts afresh.
 */
static void test_ids_reused(void **state)
{
	struct fixture *f = *state;
	struct raw_share data, dir;
	grant_ref_t d;

	evil_objects(f, 1, 1);
	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	d = dir.first_gref;
	put_nops(f->evil.cmd.addr, 4);
	assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_CREATE, 1)),
			 VGPUIF_EEXIST);
	assert_int_equal(evil_call(f, req_res_create(1)), VGPUIF_EEXIST);
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE,
					      1, 1)), VGPUIF_EBUSY);
	assert_int_equal(evil_call(f, req_attach(1, d, BUF_PAGES)), 0);
	assert_int_equal(evil_call(f, req_attach(1, d, BUF_PAGES)),
			 VGPUIF_EBUSY);
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), 0);
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_attach(1, d, BUF_PAGES)), 0);

	/* The resource dies with backing and a context attached. */
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_RESOURCE_UNREF, 0,
					      1)), 0);
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_RESOURCE_UNREF, 0,
					      1)), VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_attach(1, d, BUF_PAGES)),
			 VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE,
					      1, 1)), VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_transfer(
		VGPUIF_OP_TRANSFER_TO_HOST_3D, 1, 1)), VGPUIF_ENOENT);

	/* Back under the same id: no backing, attached to nothing. */
	assert_int_equal(evil_call(f, req_res_create(1)), 0);
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_CTX_DETACH_RESOURCE,
					      1, 1)), VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), VGPUIF_ENOENT);

	/* The context dies with the resource attached. */
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE,
					      1, 1)), 0);
	assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_DESTROY, 1)), 0);
	assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_DESTROY, 1)),
			 VGPUIF_ENOENT);
	assert_all_refused(f, VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_CREATE, 1)), 0);
	/* The new context 1 does not inherit the old one's attachment. */
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_CTX_DETACH_RESOURCE,
					      1, 1)), VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_submit(1, 0, 4)), 0);
	raw_share_free(&data);
	raw_share_free(&dir);
	assert_evil_served(f);
	assert_survived(f);
}

/* Collects n answers, in any order, by id: statuses[i] for ids[i]. */
static void expect_answers(struct fixture *f, const uint32_t *ids,
			   const int *statuses, uint32_t n)
{
	struct vgpuif_resp resp;
	uint32_t got = 0, i;

	while (got < n) {
		assert_int_equal(raw_front_wait(&f->evil, &resp,
						harness_ms(CALL_MS)), 0);
		for (i = 0; i < n && ids[i] != resp.id; i++) {
		}
		assert_true(i < n);
		if (resp.status != statuses[i]) {
			fail_msg("request %u (op %u): status %d, not %d",
				 resp.id, resp.operation, resp.status,
				 statuses[i]);
		}
		got++;
	}
}

/*
 * Submits after CTX_DESTROY: in the same batch as the destroy and behind
 * a fenced submit still running, and in a later call. Then the guest
 * leaves with a fenced submit and a destroy unanswered.
 */
static void test_submit_after_destroy(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req fenced = req_submit(1, 0, 256);
	struct vgpuif_req req;
	uint32_t ids[4];
	const int statuses[4] = { 0, 0, VGPUIF_ENOENT, VGPUIF_ENOENT };

	evil_objects(f, 1, 1);
	put_nops(f->evil.cmd.addr, 256);
	assert_int_equal(evil_call(f, req_submit(1, 0, 256)), 0);

	fenced.flags = VGPUIF_FLAG_FENCE;
	fenced.fence_id = 1;
	ids[0] = raw_front_queue(&f->evil, &fenced);
	req = req_ctx(VGPUIF_OP_CTX_DESTROY, 1);
	ids[1] = raw_front_queue(&f->evil, &req);
	req = req_submit(1, 0, 256);
	ids[2] = raw_front_queue(&f->evil, &req);
	fenced.fence_id = 2;
	ids[3] = raw_front_queue(&f->evil, &fenced);
	raw_front_publish(&f->evil);
	expect_answers(f, ids, statuses, 4);

	assert_int_equal(evil_call(f, req_submit(1, 0, 256)), VGPUIF_ENOENT);
	assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_CREATE, 1)), 0);
	assert_int_equal(evil_call(f, req_submit(1, 0, 256)), 0);

	fenced.fence_id = 3;
	raw_front_queue(&f->evil, &fenced);
	req = req_ctx(VGPUIF_OP_CTX_DESTROY, 1);
	raw_front_queue(&f->evil, &req);
	raw_front_publish(&f->evil);
	raw_front_close(&f->evil);
	assert_survived(f);
}

/* ------------------------------------------------------------------ */
/* Shared memory rewritten under the backend                           */
/* ------------------------------------------------------------------ */

#define FLIP_SECONDS    1.5
#define FLIP_CMD_BYTES  256

/* What the flipper thread rewrites until told to stop. */
struct flipper {
	struct raw_front *rf;
	struct raw_share *dir;          /* the directory attaches name */
	uint32_t *cmd;                  /* the command bytes submitted */
	bool stop;                      /* atomic */
	uint64_t flips;
};

/*
 * A word of a request slot and what to XOR into it. All but the fence
 * bit turn a sound request into one the backend must refuse, so a field
 * fetched twice, checked in one form and used in the other, would show.
 * Answers share the slots, so some answers come back flipped too.
 */
static const struct {
	uint32_t offset;
	uint32_t mask;
} slot_flips[] = {
	{ 4, 0x00000080 },      /* operation: unknown */
	{ 4, 0x00000100 },      /* flags: fence on or off */
	{ 4, 0x00000200 },      /* flags: unknown bit */
	{ 4, 0x00010000 },      /* reserved */
	{ 8, 0x40000000 },      /* ctx_id */
	{ 12, 0x00000001 },     /* reserved1 */
	{ 24, 0xfffff000 },     /* cmd_offset, res_id */
	{ 28, 0xfff00000 },     /* cmd_size, gref_directory, level */
	{ 32, 0x7fff0000 },     /* num_pages, stride */
	{ 92, 0x00000001 },     /* reserved tail */
};

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * XORs mask into the word at p and back, holding the flipped value for
 * up to a few microseconds: long enough to straddle the backend's reads.
 */
static void flip32(void *p, uint32_t mask, uint32_t hold)
{
	uint32_t *w = p;
	uint32_t i;

	__atomic_xor_fetch(w, mask, __ATOMIC_RELAXED);
	for (i = 0; i < hold % 4096; i++) {
		__asm__ volatile("" ::: "memory");
	}
	__atomic_xor_fetch(w, mask, __ATOMIC_RELAXED);
}

static void flip_once(struct flipper *fl, uint32_t r, uint32_t hold)
{
	uint8_t *slot = (uint8_t *)raw_front_slot(fl->rf, r >> 8);
	uint32_t *dir = raw_share_page(fl->dir, 0);
	uint32_t which = (r >> 16) % VGPU_ARRAY_SIZE(slot_flips);

	switch (r % 4) {
	case 0:
		flip32(slot + slot_flips[which].offset, slot_flips[which].mask,
		       hold);
		break;
	case 1:
		/* The next link, or one of the grefs, of the directory. */
		flip32(&dir[(r >> 8) % (2 + BUF_PAGES)],
		       r & 0x100 ? 0x40000000 : 0x3, hold);
		break;
	case 2:
		/* The NOP's length: past the end of the submit. */
		flip32(&fl->cmd[0], 0xffc0u << 16, hold);
		break;
	default:
		/* Payload the NOP skips, and the notification hints. */
		fl->cmd[1 + (r >> 8) % (FLIP_CMD_BYTES / 4 - 1)] ^= r;
		flip32(&fl->rf->sring->req_event, r, hold);
		flip32(&fl->rf->sring->rsp_event, r >> 3, hold);
		break;
	}
}

static void *flipper_main(void *arg)
{
	struct flipper *fl = arg;
	uint32_t seed = 0x9e3779b9u;

	while (!__atomic_load_n(&fl->stop, __ATOMIC_RELAXED)) {
		flip_once(fl, xorshift(&seed), xorshift(&seed));
		/* valgrind runs one thread at a time: let the ring's turn. */
		if (!(++fl->flips % 256)) {
			sched_yield();
		}
	}
	return NULL;
}

/* The requests the hostile guest keeps in flight, in turn. */
static struct vgpuif_req flip_workload(uint32_t n, grant_ref_t dir,
				       uint64_t *fence)
{
	struct vgpuif_req req;

	switch (n % 6) {
	case 0:
		return req_nop();
	case 1:
		return req_attach(1, dir, BUF_PAGES);
	case 2:
		return req_transfer(VGPUIF_OP_TRANSFER_TO_HOST_3D, 1, 1);
	case 3:
		return req_res(VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1);
	case 4:
		return req_submit(1, 0, FLIP_CMD_BYTES);
	default:
		req = req_submit(1, 0, FLIP_CMD_BYTES);
		req.flags = VGPUIF_FLAG_FENCE;
		req.fence_id = ++*fence;
		return req;
	}
}

/*
 * Answers by status: -status for the VGPUIF_E* codes (all below 128),
 * and one bucket for what a flip of the answer's slot made of it.
 */
#define STATUS_BUCKETS  129

static void count_status(uint32_t *hist, int32_t status)
{
	hist[status <= 0 && status > -128 ? -status : 128]++;
}

static void print_statuses(const uint32_t *hist)
{
	char line[512] = "";
	size_t len = 0;
	int i;

	for (i = 0; i < STATUS_BUCKETS && len < sizeof(line) - 32; i++) {
		if (hist[i]) {
			len += snprintf(line + len, sizeof(line) - len,
					" %s%d:%u", i == 128 ? ">" : "",
					i == 128 ? 0 : -i, hist[i]);
		}
	}
	print_message("answers by status:%s\n", line);
}

/*
 * Keeps the ring full of the workload for FLIP_SECONDS. Returns the
 * number of answers, and sets *gone if the backend hung up.
 */
static uint32_t flip_traffic(struct fixture *f, grant_ref_t dir, bool *gone)
{
	struct raw_front *rf = &f->evil;
	double end = now_s() + FLIP_SECONDS;
	uint32_t hist[STATUS_BUCKETS] = { 0 };
	uint32_t n = 0, answered = 0;
	struct vgpuif_resp resp;
	struct vgpuif_req req;
	uint64_t fence = 0;
	int ret;

	*gone = false;
	while (now_s() < end) {
		while (rf->req_prod - rf->rsp_cons < VGPUIF_RING_SIZE) {
			req = flip_workload(n++, dir, &fence);
			raw_front_queue(rf, &req);
		}
		raw_front_publish(rf);
		ret = raw_front_wait(rf, &resp, harness_ms(CALL_MS));
		if (ret == -ENODEV) {
			*gone = true;
			break;
		}
		assert_int_equal(ret, 0);
		do {
			count_status(hist, resp.status);
			answered++;
		} while (!raw_front_wait(rf, &resp, 0));
	}
	print_statuses(hist);
	return answered;
}

/* Reads every answer still due; false if the backend hung up. */
static bool drain(struct raw_front *rf)
{
	struct vgpuif_resp resp;
	int ret;

	while (rf->rsp_cons != rf->req_prod) {
		ret = raw_front_wait(rf, &resp, harness_ms(CALL_MS));
		if (ret == -ENODEV) {
			return false;
		}
		assert_int_equal(ret, 0);
	}
	return true;
}

/*
 * A thread flips request slots, the gref directory, the command bytes
 * and the ring's event fields while the ring is kept full of requests
 * that use them (double-fetch hunting). The backend must answer every
 * request or disconnect the guest, and never crash. Once the shared
 * memory is left alone, exact answers come back.
 */
static void test_shared_memory_rewritten(void **state)
{
	struct fixture *f = *state;
	struct flipper fl = { .rf = &f->evil };
	struct raw_share data, dir;
	uint32_t answered;
	pthread_t thread;
	bool gone;
	int status;

	evil_objects(f, 1, 1);
	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	fl.dir = &dir;
	fl.cmd = (uint32_t *)f->evil.cmd.addr;
	put_nops(fl.cmd, FLIP_CMD_BYTES);
	assert_int_equal(pthread_create(&thread, NULL, flipper_main, &fl), 0);
	answered = flip_traffic(f, dir.first_gref, &gone);
	__atomic_store_n(&fl.stop, true, __ATOMIC_RELAXED);
	assert_int_equal(pthread_join(thread, NULL), 0);
	print_message("%u answers under %llu flips%s\n", answered,
		      (unsigned long long)fl.flips,
		      gone ? ", then disconnected" : "");
	if (gone || !drain(&f->evil)) {
		assert_disconnected(f, &f->evil);
	} else {
		/* Left alone, the same memory gets exact answers again. */
		put_nops(fl.cmd, FLIP_CMD_BYTES);
		raw_dir_fill(&dir, &data);
		status = evil_call(f, req_res(VGPUIF_OP_RESOURCE_DETACH_BACKING,
					      0, 1));
		assert_true(status == 0 || status == VGPUIF_ENOENT);
		assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
							 BUF_PAGES)), 0);
		assert_int_equal(evil_call(f, req_transfer(
			VGPUIF_OP_TRANSFER_TO_HOST_3D, 1, 1)), 0);
		assert_int_equal(evil_call(f, req_submit(1, 0,
							 FLIP_CMD_BYTES)), 0);
		assert_evil_served(f);
	}
	raw_share_free(&data);
	raw_share_free(&dir);
	assert_survived(f);
}

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

/* max-mapped-pages, filled with attaches through one long directory. */
static void exhaust_mapped_pages(struct fixture *f)
{
	uint32_t used = EVIL_BASE_PAGES, rest, id, version, size;
	struct raw_share data, dir;
	grant_ref_t d;

	evil_buffer(&f->evil, PER_DIR, &data, &dir);
	d = dir.first_gref;
	assert_int_equal(evil_call(f, req_attach(1, d, PER_DIR)), 0);
	assert_int_equal(evil_call(f, req_attach(2, d, PER_DIR)), 0);
	used += 2 * PER_DIR;
	assert_int_equal(evil_call(f, req_attach(3, d, PER_DIR)),
			 VGPUIF_ENOSPC);
	/* All that is left but the directory page read on the way. */
	rest = MAX_MAPPED - used - 1;
	assert_int_equal(evil_call(f, req_attach(3, d, rest)), 0);
	assert_int_equal(evil_call(f, req_attach(4, d, 1)), VGPUIF_ENOSPC);
	evil_capset_info(f, &id, &version, &size);
	assert_int_equal(evil_call(f, req_capset(id, version, d, size)),
			 VGPUIF_ENOSPC);
	/* Detaching gives the pages back. */
	assert_int_equal(evil_call(f, req_res(
		VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, 1)), 0);
	assert_int_equal(evil_call(f, req_attach(4, d, 1)), 0);
	raw_share_free(&data);
	raw_share_free(&dir);
}

/*
 * Every per-guest limit run to exhaustion: contexts, resources, mapped
 * pages, submit size, command pages. Each refusal is exact; the good
 * guest's own limits are untouched (assert_survived makes objects).
 */
static void test_limits_exhausted(void **state)
{
	struct fixture *f = *state;
	uint32_t i;

	for (i = 1; i <= MAX_CONTEXTS; i++) {
		assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_CREATE,
						      i)), 0);
	}
	assert_int_equal(evil_call(f, req_ctx(VGPUIF_OP_CTX_CREATE, i)),
			 VGPUIF_ENOSPC);
	for (i = 1; i <= MAX_RESOURCES; i++) {
		assert_int_equal(evil_call(f, req_res_create(i)), 0);
	}
	assert_int_equal(evil_call(f, req_res_create(i)), VGPUIF_ENOSPC);
	exhaust_mapped_pages(f);

	memset(f->evil.cmd.addr, 0, MAX_SUBMIT + 4);
	put_nops(f->evil.cmd.addr, MAX_SUBMIT);
	assert_int_equal(evil_call(f, req_submit(1, 0, MAX_SUBMIT)), 0);
	assert_int_equal(evil_call(f, req_submit(1, 0, MAX_SUBMIT + 4)),
			 VGPUIF_E2BIG);

	assert_refused(f, -EINVAL, false, 0, 0, MAX_CMD_PAGES + 1);
	assert_refused(f, -EINVAL, false, 0, 0, 0);
	assert_evil_served(f);
	assert_survived(f);
}

/* A 2D BGRA texture of w x h, with levels mipmap levels after the first. */
static struct vgpuif_req req_texture(uint32_t res, uint32_t w, uint32_t h,
				     uint32_t layers, uint32_t levels)
{
	return (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_CREATE_3D,
		.op.resource_create_3d = {
			.res_id = res, .target = PIPE_TEXTURE_2D,
			.format = VIRGL_FORMAT_B8G8R8A8_UNORM,
			.bind = VIRGL_BIND_SAMPLER_VIEW, .width = w,
			.height = h, .depth = 1, .array_size = layers,
			.last_level = levels },
	};
}

/*
 * The renderer's storage for resources is dom0 memory, and the guest's
 * vram budget bounds it: textures past it are refused (the allocation
 * given back), freeing one makes room, and sizes that overflow are
 * refused too.
 */
static void test_host_memory_bounded(void **state)
{
	struct fixture *f = *state;
	/* MAX_MAPPED pages of vram: 3 textures of 1024 x 1024 x 4 bytes. */
	const uint32_t side = 1024;

	assert_int_equal(evil_call(f, req_texture(1, 4 * side, 4 * side, 1,
						  0)), VGPUIF_ENOSPC);
	assert_int_equal(evil_call(f, req_texture(1, side, side, 1, 0)), 0);
	assert_int_equal(evil_call(f, req_texture(2, side, side, 1, 0)), 0);
	/* A mipmap chain counts: a third more than the 4 MiB left. */
	assert_int_equal(evil_call(f, req_texture(3, side, side, 1, 10)),
			 VGPUIF_ENOSPC);
	assert_int_equal(evil_call(f, req_texture(3, side, side, 1, 0)), 0);
	assert_int_equal(evil_call(f, req_texture(4, 1, 1, 1, 0)),
			 VGPUIF_ENOSPC);
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_RESOURCE_UNREF, 0,
					      2)), 0);
	assert_int_equal(evil_call(f, req_texture(4, side, side, 1, 0)), 0);
	assert_int_not_equal(evil_call(f, req_texture(5, 16384, 16384, 2048,
						      14)), 0);
	assert_evil_served(f);
	assert_survived(f);
}

/* A transfer of box x between res in ctx 1 and its backing, both ways. */
static void assert_transfer(struct fixture *f,
			    const struct vgpuif_transfer_3d_req *x, int status)
{
	static const uint8_t ops[] = { VGPUIF_OP_TRANSFER_TO_HOST_3D,
				       VGPUIF_OP_TRANSFER_FROM_HOST_3D };
	struct vgpuif_req req;
	size_t i;
	int got;

	for (i = 0; i < VGPU_ARRAY_SIZE(ops); i++) {
		req = (struct vgpuif_req){ .operation = ops[i], .ctx_id = 1,
					   .op.transfer_3d = *x };
		got = evil_call(f, req);
		if (got != status) {
			fail_msg("op %u on resource %u: level %#x stride %#x "
				 "layer stride %#x box %ux%ux%u offset %#llx: "
				 "%d, not %d", ops[i], x->res_id, x->level,
				 x->stride, x->layer_stride, x->width,
				 x->height, x->depth,
				 (unsigned long long)x->offset, got, status);
		}
	}
}

/*
 * Transfer boxes the backing cannot hold, or at levels the resource does
 * not have, where virglrenderer's own checks (a signed level, sizes
 * summed in 32 bits) let some through: each is refused by the backend,
 * in 64 bits. The boxes that just fit still go through. Resource 1 is a
 * 16 KiB buffer on 4 pages, resource 2 a 16 x 16 BGRA texture of 3
 * layers (3 KiB) on one page.
 */
static void test_transfer_box_past_backing(void **state)
{
	struct fixture *f = *state;
	struct raw_share data, dir, tdata, tdir;
	struct vgpuif_req tex = req_texture(2, 16, 16, 3, 0);
	const struct vgpuif_transfer_3d_req fit[] = {
		{ .res_id = 1, .width = BUF_BYTES, .height = 1, .depth = 1 },
		{ .res_id = 1, .x = 16, .width = 16, .height = 1, .depth = 1,
		  .offset = BUF_BYTES - 16 },
		/* Levels' strides (0): 64 and 1024 bytes; ends at 4096. */
		{ .res_id = 2, .width = 16, .height = 16, .depth = 3,
		  .offset = 1024 },
		{ .res_id = 2, .stride = 64, .layer_stride = 1024, .width = 16,
		  .height = 16, .depth = 3, .offset = 1024 },
		{ .res_id = 2, .stride = 128, .width = 4, .height = 16,
		  .depth = 1, .offset = 4096 - 15 * 128 - 16 },
	};
	const struct vgpuif_transfer_3d_req past[] = {
		/* Levels past the last; as an int, the first is negative. */
		{ .res_id = 1, .level = 0x80000000u, .width = 16, .height = 1,
		  .depth = 1 },
		{ .res_id = 1, .level = 1, .width = 16, .height = 1,
		  .depth = 1 },
		{ .res_id = 2, .level = 0x80000000u, .width = 4, .height = 4,
		  .depth = 1 },
		{ .res_id = 2, .level = 1, .width = 4, .height = 4,
		  .depth = 1 },
		/* 2 x 2^31 + 64 bytes: 64 in 32 bits. */
		{ .res_id = 2, .stride = 16, .layer_stride = 0x80000000u,
		  .width = 4, .height = 4, .depth = 3 },
		{ .res_id = 2, .stride = 0x80000000u, .width = 4, .height = 3,
		  .depth = 1 },
		/* A byte past the end, each way. */
		{ .res_id = 1, .width = 16, .height = 1, .depth = 1,
		  .offset = BUF_BYTES - 15 },
		{ .res_id = 2, .width = 16, .height = 16, .depth = 3,
		  .offset = 1025 },
		{ .res_id = 2, .stride = 128, .width = 4, .height = 16,
		  .depth = 1, .offset = 4096 - 15 * 128 - 15 },
		{ .res_id = 2, .width = 16, .height = 16, .depth = 1,
		  .offset = 0xffffffffffffff00ull },
	};
	size_t i;

	tex.op.resource_create_3d.target = PIPE_TEXTURE_2D_ARRAY;
	evil_objects(f, 1, 1);
	assert_int_equal(evil_call(f, tex), 0);
	assert_int_equal(evil_call(f, req_res(VGPUIF_OP_CTX_ATTACH_RESOURCE, 1,
					      2)), 0);
	evil_buffer(&f->evil, BUF_PAGES, &data, &dir);
	evil_buffer(&f->evil, 1, &tdata, &tdir);
	assert_int_equal(evil_call(f, req_attach(1, dir.first_gref,
						 BUF_PAGES)), 0);
	assert_int_equal(evil_call(f, req_attach(2, tdir.first_gref, 1)), 0);
	for (i = 0; i < VGPU_ARRAY_SIZE(fit); i++) {
		assert_transfer(f, &fit[i], 0);
	}
	for (i = 0; i < VGPU_ARRAY_SIZE(past); i++) {
		assert_transfer(f, &past[i], VGPUIF_EINVAL);
	}
	assert_logged(f, "past its backing");
	assert_logged(f, "levels");
	raw_share_free(&data);
	raw_share_free(&dir);
	raw_share_free(&tdata);
	raw_share_free(&tdir);
	assert_evil_served(f);
	assert_survived(f);
}

/* The loopback transport's table of shares, one page at a time. */
#define LB_MAX_SHARES   16384

/*
 * Grants offered until the backend's share table is full: refused with
 * ENOSPC (or, where the host's fd limit comes first, a disconnect), and
 * usable again once one is ended.
 */
static void test_share_table_exhausted(void **state)
{
	struct fixture *f = *state;
	struct raw_front *rf = &f->evil;
	uint32_t n = 3;         /* the ring, command region and directory */
	struct raw_share one = { .num_pages = 1 };
	int fd, ret;

	loopback_only(f);
	fd = raw_memfd(1, true);
	assert_true(fd >= 0);
	while (!(ret = raw_front_share_fd(rf, fd, rf->next_gref, 1, true))) {
		rf->next_gref++;
		n++;
	}
	print_message("%u shares, then %d\n", n, ret);
	if (ret == -EPIPE) {
		assert_disconnected(f, rf);
	} else {
		assert_int_equal(ret, -ENOSPC);
		assert_int_equal(n, LB_MAX_SHARES);
		assert_evil_served(f);
		one.first_gref = rf->next_gref - 1;
		assert_int_equal(raw_front_unshare(rf, &one), 0);
		assert_int_equal(raw_front_share_fd(rf, fd, rf->next_gref, 1,
						    true), 0);
	}
	close(fd);
	assert_survived(f);
}

/* ------------------------------------------------------------------ */
/* The setup socket                                                    */
/* ------------------------------------------------------------------ */

static int share_msg(struct raw_front *rf, uint32_t type,
		     struct vgpu_lb_share msg, int nfds)
{
	int fd = raw_memfd(1, true), fds[2] = { fd, fd }, ret;

	assert_true(fd >= 0);
	ret = raw_front_request(rf, type, &msg, sizeof(msg), fds, nfds);
	close(fd);
	return ret;
}

/* Malformed SHARE and UNSHARE: each refused, the guest still served. */
static void refused_shares(struct fixture *f)
{
	struct raw_front *rf = &f->evil;
	uint32_t next = rf->next_gref;
	int fd = raw_memfd(1, true);

	assert_int_equal(raw_front_request(rf, VGPU_LB_SHARE, "short", 5,
					   &fd, 1), -EINVAL);
	close(fd);
	assert_int_equal(share_msg(rf, VGPU_LB_SHARE, (struct vgpu_lb_share){
		.first_gref = next, .num_pages = 1 }, 0), -EINVAL);
	assert_int_equal(share_msg(rf, VGPU_LB_SHARE, (struct vgpu_lb_share){
		.first_gref = next, .num_pages = 1 }, 2), -EINVAL);
	assert_int_equal(share_msg(rf, VGPU_LB_UNSHARE, (struct vgpu_lb_share){
		.first_gref = rf->ring.first_gref, .num_pages = 1 }, 1),
		-EINVAL);
	assert_int_equal(share_msg(rf, VGPU_LB_SHARE, (struct vgpu_lb_share){
		.first_gref = next, .num_pages = 0 }, 1), -EINVAL);
	assert_int_equal(share_msg(rf, VGPU_LB_SHARE, (struct vgpu_lb_share){
		.first_gref = next, .num_pages = 1, .reserved = 1 }, 1),
		-EINVAL);
	assert_int_equal(share_msg(rf, VGPU_LB_SHARE, (struct vgpu_lb_share){
		.first_gref = 0xffffffffu, .num_pages = 2 }, 1), -EINVAL);
	/* Grefs already granted, by the ring. */
	assert_int_equal(share_msg(rf, VGPU_LB_SHARE, (struct vgpu_lb_share){
		.first_gref = rf->ring.first_gref, .num_pages = 1 }, 1),
		-EINVAL);
	assert_int_equal(share_msg(rf, VGPU_LB_UNSHARE, (struct vgpu_lb_share){
		.first_gref = NEVER_GRANTED, .num_pages = 1 }, 0), -ENOENT);
	assert_int_equal(share_msg(rf, VGPU_LB_UNSHARE, (struct vgpu_lb_share){
		.first_gref = rf->cmd.first_gref + 1, .num_pages = 1 }, 0),
		-ENOENT);
	assert_evil_served(f);
}

/* A fresh guest sends one message that ends its connection. */
static void assert_fatal(struct fixture *f, bool connect, uint32_t type,
			 const void *payload, uint32_t len)
{
	struct raw_front rogue;
	int fds[2];

	if (connect) {
		assert_int_equal(raw_front_open(&rogue, f->sock, EVIL_GREF, 1),
				 0);
	} else {
		assert_int_equal(raw_front_dial(&rogue, f->sock, EVIL_GREF),
				 0);
	}
	fds[0] = rogue.kick_out;
	fds[1] = rogue.kick_in;
	/* A REPLY may come before the hang-up, or none. */
	raw_front_request(&rogue, type, payload, len,
			  type == VGPU_LB_CONNECT ? fds : NULL,
			  type == VGPU_LB_CONNECT ? 2 : 0);
	assert_disconnected(f, &rogue);
	raw_front_close(&rogue);
}

/* A header that promises more payload than the message holds. */
static void assert_fatal_short_message(struct fixture *f)
{
	struct vgpu_lb_hdr hdr = { .type = VGPU_LB_SHARE, .payload_len = 100 };
	struct raw_front rogue;

	assert_int_equal(raw_front_open(&rogue, f->sock, EVIL_GREF, 1), 0);
	assert_int_equal(send(rogue.sock, &hdr, sizeof(hdr), MSG_NOSIGNAL),
			 (ssize_t)sizeof(hdr));
	assert_disconnected(f, &rogue);
	raw_front_close(&rogue);
}

/*
 * The setup socket abused: malformed, overlapping and unknown shares are
 * refused in a REPLY; unknown message types, a second CONNECT and
 * truncated messages end that guest's connection.
 */
static void test_setup_socket_abuse(void **state)
{
	struct fixture *f = *state;
	const char nodes[] = "protocol-version=1\n";

	loopback_only(f);
	refused_shares(f);
	/* Each costs a worker start (slow under valgrind): a few suffice. */
	assert_fatal(f, true, 99, NULL, 0);
	assert_fatal(f, true, VGPU_LB_REPLY, NULL, 0);
	assert_fatal(f, true, VGPU_LB_CONNECT, nodes, sizeof(nodes) - 1);
	assert_fatal(f, false, 99, NULL, 0);
	assert_fatal_short_message(f);
	assert_survived(f);
}

/*
 * Memory that vanishes under the backend. A memfd offered for more pages
 * than it has, or one that can still shrink after it is offered, would
 * leave the backend's mappings unbacked, and touching them raises
 * SIGBUS: a Xen grant cannot vanish like that. Such shares are refused;
 * a pipe is no memory at all.
 */
static void test_memfd_shrinkable(void **state)
{
	struct fixture *f = *state;
	struct raw_front *rf = &f->evil;
	int fds[3], pipefd[2];

	loopback_only(f);
	fds[0] = raw_memfd(BUF_PAGES, false);
	fds[1] = raw_memfd(1, true);
	assert_int_equal(pipe(pipefd), 0);
	fds[2] = pipefd[0];
	assert_true(fds[0] >= 0 && fds[1] >= 0);
	assert_int_equal(raw_front_share_fd(rf, fds[0], rf->next_gref,
					    BUF_PAGES, false), -EINVAL);
	assert_int_equal(raw_front_share_fd(rf, fds[1], rf->next_gref,
					    BUF_PAGES, false), -EINVAL);
	assert_int_equal(raw_front_share_fd(rf, fds[2], rf->next_gref,
					    BUF_PAGES, false), -EINVAL);
	close(fds[0]);
	close(fds[1]);
	close(pipefd[0]);
	close(pipefd[1]);
	assert_evil_served(f);
	assert_survived(f);
}

/* ------------------------------------------------------------------ */
/* The event channel's stand-ins                                       */
/* ------------------------------------------------------------------ */

/*
 * Dials a rogue whose kicks are out (rogue -> backend) and in (backend
 * -> rogue) instead of its own eventfds, and connects it with one
 * command page. Returns the REPLY status; rf owns out and in.
 */
static int connect_with_kicks(struct fixture *f, struct raw_front *rf,
			      int out, int in)
{
	assert_true(out >= 0 && in >= 0);
	assert_int_equal(raw_start(f, rf, EVIL_GREF, f->spare_dev), 0);
	close(rf->kick_out);
	close(rf->kick_in);
	rf->kick_out = out;
	rf->kick_in = in;
	return raw_front_connect(rf, 1);
}

/* A CONNECT with these kicks is refused, with a reason, and hung up on. */
static void assert_kicks_refused(struct fixture *f, int out, int in)
{
	struct raw_front rogue;

	assert_int_equal(connect_with_kicks(f, &rogue, out, in), -EINVAL);
	assert_disconnected(f, &rogue);
	raw_front_close(&rogue);
}

/*
 * The worker polls the frontend's kick and writes its own for as long as
 * the guest is connected. A pipe that hangs up reads as ready forever
 * (the worker spins), one that fills blocks the worker in write(), a
 * memfd is always readable, and a semaphore eventfd wakes the worker
 * once for every unit of a count the guest sets once: each is refused
 * at CONNECT, saying why.
 */
static void test_kicks_not_eventfds(void **state)
{
	struct fixture *f = *state;
	int p[2], s[2];

	loopback_only(f);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_kicks_refused(f, p[0], p[1]);
	/* Hung up: the write end is closed everywhere. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[1]);
	assert_kicks_refused(f, p[0], eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s),
			 0);
	close(s[1]);
	assert_kicks_refused(f, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), s[0]);
	assert_kicks_refused(f, raw_memfd(1, true),
			     eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	assert_kicks_refused(f, eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE),
			     eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	assert_logged(f, "not an eventfd");
	assert_logged(f, "semaphore");
	assert_evil_served(f);
	assert_survived(f);
}

/*
 * Eventfds made blocking. The guest sets the count of the backend's kick
 * to its top and never reads it: a blocking write of the next kick would
 * wait for that read forever. The backend makes both kicks non-blocking
 * (the flag is on the file both ends share), so the guest is still
 * served, and only loses kicks it chose not to read.
 */
static void test_kicks_blocking(void **state)
{
	struct fixture *f = *state;
	uint64_t top = 0xfffffffffffffffeull;
	struct raw_front rogue;
	int in, i;

	loopback_only(f);
	assert_int_equal(connect_with_kicks(f, &rogue, eventfd(0, EFD_CLOEXEC),
					    eventfd(0, EFD_CLOEXEC)), 0);
	in = rogue.kick_in;
	assert_int_equal(write(in, &top, sizeof(top)), (ssize_t)sizeof(top));
	/* raw_front must not read it: it looks at the ring every 10 ms. */
	rogue.kick_in = -1;
	for (i = 0; i < 4; i++) {
		assert_int_equal(raw_call(&rogue, req_nop()), 0);
	}
	rogue.kick_in = in;
	assert_true(fcntl(rogue.kick_out, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(rogue.kick_in, F_GETFL) & O_NONBLOCK);
	raw_front_close(&rogue);
	assert_evil_served(f);
	assert_survived(f);
}

#define FLOOD_CPU_PCT   25
#define FLOOD_S         2.0

/*
 * A guest keeps its worker busy on purpose: NOPs as fast as the ring
 * takes them. Under --worker-cpu its worker gets that share of one CPU
 * and no more (security read, finding 10). A backend of its own, since
 * the bound is the daemon's; skipped where no cgroup CPU controller can
 * be written, which the backend says.
 */
static void test_flood_cpu_bounded(void **state)
{
	static const char *const args[] = {
		"--worker-cpu=" HARNESS_STR(FLOOD_CPU_PCT), NULL,
	};
	struct fixture *f = *state;
	char sock[PATH_MAX], log[PATH_MAX];
	struct harness_child backend;
	double start, used, wall;
	struct raw_front rf;
	pid_t worker;

	loopback_only(f);
	snprintf(sock, sizeof(sock), "%s/bounded.sock", f->dir);
	snprintf(log, sizeof(log), "%s/bounded.log", f->dir);
	if (harness_backend_start(&backend, sock, args, log)) {
		if (harness_count_in_file(log, "cannot bound the workers' CPU")) {
			harness_stop(&backend, SIGKILL, harness_ms(CALL_MS));
			skip();
		}
		fail_msg("the backend with --worker-cpu did not start");
	}
	assert_int_equal(raw_front_open(&rf, sock, EVIL_GREF, EVIL_CMD_PAGES),
			 0);
	worker = harness_first_child(backend.pid);
	assert_true(worker > 0);
	start = now_s();
	used = harness_cpu_seconds(worker);
	do {
		flood(&rf, req_nop(), 1000, 0);
	} while (now_s() - start < FLOOD_S);
	used = harness_cpu_seconds(worker) - used;
	wall = now_s() - start;
	print_message("NOP flood for %.1f s: its worker used %.2f s of CPU "
		      "(%.0f%% of one CPU, bound %d%%)\n", wall, used,
		      100 * used / wall, FLOOD_CPU_PCT);
	raw_front_close(&rf);
	assert_int_equal(harness_stop(&backend, SIGTERM, harness_ms(CALL_MS)),
			 0);
	assert_true(used <= wall * FLOOD_CPU_PCT / 100 * 1.6);
	assert_survived(f);
}

#define HOSTILE_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		HOSTILE_TEST(test_req_prod_far_ahead),
		HOSTILE_TEST(test_req_prod_half_range),
		HOSTILE_TEST(test_ring_overrun),
		HOSTILE_TEST(test_nop_flood),
		HOSTILE_TEST(test_blind_flood),
		HOSTILE_TEST(test_flood_cpu_bounded),
		HOSTILE_TEST(test_grefs_never_granted),
		HOSTILE_TEST(test_grefs_unshared),
		HOSTILE_TEST(test_grefs_of_other_guest),
		HOSTILE_TEST(test_grefs_granted_elsewhere),
		HOSTILE_TEST(test_readonly_share),
		HOSTILE_TEST(test_looping_directory),
		HOSTILE_TEST(test_oversized_counts),
		HOSTILE_TEST(test_ids_reused),
		HOSTILE_TEST(test_submit_after_destroy),
		HOSTILE_TEST(test_shared_memory_rewritten),
		HOSTILE_TEST(test_limits_exhausted),
		HOSTILE_TEST(test_host_memory_bounded),
		HOSTILE_TEST(test_transfer_box_past_backing),
		HOSTILE_TEST(test_share_table_exhausted),
		HOSTILE_TEST(test_setup_socket_abuse),
		HOSTILE_TEST(test_memfd_shrinkable),
		HOSTILE_TEST(test_kicks_not_eventfds),
		HOSTILE_TEST(test_kicks_blocking),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
