/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's screen: SET_SCANOUT, RESOURCE_FLUSH and PAGE_FLIP as
 * include/vgpuif.h defines them, and the refresh that latches flips.
 *
 * DOC: where the pixels come from
 * A dumb buffer (VGPUIF_SCANOUT_BACKING) is shown straight from the
 * worker's mapping of the resource's backing: every resource's backing
 * is one contiguous mapping (gref.c maps all its grants in one call), so
 * the display gets a pointer into the guest's pages and a stride, and
 * nothing is copied in dom0. A host resource is read back by
 * virglrenderer into the screen's shadow buffer: the flushed rectangles
 * only, or the whole screen for a flip (a new buffer). pixel_bytes
 * counts those bytes; it stays 0 for dumb buffers.
 *
 * DOC: refresh
 * The display refreshes on a fixed grid of VGPUIF_SCANOUT_REFRESH_HZ
 * ticks counted from the screen's creation. A flip waits for the next
 * tick after it arrived (a one-shot timerfd in the worker's poll loop),
 * is latched then, and only then answered: the answer is the guest's
 * vblank, and no guest gets more than 60 flips a second shown. A second
 * flip while one waits gets VGPUIF_EBUSY.
 *
 * The screen names its resource by id and looks it up whenever it reads
 * pixels; the pointer the display holds into backing pages is dropped
 * (the screen blanks) before those pages are unmapped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "scanout.h"
#include "vgpu_util.h"
#include "vnc.h"

#define NS_PER_S                1000000000ull
#define REFRESH_NS              (NS_PER_S / VGPUIF_SCANOUT_REFRESH_HZ)
#define BYTES_PER_PIXEL         4

/* Gallium's values (p_defines.h, p_format.h), as the guest's Mesa sends them. */
#define TARGET_TEXTURE_2D       2
#define TARGET_TEXTURE_RECT     5
#define FORMAT_B8G8R8A8_UNORM   1
#define FORMAT_B8G8R8X8_UNORM   2

struct vgpuback_scanout {
	struct vgpuif_scanout_req shown;        /* res_id 0: blank */
	struct vgpuif_scanout_req next;         /* the waiting flip */
	bool flip_waiting;
	struct vgpuif_resp flip_resp;
	int timer_fd;
	uint64_t epoch_ns;
	uint32_t width, height;                 /* of the display */
	uint8_t *shadow;                        /* width x height, packed */
	size_t shadow_size;
	struct vgpuback_vnc *vnc;
	struct vgpuback_scanout_stats stats;
};

/* Makes the shadow width x height pixels; zeroed when it grows. */
static int shadow_fit(struct vgpuback_scanout *s, uint32_t width,
		      uint32_t height)
{
	size_t size = (size_t)width * height * BYTES_PER_PIXEL;
	uint8_t *buf;

	if (size <= s->shadow_size) {
		return 0;
	}
	buf = calloc(1, size);
	if (!buf) {
		return -ENOMEM;
	}
	free(s->shadow);
	s->shadow = buf;
	s->shadow_size = size;
	return 0;
}

/* Shows nothing: a black screen of the display's current size. */
static void blank(struct vgpuback_scanout *s)
{
	memset(&s->shown, 0, sizeof(s->shown));
	memset(s->shadow, 0, s->shadow_size);
	vgpuback_vnc_show(s->vnc, s->shadow, s->width, s->height,
			  s->width * BYTES_PER_PIXEL);
}

struct vgpuback_scanout *vgpuback_scanout_create(uint32_t width,
						 uint32_t height,
						 struct vgpuback_vnc *vnc)
{
	struct vgpuback_scanout *s = calloc(1, sizeof(*s));

	if (!s) {
		return NULL;
	}
	s->vnc = vnc;
	s->width = width;
	s->height = height;
	s->epoch_ns = vgpu_now_ns();
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->timer_fd < 0 || shadow_fit(s, width, height)) {
		vgpuback_scanout_destroy(s);
		errno = ENOMEM;
		return NULL;
	}
	blank(s);
	return s;
}

