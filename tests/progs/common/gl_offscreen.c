/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EGL surfaceless setup (the test-support library's, shared with the
 * benchmarks' GL client) and shader programs for the GL test programs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gl_offscreen.h"
#include "harness.h"

void gl_offscreen_die(const char *prog, const char *msg)
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	exit(1);
}

void gl_offscreen_init(const char *prog, int es_version)
{
	const char *failed = harness_egl_surfaceless(es_version);

	if (failed) {
		gl_offscreen_die(prog, failed);
	}
}

static GLuint shader(const char *prog, GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;
	char log[512];

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		fprintf(stderr, "%s: shader: %s\n", prog, log);
		exit(1);
	}
	return s;
}

GLuint gl_offscreen_program(const char *prog, const char *vs, const char *fs)
{
	GLuint p = glCreateProgram();
	GLint ok = 0;

	glAttachShader(p, shader(prog, GL_VERTEX_SHADER, vs));
	glAttachShader(p, shader(prog, GL_FRAGMENT_SHADER, fs));
	glBindAttribLocation(p, 0, "pos");
	glBindAttribLocation(p, 1, "attr");
	glLinkProgram(p);
	glGetProgramiv(p, GL_LINK_STATUS, &ok);
	if (!ok) {
		gl_offscreen_die(prog, "program link failed");
	}
	return p;
}

void gl_offscreen_target(int width, int height)
{
	GLuint fbo, rb;

	glGenRenderbuffers(1, &rb);
	glBindRenderbuffer(GL_RENDERBUFFER, rb);
	glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
				  GL_RENDERBUFFER, rb);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) !=
	    GL_FRAMEBUFFER_COMPLETE) {
		gl_offscreen_die("gl_offscreen", "framebuffer incomplete");
	}
	glViewport(0, 0, width, height);
}

void gl_offscreen_write_ppm(const char *prog, const char *path, int width,
			    int height, const unsigned char *rgba)
{
	FILE *f = fopen(path, "wb");
	int y;

	if (!f) {
		gl_offscreen_die(prog, "cannot open the image file");
	}
	fprintf(f, "P6\n%d %d\n255\n", width, height);
	for (y = height - 1; y >= 0; y--) {
		for (int x = 0; x < width; x++) {
			fwrite(&rgba[((size_t)y * width + x) * 4], 1, 3, f);
		}
	}
	if (fclose(f)) {
		gl_offscreen_die(prog, "cannot write the image file");
	}
}

void gl_offscreen_fill_options(const char *prog, int argc, char **argv,
			       unsigned int *max, unsigned int *hold)
{
	char usage[128];
	int i;

	for (i = 1; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "--max")) {
			*max = (unsigned int)atoi(argv[i + 1]);
		} else if (i + 1 < argc && !strcmp(argv[i], "--hold")) {
			*hold = (unsigned int)atoi(argv[i + 1]);
		} else {
			snprintf(usage, sizeof(usage),
				 "usage: %s [--max N] [--hold S]", prog);
			gl_offscreen_die(prog, usage);
		}
	}
}
