/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of the backend's request decoder, driven with plain request
 * buffers rather than through a ring: every malformed request gets its
 * exact VGPUIF_E* status, and valid ones succeed. Also the connect
 * handshake's refusals and the ring's hostile-index check.
 *
 * The worker needs a transport: page_tp.c serves "grant" pages from one
 * array (it tests the decoder, not a transport), and counts the pages
 * mapped, so every test also checks that teardown unmaps them all.
 * Tests that reach virglrenderer are skipped when EGL is not available.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dispatch.h"
#include "harness.h"
#include "page_tp.h"
#include "vgpu_util.h"
#include "worker.h"

/* Grant layout of the test transport. */
#define NPAGES          64
#define G_RING          1
#define G_CMD_DIR       2
#define G_CMD           3       /* 4 pages: 3..6 */
#define CMD_PAGES       4
#define G_BACK_DIR      7
#define G_BACK          8       /* 8 pages: 8..15 */
#define G_CAPS_DIR      16
#define G_CAPS          17

#define CTX             1       /* created by the fixture */
#define RES             10      /* created by the fixture, no backing */

struct fixture {
	struct page_tp tp;
	struct vgpu_worker *w;
	struct vgpuif_resp deferred_resp;
	int deferred_count;
};

static struct vgpuback_renderer renderer;
static bool have_renderer;

static void tp_init(struct page_tp *tp)
{
	assert_int_equal(page_tp_init(tp, NPAGES), 0);
	SHARED_RING_INIT((struct vgpuif_sring *)page_tp_page(tp, G_RING));
	page_tp_write_dir(tp, G_CMD_DIR, G_CMD, CMD_PAGES, 0);
	page_tp_write_dir(tp, G_BACK_DIR, G_BACK, 8, 0);
	page_tp_write_dir(tp, G_CAPS_DIR, G_CAPS, 1, 0);
	snprintf(tp->front, sizeof(tp->front),
		 "protocol-version=1\nring-ref=%u\ncmd-dir-ref=%u\n"
		 "cmd-pages=%u\n", G_RING, G_CMD_DIR, CMD_PAGES);
}

static void test_config(struct vgpuback_config *cfg)
{
	vgpuback_config_defaults(cfg);
	cfg->lim.max_mapped_pages = 32;
	cfg->lim.max_contexts = 4;
	cfg->lim.max_resources = 16;
	cfg->lim.max_cmd_pages = 8;
	cfg->lim.max_submit_size = 8192;
}

static void capture(void *opaque, const struct vgpuif_resp *resp)
{
	struct fixture *f = opaque;

	f->deferred_resp = *resp;
	f->deferred_count++;
}

static struct vgpuif_req make_req(uint8_t op, uint32_t ctx_id)
{
	static uint32_t next_id = 100;
	struct vgpuif_req req;

	memset(&req, 0, sizeof(req));
	req.id = next_id++;
	req.operation = op;
	req.ctx_id = ctx_id;
	return req;
}

static int call(struct fixture *f, const struct vgpuif_req *req,
		struct vgpuif_resp *resp)
{
	struct vgpuif_resp local;
	bool deferred;
	int ret;

	if (!resp) {
		resp = &local;
	}
	ret = vgpuback_dispatch(f->w, req, resp, &deferred);
	assert_int_equal(ret, resp->status);
	assert_false(deferred);
	assert_int_equal(resp->id, req->id);
	assert_int_equal(resp->operation, req->operation);
	return ret;
}

static int create_ctx(struct fixture *f, uint32_t ctx_id)
{
	struct vgpuif_req req = make_req(VGPUIF_OP_CTX_CREATE, ctx_id);

	req.op.ctx_create.name_len = 4;
	memcpy(req.op.ctx_create.name, "test", 4);
	return call(f, &req, NULL);
}

