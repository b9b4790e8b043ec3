/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_throughput: command-stream bandwidth through the command region.
 *
 * Creates a context and a 1 MiB buffer resource in a vgpu-backend started
 * here, then keeps the command region full of pipelined SUBMIT_3D
 * requests (a fence only every FENCE_EVERY submits) of 4 KiB, 64 KiB and
 * 1 MiB, in two kinds of stream:
 *   nop     VIRGL_CCMD_NOP commands with payload: virglrenderer skips each
 *           in O(1), so this is the transport plus the backend's copy
 *           out of shared memory (its double-fetch guard);
 *   inline  VIRGL_CCMD_RESOURCE_INLINE_WRITE of up to 64 KiB each into the
 *           buffer: the same plus virglrenderer's upload of every byte.
 * The producer writes only the command headers, as a zero-copy client
 * would (payload bytes are whatever the region held).
 *
 * usage: bench_throughput [-t SECONDS_PER_CASE]
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vgpufront.h"

/* Interface facts of virglrenderer 0.10.4 (src/virgl_protocol.h, virgl_hw.h). */
#define VIRGL_CMD0(cmd, obj, len) ((cmd) | ((obj) << 8) | ((uint32_t)(len) << 16))
#define VIRGL_CCMD_NOP                   0
#define VIRGL_CCMD_RESOURCE_INLINE_WRITE 9
#define VIRGL_IW_HDR_DWORDS              11   /* fields after the header */
#define PIPE_BUFFER                      0
#define VIRGL_FORMAT_R8_UNORM            64
#define VIRGL_BIND_VERTEX_BUFFER         (1 << 4)

#define CTX_ID          1
#define RES_ID          1
#define RES_SIZE        (1024 * 1024)
#define CHUNK_BYTES     (64 * 1024)     /* data per inline write */
#define FENCE_EVERY     16
#define CMD_PAGES       1024            /* 4 MiB region, clamped by backend */

enum kind { KIND_NOP, KIND_INLINE };

static const char *const kind_names[] = { "nop", "inline" };
static const uint32_t sizes[] = { 4096, 64 * 1024, 1024 * 1024 };

struct run {
	struct vgpufront *dev;
	enum kind kind;
	uint32_t size;
	uint64_t fence;
	uint32_t pending_id;
	bool pending;
};

static int call(struct vgpufront *dev, struct vgpuif_req *req)
{
	int ret = vgpufront_call(dev, req, NULL);

	if (ret) {
		fprintf(stderr, "bench_throughput: op %u failed: %d\n",
			req->operation, ret);
	}
	return ret;
}

static int setup(struct vgpufront *dev)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_CTX_CREATE,
				  .ctx_id = CTX_ID };
	int ret;

	req.op.ctx_create.name_len = 5;
	memcpy(req.op.ctx_create.name, "bench", 5);
	ret = call(dev, &req);
	if (ret) {
		return ret;
	}
	req = (struct vgpuif_req){ .operation = VGPUIF_OP_RESOURCE_CREATE_3D };
	req.op.resource_create_3d = (struct vgpuif_resource_create_3d_req){
		.res_id = RES_ID, .target = PIPE_BUFFER,
		.format = VIRGL_FORMAT_R8_UNORM,
		.bind = VIRGL_BIND_VERTEX_BUFFER, .width = RES_SIZE,
		.height = 1, .depth = 1, .array_size = 1 };
	ret = call(dev, &req);
	if (ret) {
		return ret;
	}
	req = (struct vgpuif_req){ .operation = VGPUIF_OP_CTX_ATTACH_RESOURCE,
				   .ctx_id = CTX_ID };
	req.op.resource.res_id = RES_ID;
	return call(dev, &req);
}

/* One command of total dwords (header included) at p; returns dwords. */
static uint32_t put_cmd(uint32_t *p, enum kind kind, uint32_t dwords,
			uint32_t *x)
{
	uint32_t len = dwords - 1, data;

	if (kind == KIND_NOP || len < VIRGL_IW_HDR_DWORDS + 1) {
		p[0] = VIRGL_CMD0(VIRGL_CCMD_NOP, 0, len);
		return dwords;
	}
	data = (len - VIRGL_IW_HDR_DWORDS) * 4;
	if (*x + data > RES_SIZE) {
		*x = 0;
	}
	p[0] = VIRGL_CMD0(VIRGL_CCMD_RESOURCE_INLINE_WRITE, 0, len);
	p[1] = RES_ID;
	p[2] = p[3] = p[4] = p[5] = 0;  /* level, usage, strides */
	p[6] = *x;
	p[7] = p[8] = 0;
	p[9] = data;
	p[10] = p[11] = 1;
	*x += data;
	return dwords;
}

