/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz target: the backend's request decoder (vgpuback_dispatch), with
 * the connect handshake that maps the ring and the command region, the
 * gref-directory walk (gref.c) behind ATTACH_BACKING and GET_CAPSET, the
 * command-region bounds of SUBMIT_3D, the object tables and limits, and
 * fenced (deferred) answers.
 *
 * The "guest" is a page_tp (tests/page_tp.c): NPAGES pages that the input
 * writes, so directories, grefs and command bytes are the fuzzer's too.
 * The layout below is written first: ring, command region directory, an
 * 8-page buffer, a capset buffer, and a 1030-page buffer whose directory
 * takes two pages (the chain). The command region is the last pages of
 * the array, against page_tp's guard page, so a read past it faults.
 *
 * virglrenderer is replaced by fuzz/virgl_stub.c, which checks what the
 * decoder hands it (see there). Not fuzzed here: virglrenderer itself,
 * the ring indices (worker.c's ring loop; tests/test_dispatch.c covers
 * its overflow check) and the Xen and loopback transports.
 *
 * Input: two setup bytes, then records until the input ends.
 *   setup[0]   cmd-pages = value % 10 (0 and 9 are refused at connect)
 *   setup[1]   bit 7 set: cmd-dir-ref = bits 0-5 instead of G_CMD_DIR
 *   record     one tag byte, by tag % 4:
 *     0, 1     a request: the next 96 bytes (zero-filled at the end)
 *     2        a page write: page (u16 % NPAGES), offset (u16 % 4096),
 *              length (u8), then that many bytes
 *     3        a poll: next byte bit 0 holds fences back, then the
 *              renderer retires what it may
 * After each record: the decoder's mapped-page account equals what the
 * transport has mapped, the object tables match the stub's and stay
 * within the limits. At the end, teardown must unmap everything and
 * destroy every object.
 */
#include <errno.h>
#include <stdbool.h>

#include "dispatch.h"
#include "fuzz_common.h"
#include "page_tp.h"
#include "vgpu_util.h"
#include "virgl_stub.h"
#include "worker.h"

#define NPAGES          1100
#define G_RING          1
#define G_CMD_DIR       2
#define G_BACK_DIR      3       /* lists G_BACK, BACK_PAGES pages */
#define G_CAPS_DIR      4       /* lists G_CAPS, one page */
#define G_CAPS          5
#define G_BIG_DIR       6       /* lists G_BIG, VGPUIF_GREFS_PER_DIR_PAGE */
#define G_BIG_DIR2      7       /* ... and the BIG_PAGES left */
#define G_BACK          8
#define BACK_PAGES      8
#define G_BIG           16
#define BIG_PAGES       1030
#define MAX_CMD_PAGES   8       /* placed at the end of the array */

enum rec {
	REC_REQ0,
	REC_REQ1,
	REC_WRITE,
	REC_POLL,
};

static struct vgpuback_renderer renderer;
static struct page_tp guest;
static unsigned int nr_deferred;
static unsigned int nr_completed;

static void config(struct vgpuback_config *cfg)
{
	vgpuback_config_defaults(cfg);
	cfg->lim.max_mapped_pages = NPAGES;
	cfg->lim.max_contexts = 4;
	cfg->lim.max_resources = 16;
	cfg->lim.max_cmd_pages = MAX_CMD_PAGES;
	cfg->lim.max_submit_size = 8192;
}

/* The guest's side of the handshake, shaped by the setup bytes. */
static void guest_init(struct page_tp *tp, struct fuzz_in *in)
{
	uint32_t cmd_pages = fuzz_u8(in) % (MAX_CMD_PAGES + 2);
	uint8_t dir_byte = fuzz_u8(in);
	uint32_t cmd_dir = dir_byte & 0x80 ? dir_byte & 0x3f : G_CMD_DIR;
	uint32_t g_cmd = NPAGES - (cmd_pages ? cmd_pages : 1);
	uint32_t big1 = VGPUIF_GREFS_PER_DIR_PAGE;

	page_tp_clear(tp);
	tp->mapped = 0;
	tp->connected_status = 0;
	SHARED_RING_INIT((struct vgpuif_sring *)page_tp_page(tp, G_RING));
	page_tp_write_dir(tp, G_CMD_DIR, g_cmd, cmd_pages, 0);
	page_tp_write_dir(tp, G_BACK_DIR, G_BACK, BACK_PAGES, 0);
	page_tp_write_dir(tp, G_CAPS_DIR, G_CAPS, 1, 0);
	page_tp_write_dir(tp, G_BIG_DIR, G_BIG, big1, G_BIG_DIR2);
	page_tp_write_dir(tp, G_BIG_DIR2, G_BIG + big1, BIG_PAGES - big1, 0);
	snprintf(tp->front, sizeof(tp->front),
		 "protocol-version=1\nring-ref=%u\ncmd-dir-ref=%u\n"
		 "cmd-pages=%u\n", G_RING, cmd_dir, cmd_pages);
}