/* A 16x16 B8G8R8A8 texture. */
static int create_res(struct fixture *f, uint32_t res_id)
{
	struct vgpuif_req req = make_req(VGPUIF_OP_RESOURCE_CREATE_3D, 0);
	struct vgpuif_resource_create_3d_req *c = &req.op.resource_create_3d;

	c->res_id = res_id;
	c->target = 2;                  /* PIPE_TEXTURE_2D */
	c->format = 1;                  /* VIRGL_FORMAT_B8G8R8A8_UNORM */
	c->bind = (1 << 1) | (1 << 3);  /* render target, sampler view */
	c->width = 16;
	c->height = 16;
	c->depth = 1;
	c->array_size = 1;
	return call(f, &req, NULL);
}

static int res_op(struct fixture *f, uint8_t op, uint32_t ctx_id,
		  uint32_t res_id)
{
	struct vgpuif_req req = make_req(op, ctx_id);

	req.op.resource.res_id = res_id;
	return call(f, &req, NULL);
}

static int attach_backing(struct fixture *f, uint32_t res_id, uint32_t dir,
			  uint32_t num_pages)
{
	struct vgpuif_req req = make_req(VGPUIF_OP_RESOURCE_ATTACH_BACKING, 0);

	req.op.attach_backing.res_id = res_id;
	req.op.attach_backing.gref_directory = dir;
	req.op.attach_backing.num_pages = num_pages;
	return call(f, &req, NULL);
}

static int submit(struct fixture *f, uint32_t ctx_id, uint32_t off,
		  uint32_t size)
{
	struct vgpuif_req req = make_req(VGPUIF_OP_SUBMIT_3D, ctx_id);

	req.op.submit_3d.cmd_offset = off;
	req.op.submit_3d.cmd_size = size;
	return call(f, &req, NULL);
}

/* Eight VIRGL_CCMD_NOP submits on CTX, so that its fences are busy. */
static void submit_busy(struct fixture *f)
{
	int i;

	memset(page_tp_page(&f->tp, G_CMD), 0, 4);
	for (i = 0; i < 8; i++) {
		assert_int_equal(submit(f, CTX, 0, 4), 0);
	}
}

static int transfer(struct fixture *f, uint8_t op, uint32_t res_id)
{
	struct vgpuif_req req = make_req(op, CTX);
	struct vgpuif_transfer_3d_req *x = &req.op.transfer_3d;

	x->res_id = res_id;
	x->stride = 16 * 4;
	x->width = 16;
	x->height = 16;
	x->depth = 1;
	return call(f, &req, NULL);
}

static struct fixture *fixture_new(const struct vgpuback_config *cfg)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tp_init(&f->tp);
	f->w = vgpuback_worker_create(&f->tp.base, &renderer, cfg);
	assert_non_null(f->w);
	vgpuback_renderer_set_sink(&renderer, capture, f);
	return f;
}

static void fixture_free(struct fixture *f)
{
	vgpuback_worker_destroy(f->w);
	assert_int_equal(f->tp.mapped, 0);
	page_tp_fini(&f->tp);
	free(f);
}

static int setup(void **state)
{
	struct vgpuback_config cfg;
	struct fixture *f;

	test_config(&cfg);
	f = fixture_new(&cfg);
	assert_int_equal(vgpuback_worker_connect(f->w), 0);
	assert_int_equal(f->tp.connected_status, 0);
	if (have_renderer) {
		assert_int_equal(create_ctx(f, CTX), 0);
		assert_int_equal(create_res(f, RES), 0);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	vgpu_log_init("test_dispatch", false);
	have_renderer = vgpuback_renderer_init(&renderer, NULL) == 0;
	harness_pin_gl_drivers();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	vgpuback_renderer_fini(&renderer);
	return 0;
}

#define NEED_RENDERER() do {            \
	if (!have_renderer) {           \
		skip();                 \
	}                               \
} while (0)

