/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An EGL context on Mesa's surfaceless platform, for the GL programs the
 * tests run and for the benchmarks' GL client. See harness.h.
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <stddef.h>

#include "harness.h"

const char *harness_egl_surfaceless(int es_version)
{
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_dpy;
	const EGLint cfg_attr[] = {
		EGL_RENDERABLE_TYPE,
		!es_version ? EGL_OPENGL_BIT :
		es_version >= 3 ? EGL_OPENGL_ES3_BIT : EGL_OPENGL_ES2_BIT,
		EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_NONE
	};
	const EGLint ctx_attr[] = {
		EGL_CONTEXT_CLIENT_VERSION, es_version, EGL_NONE
	};
	EGLDisplay dpy;
	EGLConfig cfg;
	EGLContext ctx;
	EGLint n;

	get_dpy = (PFNEGLGETPLATFORMDISPLAYEXTPROC)
		eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get_dpy) {
		return "eglGetPlatformDisplayEXT is missing";
	}
	dpy = get_dpy(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, NULL, NULL)) {
		return "cannot initialise the surfaceless EGL display";
	}
	if (!eglBindAPI(es_version ? EGL_OPENGL_ES_API : EGL_OPENGL_API)) {
		return es_version ? "eglBindAPI(GLES) failed" :
				    "eglBindAPI(GL) failed";
	}
	if (!eglChooseConfig(dpy, cfg_attr, &cfg, 1, &n) || n < 1) {
		return es_version ? "no GL ES EGL config" : "no GL EGL config";
	}
	ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT,
			       es_version ? ctx_attr : NULL);
	if (ctx == EGL_NO_CONTEXT) {
		return "eglCreateContext failed";
	}
	if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
		return "eglMakeCurrent (surfaceless) failed";
	}
	return NULL;
}
