/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 3D output of a vgpu= guest: stock Mesa renders through GBM and EGL
 * on the KMS device into scanout buffers, and each frame is shown by a
 * page flip that waits for its event. Nothing is read back in the guest:
 * dom0 reads the flipped resource once, for its display.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <gbm.h>
#include <xf86drmMode.h>

#include "gl.h"
#include "kms_target.h"

struct gl_kms {
	struct gl_out base;
	struct kms_target target;
	struct gbm_device *gbm;
	struct gbm_surface *surface;
	EGLDisplay dpy;
	EGLContext ctx;
	EGLSurface egl_surface;
	struct gbm_bo *shown;   /* on the screen; Mesa may not draw into it */
};

static void fb_destroy(struct gbm_bo *bo, void *fb_id)
{
	drmModeRmFB(gbm_device_get_fd(gbm_bo_get_device(bo)),
		    (uint32_t)(uintptr_t)fb_id);
}

/* The framebuffer of a GBM buffer, made the first time it is shown. */
static int fb_of(struct gl_kms *k, struct gbm_bo *bo, uint32_t *fb_id)
{
	int ret;

	*fb_id = (uint32_t)(uintptr_t)gbm_bo_get_user_data(bo);
	if (*fb_id) {
		return 0;
	}
	ret = kms_target_add_fb(&k->target, gbm_bo_get_handle(bo).u32,
				gbm_bo_get_stride(bo), fb_id);
	if (!ret) {
		gbm_bo_set_user_data(bo, (void *)(uintptr_t)*fb_id, fb_destroy);
	}
	return ret;
}

static int kms_present(struct gl_out *out)
{
	struct gl_kms *k = (struct gl_kms *)out;
	struct gbm_bo *bo;
	uint32_t fb_id;
	int ret;

	if (!eglSwapBuffers(k->dpy, k->egl_surface)) {
		return -EIO;
	}
	bo = gbm_surface_lock_front_buffer(k->surface);
	if (!bo) {
		return -ENOMEM;
	}
	ret = fb_of(k, bo, &fb_id);
	if (!ret) {
		ret = k->shown ? kms_target_flip(&k->target, fb_id)
			       : kms_target_set(&k->target, fb_id);
	}
	if (ret) {
		gbm_surface_release_buffer(k->surface, bo);
		return ret;
	}
	if (k->shown) {
		gbm_surface_release_buffer(k->surface, k->shown);
	}
	k->shown = bo;
	return 0;
}

static void kms_destroy(struct gl_out *out)
{
	struct gl_kms *k = (struct gl_kms *)out;

	if (k->dpy != EGL_NO_DISPLAY) {
		eglMakeCurrent(k->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
		if (k->egl_surface != EGL_NO_SURFACE) {
			eglDestroySurface(k->dpy, k->egl_surface);
		}
		if (k->ctx != EGL_NO_CONTEXT) {
			eglDestroyContext(k->dpy, k->ctx);
		}
		eglTerminate(k->dpy);
	}
	if (k->surface) {
		gbm_surface_destroy(k->surface);
	}
	if (k->gbm) {
		gbm_device_destroy(k->gbm);
	}
	kms_target_close(&k->target);
	free(k);
}

static const struct gl_out_impl kms_impl = {
	.present = kms_present,
	.destroy = kms_destroy,
};

/* A window config whose buffers are XRGB8888, what the screen shows. */
static EGLConfig xrgb_config(EGLDisplay dpy)
{
	static const EGLint attrs[] = {
		EGL_SURFACE_TYPE, EGL_WINDOW_BIT, EGL_RED_SIZE, 8,
		EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 0,
		EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT, EGL_NONE
	};
	EGLConfig configs[64];
	EGLint n = 0, id;

	if (!eglChooseConfig(dpy, attrs, configs, 64, &n)) {
		return NULL;
	}
	for (EGLint i = 0; i < n; i++) {
		if (eglGetConfigAttrib(dpy, configs[i], EGL_NATIVE_VISUAL_ID, &id) &&
		    id == GBM_FORMAT_XRGB8888) {
			return configs[i];
		}
	}
	return NULL;
}

static int egl_start(struct gl_kms *k)
{
	static const EGLint ctx_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	EGLConfig config;

	k->gbm = gbm_create_device(k->target.fd);
	k->surface = k->gbm ? gbm_surface_create(k->gbm, k->base.width, k->base.height,
						 GBM_FORMAT_XRGB8888,
						 GBM_BO_USE_SCANOUT | GBM_BO_USE_RENDERING)
			    : NULL;
	if (!k->surface) {
		return -1;
	}
	k->dpy = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, k->gbm, NULL);
	if (k->dpy == EGL_NO_DISPLAY || !eglInitialize(k->dpy, NULL, NULL) ||
	    !eglBindAPI(EGL_OPENGL_ES_API) || !(config = xrgb_config(k->dpy))) {
		return -1;
	}
	k->ctx = eglCreateContext(k->dpy, config, EGL_NO_CONTEXT, ctx_attrs);
	k->egl_surface = eglCreatePlatformWindowSurface(k->dpy, config, k->surface, NULL);
	if (k->ctx == EGL_NO_CONTEXT || k->egl_surface == EGL_NO_SURFACE) {
		return -1;
	}
	return eglMakeCurrent(k->dpy, k->egl_surface, k->egl_surface, k->ctx) ? 0 : -1;
}

struct gl_out *gl_kms_create(const char *path)
{
	struct gl_kms *k = calloc(1, sizeof(*k));
	int ret;

	if (!k) {
		return NULL;
	}
	k->dpy = EGL_NO_DISPLAY;
	k->ctx = EGL_NO_CONTEXT;
	k->egl_surface = EGL_NO_SURFACE;
	ret = kms_target_open(path, &k->target);
	if (ret) {
		fprintf(stderr, "screen-gl: %s: no KMS screen: %s\n", path, strerror(-ret));
		free(k);
		return NULL;
	}
	k->base = (struct gl_out){ .impl = &kms_impl, .name = "kms",
		.width = k->target.mode.hdisplay, .height = k->target.mode.vdisplay };
	if (egl_start(k)) {
		fprintf(stderr, "screen-gl: %s: no GBM/EGL window (EGL error 0x%x)\n",
			path, eglGetError());
		kms_destroy(&k->base);
		return NULL;
	}
	return &k->base;
}