/* Header-level refusals: need no context, no renderer. */
static void test_header_errors(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req req;

	req = make_req(99, 0);
	assert_int_equal(call(f, &req, NULL), VGPUIF_EOPNOTSUPP);
	req = make_req(255, 0);
	assert_int_equal(call(f, &req, NULL), VGPUIF_EOPNOTSUPP);
	/* feature-scanout is served: all zero, a set blanks, a flip fails. */
	req = make_req(VGPUIF_OP_SET_SCANOUT, 0);
	assert_int_equal(call(f, &req, NULL), 0);
	req = make_req(VGPUIF_OP_PAGE_FLIP, 0);
	assert_int_equal(call(f, &req, NULL), VGPUIF_ENOENT);
	req = make_req(VGPUIF_OP_RESOURCE_CREATE_BLOB, 0);
	assert_int_equal(call(f, &req, NULL), VGPUIF_EOPNOTSUPP);
	req = make_req(VGPUIF_OP_NOP, 0);
	req.flags = 0x2;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_NOP, 0);
	req.reserved = 1;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_NOP, 0);
	req.reserved1 = 1;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_NOP, 0);
	req.op.reserved[71] = 1;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_RESOURCE_UNREF, 0);
	req.op.reserved[4] = 1;         /* just past res_id */
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_NOP, 7);
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_NOP, 0);
	assert_int_equal(call(f, &req, NULL), 0);
}

static void test_ctx_errors(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req req;

	NEED_RENDERER();
	req = make_req(VGPUIF_OP_CTX_CREATE, 0);
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_CTX_CREATE, 0x80000000u);
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_CTX_CREATE, 2);
	req.op.ctx_create.name_len = 65;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_CTX_CREATE, 2);
	req.op.ctx_create.capset_id = 3;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	assert_int_equal(create_ctx(f, CTX), VGPUIF_EEXIST);
	req = make_req(VGPUIF_OP_CTX_DESTROY, 5);
	assert_int_equal(call(f, &req, NULL), VGPUIF_ENOENT);
	req = make_req(VGPUIF_OP_CTX_DESTROY, 0);
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	assert_int_equal(submit(f, 5, 0, 4), VGPUIF_ENOENT);
	/* max-contexts is 4: CTX plus three more. */
	assert_int_equal(create_ctx(f, 2), 0);
	assert_int_equal(create_ctx(f, 3), 0);
	assert_int_equal(create_ctx(f, 4), 0);
	assert_int_equal(create_ctx(f, 5), VGPUIF_ENOSPC);
	req = make_req(VGPUIF_OP_CTX_DESTROY, 4);
	assert_int_equal(call(f, &req, NULL), 0);
	assert_int_equal(create_ctx(f, 5), 0);
}

static void test_submit_errors(void **state)
{
	struct fixture *f = *state;
	uint32_t region = CMD_PAGES * VGPUIF_PAGE_SIZE;

	NEED_RENDERER();
	assert_int_equal(submit(f, CTX, 0, 0), VGPUIF_EINVAL);
	assert_int_equal(submit(f, CTX, 0, 6), VGPUIF_EINVAL);
	assert_int_equal(submit(f, CTX, 2, 4), VGPUIF_EINVAL);
	assert_int_equal(submit(f, CTX, 0, 8192 + 4), VGPUIF_E2BIG);
	assert_int_equal(submit(f, CTX, region - 4, 8), VGPUIF_EINVAL);
	assert_int_equal(submit(f, CTX, region, 4), VGPUIF_EINVAL);
	assert_int_equal(submit(f, CTX, 0xfffffffcu, 8), VGPUIF_EINVAL);
	assert_int_equal(submit(f, 0, 0, 4), VGPUIF_EINVAL);
	assert_int_equal(vgpuback_worker_bytes_copied(f->w), 0);
	/* Command 0xff with a huge length: virglrenderer refuses it. */
	memset(page_tp_page(&f->tp, G_CMD), 0xff, 8);
	assert_int_equal(submit(f, CTX, 0, 8), VGPUIF_EPROTO);
	assert_int_equal(vgpuback_worker_bytes_copied(f->w), 8);
}

