/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How long vgpu-vtest keeps a resource's backing: pages shared with the
 * backend stop being shared only once the device has answered the
 * request that let them go (the unref, or a detach). Until then the
 * backend may still map them.
 *
 * The device is a stand-in for libvgpufront, linked in its place: this
 * file defines every vgpufront_ function the vtest layer calls. It
 * answers requests in ring order, when they are waited for, and counts
 * backings freed while a resource that the device may still hold has
 * them attached. It can refuse every request of one operation, as a
 * backend whose vram= is used up refuses creates.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "vgpufront.h"
#include "vtest_int.h"
#include "vtest_protocol.h"

/* Device resource ids vgpu-vtest hands out here: 1 upwards. */
#define MOCK_MAX_RES    256
#define MOCK_MAX_REQS   4096

struct mock_req {
	uint8_t op;
	uint32_t res_id;
};

struct vgpufront {
	struct vgpufront_limits limits;
	struct mock_req reqs[MOCK_MAX_REQS];    /* by id */
	uint32_t next_id;
	uint32_t answered;      /* every request up to this id */
	/*
	 * Each resource's backing (its directory gref) from the moment its
	 * attach is sent to the moment its unref or detach is answered.
	 */
	grant_ref_t backing[MOCK_MAX_RES];
	grant_ref_t next_dir;
	unsigned int bufs;              /* alive */
	unsigned int early_frees;       /* freed while still attached */
	uint8_t refuse_op;              /* answered VGPUIF_ENOSPC; 0: none */
	unsigned int unrefs;            /* RESOURCE_UNREF requests sent */
	unsigned int forgotten;         /* requests nobody will wait for */
	uint32_t cmd[256];              /* the command region */
};

static struct vgpufront mock;

const struct vgpufront_limits *vgpufront_limits(const struct vgpufront *dev)
{
	return &dev->limits;
}

/* The region is as large as the backend allows. */
uint32_t vgpufront_cmd_pages(const struct vgpufront *dev)
{
	return dev->limits.max_cmd_pages;
}

struct vgpufront_buf *vgpufront_buf_alloc(struct vgpufront *dev, size_t size,
					  bool readonly)
{
	struct vgpufront_buf *buf = calloc(1, sizeof(*buf));

	(void)readonly;
	assert_non_null(buf);
	buf->num_pages = (uint32_t)((size + VGPUIF_PAGE_SIZE - 1) /
				    VGPUIF_PAGE_SIZE);
	buf->size = (size_t)buf->num_pages * VGPUIF_PAGE_SIZE;
	buf->addr = calloc(1, buf->size);
	buf->fd = memfd_create("mock-backing", MFD_CLOEXEC);
	buf->dir_ref = ++dev->next_dir;
	assert_non_null(buf->addr);
	assert_true(buf->fd >= 0);
	dev->bufs++;
	return buf;
}

void vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf)
{
	uint32_t i;

	if (!buf) {
		return;
	}
	for (i = 0; i < MOCK_MAX_RES; i++) {
		if (dev->backing[i] == buf->dir_ref) {
			print_message("backing of resource %u freed while the "
				      "device may still map it\n", i);
			dev->early_frees++;
		}
	}
	close(buf->fd);
	free(buf->addr);
	free(buf);
	dev->bufs--;
}

int vgpufront_send(struct vgpufront *dev, struct vgpuif_req *req)
{
	uint32_t res_id = req->op.resource.res_id;

	assert_true(dev->next_id + 1 < MOCK_MAX_REQS);
	req->id = ++dev->next_id;
	if (req->operation == VGPUIF_OP_RESOURCE_ATTACH_BACKING) {
		res_id = req->op.attach_backing.res_id;
		assert_true(res_id < MOCK_MAX_RES);
		dev->backing[res_id] = req->op.attach_backing.gref_directory;
	}
	dev->reqs[req->id] = (struct mock_req){ .op = req->operation,
						.res_id = res_id };
	dev->unrefs += req->operation == VGPUIF_OP_RESOURCE_UNREF;
	return 0;
}