/* Fills size bytes with commands of at most one chunk of data each. */
static void fill(uint32_t *p, enum kind kind, uint32_t size)
{
	uint32_t left = size / 4, max = CHUNK_BYTES / 4 + 1 +
		VIRGL_IW_HDR_DWORDS, x = 0, n;

	while (left) {
		n = left < max ? left : max;
		/* Never leave a remainder too short for a header. */
		if (left > n && left - n < 1 + VIRGL_IW_HDR_DWORDS + 1) {
			n -= 1 + VIRGL_IW_HDR_DWORDS + 1;
		}
		p += put_cmd(p, kind, n, &x);
		left -= n;
	}
}

static int wait_pending(struct run *r)
{
	int ret;

	if (!r->pending) {
		return 0;
	}
	r->pending = false;
	ret = vgpufront_wait(r->dev, r->pending_id, NULL);
	if (ret) {
		fprintf(stderr, "bench_throughput: %s %u B submit failed: %d\n",
			kind_names[r->kind], r->size, ret);
	}
	return ret;
}

/* Submits once; every fenced submit first waits for the previous one. */
static int submit_one(struct run *r, bool fenced)
{
	struct vgpufront_cmd cmd;
	uint32_t id;
	int ret;

	ret = vgpufront_cmd_reserve(r->dev, r->size, &cmd);
	if (ret) {
		return ret;
	}
	fill(cmd.ptr, r->kind, r->size);
	if (!fenced) {
		return vgpufront_cmd_submit(r->dev, CTX_ID, &cmd, 0, NULL);
	}
	ret = vgpufront_cmd_submit(r->dev, CTX_ID, &cmd, ++r->fence, &id);
	if (ret) {
		return ret;
	}
	ret = wait_pending(r);
	r->pending = true;
	r->pending_id = id;
	return ret;
}

/* Submits for about secs seconds; returns GB/s or a negative value. */
static double measure(struct run *r, double secs)
{
	uint64_t t0, t1, n = 0;
	int ret = 0;

	ret = submit_one(r, true) ?: wait_pending(r);  /* checked warm-up */
	t0 = harness_now_ns();
	t1 = t0;
	while (!ret && (t1 - t0) < secs * 1e9) {
		ret = submit_one(r, ++n % FENCE_EVERY == 0);
		if (n % FENCE_EVERY == 0) {
			t1 = harness_now_ns();
		}
	}
	if (!ret) {
		ret = submit_one(r, true) ?: wait_pending(r);
		n++;
	}
	t1 = harness_now_ns();
	if (ret) {
		return -1;
	}
	return (double)n * r->size / (double)(t1 - t0);
}

static int run_all(struct vgpufront *dev, double secs, double gbps[2][3])
{
	struct run r = { .dev = dev };
	int k, s;

	for (k = KIND_NOP; k <= KIND_INLINE; k++) {
		for (s = 0; s < 3; s++) {
			r.kind = k;
			r.size = sizes[s];
			gbps[k][s] = measure(&r, secs);
			if (gbps[k][s] < 0) {
				return -1;
			}
		}
	}
	return 0;
}

static void report(double gbps[2][3], uint32_t region)
{
	int k, s;

	printf("bench_throughput: GB/s of command stream (1e9 B/s), "
	       "fence every %d submits, region %u KiB\n", FENCE_EVERY,
	       region / 1024);
	printf("%-8s %10s %10s %10s\n", "stream", "4KiB", "64KiB", "1MiB");
	for (k = 0; k < 2; k++) {
		printf("%-8s", kind_names[k]);
		for (s = 0; s < 3; s++) {
			printf(" %10.2f", gbps[k][s]);
		}
		printf("\n");
	}
	for (k = 0; k < 2; k++) {
		for (s = 0; s < 3; s++) {
			printf("summary: throughput_%s_%uk_gbps=%.2f\n",
			       kind_names[k], sizes[s] / 1024, gbps[k][s]);
		}
	}
	printf("summary: throughput_target_2gbps_nop_1m=%s\n",
	       gbps[KIND_NOP][2] >= 2.0 ? "met" : "missed");
}

int main(int argc, char **argv)
{
	double gbps[2][3] = { { 0 } }, secs = 1.0;
	static const char *const args[] = { "--poll-us=0", NULL };
	struct harness_bench_backend b;
	struct vgpufront *dev;
	int c, ret = 1;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't' || (secs = atof(optarg)) <= 0) {
			fprintf(stderr, "usage: %s [-t SECONDS]\n", argv[0]);
			return 2;
		}
	}
	if (harness_bench_backend_start(&b, args, NULL)) {
		return 1;
	}
	dev = vgpufront_open(b.spec, CMD_PAGES);
	if (!dev) {
		fprintf(stderr, "bench_throughput: vgpufront_open: %s\n",
			strerror(errno));
		goto out_stop;
	}
	if (setup(dev) || run_all(dev, secs, gbps)) {
		goto out_close;
	}
	report(gbps, (vgpufront_limits(dev)->max_cmd_pages < CMD_PAGES ?
		vgpufront_limits(dev)->max_cmd_pages : CMD_PAGES) *
	       VGPUIF_PAGE_SIZE);
	ret = 0;
out_close:
	vgpufront_close(dev);
out_stop:
	harness_bench_backend_stop(&b);
	return ret;
}
