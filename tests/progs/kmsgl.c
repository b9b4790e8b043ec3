/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmsgl: GPU-rendered frames on the screen of the guest kernel driver:
 * stock Mesa renders through GBM and EGL into scanout buffers of DEVICE
 * (default /dev/dri/card0), which are shown with page flips, each waiting
 * for its event. Each frame is cleared to a colour of its own. Reports
 * the renderer and the frame rate; the last frame's colour is (0x20,
 * 0x80, 0xe0) whatever the number of frames, so that a screenshot can be
 * checked.
 *
 *   kmsgl [--device PATH] [--frames N] [--hold SECONDS]
 *
 * Exit status: 0 done, 1 failed, 2 usage.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <drm_fourcc.h>
#include <gbm.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms_target.h"

#define FLIP_TIMEOUT_MS	5000
#define MAX_BOS		4

struct fb_cache {
	struct gbm_bo *bo[MAX_BOS];
	uint32_t fb[MAX_BOS];
	int count;
};

static int flip_pending;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void flip_handler(int fd, unsigned int seq, unsigned int sec,
			 unsigned int usec, void *data)
{
	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	(void)data;
	flip_pending = 0;
}

static int wait_flip(int fd)
{
	drmEventContext ev = { .version = 2,
			       .page_flip_handler = flip_handler };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (flip_pending) {
		if (poll(&pfd, 1, FLIP_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "kmsgl: no flip event in %d ms\n",
				FLIP_TIMEOUT_MS);
			return -1;
		}
		if (drmHandleEvent(fd, &ev)) {
			return -1;
		}
	}
	return 0;
}

/* The framebuffer of a GBM buffer, made the first time it is seen. */
static int fb_for(int fd, struct fb_cache *c, struct gbm_bo *bo, uint32_t w,
		  uint32_t h, uint32_t *fb)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	int i;

	for (i = 0; i < c->count; i++) {
		if (c->bo[i] == bo) {
			*fb = c->fb[i];
			return 0;
		}
	}
	if (c->count == MAX_BOS) {
		fprintf(stderr, "kmsgl: more than %d GBM buffers\n", MAX_BOS);
		return -1;
	}
	handles[0] = gbm_bo_get_handle(bo).u32;
	pitches[0] = gbm_bo_get_stride(bo);
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches,
			  offsets, fb, 0)) {
		perror("kmsgl: addfb2 of a GBM buffer");
		return -1;
	}
	c->bo[c->count] = bo;
	c->fb[c->count++] = *fb;
	return 0;
}

