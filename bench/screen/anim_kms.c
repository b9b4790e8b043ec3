/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The animation's KMS output: two dumb buffers on the first connected
 * connector's preferred mode, shown by page flips. present() flips to the
 * buffer just drawn and waits for the flip event, which the driver sends
 * when the display has latched the frame; the other buffer is then free
 * to draw into. This is what a compositor does, without GL.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "anim.h"

/* A flip the display has not answered in this long is lost. */
#define FLIP_TIMEOUT_MS         3000

struct kms_buffer {
	uint32_t handle;
	uint32_t fb_id;
	void *map;
	uint64_t size;
};

struct kms_out {
	struct anim_out base;
	int fd;
	uint32_t crtc_id;
	struct kms_buffer buf[2];
	unsigned int back;      /* index of the buffer drawn into next */
	drmModeCrtc *saved_crtc;
};

static int buffer_create(int fd, uint32_t w, uint32_t h, struct kms_buffer *b,
			 uint32_t *stride)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		return -errno;
	}
	b->handle = create.handle;
	b->size = create.size;
	*stride = create.pitch;
	handles[0] = create.handle;
	pitches[0] = create.pitch;
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches,
			  offsets, &b->fb_id, 0)) {
		return -errno;
	}
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		return -errno;
	}
	b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      map.offset);
	return b->map == MAP_FAILED ? -errno : 0;
}

static void buffer_destroy(int fd, struct kms_buffer *b)
{
	struct drm_mode_destroy_dumb destroy = { .handle = b->handle };

	if (b->map && b->map != MAP_FAILED) {
		munmap(b->map, b->size);
	}
	if (b->fb_id) {
		drmModeRmFB(fd, b->fb_id);
	}
	if (b->handle) {
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	}
}

static uint32_t *kms_back(struct anim_out *out)
{
	struct kms_out *k = (struct kms_out *)out;

	return k->buf[k->back].map;
}

static void flip_done(int fd, unsigned int seq, unsigned int sec,
		      unsigned int usec, void *data)
{
	(void)fd; (void)seq; (void)sec; (void)usec;
	*(int *)data = 1;
}

static int kms_present(struct anim_out *out)
{
	struct kms_out *k = (struct kms_out *)out;
	drmEventContext ev = { .version = 2, .page_flip_handler = flip_done };
	struct pollfd p = { .fd = k->fd, .events = POLLIN };
	int done = 0;

	if (drmModePageFlip(k->fd, k->crtc_id, k->buf[k->back].fb_id,
			    DRM_MODE_PAGE_FLIP_EVENT, &done)) {
		return -errno;
	}
	while (!done) {
		int n = poll(&p, 1, FLIP_TIMEOUT_MS);

		if (n <= 0) {
			return n ? -errno : -ETIMEDOUT;
		}
		if (drmHandleEvent(k->fd, &ev)) {
			return -EIO;
		}
	}
	k->back ^= 1;
	return 0;
}

static void kms_destroy(struct anim_out *out)
{
	struct kms_out *k = (struct kms_out *)out;
	drmModeCrtc *c = k->saved_crtc;

	if (c) {
		/* Give the screen back to the console. */
		drmModeSetCrtc(k->fd, c->crtc_id, c->buffer_id, c->x, c->y, NULL,
			       0, NULL);
		drmModeFreeCrtc(c);
	}
	buffer_destroy(k->fd, &k->buf[0]);
	buffer_destroy(k->fd, &k->buf[1]);
	close(k->fd);
	free(k);
}

static const struct anim_out_impl kms_impl = {
	.back = kms_back,
	.present = kms_present,
	.destroy = kms_destroy,
};

static drmModeConnector *first_connected(int fd, drmModeRes *res)
{
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);

		if (c && c->connection == DRM_MODE_CONNECTED && c->count_modes) {
			return c;
		}
		drmModeFreeConnector(c);
	}
	return NULL;
}

static const drmModeModeInfo *preferred_mode(const drmModeConnector *c)
{
	for (int i = 0; i < c->count_modes; i++) {
		if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			return &c->modes[i];
		}
	}
	return &c->modes[0];
}

/* Sets the preferred mode on the first CRTC with buffer 0 showing. */
static int kms_modeset(struct kms_out *k, drmModeRes *res)
{
	drmModeConnector *conn = first_connected(k->fd, res);
	drmModeModeInfo mode;
	int ret = -ENODEV;

	if (!conn || !res->count_crtcs) {
		goto out;
	}
	mode = *preferred_mode(conn);
	k->crtc_id = res->crtcs[0];
	k->base.width = mode.hdisplay;
	k->base.height = mode.vdisplay;
	for (int i = 0; i < 2; i++) {
		ret = buffer_create(k->fd, mode.hdisplay, mode.vdisplay, &k->buf[i],
				    &k->base.stride);
		if (ret) {
			goto out;
		}
	}
	k->saved_crtc = drmModeGetCrtc(k->fd, k->crtc_id);
	ret = drmModeSetCrtc(k->fd, k->crtc_id, k->buf[0].fb_id, 0, 0,
			     &conn->connector_id, 1, &mode) ? -errno : 0;
	k->back = 1;
out:
	drmModeFreeConnector(conn);
	return ret;
}

struct anim_out *anim_kms_create(const char *path)
{
	struct kms_out *k = calloc(1, sizeof(*k));
	drmModeRes *res;
	int ret;

	if (!k) {
		return NULL;
	}
	k->fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		fprintf(stderr, "anim: %s: %s (is xen_vgpu loaded, with feature-scanout?)\n",
			path, strerror(errno));
		goto err_free;
	}
	res = drmModeGetResources(k->fd);
	if (!res) {
		fprintf(stderr, "anim: %s has no modesetting: %s\n", path, strerror(errno));
		goto err_close;
	}
	ret = kms_modeset(k, res);
	drmModeFreeResources(res);
	if (ret) {
		fprintf(stderr, "anim: %s: mode setting failed: %s\n", path, strerror(-ret));
		k->base.impl = &kms_impl;
		kms_destroy(&k->base);
		return NULL;
	}
	k->base.impl = &kms_impl;
	k->base.name = "kms";
	return &k->base;

err_close:
	close(k->fd);
err_free:
	free(k);
	return NULL;
}