/* Kicks are not modelled: requests are answered when waited for. */
int vgpufront_send_lazy(struct vgpufront *dev, struct vgpuif_req *req)
{
	return vgpufront_send(dev, req);
}

/* Answers come only when waited for, so a look finds none. */
bool vgpufront_done(struct vgpufront *dev, uint32_t id)
{
	return id <= dev->answered;
}

void vgpufront_forget(struct vgpufront *dev, uint32_t id)
{
	assert_true(id <= dev->next_id);
	dev->forgotten++;
}

/* Answers every request up to id, in ring order. */
int vgpufront_wait(struct vgpufront *dev, uint32_t id,
		   struct vgpuif_resp *resp)
{
	const struct mock_req *r;

	assert_true(id <= dev->next_id);
	for (; dev->answered < id; dev->answered++) {
		r = &dev->reqs[dev->answered + 1];
		if ((r->op == VGPUIF_OP_RESOURCE_UNREF ||
		     r->op == VGPUIF_OP_RESOURCE_DETACH_BACKING) &&
		    r->res_id < MOCK_MAX_RES) {
			dev->backing[r->res_id] = 0;
		}
	}
	if (resp) {
		memset(resp, 0, sizeof(*resp));
		resp->id = id;
		resp->operation = dev->reqs[id].op;
	}
	return dev->refuse_op && dev->reqs[id].op == dev->refuse_op ?
	       VGPUIF_ENOSPC : 0;
}

int vgpufront_call(struct vgpufront *dev, struct vgpuif_req *req,
		   struct vgpuif_resp *resp)
{
	int ret = vgpufront_send(dev, req);

	return ret ? ret : vgpufront_wait(dev, req->id, resp);
}

int vgpufront_cmd_reserve(struct vgpufront *dev, uint32_t size,
			  struct vgpufront_cmd *cmd)
{
	if (size > sizeof(dev->cmd)) {
		return -E2BIG;
	}
	*cmd = (struct vgpufront_cmd){ .ptr = dev->cmd, .size = size };
	return 0;
}

/* A submit is a request like the others, answered in ring order. */
int vgpufront_cmd_submit(struct vgpufront *dev, uint32_t ctx_id,
			 struct vgpufront_cmd *cmd, uint64_t fence_id,
			 uint32_t *id)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_SUBMIT_3D };

	(void)cmd;
	(void)fence_id;
	req.ctx_id = ctx_id;
	vgpufront_send(dev, &req);
	if (id) {
		*id = req.id;
	}
	return 0;
}

void vgpufront_cmd_cancel(struct vgpufront *dev, struct vgpufront_cmd *cmd)
{
	(void)dev;
	(void)cmd;
}

/* ------------------------------------------------------------------ */
/* A client fed from a buffer                                          */
/* ------------------------------------------------------------------ */

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
		f->out_len = 0;         /* answers are not looked at */
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

/* Feeds one command of words and runs it. */
static void run(struct vtest_client *c, struct feed *f, size_t n,
		const uint32_t *w)
{
	assert_true(n * 4 <= sizeof(f->in));
	memcpy(f->in, w, n * 4);
	f->in_len = n * 4;
	f->pos = 0;
	assert_int_equal(vtest_client_dispatch(c), 0);
}

#define RUN(c, f, ...) \
	run(c, f, sizeof((uint32_t[]){ __VA_ARGS__ }) / 4, \
	    (uint32_t[]){ __VA_ARGS__ })

/* A v2 client's buffer of size bytes, with handle. */
static void create_buffer(struct vtest_client *c, struct feed *f,
			  uint32_t handle, uint32_t size)
{
	RUN(c, f, VCMD_RES_CREATE2_WORDS, VCMD_RESOURCE_CREATE2, handle, 0,
	    64, 1 << 4, size, 1, 1, 1, 0, 0, size);
}

/*
 * Backings of up to 16 pages go back to the client's pool, 256 pages a
 * size at most, and their unref is not waited for: the pages stay
 * shared. One more than the pool takes is freed: its unref must be
 * answered first. Each resource is named once, so that the device
 * has it (DOC: resources made when first named).
 */
