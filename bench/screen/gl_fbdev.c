/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 3D output of a vfb= guest: llvmpipe renders into a renderbuffer of
 * a surfaceless EGL context, and each frame is read back and written
 * into Xen's PV framebuffer (anim_fbdev.c maps it), bottom row last, as
 * a software GL stack on fbdev must.
 */
#include <stdio.h>
#include <stdlib.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h>

#include "anim.h"
#include "gl.h"

struct gl_fbdev {
	struct gl_out base;
	struct anim_out *fb;
	EGLDisplay dpy;
	EGLContext ctx;
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

static void fbdev_destroy(struct gl_out *out)
{
	struct gl_fbdev *g = (struct gl_fbdev *)out;

	if (g->dpy != EGL_NO_DISPLAY) {
		eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
		if (g->ctx != EGL_NO_CONTEXT) {
			eglDestroyContext(g->dpy, g->ctx);
		}
		eglTerminate(g->dpy);
	}
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

/* A surfaceless context has no framebuffer of its own: give it one. */
static void make_target(uint32_t w, uint32_t h)
{
	GLuint fbo, rbo;

	glGenRenderbuffers(1, &rbo);
	glBindRenderbuffer(GL_RENDERBUFFER, rbo);
	glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8_OES, w, h);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
				  GL_RENDERBUFFER, rbo);
}

static int egl_start(struct gl_fbdev *g)
{
	static const EGLint ctx_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };

	g->dpy = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA,
				       EGL_DEFAULT_DISPLAY, NULL);
	if (g->dpy == EGL_NO_DISPLAY || !eglInitialize(g->dpy, NULL, NULL) ||
	    !eglBindAPI(EGL_OPENGL_ES_API)) {
		return -1;
	}
	g->ctx = eglCreateContext(g->dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT,
				  ctx_attrs);
	if (g->ctx == EGL_NO_CONTEXT ||
	    !eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, g->ctx)) {
		return -1;
	}
	make_target(g->base.width, g->base.height);
	return glCheckFramebufferStatus(GL_FRAMEBUFFER) ==
	       GL_FRAMEBUFFER_COMPLETE ? 0 : -1;
}

struct gl_out *gl_fbdev_create(const char *path)
{
	struct gl_fbdev *g = calloc(1, sizeof(*g));

	if (!g) {
		return NULL;
	}
	g->dpy = EGL_NO_DISPLAY;
	g->ctx = EGL_NO_CONTEXT;
	g->fb = anim_fbdev_create(path);
	if (!g->fb) {
		goto err;
	}
	g->base = (struct gl_out){ .impl = &fbdev_impl, .name = "fbdev",
		.width = g->fb->width, .height = g->fb->height };
	g->rgba = malloc((size_t)g->base.width * g->base.height * 4);
	if (!g->rgba || egl_start(g)) {
		fprintf(stderr, "screen-gl: no surfaceless EGL context (EGL error 0x%x)\n",
			eglGetError());
		goto err;
	}
	return &g->base;
err:
	fbdev_destroy(&g->base);
	return NULL;
}
