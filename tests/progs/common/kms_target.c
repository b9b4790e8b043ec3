/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KMS target of the test and benchmark clients: one connector, one CRTC, one mode, and
 * flips that wait for their event, which the driver sends when the
 * display latched the frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xf86drm.h>

#include "kms_target.h"

/* A flip the display has not answered in this long is lost. */
#define FLIP_TIMEOUT_MS         3000

drmModeConnector *kms_first_connected(int fd, const drmModeRes *res)
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

const drmModeModeInfo *kms_preferred_mode(const drmModeConnector *c)
{
	for (int i = 0; i < c->count_modes; i++) {
		if (c->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			return &c->modes[i];
		}
	}
	return &c->modes[0];
}

int kms_target_open(const char *path, struct kms_target *t)
{
	drmModeConnector *conn = NULL;
	drmModeRes *res;
	int ret = -ENODEV;

	memset(t, 0, sizeof(*t));
	t->fd = open(path, O_RDWR | O_CLOEXEC);
	if (t->fd < 0) {
		return -errno;
	}
	res = drmModeGetResources(t->fd);
	if (!res) {
		goto err_close;
	}
	conn = kms_first_connected(t->fd, res);
	if (conn && res->count_crtcs) {
		t->connector_id = conn->connector_id;
		t->crtc_id = res->crtcs[0];
		t->mode = *kms_preferred_mode(conn);
		ret = 0;
	}
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	if (ret) {
		goto err_close;
	}
	return 0;

err_close:
	close(t->fd);
	t->fd = -1;
	return ret;
}

int kms_target_set(struct kms_target *t, uint32_t fb_id)
{
	return drmModeSetCrtc(t->fd, t->crtc_id, fb_id, 0, 0, &t->connector_id,
			      1, &t->mode) ? -errno : 0;
}

static void flip_done(int fd, unsigned int seq, unsigned int sec,
		      unsigned int usec, void *data)
{
	(void)fd; (void)seq; (void)sec; (void)usec;
	*(int *)data = 1;
}

int kms_target_flip(struct kms_target *t, uint32_t fb_id)
{
	drmEventContext ev = { .version = 2, .page_flip_handler = flip_done };
	struct pollfd p = { .fd = t->fd, .events = POLLIN };
	int done = 0;

	if (drmModePageFlip(t->fd, t->crtc_id, fb_id, DRM_MODE_PAGE_FLIP_EVENT,
			    &done)) {
		return -errno;
	}
	while (!done) {
		int n = poll(&p, 1, FLIP_TIMEOUT_MS);

		if (n <= 0) {
			return n ? -errno : -ETIMEDOUT;
		}
		if (drmHandleEvent(t->fd, &ev)) {
			return -EIO;
		}
	}
	return 0;
}

int kms_target_add_fb(struct kms_target *t, uint32_t handle, uint32_t pitch,
		      uint32_t *fb_id)
{
	uint32_t handles[4] = { handle }, pitches[4] = { pitch }, offsets[4] = { 0 };

	return drmModeAddFB2(t->fd, t->mode.hdisplay, t->mode.vdisplay,
			     DRM_FORMAT_XRGB8888, handles, pitches, offsets,
			     fb_id, 0) ? -errno : 0;
}

void kms_target_close(struct kms_target *t)
{
	if (t->fd >= 0) {
		close(t->fd);
	}
}