static void test_small_backing_freed_after_unref(void **state)
{
	const uint32_t size = 16 * VGPUIF_PAGE_SIZE, n = 256 / 16 + 4;
	struct feed f = { .io = { feed_read, feed_write, feed_send_fd } };
	struct vtest_client *c;
	struct vtest_dev *dev;
	uint32_t i;

	(void)state;
	memset(&mock, 0, sizeof(mock));
	mock.limits = (struct vgpufront_limits){
		.max_mapped_pages = 65536, .max_submit_size = 65536 };
	dev = vtest_dev_create(&mock);
	assert_non_null(dev);
	c = vtest_client_create(dev, &f.io, "test");
	assert_non_null(c);
	RUN(c, &f, 4, VCMD_CREATE_RENDERER, 0x00786c67);
	RUN(c, &f, 1, VCMD_PROTOCOL_VERSION, 2);
	assert_int_equal(vtest_client_version(c), 2);
	for (i = 1; i <= n; i++) {
		create_buffer(c, &f, i, size);
		/* Named, so that the device has it and maps its backing. */
		RUN(c, &f, VCMD_TRANSFER2_WORDS, VCMD_TRANSFER_PUT2, i, 0, 0,
		    0, 0, 64, 1, 1, 64, 0);
	}
	for (i = 1; i <= n; i++) {
		RUN(c, &f, 1, VCMD_RESOURCE_UNREF, i);
	}
	vtest_client_destroy(c);
	vtest_dev_destroy(dev);
	assert_int_equal(mock.early_frees, 0);
	assert_int_equal(mock.bufs, 0);
}

/* vram= of 64 pages: 256 KiB, and a one-page command region at most. */
static struct vtest_client *small_device(struct feed *f, uint32_t version)
{
	struct vtest_client *c;
	struct vtest_dev *dev;

	memset(&mock, 0, sizeof(mock));
	mock.limits = (struct vgpufront_limits){
		.max_mapped_pages = 64, .max_cmd_pages = 1,
		.max_resources = 64, .max_submit_size = 65536 };
	dev = vtest_dev_create(&mock);
	assert_non_null(dev);
	c = vtest_client_create(dev, &f->io, "test");
	assert_non_null(c);
	RUN(c, f, 4, VCMD_CREATE_RENDERER, 0x00786c67);
	RUN(c, f, 1, VCMD_PROTOCOL_VERSION, version);
	assert_int_equal(vtest_client_version(c), version);
	return c;
}

static void destroy_client(struct vtest_client *c)
{
	struct vtest_dev *dev = c->dev;

	vtest_client_destroy(c);
	/* Everything charged was refunded; the ring and region remain. */
	assert_int_equal(dev->budget.host_bytes, 0);
	assert_int_equal(dev->budget.resources, 0);
	assert_int_equal(dev->budget.pages, 2);
	vtest_dev_destroy(dev);
	assert_int_equal(mock.bufs, 0);
}

/*
 * A 60-page buffer comes within a sixteenth of vram=, so its create
 * waits; the device refuses it, and the client is answered a byte
 * without an fd. Mesa then names its next resource with the same handle.
 */
static void test_refused_create_answered(void **state)
{
	struct feed f = { .io = { feed_read, feed_write, feed_send_fd } };
	struct vtest_client *c = small_device(&f, 2);

	(void)state;
	mock.refuse_op = VGPUIF_OP_RESOURCE_CREATE_3D;
	create_buffer(c, &f, 1, 60 * VGPUIF_PAGE_SIZE);
	assert_int_equal(f.creates_failed, 1);
	assert_int_equal(f.fds_sent, 0);
	mock.refuse_op = 0;
	create_buffer(c, &f, 1, VGPUIF_PAGE_SIZE);
	assert_int_equal(f.fds_sent, 1);
	RUN(c, &f, 1, VCMD_RESOURCE_UNREF, 1);
	destroy_client(c);
}

/*
 * A v0 create has no answer: refused, its handle stays for a resource
 * the device does not have, the client stays, and its unref sends
 * nothing to the device. A resource the device accepts reaches it when
 * a transfer first names it, and its unref follows.
 */
