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
 * before an earlier one of another context.
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

static void write_fence(void *cookie, uint32_t fence)
{
	struct vgpuback_renderer *r = cookie;
	/* How far behind the newest fence this one is, in 32 bits. */
	uint32_t behind = (uint32_t)r->seq - fence;

	if (behind >= r->seq - r->done) {
		return; /* stale, or not one of ours */
	}
	r->done = r->seq - behind;
	complete_retired(r);
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

int vgpuback_renderer_init(struct vgpuback_renderer *r,
			   const char *render_node)
{
	int flags = VIRGL_RENDERER_USE_EGL | VIRGL_RENDERER_THREAD_SYNC;
	int ret;

	memset(r, 0, sizeof(*r));
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
	ret = virgl_renderer_init(r, flags, &r->cbs);
	if (ret) {
		report_init_failure(r);
		return -ENODEV;
	}
	r->initialised = true;
	r->poll_fd = virgl_renderer_get_poll_fd();
	return 0;
}

void vgpuback_renderer_fini(struct vgpuback_renderer *r)
{
	vgpuback_renderer_drop_deferred(r);
	if (r->initialised) {
		virgl_renderer_cleanup(r);
		r->initialised = false;
	}
}

void vgpuback_renderer_set_sink(struct vgpuback_renderer *r,
				vgpuback_resp_sink sink, void *opaque)
{
	r->sink = sink;
	r->sink_opaque = opaque;
}

int vgpuback_renderer_fence(struct vgpuback_renderer *r, uint32_t ctx_id)
{
	uint64_t seq = r->seq + 1;

	if (virgl_renderer_create_fence((int)(uint32_t)seq, ctx_id)) {
		return -EIO;
	}
	r->seq = seq;
	return 0;
}

bool vgpuback_renderer_busy(const struct vgpuback_renderer *r)
{
	return r->seq != r->done;
}

bool vgpuback_renderer_retired(const struct vgpuback_renderer *r,
			       uint64_t seq)
{
	return seq <= r->done;
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
	if (r->tail) {
		r->tail->next = d;
	} else {
		r->head = d;
	}
	r->tail = d;
	complete_retired(r);
	return 0;
}

bool vgpuback_renderer_has_deferred(const struct vgpuback_renderer *r)
{
	return r->head != NULL;
}

void vgpuback_renderer_drop_deferred(struct vgpuback_renderer *r)
{
	struct vgpuback_deferred *d;

	while ((d = r->head)) {
		r->head = d->next;
		free(d);
	}
	r->tail = NULL;
}

int vgpuback_renderer_poll_fd(const struct vgpuback_renderer *r)
{
	return r->poll_fd;
}

void vgpuback_renderer_poll(struct vgpuback_renderer *r)
{
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
