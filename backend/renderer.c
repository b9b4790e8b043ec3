/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virglrenderer glue: bring-up (EGL surfaceless on llvmpipe, or a render
 * node), capsets, and the fences that complete deferred responses.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "renderer.h"
#include "vgpu_util.h"

#define CAPSET_VIRGL    1
#define CAPSET_VIRGL2   2

static const uint32_t capset_ids[] = { CAPSET_VIRGL, CAPSET_VIRGL2 };

struct vgpuback_deferred {
	struct vgpuback_deferred *next;
	uint64_t seq;
	struct vgpuif_resp resp;
};

/*
 * Sends every response whose fence has retired, oldest first. Responses
 * wait for their own context's fences, so a later one may be ready
 * before an earlier one of another context. Lock held.
 */
static void complete_retired(struct vgpuback_renderer *r)
{
	struct vgpuback_deferred **p = &r->head, *d;

	r->tail = NULL;
	while ((d = *p)) {
		if (d->seq > r->done) {
			r->tail = d;
			p = &d->next;
			continue;
		}
		*p = d->next;
		if (r->sink) {
			r->sink(r->sink_opaque, &d->resp);
		}
		free(d);
	}
}

/* On the sync thread when async, else in vgpuback_renderer_poll(). */
static void write_fence(void *cookie, uint32_t fence)
{
	struct vgpuback_renderer *r = cookie;
	uint32_t behind;
	int ret;

	pthread_mutex_lock(&r->lock);
	/* How far behind the newest fence this one is, in 32 bits. */
	behind = (uint32_t)r->seq - fence;
	if (behind >= r->seq - r->done) {
		pthread_mutex_unlock(&r->lock);
		return; /* stale, or not one of ours */
	}
	r->done = r->seq - behind;
	complete_retired(r);
	pthread_mutex_unlock(&r->lock);
	ret = r->async ? vgpu_eventfd_signal(r->retire_fd) : 0;
	if (ret) {
		vgpu_warn("cannot report a retired fence: %s", strerror(-ret));
	}
}

static int get_drm_fd(void *cookie)
{
	struct vgpuback_renderer *r = cookie;
	int fd;

	fd = open(r->render_node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		vgpu_err("cannot open render node %s: %s", r->render_node,
			 strerror(errno));
	}
	return fd;
}

static void virgl_debug(const char *fmt, va_list ap)
{
	char line[512];
	size_t len;

	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	if (len && line[len - 1] == '\n') {
		line[len - 1] = '\0';
	}
	vgpu_dbg("virglrenderer: %s", line);
}

static void report_init_failure(const struct vgpuback_renderer *r)
{
	if (r->render_node) {
		vgpu_err("virglrenderer could not initialise EGL on %s: check "
			 "that it is a DRM render node this user can open and "
			 "that its Mesa driver is installed (libgl1-mesa-dri), "
			 "or leave out --render-node to use llvmpipe",
			 r->render_node);
		return;
	}
	vgpu_err("virglrenderer could not initialise EGL (surfaceless): "
		 "install libegl-mesa0 and libgl1-mesa-dri (llvmpipe), or "
		 "pass --render-node=/dev/dri/renderD128 for a GPU");
}

/*
 * One fd for the main loop to watch: readable once a fence retired
 * (retire_fd) or virglrenderer wants its queries checked (its own).
 */
static int watch_both(struct vgpuback_renderer *r, int vrend_fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0) {
		return -errno;
	}
	if (epoll_ctl(ep, EPOLL_CTL_ADD, vrend_fd, &ev) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, r->retire_fd, &ev)) {
		close(ep);
		return -errno;
	}
	return ep;
}

/*
 * Fences retire on the sync thread. Without that thread (its GL
 * context could not be made) virglrenderer would never retire them in
 * this mode: then it starts again without it. Returns 0, -ENODEV when
 * it cannot start at all, or -EAGAIN to start it the old way.
 */
static int init_async(struct vgpuback_renderer *r, int flags)
{
	int vrend_fd;

	r->retire_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->retire_fd < 0) {
		return -EAGAIN;
	}
	if (virgl_renderer_init(r, flags | VIRGL_RENDERER_ASYNC_FENCE_CB,
				&r->cbs)) {
		close(r->retire_fd);
		return -ENODEV;
	}
	vrend_fd = virgl_renderer_get_poll_fd();
	r->poll_fd = vrend_fd >= 0 ? watch_both(r, vrend_fd) : -1;
	if (r->poll_fd < 0) {
		vgpu_dbg("virglrenderer: no sync thread to retire fences on");
		virgl_renderer_cleanup(r);
		close(r->retire_fd);
		return -EAGAIN;
	}
	r->async = true;
	return 0;
}

int vgpuback_renderer_init(struct vgpuback_renderer *r,
			   const char *render_node)
{
	int flags = VIRGL_RENDERER_USE_EGL | VIRGL_RENDERER_THREAD_SYNC;
	int ret;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->render_node = render_node;
	r->poll_fd = -1;
	r->cbs.version = 2;
	r->cbs.write_fence = write_fence;
	if (render_node) {
		r->cbs.get_drm_fd = get_drm_fd;
	} else {
		flags |= VIRGL_RENDERER_USE_SURFACELESS;
	}
	virgl_set_debug_callback(virgl_debug);
	ret = init_async(r, flags);
	if (ret == -EAGAIN) {
		ret = virgl_renderer_init(r, flags, &r->cbs) ? -ENODEV : 0;
		r->poll_fd = virgl_renderer_get_poll_fd();
	}
	if (ret) {
		report_init_failure(r);
		return ret;
	}
	r->initialised = true;
	return 0;
}

