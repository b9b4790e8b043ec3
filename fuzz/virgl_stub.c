/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virglrenderer's entry points, as the backend calls them, for the
 * decoder's fuzzer. The fuzzer stops at the decoder's boundary: it does
 * not fuzz virglrenderer (a third-party library, not built with coverage,
 * and at a few exec/s on llvmpipe). Instead this stub checks what crosses
 * the boundary:
 *   - every id the decoder passes names an object it created and did not
 *     destroy, and no more objects live than the stub has room for;
 *   - every byte the decoder hands over (names, command streams, both
 *     ends of a backing) is readable, so ASan or a guard page sees an
 *     overrun;
 *   - a resource loses its backing before it is freed.
 * It refuses what virglrenderer would refuse often enough to reach the
 * decoder's error paths: unknown targets, and command streams whose first
 * header claims more dwords than were submitted.
 */
#ifndef VIRGL_RENDERER_UNSTABLE_APIS
#define VIRGL_RENDERER_UNSTABLE_APIS
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <virglrenderer.h>

#include "virgl_stub.h"

#define STUB_MAX        64
#define STUB_TARGET_MAX 8       /* PIPE_TEXTURE_CUBE_ARRAY */
#define CAPS_V1_SIZE    308
#define CAPS_V2_SIZE    1200

struct stub_res {
	uint32_t id;
	const struct iovec *iov;        /* attached backing, or NULL */
};

static struct {
	void *cookie;
	struct virgl_renderer_callbacks *cbs;
	uint32_t ctxs[STUB_MAX];
	unsigned int nctxs;
	struct stub_res res[STUB_MAX];
	unsigned int nres;
	uint32_t fence;                 /* newest fence created */
	bool pending;                   /* fence not yet retired */
	bool hold;                      /* fences retire only every few polls */
	unsigned int held_polls;
	virgl_debug_callback_type debug;
} stub;

static void violation(const char *what, uint32_t id)
{
	dprintf(2, "virgl_stub: %s (%u)\n", what, id);
	abort();
}

/* Reads every byte of buf, so that ASan checks it is all there. */
static void touch(const void *buf, size_t len)
{
	const volatile uint8_t *p = buf;
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		sum ^= p[i];
	}
	(void)sum;
}

static int ctx_index(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < stub.nctxs; i++) {
		if (stub.ctxs[i] == id) {
			return (int)i;
		}
	}
	return -1;
}

static struct stub_res *res_find(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < stub.nres; i++) {
		if (stub.res[i].id == id) {
			return &stub.res[i];
		}
	}
	return NULL;
}

static void need_ctx(uint32_t ctx_id, const char *what)
{
	if (ctx_index(ctx_id) < 0) {
		violation(what, ctx_id);
	}
}

static struct stub_res *need_res(uint32_t id, const char *what)
{
	struct stub_res *r = res_find(id);

	if (!r) {
		violation(what, id);
	}
	return r;
}

void virgl_stub_hold_fences(bool hold)
{
	stub.hold = hold;
}

void virgl_stub_counts(unsigned int *ctxs, unsigned int *res)
{
	*ctxs = stub.nctxs;
	*res = stub.nres;
}

void virgl_stub_check_empty(void)
{
	if (stub.nctxs) {
		violation("context left behind", stub.ctxs[0]);
	}
	if (stub.nres) {
		violation("resource left behind", stub.res[0].id);
	}
}

int virgl_renderer_init(void *cookie, int flags,
			struct virgl_renderer_callbacks *cb)
{
	(void)flags;
	memset(&stub, 0, sizeof(stub));
	stub.cookie = cookie;
	stub.cbs = cb;
	return 0;
}

void virgl_renderer_cleanup(void *cookie)
{
	(void)cookie;
	stub.cbs = NULL;
}

int virgl_renderer_get_poll_fd(void)
{
	return -1;
}

virgl_debug_callback_type virgl_set_debug_callback(virgl_debug_callback_type cb)
{
	virgl_debug_callback_type old = stub.debug;

	stub.debug = cb;
	return old;
}

/*
 * A held fence stays pending for a few polls, not for ever: a GPU does
 * finish its work, and the backend waits for it to (a context is
 * destroyed only once the device is idle).
 */
#define STUB_HELD_POLLS 3

void virgl_renderer_poll(void)
{
	if (stub.hold && stub.held_polls++ < STUB_HELD_POLLS) {
		return;
	}
	stub.held_polls = 0;
	if (stub.pending && stub.cbs) {
		stub.pending = false;
		stub.cbs->write_fence(stub.cookie, stub.fence);
	}
}

int virgl_renderer_create_fence(int client_fence_id, uint32_t ctx_id)
{
	need_ctx(ctx_id, "fence in a dead context");
	stub.fence = (uint32_t)client_fence_id;
	stub.pending = true;
	return 0;
}

void virgl_renderer_get_cap_set(uint32_t set, uint32_t *max_ver,
				uint32_t *max_size)
{
	*max_ver = set == 1 || set == 2 ? set : 0;
	*max_size = set == 1 ? CAPS_V1_SIZE : set == 2 ? CAPS_V2_SIZE : 0;
}

void virgl_renderer_fill_caps(uint32_t set, uint32_t version, void *caps)
{
	uint32_t max_ver, size;

	virgl_renderer_get_cap_set(set, &max_ver, &size);
	if (!size || version > max_ver) {
		violation("fill_caps of an unknown set", set);
	}
	memset(caps, 0x5a, size);
}

