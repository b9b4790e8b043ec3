/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 3D half of the screen benchmark: a GL ES 2 scene drawn each frame
 * into one of two outputs behind one interface, each of which makes its
 * own context current with a width x height draw framebuffer:
 *   gl_fbdev.c  what a vfb= guest has: llvmpipe in the guest, each frame
 *               read back into Xen's PV framebuffer;
 *   gl_kms.c    stock Mesa on our KMS device through GBM and EGL, each
 *               frame shown by a page flip.
 */
#ifndef VGPU_BENCH_SCREEN_GL_H
#define VGPU_BENCH_SCREEN_GL_H

#include <stdint.h>

struct gl_out;

struct gl_out_impl {
	/* Shows the frame drawn; returns once the output took it. */
	int (*present)(struct gl_out *out);
	void (*destroy)(struct gl_out *out);
};

struct gl_out {
	const struct gl_out_impl *impl;
	const char *name;
	uint32_t width;
	uint32_t height;
};

/* Each prints why it failed and returns NULL. */
struct gl_out *gl_fbdev_create(const char *path);
struct gl_out *gl_kms_create(const char *path);

#endif /* VGPU_BENCH_SCREEN_GL_H */