static void test_resource_errors(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_req req;

	NEED_RENDERER();
	assert_int_equal(create_res(f, 0), VGPUIF_EINVAL);
	assert_int_equal(create_res(f, 0x80000000u), VGPUIF_EINVAL);
	assert_int_equal(create_res(f, RES), VGPUIF_EEXIST);
	req = make_req(VGPUIF_OP_RESOURCE_CREATE_3D, CTX);
	req.op.resource_create_3d.res_id = 11;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req = make_req(VGPUIF_OP_RESOURCE_CREATE_3D, 0);
	req.op.resource_create_3d.res_id = 11;
	req.op.resource_create_3d.target = 99;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	assert_int_equal(res_op(f, VGPUIF_OP_RESOURCE_UNREF, 0, 77),
			 VGPUIF_ENOENT);
	assert_int_equal(res_op(f, VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, RES),
			 VGPUIF_ENOENT);
	assert_int_equal(res_op(f, VGPUIF_OP_CTX_ATTACH_RESOURCE, CTX, 77),
			 VGPUIF_ENOENT);
	assert_int_equal(res_op(f, VGPUIF_OP_CTX_DETACH_RESOURCE, CTX, RES),
			 VGPUIF_ENOENT);
	assert_int_equal(res_op(f, VGPUIF_OP_CTX_ATTACH_RESOURCE, CTX, RES), 0);
	assert_int_equal(res_op(f, VGPUIF_OP_CTX_ATTACH_RESOURCE, CTX, RES),
			 VGPUIF_EBUSY);
	/* Attached, but no backing yet. */
	assert_int_equal(transfer(f, VGPUIF_OP_TRANSFER_TO_HOST_3D, RES),
			 VGPUIF_ENOENT);
	assert_int_equal(transfer(f, VGPUIF_OP_TRANSFER_FROM_HOST_3D, 77),
			 VGPUIF_ENOENT);
}

static int create_res_as(struct fixture *f, uint32_t res_id, uint32_t target,
			 uint32_t format, uint32_t bind, uint32_t width,
			 uint32_t height, uint32_t samples)
{
	struct vgpuif_req req = make_req(VGPUIF_OP_RESOURCE_CREATE_3D, 0);
	struct vgpuif_resource_create_3d_req *c = &req.op.resource_create_3d;

	*c = (struct vgpuif_resource_create_3d_req){
		.res_id = res_id, .target = target, .format = format,
		.bind = bind, .width = width, .height = height, .depth = 1,
		.array_size = 1, .nr_samples = samples,
	};
	return call(f, &req, NULL);
}

/*
 * The resources every 3D application creates are charged their size and
 * accepted while the budget has room (a depth buffer, whose size
 * virglrenderer cannot report, used to be refused); unref gives it back.
 */
static void test_resource_budget(void **state)
{
	struct fixture *f = *state;
	uint64_t before = f->w->objs.host_bytes;
	uint64_t left;

	NEED_RENDERER();
	/* S8Z24 depth/stencil (bind 1), a vertex buffer (bind 16). */
	assert_int_equal(create_res_as(f, 20, 2, 20, 1, 64, 64, 0), 0);
	assert_int_equal(create_res_as(f, 21, 0, 64, 16, 8192, 1, 0), 0);
	assert_int_equal(f->w->objs.host_bytes,
			 before + 64 * 64 * 4 + 8192);
	/* One byte more than is left: refused, nothing charged. */
	left = vgpuback_host_left(&f->w->objs);
	assert_int_equal(create_res_as(f, 22, 0, 64, 16, (uint32_t)left + 1,
				       1, 0), VGPUIF_ENOSPC);
	assert_int_equal(vgpuback_host_left(&f->w->objs), left);
	assert_int_equal(create_res_as(f, 22, 0, 64, 16, (uint32_t)left, 1, 0),
			 0);
	assert_int_equal(vgpuback_host_left(&f->w->objs), 0);
	assert_int_equal(res_op(f, VGPUIF_OP_RESOURCE_UNREF, 0, 20), 0);
	assert_int_equal(res_op(f, VGPUIF_OP_RESOURCE_UNREF, 0, 21), 0);
	assert_int_equal(res_op(f, VGPUIF_OP_RESOURCE_UNREF, 0, 22), 0);
	assert_int_equal(f->w->objs.host_bytes, before);
	/* A size that overflows is refused, not wrapped into a small one. */
	assert_int_equal(create_res_as(f, 23, 2, 31, 1, 0xffffffffu,
				       0xffffffffu, 0), VGPUIF_EINVAL);
	assert_int_equal(f->w->objs.host_bytes, before);
}

