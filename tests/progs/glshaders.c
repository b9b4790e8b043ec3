/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glshaders: a guest that makes the host compile shader after shader.
 *
 *   glshaders [--max N] [--hold S]
 *
 * Links N programs (default 4096) whose fragment shaders differ in a
 * constant and a loop count, so that no two compile to the same code,
 * and draws once with each and keeps it: the host compiles and keeps
 * every one. Stops early if GL reports an error; prints
 *
 *   programs=N failed=0|1
 *
 * and keeps the programs for S seconds (default 0) before it exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gl_offscreen.h"

#define PROG            "glshaders"

/* Program n: its own constant and loop count, so its own machine code. */
static GLuint program(unsigned int n)
{
	static const char *vs =
		"attribute vec2 pos;\n"
		"void main() { gl_Position = vec4(pos, 0.0, 1.0); }\n";
	char fs[512];

	snprintf(fs, sizeof(fs),
		 "precision mediump float;\n"
		 "void main() {\n"
		 "  vec4 c = vec4(%u.0 / 4096.0, 0.25, 0.5, 1.0);\n"
		 "  for (int i = 0; i < %u; i++) c = fract(c * 1.7 + 0.1);\n"
		 "  gl_FragColor = c;\n"
		 "}\n", n, 1 + n % 7);
	return gl_offscreen_program(PROG, vs, fs);
}

int main(int argc, char **argv)
{
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };
	unsigned int max = 4096, hold = 0, n, i;
	GLuint *progs;
	int failed = 0;

	gl_offscreen_fill_options(PROG, argc, argv, &max, &hold);
	progs = calloc(max ? max : 1, sizeof(*progs));
	if (!progs) {
		gl_offscreen_die(PROG, "out of memory");
	}
	gl_offscreen_init(PROG, 3);
	gl_offscreen_target(16, 16);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
	for (n = 0; n < max; n++) {
		progs[n] = program(n);
		glUseProgram(progs[n]);
		glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
		if (n % 8 == 7) {
			glFinish();
		}
		if (glGetError() != GL_NO_ERROR) {
			failed = 1;
			break;
		}
	}
	glFinish();
	printf("programs=%u failed=%d\n", n, failed);
	fflush(stdout);
	sleep(hold);
	for (i = 0; i < n; i++) {
		glDeleteProgram(progs[i]);
	}
	free(progs);
	return 0;
}