int virgl_renderer_context_create_with_flags(uint32_t ctx_id,
					     uint32_t ctx_flags, uint32_t nlen,
					     const char *name)
{
	uint32_t capset = ctx_flags & VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK;

	if (ctx_index(ctx_id) >= 0) {
		violation("context created twice", ctx_id);
	}
	if (stub.nctxs == STUB_MAX) {
		violation("more contexts than any limit allows", ctx_id);
	}
	if (capset != 1 && capset != 2) {
		violation("context with an unknown capset", capset);
	}
	touch(name, nlen);
	stub.ctxs[stub.nctxs++] = ctx_id;
	return 0;
}

void virgl_renderer_force_ctx_0(void)
{
}

void virgl_renderer_context_destroy(uint32_t handle)
{
	int i = ctx_index(handle);

	if (i < 0) {
		violation("destroy of a dead context", handle);
	}
	stub.ctxs[i] = stub.ctxs[--stub.nctxs];
}

int virgl_renderer_submit_cmd(void *buffer, int ctx_id, int ndw)
{
	uint32_t first;

	need_ctx((uint32_t)ctx_id, "submit to a dead context");
	if (ndw <= 0) {
		violation("empty submit", (uint32_t)ndw);
	}
	touch(buffer, (size_t)ndw * 4);
	memcpy(&first, buffer, sizeof(first));
	return (first >> 16) >= (uint32_t)ndw ? -EINVAL : 0;
}

int virgl_renderer_resource_create(
	struct virgl_renderer_resource_create_args *args, struct iovec *iov,
	uint32_t num_iovs)
{
	if (iov || num_iovs) {
		violation("resource created with backing", args->handle);
	}
	if (res_find(args->handle)) {
		violation("resource created twice", args->handle);
	}
	if (stub.nres == STUB_MAX) {
		violation("more resources than any limit allows", args->handle);
	}
	if (args->target > STUB_TARGET_MAX || !args->width) {
		return EINVAL;
	}
	stub.res[stub.nres].id = args->handle;
	stub.res[stub.nres].iov = NULL;
	stub.nres++;
	return 0;
}

void virgl_renderer_resource_unref(uint32_t res_handle)
{
	struct stub_res *r = need_res(res_handle, "unref of a dead resource");

	if (r->iov) {
		violation("resource freed with its backing", res_handle);
	}
	*r = stub.res[--stub.nres];
}

int virgl_renderer_resource_attach_iov(int res_handle, struct iovec *iov,
				       int num_iovs)
{
	struct stub_res *r = need_res((uint32_t)res_handle,
				      "attach to a dead resource");

	if (r->iov || num_iovs != 1) {
		violation("backing attached twice", (uint32_t)res_handle);
	}
	/* The ends suffice: the backing is one range. */
	touch(iov->iov_base, 1);
	touch((uint8_t *)iov->iov_base + iov->iov_len - 1, 1);
	r->iov = iov;
	return 0;
}

void virgl_renderer_resource_detach_iov(int res_handle, struct iovec **iov,
					int *num_iovs)
{
	struct stub_res *r = need_res((uint32_t)res_handle,
				      "detach from a dead resource");

	if (!r->iov) {
		violation("detach of no backing", (uint32_t)res_handle);
	}
	r->iov = NULL;
	if (iov) {
		*iov = NULL;
	}
	if (num_iovs) {
		*num_iovs = 0;
	}
}

void virgl_renderer_ctx_attach_resource(int ctx_id, int res_handle)
{
	need_ctx((uint32_t)ctx_id, "attach in a dead context");
	need_res((uint32_t)res_handle, "attach of a dead resource");
}

void virgl_renderer_ctx_detach_resource(int ctx_id, int res_handle)
{
	need_ctx((uint32_t)ctx_id, "detach in a dead context");
	need_res((uint32_t)res_handle, "detach of a dead resource");
}

/* The byte at offset must lie in the backing; virglrenderer checks more. */
static int transfer(uint32_t handle, uint32_t ctx_id, uint64_t offset,
		    bool to_host)
{
	struct stub_res *r = need_res(handle, "transfer of a dead resource");

	need_ctx(ctx_id, "transfer in a dead context");
	if (!r->iov) {
		violation("transfer without backing", handle);
	}
	if (offset >= r->iov->iov_len) {
		return EINVAL;
	}
	if (to_host) {
		touch((uint8_t *)r->iov->iov_base + offset, 1);
	} else {
		((uint8_t *)r->iov->iov_base)[offset] = 0;
	}
	return 0;
}

int virgl_renderer_transfer_read_iov(uint32_t handle, uint32_t ctx_id,
				     uint32_t level, uint32_t stride,
				     uint32_t layer_stride,
				     struct virgl_box *box, uint64_t offset,
				     struct iovec *iov, int iovec_cnt)
{
	(void)level;
	(void)stride;
	(void)layer_stride;
	(void)box;
	(void)iov;
	(void)iovec_cnt;
	return transfer(handle, ctx_id, offset, false);
}

int virgl_renderer_transfer_write_iov(uint32_t handle, uint32_t ctx_id,
				      int level, uint32_t stride,
				      uint32_t layer_stride,
				      struct virgl_box *box, uint64_t offset,
				      struct iovec *iovec,
				      unsigned int iovec_cnt)
{
	(void)level;
	(void)stride;
	(void)layer_stride;
	(void)box;
	(void)iovec;
	(void)iovec_cnt;
	return transfer(handle, ctx_id, offset, true);
}