static void test_backing_errors(void **state)
{
	struct fixture *f = *state;
	uint32_t used;

	NEED_RENDERER();
	assert_int_equal(attach_backing(f, 77, G_BACK_DIR, 1), VGPUIF_ENOENT);
	assert_int_equal(attach_backing(f, RES, G_BACK_DIR, 0), VGPUIF_EINVAL);
	/* max-mapped-pages is 32. */
	assert_int_equal(attach_backing(f, RES, G_BACK_DIR, 33),
			 VGPUIF_EINVAL);
	/* Ring and command region use 5: 28 more do not fit. */
	assert_int_equal(attach_backing(f, RES, G_BACK_DIR, 28),
			 VGPUIF_ENOSPC);
	assert_int_equal(attach_backing(f, RES, 0, 1), VGPUIF_EFAULT);
	assert_int_equal(attach_backing(f, RES, NPAGES + 5, 1), VGPUIF_EFAULT);
	/* Listed grefs that are not granted. */
	page_tp_write_dir(&f->tp, G_BACK_DIR, NPAGES - 2, 4, 0);
	assert_int_equal(attach_backing(f, RES, G_BACK_DIR, 4), VGPUIF_EFAULT);
	used = f->w->objs.mapped_pages;
	assert_int_equal(used, 1 + CMD_PAGES);
	page_tp_write_dir(&f->tp, G_BACK_DIR, G_BACK, 8, 0);
	assert_int_equal(attach_backing(f, RES, G_BACK_DIR, 8), 0);
	assert_int_equal(f->w->objs.mapped_pages, used + 8);
	assert_int_equal(attach_backing(f, RES, G_BACK_DIR, 8), VGPUIF_EBUSY);
	assert_int_equal(res_op(f, VGPUIF_OP_RESOURCE_DETACH_BACKING, 0, RES),
			 0);
	assert_int_equal(f->w->objs.mapped_pages, used);
}

/* A chain that ends (or loops) is read no further than num_pages needs. */
static void test_gref_chain(void **state)
{
	struct fixture *f = *state;
	uint32_t n = VGPUIF_GREFS_PER_DIR_PAGE + 1;
	struct vgpuback_config cfg;
	struct fixture *big;

	NEED_RENDERER();
	/* More pages than one directory page lists, and next is 0. */
	test_config(&cfg);
	cfg.lim.max_mapped_pages = 4096;
	big = fixture_new(&cfg);
	assert_int_equal(vgpuback_worker_connect(big->w), 0);
	assert_int_equal(create_res(big, RES), 0);
	assert_int_equal(attach_backing(big, RES, G_BACK_DIR, n),
			 VGPUIF_EINVAL);
	/* A directory page that names itself as next: a loop. */
	page_tp_write_dir(&big->tp, G_BACK_DIR, G_BACK, 8, G_BACK_DIR);
	assert_int_equal(attach_backing(big, RES, G_BACK_DIR, n),
			 VGPUIF_EFAULT);
	assert_int_equal(big->w->objs.mapped_pages, 1 + CMD_PAGES);
	fixture_free(big);
	vgpuback_renderer_set_sink(&renderer, capture, f);
}

