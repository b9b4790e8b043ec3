/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side of the screen benchmark: an animation of full frames,
 * each stamped (stamp.h), drawn into one of two outputs behind one
 * interface: Xen's PV framebuffer through fbdev (anim_fbdev.c), or a KMS
 * device with two dumb buffers and page flips (anim_kms.c).
 */
#ifndef VGPU_BENCH_SCREEN_ANIM_H
#define VGPU_BENCH_SCREEN_ANIM_H

#include <stdint.h>

struct anim_out;

struct anim_out_impl {
	/* The buffer the next frame is drawn into. */
	uint32_t *(*back)(struct anim_out *out);
	/*
	 * Shows what was drawn into back(). Returns once the output took the
	 * frame (for KMS: the flip completed), 0 or -errno.
	 */
	int (*present)(struct anim_out *out);
	void (*destroy)(struct anim_out *out);
};

struct anim_out {
	const struct anim_out_impl *impl;
	const char *name;
	uint32_t width;
	uint32_t height;
	uint32_t stride;        /* bytes from one row to the next */
};

/* Each prints why it failed and returns NULL. */
struct anim_out *anim_fbdev_create(const char *path);
struct anim_out *anim_kms_create(const char *path);

#endif /* VGPU_BENCH_SCREEN_ANIM_H */
