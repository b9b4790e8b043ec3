/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the GL test programs share: an EGL surfaceless GL ES context (no
 * window system: the same on llvmpipe and on virpipe through vtest) and
 * shader programs that exit with the compiler's log when they fail.
 */
#ifndef GL_OFFSCREEN_H
#define GL_OFFSCREEN_H

#include <GLES3/gl3.h>

/* Makes a GL ES es_version (2 or 3) context current; exits on failure. */
void gl_offscreen_init(const char *prog, int es_version);

/*
 * Compiles and links vs and fs, binding attribute 0 to "pos" and 1 to
 * "attr". Exits on failure.
 */
GLuint gl_offscreen_program(const char *prog, const char *vs,
			    const char *fs);

/*
 * Binds a width x height RGBA8 renderbuffer as the draw target and sets
 * the viewport: a surfaceless context has no framebuffer of its own.
 * Exits if the driver cannot render to it.
 */
void gl_offscreen_target(int width, int height);

/*
 * Parses the options of the programs that fill the host until refused,
 * "[--max N] [--hold S]", into *max and *hold (left as they are when
 * not given); exits with a usage line on anything else.
 */
void gl_offscreen_fill_options(const char *prog, int argc, char **argv,
			       unsigned int *max, unsigned int *hold);

/*
 * Writes width x height RGBA pixels as glReadPixels gives them (bottom
 * row first) to path as a binary PPM, top row first. Exits on failure.
 */
void gl_offscreen_write_ppm(const char *prog, const char *path, int width,
			    int height, const unsigned char *rgba);

/* Prints "prog: msg" and exits 1. */
void gl_offscreen_die(const char *prog, const char *msg)
	__attribute__((noreturn));

#endif /* GL_OFFSCREEN_H */
