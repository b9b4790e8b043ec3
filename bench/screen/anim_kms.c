/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The animation's KMS output: two dumb buffers in the preferred mode,
 * shown by page flips. present() flips to the buffer just drawn and
 * waits for the flip event, which the driver sends when the display has
 * latched the frame; the other buffer is then free to draw into. This is
 * what a compositor does, without GL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xf86drm.h>

#include "anim.h"
#include "kms_target.h"

struct kms_buffer {
	uint32_t handle;
	uint32_t fb_id;
	void *map;
	uint64_t size;
};

struct kms_out {
	struct anim_out base;
	struct kms_target target;
	struct kms_buffer buf[2];
	unsigned int back;      /* index of the buffer drawn into next */
};

static int buffer_create(struct kms_target *t, struct kms_buffer *b,
			 uint32_t *stride)
{
	struct drm_mode_create_dumb create = {
		.width = t->mode.hdisplay, .height = t->mode.vdisplay, .bpp = 32,
	};
	struct drm_mode_map_dumb map = { 0 };
	int ret;

	if (drmIoctl(t->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		return -errno;
	}
	b->handle = create.handle;
	b->size = create.size;
	*stride = create.pitch;
	ret = kms_target_add_fb(t, create.handle, create.pitch, &b->fb_id);
	if (ret) {
		return ret;
	}
	map.handle = create.handle;
	if (drmIoctl(t->fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		return -errno;
	}
	b->map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd,
		      map.offset);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		return -errno;
	}
	return 0;
}

static void buffer_destroy(int fd, struct kms_buffer *b)
{
	struct drm_mode_destroy_dumb destroy = { .handle = b->handle };

	if (b->map) {
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

static int kms_present(struct anim_out *out)
{
	struct kms_out *k = (struct kms_out *)out;
	int ret = kms_target_flip(&k->target, k->buf[k->back].fb_id);

	if (!ret) {
		k->back ^= 1;
	}
	return ret;
}

static void kms_destroy(struct anim_out *out)
{
	struct kms_out *k = (struct kms_out *)out;

	buffer_destroy(k->target.fd, &k->buf[0]);
	buffer_destroy(k->target.fd, &k->buf[1]);
	kms_target_close(&k->target);
	free(k);
}

static const struct anim_out_impl kms_impl = {
	.back = kms_back,
	.present = kms_present,
	.destroy = kms_destroy,
};

static int kms_start(struct kms_out *k)
{
	int ret;

	for (int i = 0; i < 2; i++) {
		ret = buffer_create(&k->target, &k->buf[i], &k->base.stride);
		if (ret) {
			return ret;
		}
	}
	k->back = 1;
	return kms_target_set(&k->target, k->buf[0].fb_id);
}

struct anim_out *anim_kms_create(const char *path)
{
	struct kms_out *k = calloc(1, sizeof(*k));
	int ret;

	if (!k) {
		return NULL;
	}
	ret = kms_target_open(path, &k->target);
	if (ret) {
		fprintf(stderr, "anim: %s: no KMS screen: %s (is xen_vgpu loaded, with feature-scanout?)\n",
			path, strerror(-ret));
		free(k);
		return NULL;
	}
	k->base = (struct anim_out){ .impl = &kms_impl, .name = "kms",
		.width = k->target.mode.hdisplay, .height = k->target.mode.vdisplay };
	ret = kms_start(k);
	if (ret) {
		fprintf(stderr, "anim: %s: mode setting failed: %s\n", path, strerror(-ret));
		kms_destroy(&k->base);
		return NULL;
	}
	return &k->base;
}