static void test_capset(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_resp resp;
	struct vgpuif_req req;
	uint32_t size;

	NEED_RENDERER();
	req = make_req(VGPUIF_OP_GET_CAPSET_INFO, 0);
	req.op.capset_info.capset_index = 1;
	assert_int_equal(call(f, &req, &resp), 0);
	assert_int_equal(resp.op.capset_info.capset_id, 2);
	size = resp.op.capset_info.capset_max_size;
	assert_true(size > 0 && size <= VGPUIF_PAGE_SIZE);
	req.op.capset_info.capset_index = 2;
	assert_int_equal(call(f, &req, &resp), VGPUIF_EINVAL);

	req = make_req(VGPUIF_OP_GET_CAPSET, 0);
	req.op.capset.capset_id = 3;
	req.op.capset.gref_directory = G_CAPS_DIR;
	req.op.capset.buf_size = VGPUIF_PAGE_SIZE;
	assert_int_equal(call(f, &req, &resp), VGPUIF_EINVAL);
	req.op.capset.capset_id = 2;
	req.op.capset.buf_size = size - 1;
	assert_int_equal(call(f, &req, &resp), VGPUIF_EINVAL);
	req.op.capset.buf_size = VGPUIF_MAX_CAPSET_SIZE + 1;
	assert_int_equal(call(f, &req, &resp), VGPUIF_EINVAL);
	req.op.capset.capset_version = 99;
	req.op.capset.buf_size = size;
	assert_int_equal(call(f, &req, &resp), VGPUIF_EINVAL);
	req.op.capset.capset_version = 2;
	assert_int_equal(call(f, &req, &resp), 0);
	assert_int_equal(resp.op.capset.capset_size, size);
	/* virgl caps start with max_version, nonzero. */
	assert_int_not_equal(*(uint32_t *)page_tp_page(&f->tp, G_CAPS), 0);
}

static void wait_deferred(struct fixture *f, int count)
{
	struct pollfd p = { .fd = vgpuback_renderer_poll_fd(&renderer),
			    .events = POLLIN };
	int i;

	for (i = 0; i < 500 && f->deferred_count < count; i++) {
		if (p.fd >= 0) {
			poll(&p, 1, 10);
		} else {
			usleep(10000);
		}
		vgpuback_renderer_poll(&renderer);
	}
	/* The sink runs on the sync thread, under the renderer's lock. */
	vgpuback_renderer_done(&renderer);
	assert_int_equal(f->deferred_count, count);
}

static void test_valid_flow(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_resp resp;
	struct vgpuif_req req;
	bool deferred;

	NEED_RENDERER();
	assert_int_equal(attach_backing(f, RES, G_BACK_DIR, 1), 0);
	assert_int_equal(res_op(f, VGPUIF_OP_CTX_ATTACH_RESOURCE, CTX, RES), 0);
	memset(page_tp_page(&f->tp, G_BACK), 0x5a, 16 * 16 * 4);
	assert_int_equal(transfer(f, VGPUIF_OP_TRANSFER_TO_HOST_3D, RES), 0);
	memset(page_tp_page(&f->tp, G_BACK), 0, 16 * 16 * 4);
	assert_int_equal(transfer(f, VGPUIF_OP_TRANSFER_FROM_HOST_3D, RES), 0);
	assert_int_equal(page_tp_page(&f->tp, G_BACK)[100], 0x5a);

	/* VIRGL_CCMD_NOP, fenced: answered once the fence retires. */
	memset(page_tp_page(&f->tp, G_CMD), 0, 4);
	req = make_req(VGPUIF_OP_SUBMIT_3D, CTX);
	req.flags = VGPUIF_FLAG_FENCE;
	req.fence_id = 42;
	req.op.submit_3d.cmd_size = 4;
	assert_int_equal(vgpuback_dispatch(f->w, &req, &resp, &deferred), 0);
	if (deferred) { /* unless the sync thread retired it already */
		wait_deferred(f, 1);
		resp = f->deferred_resp;
	}
	assert_true(vgpuback_renderer_retired(&renderer,
		vgpuback_ctx_lookup(&f->w->objs, CTX)->last_fence));
	assert_int_equal(resp.id, req.id);
	assert_int_equal(resp.status, 0);
	assert_true(resp.fence_id == 42);
	assert_int_equal(vgpuback_worker_bytes_copied(f->w), 4);

	req = make_req(VGPUIF_OP_RESOURCE_BUSY, CTX);
	req.op.resource_busy.res_id = RES;
	req.op.resource_busy.busy_flags = 2;
	assert_int_equal(call(f, &req, NULL), VGPUIF_EINVAL);
	req.op.resource_busy.busy_flags = VGPUIF_BUSY_WAIT;
	req.op.resource_busy.res_id = 77;
	assert_int_equal(call(f, &req, NULL), VGPUIF_ENOENT);
	req.op.resource_busy.res_id = RES;
	assert_int_equal(call(f, &req, &resp), 0);
	assert_int_equal(resp.op.resource_busy.busy, 0);

	assert_int_equal(res_op(f, VGPUIF_OP_CTX_DETACH_RESOURCE, CTX, RES), 0);
	assert_int_equal(transfer(f, VGPUIF_OP_TRANSFER_TO_HOST_3D, RES),
			 VGPUIF_ENOENT);
	assert_int_equal(res_op(f, VGPUIF_OP_RESOURCE_UNREF, 0, RES), 0);
	assert_int_equal(f->w->objs.mapped_pages, 1 + CMD_PAGES);
	req = make_req(VGPUIF_OP_CTX_DESTROY, CTX);
	assert_int_equal(call(f, &req, NULL), 0);
	assert_int_equal(submit(f, CTX, 0, 4), VGPUIF_ENOENT);
}