void vgpuback_renderer_fini(struct vgpuback_renderer *r)
{
	vgpuback_renderer_drop_deferred(r);
	if (r->initialised) {
		virgl_renderer_cleanup(r);
		r->initialised = false;
	}
	if (r->async) {
		close(r->poll_fd);
		close(r->retire_fd);
		r->async = false;
	}
	r->poll_fd = -1;
}

void vgpuback_renderer_set_sink(struct vgpuback_renderer *r,
				vgpuback_resp_sink sink, void *opaque)
{
	pthread_mutex_lock(&r->lock);
	r->sink = sink;
	r->sink_opaque = opaque;
	pthread_mutex_unlock(&r->lock);
}

int vgpuback_renderer_fence(struct vgpuback_renderer *r, uint32_t ctx_id)
{
	uint64_t seq = r->seq + 1;
	int ret = 0;

	/* Counted first: the sync thread may retire it at once. */
	pthread_mutex_lock(&r->lock);
	r->seq = seq;
	pthread_mutex_unlock(&r->lock);
	if (virgl_renderer_create_fence((int)(uint32_t)seq, ctx_id)) {
		pthread_mutex_lock(&r->lock);
		r->seq = seq - 1;
		pthread_mutex_unlock(&r->lock);
		ret = -EIO;
	}
	return ret;
}

/*
 * Under the lock, so that the answers a fence released and the fence
 * itself are seen together: who sees one has seen the other.
 */
uint64_t vgpuback_renderer_done(struct vgpuback_renderer *r)
{
	uint64_t done;

	pthread_mutex_lock(&r->lock);
	done = r->done;
	pthread_mutex_unlock(&r->lock);
	return done;
}

bool vgpuback_renderer_busy(struct vgpuback_renderer *r)
{
	return r->seq != vgpuback_renderer_done(r);
}

bool vgpuback_renderer_retired(struct vgpuback_renderer *r, uint64_t seq)
{
	return seq <= vgpuback_renderer_done(r);
}

int vgpuback_renderer_defer(struct vgpuback_renderer *r,
			    const struct vgpuif_resp *resp, uint64_t seq)
{
	struct vgpuback_deferred *d;

	d = malloc(sizeof(*d));
	if (!d) {
		return -ENOMEM;
	}
	d->next = NULL;
	d->seq = seq;
	d->resp = *resp;
	pthread_mutex_lock(&r->lock);
	if (r->tail) {
		r->tail->next = d;
	} else {
		r->head = d;
	}
	r->tail = d;
	/* Its fence may have retired since the caller looked. */
	complete_retired(r);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void vgpuback_renderer_drop_deferred(struct vgpuback_renderer *r)
{
	struct vgpuback_deferred *d;

	pthread_mutex_lock(&r->lock);
	while ((d = r->head)) {
		r->head = d->next;
		free(d);
	}
	r->tail = NULL;
	pthread_mutex_unlock(&r->lock);
}

int vgpuback_renderer_poll_fd(const struct vgpuback_renderer *r)
{
	return r->poll_fd;
}

void vgpuback_renderer_poll(struct vgpuback_renderer *r)
{
	int ret = r->async ? vgpu_eventfd_drain(r->retire_fd) : 0;

	if (ret) {
		vgpu_warn("cannot read retired fences: %s", strerror(-ret));
	}
	if (r->initialised) {
		virgl_renderer_poll();
	}
}

void vgpuback_renderer_wait_idle(struct vgpuback_renderer *r)
{
	struct pollfd p = { .fd = r->poll_fd, .events = POLLIN };

	while (vgpuback_renderer_busy(r)) {
		/* Without the fd, look again every millisecond. */
		poll(&p, p.fd >= 0 ? 1 : 0, p.fd >= 0 ? -1 : 1);
		vgpuback_renderer_poll(r);
	}
}

uint32_t vgpuback_renderer_capset_count(void)
{
	return VGPU_ARRAY_SIZE(capset_ids);
}

int vgpuback_renderer_capset_info(uint32_t index, uint32_t *id,
				  uint32_t *max_version, uint32_t *max_size)
{
	if (index >= VGPU_ARRAY_SIZE(capset_ids)) {
		return -EINVAL;
	}
	*id = capset_ids[index];
	virgl_renderer_get_cap_set(*id, max_version, max_size);
	return 0;
}

int vgpuback_renderer_capset_size(uint32_t id, uint32_t version,
				  uint32_t *size)
{
	uint32_t max_version = 0;
	uint32_t max_size = 0;

	if (id != CAPSET_VIRGL && id != CAPSET_VIRGL2) {
		return -EINVAL;
	}
	virgl_renderer_get_cap_set(id, &max_version, &max_size);
	if (!max_size || version > max_version) {
		return -EINVAL;
	}
	*size = max_size;
	return 0;
}

int vgpuback_renderer_fill_caps(uint32_t id, uint32_t version, void *dst,
				uint32_t size)
{
	void *caps;

	/* virglrenderer clears its whole caps union, whatever the set. */
	caps = calloc(1, VGPUIF_MAX_CAPSET_SIZE);
	if (!caps) {
		return -ENOMEM;
	}
	virgl_renderer_fill_caps(id, version, caps);
	memcpy(dst, caps, size < VGPUIF_MAX_CAPSET_SIZE ? size :
	       VGPUIF_MAX_CAPSET_SIZE);
	free(caps);
	return 0;
}