void vgpuback_scanout_destroy(struct vgpuback_scanout *s)
{
	if (!s) {
		return;
	}
	if (s->timer_fd >= 0) {
		close(s->timer_fd);
	}
	free(s->shadow);
	free(s);
}

int vgpuback_scanout_timer_fd(const struct vgpuback_scanout *s)
{
	return s ? s->timer_fd : -1;
}

const struct vgpuback_scanout_stats *
vgpuback_scanout_stats(const struct vgpuback_scanout *s)
{
	return &s->stats;
}

void vgpuback_scanout_log(const struct vgpu_worker *w)
{
	const struct vgpuback_scanout_stats *st = &w->scanout->stats;

	if (!st->frames) {
		return;
	}
	vgpu_info(VGPU_DEV_FMT "screen: %llu frames (%llu page flips), %llu "
		  "pixel bytes copied in dom0, %llu per frame", w->t->domid,
		  w->t->devid, (unsigned long long)st->frames,
		  (unsigned long long)st->flips,
		  (unsigned long long)st->pixel_bytes,
		  (unsigned long long)(st->pixel_bytes / st->frames));
}

/* ---- checks ---- */

/* x + width <= limit, computed without wrapping. */
static bool fits(uint32_t x, uint32_t width, uint32_t limit)
{
	return (uint64_t)x + width <= limit;
}

/* The rectangle is not empty and lies inside res, with no wrap-around. */
static int check_rect(struct vgpu_worker *w, const struct vgpuif_req *req,
		      const char *what, const struct vgpuback_res *res,
		      uint32_t x, uint32_t y, uint32_t width, uint32_t height)
{
	if (!width || !height || !fits(x, width, res->desc.width) ||
	    !fits(y, height, res->desc.height)) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "%s %ux%u at %u,%u is not inside "
				       "resource %u (%ux%u), or empty", what,
				       width, height, x, y, res->node.id,
				       res->desc.width, res->desc.height);
	}
	return 0;
}

static int check_format(struct vgpu_worker *w, const struct vgpuif_req *req,
			const struct vgpuback_res *res)
{
	const struct vgpuif_resource_create_3d_req *d = &res->desc;

	if ((d->target != TARGET_TEXTURE_2D &&
	     d->target != TARGET_TEXTURE_RECT) ||
	    (d->format != FORMAT_B8G8R8A8_UNORM &&
	     d->format != FORMAT_B8G8R8X8_UNORM) || d->nr_samples > 1) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "resource %u (target %u, format %u, %u "
				       "samples) cannot be shown: it must be "
				       "a single-sampled 2D or RECT texture "
				       "of format 1 or 2 (B8G8R8A8/X8)",
				       d->res_id, d->target, d->format,
				       d->nr_samples);
	}
	return 0;
}

/* The rectangle of the request lies in the backing, computed in 64 bits. */
static int check_backing(struct vgpu_worker *w, const struct vgpuif_req *req,
			 const struct vgpuif_scanout_req *v,
			 const struct vgpuback_res *res)
{
	uint64_t size = (uint64_t)res->backing_pages * VGPUIF_PAGE_SIZE;
	uint64_t end = v->offset + (uint64_t)(v->y + v->height - 1) *
		       v->stride + (uint64_t)(v->x + v->width) *
		       BYTES_PER_PIXEL;

	if (!res->backing) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT,
				       "resource %u has no backing to show",
				       v->res_id);
	}
	if (v->offset % 4 || v->stride % 4 ||
	    v->stride < (uint64_t)res->desc.width * BYTES_PER_PIXEL ||
	    end > size) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "resource %u: offset %u and stride %u "
				       "(multiples of 4, stride at least %llu) "
				       "put the rectangle's end at byte %llu, "
				       "its backing has %llu", v->res_id,
				       v->offset, v->stride,
				       (unsigned long long)res->desc.width *
					       BYTES_PER_PIXEL,
				       (unsigned long long)end,
				       (unsigned long long)size);
	}
	return 0;
}