static void test_refused_v0_create_kept_absent(void **state)
{
	struct feed f = { .io = { feed_read, feed_write, feed_send_fd } };
	struct vtest_client *c = small_device(&f, 0);

	(void)state;
	mock.refuse_op = VGPUIF_OP_RESOURCE_CREATE_3D;
	RUN(c, &f, VCMD_RES_CREATE_WORDS, VCMD_RESOURCE_CREATE, 1, 0, 64,
	    1 << 4, 250000, 1, 1, 1, 0, 0);
	assert_int_equal(f.creates_failed + f.fds_sent, 0);
	mock.refuse_op = 0;
	RUN(c, &f, 1, VCMD_RESOURCE_UNREF, 1);
	assert_int_equal(mock.unrefs, 0);
	RUN(c, &f, VCMD_RES_CREATE_WORDS, VCMD_RESOURCE_CREATE, 1, 0, 64,
	    1 << 4, 4096, 1, 1, 1, 0, 0);
	RUN(c, &f, VCMD_TRANSFER_WORDS, VCMD_TRANSFER_GET, 1, 0, 64, 0,
	    0, 0, 0, 64, 1, 1, 64);
	destroy_client(c);
	assert_int_equal(mock.unrefs, 1);
}

/* The ids of the requests of operation op, oldest first; how many. */
static unsigned int sent(uint8_t op, uint32_t res_id, uint32_t *ids)
{
	unsigned int n = 0;
	uint32_t id;

	for (id = 1; id <= mock.next_id; id++) {
		if (mock.reqs[id].op == op && mock.reqs[id].res_id == res_id) {
			ids[n++] = id;
		}
	}
	return n;
}

/*
 * A resource the device will take is made there only when a request
 * first names it, just before that request: Mesa's fence resources,
 * named by nothing but busy waits, never reach the device.
 */
static void test_resource_made_when_first_named(void **state)
{
	struct feed f = { .io = { feed_read, feed_write, feed_send_fd } };
	struct vtest_client *c = small_device(&f, 2);
	uint32_t create[4], attach[4], ctx_attach[4], put[4], unref[4];
	uint32_t fence_id, tex_id;

	(void)state;
	create_buffer(c, &f, 1, 8);             /* a fence */
	create_buffer(c, &f, 2, VGPUIF_PAGE_SIZE);
	fence_id = vtest_res_find(c, 1)->res_id;
	tex_id = vtest_res_find(c, 2)->res_id;
	assert_int_equal(f.fds_sent, 2);
	assert_int_equal(sent(VGPUIF_OP_RESOURCE_CREATE_3D, tex_id, create),
			 0);
	RUN(c, &f, VCMD_TRANSFER2_WORDS, VCMD_TRANSFER_PUT2, 2, 0, 0, 0, 0,
	    64, 1, 1, 64, 0);
	assert_int_equal(sent(VGPUIF_OP_RESOURCE_CREATE_3D, tex_id, create),
			 1);
	assert_int_equal(sent(VGPUIF_OP_RESOURCE_ATTACH_BACKING, tex_id,
			      attach), 1);
	assert_int_equal(sent(VGPUIF_OP_CTX_ATTACH_RESOURCE, tex_id,
			      ctx_attach), 1);
	assert_int_equal(sent(VGPUIF_OP_TRANSFER_TO_HOST_3D, tex_id, put), 1);
	assert_true(create[0] < attach[0] && attach[0] < ctx_attach[0] &&
		    ctx_attach[0] < put[0]);
	/* The texture was made once; naming it again sends no create. */
	RUN(c, &f, VCMD_TRANSFER2_WORDS, VCMD_TRANSFER_PUT2, 2, 0, 0, 0, 0,
	    64, 1, 1, 64, 0);
	assert_int_equal(sent(VGPUIF_OP_RESOURCE_CREATE_3D, tex_id, create),
			 1);
	RUN(c, &f, 1, VCMD_RESOURCE_UNREF, 1);
	RUN(c, &f, 1, VCMD_RESOURCE_UNREF, 2);
	assert_int_equal(sent(VGPUIF_OP_RESOURCE_UNREF, tex_id, unref), 1);
	assert_int_equal(sent(VGPUIF_OP_RESOURCE_CREATE_3D, fence_id, create)
			 + sent(VGPUIF_OP_RESOURCE_UNREF, fence_id, unref), 0);
	destroy_client(c);
}

