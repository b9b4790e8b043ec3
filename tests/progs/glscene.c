/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glscene: draws one fixed GL ES 2 scene off-screen and writes it as PPM.
 *
 *   glscene [--abort-after-submit] [--frames N] [--pause FIFO] OUT.ppm
 *
 * The scene has per-vertex coloured triangles, a 64x64 texture uploaded
 * with glTexImage2D, and alpha blending, rendered into a 256x256 FBO on
 * an EGL surfaceless context, then read back with glReadPixels. The image
 * depends only on the GL implementation's rasterisation, so the same
 * program on llvmpipe and through virgl must give (nearly) the same
 * pixels. GL_RENDERER goes to stderr as "GL_RENDERER: ...".
 *
 * --frames N draws the scene N times (reading back each time) before the
 * last readback is written; more traffic through the driver.
 * --abort-after-submit issues the draw calls and glFlush, then _exit(0)s
 * without reading back or tearing down: a client vanishing mid-stream.
 * --pause FIFO stops after the first frame's readback until a writer
 * has opened and closed FIFO: a test does something on the device
 * between two frames whose GL state is unchanged.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gl_offscreen.h"

#define W 256
#define H 256
#define TEX 64

struct opts {
	const char *out;
	const char *pause;
	int frames;
	int abort_after_submit;
};

struct scene {
	GLuint color_prog;
	GLuint tex_prog;
	GLuint tex;
	GLuint fbo_tex;
	GLuint fbo;
};

static void die(const char *msg)
{
	gl_offscreen_die("glscene", msg);
}

static GLuint program(const char *vs, const char *fs)
{
	return gl_offscreen_program("glscene", vs, fs);
}

static const char color_vs[] =
	"attribute vec2 pos;\n"
	"attribute vec4 attr;\n"
	"varying vec4 v;\n"
	"void main() { v = attr; gl_Position = vec4(pos, 0.0, 1.0); }\n";
static const char color_fs[] =
	"precision mediump float;\n"
	"varying vec4 v;\n"
	"void main() { gl_FragColor = v; }\n";
static const char tex_vs[] =
	"attribute vec2 pos;\n"
	"attribute vec4 attr;\n"
	"varying vec2 uv;\n"
	"void main() { uv = attr.xy; gl_Position = vec4(pos, 0.0, 1.0); }\n";
static const char tex_fs[] =
	"precision mediump float;\n"
	"uniform sampler2D t;\n"
	"varying vec2 uv;\n"
	"void main() { gl_FragColor = texture2D(t, uv); }\n";

/* A checkerboard of 8x8 cells over a red/blue gradient, alpha 1. */
static void make_texture(GLuint *tex)
{
	static unsigned char px[TEX * TEX * 4];
	int x, y;

	for (y = 0; y < TEX; y++) {
		for (x = 0; x < TEX; x++) {
			unsigned char *p = &px[(y * TEX + x) * 4];
			int on = ((x / 8) ^ (y / 8)) & 1;

			p[0] = (unsigned char)(x * 4);
			p[1] = on ? 255 : 0;
			p[2] = (unsigned char)(y * 4);
			p[3] = 255;
		}
	}
	glGenTextures(1, tex);
	glBindTexture(GL_TEXTURE_2D, *tex);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, TEX, TEX, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, px);
}

static void make_target(struct scene *s)
{
	glGenTextures(1, &s->fbo_tex);
	glBindTexture(GL_TEXTURE_2D, s->fbo_tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, W, H, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, NULL);
	glGenFramebuffers(1, &s->fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, s->fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
			       GL_TEXTURE_2D, s->fbo_tex, 0);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) !=
	    GL_FRAMEBUFFER_COMPLETE) {
		die("framebuffer incomplete");
	}
	glViewport(0, 0, W, H);
}

/* Each vertex: x, y, then r, g, b, a (or u, v, -, -). */
static void draw(GLuint prog, const GLfloat *v, int count)
{
	glUseProgram(prog);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 6 * sizeof(GLfloat), v);
	glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, 6 * sizeof(GLfloat),
			      v + 2);
	glEnableVertexAttribArray(0);
	glEnableVertexAttribArray(1);
	glDrawArrays(GL_TRIANGLES, 0, count);
}