/* Everything but blanking: a resource that can be shown as v says. */
static int check_view(struct vgpu_worker *w, const struct vgpuif_req *req,
		      const struct vgpuif_scanout_req *v)
{
	struct vgpuback_res *res = vgpuback_res_lookup(&w->objs, v->res_id);
	int ret;

	if (!res) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT, "no resource %u",
				       v->res_id);
	}
	ret = check_format(w, req, res);
	if (ret) {
		return ret;
	}
	if (v->width > VGPUIF_SCANOUT_MAX_DIM ||
	    v->height > VGPUIF_SCANOUT_MAX_DIM) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "%ux%u is over the largest screen, "
				       "%ux%u", v->width, v->height,
				       VGPUIF_SCANOUT_MAX_DIM,
				       VGPUIF_SCANOUT_MAX_DIM);
	}
	ret = check_rect(w, req, "rectangle", res, v->x, v->y, v->width,
			 v->height);
	if (ret) {
		return ret;
	}
	if (v->scanout_flags & VGPUIF_SCANOUT_BACKING) {
		return check_backing(w, req, v, res);
	}
	if (v->offset || v->stride) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "offset %u and stride %u must be 0 "
				       "without VGPUIF_SCANOUT_BACKING",
				       v->offset, v->stride);
	}
	return 0;
}

/* The checks every scanout request shares, then the view's. */
static int check_request(struct vgpu_worker *w, const struct vgpuif_req *req)
{
	const struct vgpuif_scanout_req *v = &req->op.scanout;

	if (v->scanout_id) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "scanout_id %u: the device has scanout "
				       "0 only", v->scanout_id);
	}
	if (v->scanout_flags & ~VGPUIF_SCANOUT_FLAGS_ALL) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "unknown scanout_flags 0x%x",
				       v->scanout_flags);
	}
	return check_view(w, req, v);
}

/* ---- reading pixels ---- */

/*
 * Reads the rectangle (resource coordinates, inside v's) of host
 * resource v->res_id back into the shadow, where v's pixel (x, y) is at
 * offset 0. Returns 0 or -EIO.
 */
static int read_back(struct vgpu_worker *w, const struct vgpuif_scanout_req *v,
		     uint32_t x, uint32_t y, uint32_t width, uint32_t height)
{
	struct vgpuback_scanout *s = w->scanout;
	uint32_t stride = v->width * BYTES_PER_PIXEL;
	struct virgl_box box = { x, y, 0, width, height, 1 };
	struct iovec iov = { s->shadow, s->shadow_size };
	uint64_t offset = (uint64_t)(y - v->y) * stride +
			  (uint64_t)(x - v->x) * BYTES_PER_PIXEL;
	uint64_t bytes = (uint64_t)width * height * BYTES_PER_PIXEL;

	/*
	 * Reading the GPU's pixels is GPU work: hold the GPU for it. The
	 * frame is what every request before this one drew: the guest's
	 * contexts' work must have finished (each submit is fenced), or the
	 * renderer's own context may read a frame half drawn.
	 */
	vgpuback_sched_hold(w);
	vgpuback_renderer_wait_idle(w->r);
	if (virgl_renderer_transfer_read_iov(v->res_id, 0, 0, stride, 0, &box,
					     offset, &iov, 1)) {
		return -EIO;
	}
	s->stats.pixel_bytes += bytes;
	s->stats.last_frame_bytes += bytes;
	return 0;
}