static void on_deferred(void *opaque, const struct vgpuif_resp *resp)
{
	(void)opaque;
	FUZZ_CHECK(resp->status <= 0);
	nr_completed++;
	FUZZ_CHECK(nr_completed <= nr_deferred);
}

static void check_books(struct vgpu_worker *w, struct page_tp *tp)
{
	unsigned int ctxs, res;

	FUZZ_CHECK(tp->mapped == (int64_t)w->objs.mapped_pages);
	FUZZ_CHECK(w->objs.mapped_pages <= w->cfg.lim.max_mapped_pages);
	FUZZ_CHECK(w->objs.ctxs.count <= w->cfg.lim.max_contexts);
	FUZZ_CHECK(w->objs.ress.count <= w->cfg.lim.max_resources);
	virgl_stub_counts(&ctxs, &res);
	FUZZ_CHECK(ctxs == w->objs.ctxs.count);
	FUZZ_CHECK(res == w->objs.ress.count);
}

static void do_request(struct vgpu_worker *w, struct fuzz_in *in)
{
	struct vgpuif_resp resp;
	struct vgpuif_req req;
	bool deferred;
	int ret;

	fuzz_take(in, &req, sizeof(req));
	ret = vgpuback_dispatch(w, &req, &resp, &deferred);
	FUZZ_CHECK(ret == resp.status && ret <= 0);
	FUZZ_CHECK(resp.id == req.id && resp.operation == req.operation);
	FUZZ_CHECK(resp.fence_id == req.fence_id);
	/* A failed fenced request waits for its context's earlier work too. */
	FUZZ_CHECK(!deferred || ret == 0 || (req.flags & VGPUIF_FLAG_FENCE));
	nr_deferred += deferred;
}

static void do_write(struct page_tp *tp, struct fuzz_in *in)
{
	uint32_t gref = fuzz_u16(in) % NPAGES;
	uint32_t off = fuzz_u16(in) % VGPUIF_PAGE_SIZE;
	uint32_t len = fuzz_u8(in);

	if (len > VGPUIF_PAGE_SIZE - off) {
		len = VGPUIF_PAGE_SIZE - off;
	}
	fuzz_take(in, page_tp_page(tp, gref) + off, len);
}

static void run_records(struct vgpu_worker *w, struct page_tp *tp,
			struct fuzz_in *in)
{
	while (fuzz_left(in)) {
		switch (fuzz_u8(in) % 4) {
		case REC_REQ0:
		case REC_REQ1:
			do_request(w, in);
			break;
		case REC_WRITE:
			do_write(tp, in);
			break;
		case REC_POLL:
			virgl_stub_hold_fences(fuzz_u8(in) & 1);
			vgpuback_renderer_poll(&renderer);
			break;
		}
		check_books(w, tp);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vgpu_log_init("fuzz_dispatch", false);
	fuzz_quiet_logs();
	if (page_tp_init(&guest, NPAGES)) {
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	struct vgpuback_config cfg;
	struct vgpu_worker *w;

	if (vgpuback_renderer_init(&renderer, NULL)) {
		abort();
	}
	config(&cfg);
	guest_init(&guest, &in);
	w = vgpuback_worker_create(&guest.base, &renderer, &cfg);
	FUZZ_CHECK(w);
	vgpuback_renderer_set_sink(&renderer, on_deferred, NULL);
	nr_deferred = nr_completed = 0;
	if (!vgpuback_worker_connect(w)) {
		FUZZ_CHECK(guest.connected_status == 0);
		run_records(w, &guest, &in);
	}
	vgpuback_worker_destroy(w);
	FUZZ_CHECK(guest.mapped == 0);
	virgl_stub_check_empty();
	vgpuback_renderer_fini(&renderer);
	return 0;
}