/* Busy submits, then BUSY_WAIT: the answer waits for the fences. */
static void test_busy_wait_defers(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_resp resp;
	struct vgpuif_req req;
	bool deferred;

	NEED_RENDERER();
	submit_busy(f);
	req = make_req(VGPUIF_OP_RESOURCE_BUSY, CTX);
	req.op.resource_busy.res_id = RES;
	req.op.resource_busy.busy_flags = VGPUIF_BUSY_WAIT;
	assert_int_equal(vgpuback_dispatch(f->w, &req, &resp, &deferred), 0);
	if (deferred) {
		wait_deferred(f, 1);
		resp = f->deferred_resp;
	}
	assert_int_equal(resp.id, req.id);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.op.resource_busy.busy, 0);
	assert_false(vgpuback_renderer_busy(&renderer));
}

/*
 * A fenced request that fails behind busy submits: its error waits for
 * the context's earlier work, as the guest signals fences in order.
 */
static void test_fenced_error_after_work(void **state)
{
	struct fixture *f = *state;
	const struct vgpuback_ctx *ctx;
	struct vgpuif_resp resp;
	struct vgpuif_req req;
	bool deferred;

	NEED_RENDERER();
	submit_busy(f);
	ctx = vgpuback_ctx_lookup(&f->w->objs, CTX);
	assert_non_null(ctx);
	req = make_req(VGPUIF_OP_TRANSFER_TO_HOST_3D, CTX);
	req.flags = VGPUIF_FLAG_FENCE;
	req.fence_id = 7;
	req.op.transfer_3d.res_id = 77;
	assert_int_equal(vgpuback_dispatch(f->w, &req, &resp, &deferred),
			 VGPUIF_ENOENT);
	if (deferred) {
		wait_deferred(f, 1);
		resp = f->deferred_resp;
	}
	assert_true(vgpuback_renderer_retired(&renderer, ctx->last_fence));
	assert_int_equal(resp.id, req.id);
	assert_int_equal(resp.status, VGPUIF_ENOENT);
	assert_true(resp.fence_id == 7);
}

/*
 * A context destroyed right behind its work, likely still in flight
 * (fences retire on virglrenderer's sync thread, so whether one has is
 * not ours to hold): the device ends up idle, and a second context's
 * busy query is answered.
 */
static void test_destroy_with_work_in_flight(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_resp resp;
	struct vgpuif_req req;

	NEED_RENDERER();
	assert_int_equal(create_ctx(f, CTX + 1), 0);
	submit_busy(f);
	req = make_req(VGPUIF_OP_CTX_DESTROY, CTX);
	assert_int_equal(call(f, &req, NULL), 0);
	assert_false(vgpuback_renderer_busy(&renderer));
	req = make_req(VGPUIF_OP_RESOURCE_BUSY, CTX + 1);
	req.op.resource_busy.res_id = RES;
	assert_int_equal(call(f, &req, &resp), 0);
	assert_int_equal(resp.op.resource_busy.busy, 0);
}