static const GLfloat tris[] = {
	-0.9f, -0.9f,  1, 0, 0, 1,   0.1f, -0.9f,  0, 1, 0, 1,
	-0.4f,  0.1f,  0, 0, 1, 1,
	 0.0f, -0.8f,  1, 1, 0, 1,   0.9f, -0.6f,  0, 1, 1, 1,
	 0.5f,  0.2f,  1, 0, 1, 1,
	-0.8f,  0.3f,  1, 1, 1, 1,  -0.2f,  0.9f,  0.5f, 0.25f, 0, 1,
	-0.9f,  0.9f,  0, 0.5f, 0.75f, 1,
};

static const GLfloat quad[] = {
	-0.1f, -0.1f,  0, 0, 0, 0,   0.8f, -0.1f,  1, 0, 0, 0,
	 0.8f,  0.8f,  1, 1, 0, 0,
	-0.1f, -0.1f,  0, 0, 0, 0,   0.8f,  0.8f,  1, 1, 0, 0,
	-0.1f,  0.8f,  0, 1, 0, 0,
};

/* Translucent triangles over everything: exercises blending. */
static const GLfloat veil[] = {
	-1.0f, -0.2f,  1, 1, 1, 0.5f,   1.0f, -0.2f,  1, 1, 1, 0.5f,
	 0.0f,  1.0f,  0, 0, 0, 0.25f,
	-0.6f, -1.0f,  0, 0, 1, 0.75f,  0.6f, -1.0f,  1, 0, 0, 0.25f,
	 0.0f,  0.4f,  0, 1, 0, 0.5f,
};

static void draw_scene(const struct scene *s)
{
	glBindFramebuffer(GL_FRAMEBUFFER, s->fbo);
	glDisable(GL_BLEND);
	glClearColor(0.125f, 0.25f, 0.375f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	draw(s->color_prog, tris, 9);
	glBindTexture(GL_TEXTURE_2D, s->tex);
	draw(s->tex_prog, quad, 6);
	glEnable(GL_BLEND);
	glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
	draw(s->color_prog, veil, 6);
}

static void read_back(unsigned char *rgba)
{
	glPixelStorei(GL_PACK_ALIGNMENT, 1);
	glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
	if (glGetError() != GL_NO_ERROR) {
		die("GL error during the scene");
	}
}

/* Returns once a writer has opened FIFO and closed it again. */
static void pause_on(const char *fifo)
{
	char byte;
	int fd = open(fifo, O_RDONLY);

	if (fd < 0) {
		die("cannot open the pause FIFO");
	}
	while (read(fd, &byte, 1) > 0) {
		;
	}
	close(fd);
}

static void usage(void)
{
	fprintf(stderr, "usage: glscene [--abort-after-submit] "
		"[--frames N] [--pause FIFO] OUT.ppm\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int i;

	o->frames = 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--abort-after-submit")) {
			o->abort_after_submit = 1;
		} else if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
			o->frames = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--pause") && i + 1 < argc) {
			o->pause = argv[++i];
		} else if (argv[i][0] != '-' && !o->out) {
			o->out = argv[i];
		} else {
			usage();
		}
	}
	if ((!o->out && !o->abort_after_submit) || o->frames < 1) {
		usage();
	}
}

int main(int argc, char **argv)
{
	static unsigned char rgba[W * H * 4];
	struct opts o = { 0 };
	struct scene s;
	int i;

	parse(argc, argv, &o);
	gl_offscreen_init("glscene", 2);
	fprintf(stderr, "GL_RENDERER: %s\n",
		(const char *)glGetString(GL_RENDERER));
	s.color_prog = program(color_vs, color_fs);
	s.tex_prog = program(tex_vs, tex_fs);
	make_texture(&s.tex);
	make_target(&s);
	for (i = 0; i < o.frames; i++) {
		draw_scene(&s);
		if (o.abort_after_submit) {
			glFlush();
			_exit(0);
		}
		if (o.pause && i == 0) {
			glFlush();
			pause_on(o.pause);
			continue;
		}
		read_back(rgba);
	}
	gl_offscreen_write_ppm("glscene", o.out, W, H, rgba);
	return 0;
}