static EGLConfig pick_config(EGLDisplay dpy)
{
	static const EGLint attrs[] = {
		EGL_SURFACE_TYPE, EGL_WINDOW_BIT,
		EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8,
		EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT,
		EGL_NONE
	};
	EGLConfig configs[64];
	EGLint n = 0, id, i;

	if (!eglChooseConfig(dpy, attrs, configs, 64, &n)) {
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (eglGetConfigAttrib(dpy, configs[i], EGL_NATIVE_VISUAL_ID,
				       &id) && id == DRM_FORMAT_XRGB8888) {
			return configs[i];
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const EGLint ctx_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2,
					    EGL_NONE };
	const char *device = "/dev/dri/card0";
	long frames = 120, hold = 0, i;
	struct fb_cache cache = { 0 };
	struct gbm_bo *bo, *prev = NULL;
	struct gbm_surface *surface;
	struct gbm_device *gbm;
	drmModeConnector *conn;
	drmModeModeInfo mode;
	drmModeRes *res;
	EGLDisplay dpy;
	EGLConfig config;
	EGLContext ctx;
	EGLSurface surf;
	uint32_t fb, crtc;
	double t0, t;
	int fd;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc) {
			fprintf(stderr, "usage: kmsgl [--device PATH] "
				"[--frames N] [--hold SECONDS]\n");
			return 2;
		}
		if (!strcmp(argv[i], "--device")) {
			device = argv[++i];
		} else if (!strcmp(argv[i], "--frames")) {
			frames = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--hold")) {
			hold = strtol(argv[++i], NULL, 10);
		} else {
			fprintf(stderr, "kmsgl: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (frames < 1 || hold < 0) {
		return 2;
	}

	fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(device);
		return 1;
	}
	res = drmModeGetResources(fd);
	conn = res ? kms_first_connected(fd, res) : NULL;
	if (!conn || !res->count_crtcs) {
		printf("kmsgl: %s has no connected connector\n", device);
		return 1;
	}
	mode = *kms_preferred_mode(conn);
	crtc = res->crtcs[0];

	gbm = gbm_create_device(fd);
	surface = gbm ? gbm_surface_create(gbm, mode.hdisplay,
					   mode.vdisplay,
					   DRM_FORMAT_XRGB8888,
					   GBM_BO_USE_SCANOUT |
					   GBM_BO_USE_RENDERING) : NULL;
	if (!surface) {
		fprintf(stderr, "kmsgl: no GBM device or surface\n");
		return 1;
	}
	dpy = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, NULL, NULL) ||
	    !eglBindAPI(EGL_OPENGL_ES_API)) {
		fprintf(stderr, "kmsgl: no EGL display on GBM\n");
		return 1;
	}
	config = pick_config(dpy);
	ctx = config ? eglCreateContext(dpy, config, EGL_NO_CONTEXT,
					ctx_attrs) : EGL_NO_CONTEXT;
	surf = ctx != EGL_NO_CONTEXT ?
	       eglCreateWindowSurface(dpy, config,
				      (EGLNativeWindowType)surface, NULL) :
	       EGL_NO_SURFACE;
	if (surf == EGL_NO_SURFACE || !eglMakeCurrent(dpy, surf, surf, ctx)) {
		fprintf(stderr, "kmsgl: no EGL context or window surface\n");
		return 1;
	}
	printf("kmsgl: GL_RENDERER: %s, %ux%u\n",
	       (const char *)glGetString(GL_RENDERER), mode.hdisplay,
	       mode.vdisplay);

	t0 = now();
	for (i = 0; i < frames; i++) {
		if (i == frames - 1) {
			glClearColor(0x20 / 255.0f, 0x80 / 255.0f,
				     0xe0 / 255.0f, 1.0f);
		} else {
			glClearColor((i % 7) / 7.0f, (i % 11) / 11.0f,
				     (i % 13) / 13.0f, 1.0f);
		}
		glClear(GL_COLOR_BUFFER_BIT);
		if (!eglSwapBuffers(dpy, surf)) {
			fprintf(stderr, "kmsgl: eglSwapBuffers failed\n");
			return 1;
		}
		bo = gbm_surface_lock_front_buffer(surface);
		if (!bo || fb_for(fd, &cache, bo, mode.hdisplay,
				  mode.vdisplay, &fb)) {
			return 1;
		}
		if (!i) {
			if (drmModeSetCrtc(fd, crtc, fb, 0, 0,
					   &conn->connector_id, 1, &mode)) {
				perror("kmsgl: set crtc");
				return 1;
			}
		} else {
			flip_pending = 1;
			if (drmModePageFlip(fd, crtc, fb,
					    DRM_MODE_PAGE_FLIP_EVENT, NULL)) {
				perror("kmsgl: page flip");
				return 1;
			}
			if (wait_flip(fd)) {
				return 1;
			}
		}
		if (prev) {
			gbm_surface_release_buffer(surface, prev);
		}
		prev = bo;
	}
	t = now() - t0;
	printf("kmsgl: %ld frames in %.2f s: %.1f frames/s\n", frames, t,
	       frames / t);
	if (hold) {
		printf("kmsgl: holding the screen for %ld s\n", hold);
		fflush(stdout);
		sleep(hold);
	}
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglTerminate(dpy);
	gbm_device_destroy(gbm);
	return 0;
}