/* Puts v on the display; reads a host resource back whole. */
static int show(struct vgpu_worker *w, const struct vgpuif_scanout_req *v)
{
	struct vgpuback_scanout *s = w->scanout;
	const struct vgpuback_res *res;
	const uint8_t *pixels;
	int ret;

	/* The shadow is also what a blank screen of this size shows. */
	ret = shadow_fit(s, v->width, v->height);
	if (ret) {
		return ret;
	}
	s->stats.last_frame_bytes = 0;
	s->stats.frames++;
	if (v->scanout_flags & VGPUIF_SCANOUT_BACKING) {
		res = vgpuback_res_lookup(&w->objs, v->res_id);
		pixels = (const uint8_t *)res->backing + v->offset +
			 (size_t)v->y * v->stride + (size_t)v->x *
			 BYTES_PER_PIXEL;
		vgpuback_vnc_show(s->vnc, pixels, v->width, v->height,
				  v->stride);
	} else {
		ret = read_back(w, v, v->x, v->y, v->width, v->height);
		if (ret) {
			return ret;
		}
		vgpuback_vnc_show(s->vnc, s->shadow, v->width, v->height,
				  v->width * BYTES_PER_PIXEL);
	}
	s->shown = *v;
	s->width = v->width;
	s->height = v->height;
	return 0;
}

/* ---- flips ---- */

static void answer_flip(struct vgpu_worker *w, int status)
{
	struct vgpuback_scanout *s = w->scanout;

	s->flip_waiting = false;
	s->flip_resp.status = status;
	vgpuback_worker_respond(w, &s->flip_resp);
}

/* The waiting flip goes on the screen now, checked again: ids change. */
static void latch(struct vgpu_worker *w)
{
	struct vgpuback_scanout *s = w->scanout;
	struct vgpuif_req req = { .id = s->flip_resp.id,
				  .operation = VGPUIF_OP_PAGE_FLIP };
	int ret;

	req.op.scanout = s->next;
	ret = check_view(w, &req, &s->next);
	if (!ret) {
		ret = show(w, &s->next);
	}
	if (!ret) {
		s->stats.flips++;
	}
	answer_flip(w, ret);
}

/* The next tick of the refresh grid strictly after now. */
static uint64_t next_tick(const struct vgpuback_scanout *s, uint64_t now)
{
	return s->epoch_ns + ((now - s->epoch_ns) / REFRESH_NS + 1) *
	       REFRESH_NS;
}

static int arm_timer(struct vgpuback_scanout *s)
{
	uint64_t at = next_tick(s, vgpu_now_ns());
	struct itimerspec its = {
		.it_value = { .tv_sec = (time_t)(at / NS_PER_S),
			      .tv_nsec = (long)(at % NS_PER_S) },
	};

	return timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) ?
	       -errno : 0;
}

void vgpuback_scanout_refresh(struct vgpu_worker *w)
{
	struct vgpuback_scanout *s = w->scanout;
	uint64_t expirations;

	if (!s || read(s->timer_fd, &expirations, sizeof(expirations)) !=
		  sizeof(expirations)) {
		return;
	}
	if (s->flip_waiting) {
		latch(w);
	}
}

void vgpuback_scanout_forget(struct vgpu_worker *w,
			     const struct vgpuback_res *res)
{
	struct vgpuback_scanout *s = w->scanout;

	if (!s) {
		return;
	}
	if (s->shown.res_id == res->node.id) {
		blank(s);
	}
	if (s->flip_waiting && s->next.res_id == res->node.id) {
		answer_flip(w, VGPUIF_ENOENT);
	}
}

/* ---- the requests ---- */

int vgpuback_op_set_scanout(struct vgpu_worker *w,
			    const struct vgpuif_req *req,
			    struct vgpuif_resp *resp)
{
	const struct vgpuif_scanout_req *v = &req->op.scanout;
	static const struct vgpuif_scanout_req none;
	int ret;

