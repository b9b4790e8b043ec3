/* SPDX-License-Identifier: GPL-2.0 */
/*
 * screen-gl: the guest's 3D workload in the screen benchmark.
 *
 *   screen-gl --fbdev=/dev/fb0 | --kms=/dev/dri/card0 [--seconds=N]
 *
 * Draws a GL ES 2 scene that changes every frame, a full-screen shaded
 * field under 64 spinning triangles, as fast as the output takes the
 * frames, for N seconds (default 20). Each frame carries the stamp of
 * stamp.h, drawn with one scissored clear a pixel into the top row, so
 * screen-vncrec counts and times it as it does screen-anim's. Prints
 *
 *   screen-gl: output=kms renderer=R 800x600 frames=N seconds=S fps=F
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <GLES2/gl2.h>

#include "gl.h"
#include "args.h"
#include "stamp.h"

#define TRIANGLES               64

static const char *vs_src =
	"attribute vec2 pos;\n"
	"uniform float t;\n"
	"varying vec2 p;\n"
	"void main() {\n"
	"  p = pos;\n"
	"  gl_Position = vec4(pos, 0.0, 1.0);\n"
	"}\n";

static const char *fs_src =
	"precision mediump float;\n"
	"uniform float t;\n"
	"uniform vec3 tint;\n"
	"varying vec2 p;\n"
	"void main() {\n"
	"  float v = sin(p.x * 9.0 + t) + sin(p.y * 7.0 - t * 1.3) +\n"
	"            sin(length(p) * 11.0 - t * 2.0);\n"
	"  gl_FragColor = vec4(tint * (0.5 + 0.25 * v), 1.0);\n"
	"}\n";

struct scene {
	GLuint prog;
	GLint t, tint;
};

static uint64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static GLuint shader(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		fprintf(stderr, "screen-gl: a shader did not compile\n");
		exit(1);
	}
	return s;
}

static void scene_init(struct scene *s)
{
	GLint ok = 0;

	s->prog = glCreateProgram();
	glAttachShader(s->prog, shader(GL_VERTEX_SHADER, vs_src));
	glAttachShader(s->prog, shader(GL_FRAGMENT_SHADER, fs_src));
	glBindAttribLocation(s->prog, 0, "pos");
	glLinkProgram(s->prog);
	glGetProgramiv(s->prog, GL_LINK_STATUS, &ok);
	if (!ok) {
		fprintf(stderr, "screen-gl: the program did not link\n");
		exit(1);
	}
	glUseProgram(s->prog);
	s->t = glGetUniformLocation(s->prog, "t");
	s->tint = glGetUniformLocation(s->prog, "tint");
	glEnableVertexAttribArray(0);
	glDisable(GL_DITHER);
}

static void draw(const struct scene *s, uint32_t frame)
{
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };
	float t = frame * 0.05f;

	glUniform1f(s->t, t);
	glUniform3f(s->tint, 0.3f, 0.6f, 1.0f);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glUniform3f(s->tint, 1.0f, 0.5f, 0.2f);
	for (int i = 0; i < TRIANGLES; i++) {
		float a = t + i * 0.1f, cx = -0.9f + (i % 8) * 0.25f;
		float cy = -0.9f + (i / 8) * 0.25f;
		GLfloat tri[] = {
			cx + 0.1f * cosf(a), cy + 0.1f * sinf(a),
			cx + 0.1f * cosf(a + 2.09f), cy + 0.1f * sinf(a + 2.09f),
			cx + 0.1f * cosf(a + 4.19f), cy + 0.1f * sinf(a + 4.19f),
		};

		glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, tri);
		glDrawArrays(GL_TRIANGLES, 0, 3);
	}
}

/* The stamp, one pixel a clear, in the top row of what is shown. */
static void draw_stamp(const struct gl_out *out, const struct screen_stamp *st)
{
	uint32_t px[SCREEN_STAMP_PIXELS];

	screen_stamp_write(px, st);
	glEnable(GL_SCISSOR_TEST);
	for (int i = 0; i < SCREEN_STAMP_PIXELS; i++) {
		glScissor(i, out->height - 1, 1, 1);
		glClearColor((px[i] >> 16 & 0xff) / 255.0f, (px[i] >> 8 & 0xff) / 255.0f,
			     (px[i] & 0xff) / 255.0f, 1.0f);
		glClear(GL_COLOR_BUFFER_BIT);
	}
	glDisable(GL_SCISSOR_TEST);
}

static int run(struct gl_out *out, unsigned int seconds)
{
	uint64_t start = now_usec(CLOCK_MONOTONIC), end = start + seconds * 1000000ull;
	struct scene s;
	uint32_t frames = 0;
	double elapsed;

	scene_init(&s);
	glViewport(0, 0, out->width, out->height);
	while (now_usec(CLOCK_MONOTONIC) < end) {
		struct screen_stamp st = { .counter = frames };
		int ret;

		draw(&s, frames);
		st.usec = now_usec(CLOCK_REALTIME);
		draw_stamp(out, &st);
		ret = out->impl->present(out);
		if (ret) {
			fprintf(stderr, "screen-gl: %s: showing frame %u failed: %s\n",
				out->name, frames, strerror(-ret));
			return 1;
		}
		frames++;
	}
	elapsed = (now_usec(CLOCK_MONOTONIC) - start) / 1e6;
	printf("screen-gl: output=%s renderer=\"%s\" %ux%u frames=%u seconds=%.1f fps=%.1f\n",
	       out->name, (const char *)glGetString(GL_RENDERER), out->width,
	       out->height, frames, elapsed, frames / elapsed);
	return 0;
}

int main(int argc, char **argv)
{
	struct screen_args args;
	struct gl_out *out;
	int rc;

	if (screen_args_parse("screen-gl", argc, argv, &args)) {
		return 2;
	}
	out = args.fbdev ? gl_fbdev_create(args.fbdev) : gl_kms_create(args.kms);
	if (!out) {
		return 1;
	}
	rc = run(out, args.seconds);
	out->impl->destroy(out);
	return rc;
}
