/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KMS clients share (tests/progs/kmspattern and kmsgl, and the
 * screen benchmark's bench/screen/anim_kms.c and gl_kms.c): the first
 * connected connector's preferred mode on the first CRTC, and a page
 * flip that returns once its event came.
 */
#ifndef VGPU_KMS_TARGET_H
#define VGPU_KMS_TARGET_H

#include <stdint.h>
#include <xf86drmMode.h>

struct kms_target {
	int fd;
	uint32_t connector_id;
	uint32_t crtc_id;
	drmModeModeInfo mode;
};

/* The first connector with a display and modes, or NULL; free it. */
drmModeConnector *kms_first_connected(int fd, const drmModeRes *res);
/* The connector's preferred mode, else its first. */
const drmModeModeInfo *kms_preferred_mode(const drmModeConnector *c);

/* Opens PATH and picks connector, CRTC and mode; 0 or -errno. */
int kms_target_open(const char *path, struct kms_target *t);
/* Shows fb_id in the mode: the first frame. */
int kms_target_set(struct kms_target *t, uint32_t fb_id);
/* Flips to fb_id and waits for the flip's event; 0 or -errno. */
int kms_target_flip(struct kms_target *t, uint32_t fb_id);
/* An XRGB8888 framebuffer of the mode's size on a GEM handle. */
int kms_target_add_fb(struct kms_target *t, uint32_t handle, uint32_t pitch,
		      uint32_t *fb_id);
/* The driver gives the screen back to its console on the last close. */
void kms_target_close(struct kms_target *t);

#endif /* VGPU_KMS_TARGET_H */
