/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glfill: a guest that asks for more GPU memory than it was given.
 *
 *   glfill [--max N] [--hold S]
 *
 * Uploads 1024x1024 RGBA textures (4 MiB each, with data, so that the
 * host's storage is written) and draws with each, until GL refuses one
 * or N are made (default 1024); prints
 *
 *   textures=N mib=M refused=0|1
 *
 * and then keeps them for S seconds (default 0) before it exits, so that
 * the backend's memory can be looked at while they are held. Through
 * vgpu-vtest (protocol v2) a texture the backend refuses fails its
 * create, and GL reports GL_OUT_OF_MEMORY (test_render's
 * test_gl_out_of_memory); over protocol v0 nothing can tell Mesa, and
 * what names the texture fails on the device, logged there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gl_offscreen.h"

#define PROG            "glfill"
#define SIDE            1024
#define TEX_MIB         (SIDE * SIDE * 4 / (1024 * 1024))

static GLuint upload(const void *pixels)
{
	GLuint tex;

	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, SIDE, SIDE, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, pixels);
	glFinish();
	if (glGetError() != GL_NO_ERROR) {
		glDeleteTextures(1, &tex);
		return 0;
	}
	return tex;
}

static void draw_with(GLuint tex)
{
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };

	glBindTexture(GL_TEXTURE_2D, tex);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

int main(int argc, char **argv)
{
	static const char *vs =
		"attribute vec2 pos; varying vec2 uv;\n"
		"void main() { uv = pos * 0.5 + 0.5; "
		"gl_Position = vec4(pos, 0.0, 1.0); }\n";
	static const char *fs =
		"precision mediump float; varying vec2 uv;\n"
		"uniform sampler2D t;\n"
		"void main() { gl_FragColor = texture2D(t, uv); }\n";
	unsigned int max = 1024, hold = 0, n = 0;
	GLuint *tex;
	void *pixels;

	gl_offscreen_fill_options(PROG, argc, argv, &max, &hold);
	tex = calloc(max ? max : 1, sizeof(*tex));
	pixels = malloc(SIDE * SIDE * 4);
	if (!tex || !pixels) {
		gl_offscreen_die(PROG, "out of memory");
	}
	memset(pixels, 0x5a, SIDE * SIDE * 4);
	gl_offscreen_init(PROG, 3);
	gl_offscreen_target(64, 64);
	glUseProgram(gl_offscreen_program(PROG, vs, fs));
	while (n < max && (tex[n] = upload(pixels))) {
		draw_with(tex[n++]);
	}
	glFinish();
	printf("textures=%u mib=%u refused=%d\n", n, n * TEX_MIB, n < max);
	fflush(stdout);
	sleep(hold);
	glDeleteTextures((GLsizei)n, tex);
	free(tex);
	free(pixels);
	return 0;
}