static void set_front(struct fixture *f, const char *key, const char *value)
{
	char text[512] = "";
	const char *keys[] = { "protocol-version", "ring-ref", "cmd-dir-ref",
			       "cmd-pages" };
	char buf[64];
	size_t i;

	for (i = 0; i < VGPU_ARRAY_SIZE(keys); i++) {
		if (!strcmp(keys[i], key)) {
			if (value) {
				vgpu_kv_add(text, sizeof(text), key, "%s",
					    value);
			}
		} else if (!vgpu_kv_get(f->tp.front, keys[i], buf,
					sizeof(buf))) {
			vgpu_kv_add(text, sizeof(text), keys[i], "%s", buf);
		}
	}
	strcpy(f->tp.front, text);
}

static void expect_refusal(const char *key, const char *value,
			   const char *msg)
{
	struct vgpuback_config cfg;
	struct fixture *f;

	test_config(&cfg);
	f = fixture_new(&cfg);
	set_front(f, key, value);
	assert_int_not_equal(vgpuback_worker_connect(f->w), 0);
	assert_true(f->tp.connected_status < 0);
	assert_string_equal(f->tp.connected_msg, msg);
	fixture_free(f);
}

static void test_connect_refusals(void **state)
{
	(void)state;
	expect_refusal("ring-ref", "abc", "ring-ref: not a number");
	expect_refusal("ring-ref", "-1", "ring-ref: not a number");
	expect_refusal("ring-ref", NULL, "ring-ref: missing");
	expect_refusal("cmd-pages", "0", "cmd-pages: out of range");
	expect_refusal("cmd-pages", "9", "cmd-pages: out of range");
	expect_refusal("protocol-version", "2",
		       "protocol-version: 2 not supported");
	expect_refusal("ring-ref", "0", "ring-ref: cannot map 0");
	expect_refusal("cmd-dir-ref", "99",
		       "cmd-dir-ref: cannot map 4 pages: Bad address");
}

/* A frontend claiming more requests than the ring holds is cut off. */
static void test_hostile_req_prod(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_sring *s = (void *)page_tp_page(&f->tp, G_RING);

	s->req_prod = VGPUIF_RING_SIZE + 1;
	assert_int_equal(vgpuback_worker_run(f->w), -EPROTO);
}

/* Requests through the ring, then the frontend leaves: run() returns 0. */
static void test_ring_round_trip(void **state)
{
	struct fixture *f = *state;
	struct vgpuif_front_ring front;
	struct vgpuif_req *req;
	struct vgpuif_resp *resp;
	int i;

	FRONT_RING_ATTACH(&front,
			  (struct vgpuif_sring *)page_tp_page(&f->tp, G_RING),
			  0, VGPUIF_PAGE_SIZE);
	for (i = 0; i < 3; i++) {
		req = RING_GET_REQUEST(&front, front.req_prod_pvt++);
		*req = make_req(i == 1 ? 99 : VGPUIF_OP_NOP, 0);
	}
	RING_PUSH_REQUESTS(&front);
	assert_int_equal(pipe(f->tp.pipe), 0);
	assert_int_equal(write(f->tp.pipe[1], "x", 1), 1);
	assert_int_equal(vgpuback_worker_run(f->w), 0);
	assert_int_equal(front.sring->rsp_prod, 3);
	for (i = 0; i < 3; i++) {
		resp = RING_GET_RESPONSE(&front, i);
		assert_int_equal(resp->status, i == 1 ? VGPUIF_EOPNOTSUPP : 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ctx_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_submit_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resource_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backing_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gref_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_capset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_valid_flow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_wait_defers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fenced_error_after_work, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_destroy_with_work_in_flight, setup, teardown),
		cmocka_unit_test(test_connect_refusals),
		cmocka_unit_test_setup_teardown(test_resource_budget, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hostile_req_prod, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ring_round_trip, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