/* A submit of one virgl NOP (the stand-in files it under resource 0). */
static void submit_nop(struct vtest_client *c, struct feed *f)
{
	RUN(c, f, 1, VCMD_SUBMIT_CMD, 0);
}

/* The ids of the RESOURCE_BUSY requests sent so far; how many. */
static unsigned int busy_sent(uint32_t *ids)
{
	unsigned int n = 0;
	uint32_t id;

	for (id = 1; id <= mock.next_id; id++) {
		if (mock.reqs[id].op == VGPUIF_OP_RESOURCE_BUSY) {
			ids[n++] = id;
		}
	}
	return n;
}

#define BUSY_WAIT(c, f, handle, flags) \
	RUN(c, f, VCMD_BUSY_WAIT_WORDS, VCMD_RESOURCE_BUSY_WAIT, handle, flags)

/* The last answer the client was sent: one word after a 2-word header. */
static uint32_t last_busy_answer(const struct feed *f)
{
	return f->out[f->out_len / 4 - 1];
}

/*
 * The busy query Mesa's next wait needs goes right behind each submit.
 * Polls only look at whether its answer came, and send nothing; the
 * wait waits for it. A second submit before it is answered makes the
 * next wait ask the device afresh, and the stale query is given up.
 */
static void test_busy_query_sent_behind_submit(void **state)
{
	struct feed f = { .io = { feed_read, feed_write, feed_send_fd } };
	struct vtest_client *c = small_device(&f, 2);
	uint32_t busy[8], submit[4];
	uint32_t tex_id;

	(void)state;
	create_buffer(c, &f, 1, VGPUIF_PAGE_SIZE);
	create_buffer(c, &f, 2, 8);             /* the fence */
	tex_id = vtest_res_find(c, 1)->res_id;
	RUN(c, &f, VCMD_TRANSFER2_WORDS, VCMD_TRANSFER_PUT2, 1, 0, 0, 0, 0,
	    64, 1, 1, 64, 0);
	submit_nop(c, &f);
	assert_int_equal(sent(VGPUIF_OP_SUBMIT_3D, 0, submit), 1);
	assert_int_equal(busy_sent(busy), 1);
	assert_int_equal(busy[0], submit[0] + 1);
	assert_int_equal(mock.reqs[busy[0]].res_id, tex_id);
	BUSY_WAIT(c, &f, 2, 0);
	assert_int_equal(last_busy_answer(&f), 1);
	BUSY_WAIT(c, &f, 2, VCMD_BUSY_WAIT_FLAG_WAIT);
	assert_int_equal(last_busy_answer(&f), 0);
	assert_true(mock.answered >= busy[0]);
	assert_int_equal(busy_sent(busy), 1);
	/* Idle now: a poll is answered here. */
	BUSY_WAIT(c, &f, 2, 0);
	assert_int_equal(last_busy_answer(&f), 0);
	assert_int_equal(busy_sent(busy), 1);

	submit_nop(c, &f);
	submit_nop(c, &f);
	assert_int_equal(busy_sent(busy), 2);
	BUSY_WAIT(c, &f, 2, VCMD_BUSY_WAIT_FLAG_WAIT);
	assert_int_equal(last_busy_answer(&f), 0);
	assert_int_equal(busy_sent(busy), 3);
	assert_int_equal(sent(VGPUIF_OP_SUBMIT_3D, 0, submit), 3);
	assert_true(busy[2] > submit[2]);
	assert_int_equal(mock.forgotten, 1);
	destroy_client(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_backing_freed_after_unref),
		cmocka_unit_test(test_refused_create_answered),
		cmocka_unit_test(test_refused_v0_create_kept_absent),
		cmocka_unit_test(test_resource_made_when_first_named),
		cmocka_unit_test(test_busy_query_sent_behind_submit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