	(void)resp;
	if (!v->res_id && memcmp(v, &none, sizeof(*v))) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "blanking (res_id 0): every other "
				       "field must be 0");
	}
	ret = v->res_id ? check_request(w, req) : 0;
	if (ret) {
		return ret;
	}
	/* A flip still waiting is shown first, as if its tick had come. */
	if (w->scanout->flip_waiting) {
		latch(w);
	}
	if (!v->res_id) {
		blank(w->scanout);
		return 0;
	}
	ret = show(w, v);
	return ret ? vgpuback_reject(w, req, ret, "cannot read resource %u "
				     "back", v->res_id) : 0;
}

int vgpuback_op_page_flip(struct vgpu_worker *w, const struct vgpuif_req *req,
			  struct vgpuif_resp *resp)
{
	const struct vgpuif_scanout_req *v = &req->op.scanout;
	struct vgpuback_scanout *s = w->scanout;
	int ret = check_request(w, req);

	if (ret) {
		return ret;
	}
	if (!s->shown.res_id || v->width != s->shown.width ||
	    v->height != s->shown.height) {
		return vgpuback_reject(w, req, VGPUIF_EINVAL,
				       "a flip replaces a %ux%u screen with "
				       "the same size (asked %ux%u): set a "
				       "scanout first", s->shown.width,
				       s->shown.height, v->width, v->height);
	}
	if (s->flip_waiting) {
		return vgpuback_reject(w, req, VGPUIF_EBUSY,
				       "a flip is already waiting for the "
				       "next refresh: wait for its answer");
	}
	ret = arm_timer(s);
	if (ret) {
		return vgpuback_reject(w, req, VGPUIF_EIO, "refresh timer: %s",
				       strerror(-ret));
	}
	s->next = *v;
	s->flip_resp = *resp;
	s->flip_waiting = true;
	return VGPUBACK_HELD;
}

/* The damaged rectangle, clipped to what the screen shows. */
static bool clip(const struct vgpuif_scanout_req *v,
		 const struct vgpuif_resource_flush_req *f, uint32_t *x0,
		 uint32_t *y0, uint32_t *x1, uint32_t *y1)
{
	uint64_t fx1 = (uint64_t)f->x + f->width;
	uint64_t fy1 = (uint64_t)f->y + f->height;

	*x0 = f->x > v->x ? f->x : v->x;
	*y0 = f->y > v->y ? f->y : v->y;
	*x1 = (uint32_t)(fx1 < v->x + v->width ? fx1 : v->x + v->width);
	*y1 = (uint32_t)(fy1 < v->y + v->height ? fy1 : v->y + v->height);
	return *x0 < *x1 && *y0 < *y1;
}

int vgpuback_op_resource_flush(struct vgpu_worker *w,
			       const struct vgpuif_req *req,
			       struct vgpuif_resp *resp)
{
	const struct vgpuif_resource_flush_req *f = &req->op.resource_flush;
	const struct vgpuif_scanout_req *v = &w->scanout->shown;
	struct vgpuback_res *res = vgpuback_res_lookup(&w->objs, f->res_id);
	uint32_t x0, y0, x1, y1;

	(void)resp;
	if (!res) {
		return vgpuback_reject(w, req, VGPUIF_ENOENT, "no resource %u",
				       f->res_id);
	}
	if (check_rect(w, req, "damage", res, f->x, f->y, f->width,
		       f->height)) {
		return VGPUIF_EINVAL;
	}
	if (v->res_id != f->res_id || !clip(v, f, &x0, &y0, &x1, &y1)) {
		return 0;
	}
	w->scanout->stats.last_frame_bytes = 0;
	w->scanout->stats.frames++;
	if (!(v->scanout_flags & VGPUIF_SCANOUT_BACKING) &&
	    read_back(w, v, x0, y0, x1 - x0, y1 - y0)) {
		return vgpuback_reject(w, req, VGPUIF_EIO, "cannot read "
				       "resource %u back", f->res_id);
	}
	vgpuback_vnc_damage(w->scanout->vnc, x0 - v->x, y0 - v->y, x1 - x0,
			    y1 - y0);
	return 0;
}
