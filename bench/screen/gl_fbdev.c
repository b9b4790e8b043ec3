/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 3D output of a vfb= guest: llvmpipe renders into a renderbuffer of
 * a surfaceless EGL context (tests/progs/common/gl_offscreen.c), and each
 * frame is read back and written into Xen's PV framebuffer (anim_fbdev.c
 * maps it), bottom row last, as a software GL stack on fbdev must.
 */
#include <stdlib.h>

#include "anim.h"
#include "gl.h"
#include "gl_offscreen.h"

struct gl_fbdev {
	struct gl_out base;
	struct anim_out *fb;
	uint8_t *rgba;          /* one frame as glReadPixels gives it */
};

static int fbdev_present(struct gl_out *out)
{
	struct gl_fbdev *g = (struct gl_fbdev *)out;
	uint32_t w = out->width, h = out->height;
	uint32_t *px = g->fb->impl->back(g->fb);

	glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, g->rgba);
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *src = g->rgba + (size_t)(h - 1 - y) * w * 4;
		uint32_t *row = (uint32_t *)((char *)px + (size_t)y * g->fb->stride);

		for (uint32_t x = 0; x < w; x++, src += 4) {
			row[x] = (uint32_t)src[0] << 16 | src[1] << 8 | src[2];
		}
	}
	return g->fb->impl->present(g->fb);
}

/* The context goes with the process. */
static void fbdev_destroy(struct gl_out *out)
{
	struct gl_fbdev *g = (struct gl_fbdev *)out;

	if (g->fb) {
		g->fb->impl->destroy(g->fb);
	}
	free(g->rgba);
	free(g);
}

static const struct gl_out_impl fbdev_impl = {
	.present = fbdev_present,
	.destroy = fbdev_destroy,
};

struct gl_out *gl_fbdev_create(const char *path)
{
	struct gl_fbdev *g = calloc(1, sizeof(*g));

	if (!g) {
		return NULL;
	}
	g->fb = anim_fbdev_create(path);
	if (!g->fb) {
		goto err;
	}
	g->base = (struct gl_out){ .impl = &fbdev_impl, .name = "fbdev",
		.width = g->fb->width, .height = g->fb->height };
	g->rgba = malloc((size_t)g->base.width * g->base.height * 4);
	if (!g->rgba) {
		goto err;
	}
	/* Both exit with the reason when EGL or the framebuffer fails. */
	gl_offscreen_init("screen-gl", 2);
	gl_offscreen_target(g->base.width, g->base.height);
	return &g->base;
err:
	fbdev_destroy(&g->base);
	return NULL;
}
