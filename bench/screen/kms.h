/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's KMS outputs share (anim_kms.c, gl_kms.c): the
 * first connected connector's preferred mode on the first CRTC, and a
 * page flip that returns once its event came.
 */
#ifndef VGPU_BENCH_SCREEN_KMS_H
#define VGPU_BENCH_SCREEN_KMS_H

#include <stdint.h>
#include <xf86drmMode.h>

struct kms_target {
	int fd;
	uint32_t connector_id;
	uint32_t crtc_id;
	drmModeModeInfo mode;
};

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

#endif /* VGPU_BENCH_SCREEN_KMS_H */
