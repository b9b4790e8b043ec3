/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glscenes: a fixed set of glmark2-style scenes, off-screen, for the
 * benchmarks of the guest kernel driver (bench/kfront.sh).
 *
 *   glscenes [--seconds S] [--out DIR]
 *
 * Each scene draws frames into a 256x256 FBO for S seconds (default 2),
 * each frame waited for with glFinish() as glmark2 does off-screen, and
 * prints one line:
 *
 *   scene=NAME frames=N seconds=T fps=F
 *
 * The scenes: clear (a clear per frame: the cost of a frame's round
 * trip), build (a 8192-triangle mesh from a VBO, turned by a uniform),
 * texture (a mipmapped 256x256 texture, trilinear), upload (a 128x128
 * texture written with glTexSubImage2D every frame, then drawn), shading
 * (per-pixel lighting of the mesh), blend (16 translucent quads) and
 * readback (a 64x64 glReadPixels every frame).
 *
 * --out DIR: after its timed frames each scene draws one more frame at
 * time 0 and writes it as DIR/NAME.ppm, so that a benchmark can check
 * that the frames it timed were drawn right (against llvmpipe's). A GL
 * error in any frame ends the program with status 1 and no figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gl_offscreen.h"

#define PROG		"glscenes"
#define SIDE		256
#define GRID		64
#define UPLOAD		128
#define PROBE		64
#define BLEND_QUADS	16

struct scene {
	const char *name;
	void (*setup)(void);
	void (*frame)(float t);
};

static GLuint mesh_vbo;
static GLuint mesh_ibo;
static GLuint upload_tex;
static GLuint cur_prog;

static void die(const char *msg)
{
	gl_offscreen_die(PROG, msg);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char mesh_vs[] =
	"attribute vec2 pos;\n"
	"attribute vec4 attr;\n"
	"uniform float t;\n"
	"varying vec4 v;\n"
	"varying vec3 n;\n"
	"void main() {\n"
	"  float c = cos(t), s = sin(t);\n"
	"  vec2 p = vec2(c * pos.x - s * pos.y, s * pos.x + c * pos.y);\n"
	"  v = attr;\n"
	"  n = normalize(vec3(pos, 1.0 - dot(pos, pos) * 0.5));\n"
	"  gl_Position = vec4(p * 0.9, 0.0, 1.0);\n"
	"}\n";
static const char flat_fs[] =
	"precision mediump float;\n"
	"varying vec4 v;\n"
	"varying vec3 n;\n"
	"void main() { gl_FragColor = v; }\n";
/* t as the vertex shader has it: a uniform's precision must match. */
static const char lit_fs[] =
	"precision mediump float;\n"
	"uniform highp float t;\n"
	"varying vec4 v;\n"
	"varying vec3 n;\n"
	"void main() {\n"
	"  vec3 l = normalize(vec3(cos(t), sin(t), 1.0));\n"
	"  vec3 h = normalize(l + vec3(0.0, 0.0, 1.0));\n"
	"  float d = max(dot(normalize(n), l), 0.0);\n"
	"  float sp = pow(max(dot(normalize(n), h), 0.0), 16.0);\n"
	"  gl_FragColor = vec4(v.rgb * d + vec3(sp), 1.0);\n"
	"}\n";
static const char tex_vs[] =
	"attribute vec2 pos;\n"
	"attribute vec4 attr;\n"
	"uniform float t;\n"
	"varying vec2 uv;\n"
	"void main() {\n"
	"  float c = cos(t), s = sin(t);\n"
	"  uv = (pos * 0.5 + 0.5) * (1.5 + 0.5 * c);\n"
	"  gl_Position = vec4(c * pos.x - s * pos.y, s * pos.x + c * pos.y,"
	" 0.0, 1.0);\n"
	"}\n";
static const char tex_fs[] =
	"precision mediump float;\n"
	"uniform sampler2D tex;\n"
	"varying vec2 uv;\n"
	"void main() { gl_FragColor = texture2D(tex, uv); }\n";
/* A quarter-size quad on a circle, at angle t. */
static const char quad_vs[] =
	"attribute vec2 pos;\n"
	"uniform float t;\n"
	"void main() {\n"
	"  vec2 c = 0.5 * vec2(cos(t), sin(t));\n"
	"  gl_Position = vec4(c + pos * 0.5, 0.0, 1.0);\n"
	"}\n";
static const char quad_fs[] =
	"precision mediump float;\n"
	"uniform vec4 color;\n"
	"void main() { gl_FragColor = color; }\n";

static const GLfloat unit_quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };

static void use(const char *vs, const char *fs)
{
	cur_prog = gl_offscreen_program(PROG, vs, fs);
	glUseProgram(cur_prog);
}

static void set_t(float t)
{
	glUniform1f(glGetUniformLocation(cur_prog, "t"), t);
}

/* A GRID x GRID quad mesh over [-1, 1]^2: position, then colour. */
static void make_mesh(void)
{
	static GLfloat v[(GRID + 1) * (GRID + 1) * 6];
	static GLushort idx[GRID * GRID * 6];
	GLfloat *p = v;
	GLushort *q = idx;
	int x, y, i;

	for (y = 0; y <= GRID; y++) {
		for (x = 0; x <= GRID; x++) {
			*p++ = 2.0f * x / GRID - 1.0f;
			*p++ = 2.0f * y / GRID - 1.0f;
			*p++ = (float)x / GRID;
			*p++ = (float)y / GRID;
			*p++ = (float)((x ^ y) & 1);
			*p++ = 1.0f;
		}
	}
	for (y = 0; y < GRID; y++) {
		for (x = 0; x < GRID; x++) {
			i = y * (GRID + 1) + x;
			*q++ = i, *q++ = i + 1, *q++ = i + GRID + 1;
			*q++ = i + 1, *q++ = i + GRID + 2, *q++ = i + GRID + 1;
		}
	}
	glGenBuffers(1, &mesh_vbo);
	glBindBuffer(GL_ARRAY_BUFFER, mesh_vbo);
	glBufferData(GL_ARRAY_BUFFER, sizeof(v), v, GL_STATIC_DRAW);
	glGenBuffers(1, &mesh_ibo);
	glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, mesh_ibo);
	glBufferData(GL_ELEMENT_ARRAY_BUFFER, sizeof(idx), idx,
		     GL_STATIC_DRAW);
}

static void bind_mesh(void)
{
	if (!mesh_vbo) {
		make_mesh();
	}
	glBindBuffer(GL_ARRAY_BUFFER, mesh_vbo);
	glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, mesh_ibo);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 6 * sizeof(GLfloat),
			      (void *)0);
	glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, 6 * sizeof(GLfloat),
			      (void *)(2 * sizeof(GLfloat)));
	glEnableVertexAttribArray(0);
	glEnableVertexAttribArray(1);
}

/* Quads from client memory: no buffer bound. */
static void bind_quad(void)
{
	glBindBuffer(GL_ARRAY_BUFFER, 0);
	glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, 0);
	glDisableVertexAttribArray(1);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, unit_quad);
	glEnableVertexAttribArray(0);
}

/* side x side RGBA texels: a checkerboard over a gradient, by seed. */
static unsigned char *texels(int side, int seed)
{
	unsigned char *px = malloc((size_t)side * side * 4);
	unsigned char *p = px;
	int x, y;

	if (!px) {
		die("out of memory");
	}
	for (y = 0; y < side; y++) {
		for (x = 0; x < side; x++) {
			int on = ((x + seed) / 16 + y / 16) & 1;

			*p++ = (unsigned char)(x * 255 / side);
			*p++ = on ? 255 : 32;
			*p++ = (unsigned char)((y + seed) * 255 / side);
			*p++ = 255;
		}
	}
	return px;
}

static void setup_clear(void)
{
}

static void frame_clear(float t)
{
	float r = t - (float)(int)t;

	glClearColor(r, 0.25f, 0.5f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
}

static void setup_build(void)
{
	use(mesh_vs, flat_fs);
	bind_mesh();
}

static void draw_mesh(float t)
{
	glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	set_t(t);
	glDrawElements(GL_TRIANGLES, GRID * GRID * 6, GL_UNSIGNED_SHORT,
		       (void *)0);
}

static void setup_texture(void)
{
	unsigned char *px = texels(SIDE, 0);
	GLuint tex;

	use(tex_vs, tex_fs);
	bind_quad();
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, SIDE, SIDE, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, px);
	free(px);
	glGenerateMipmap(GL_TEXTURE_2D);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER,
			GL_LINEAR_MIPMAP_LINEAR);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
}

static void draw_quad_scene(float t)
{
	glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	set_t(t);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

static void setup_upload(void)
{
	use(tex_vs, tex_fs);
	bind_quad();
	glGenTextures(1, &upload_tex);
	glBindTexture(GL_TEXTURE_2D, upload_tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, UPLOAD, UPLOAD, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, NULL);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
}

static void frame_upload(float t)
{
	unsigned char *px = texels(UPLOAD, (int)(t * 10.0f) % UPLOAD);

	glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, UPLOAD, UPLOAD, GL_RGBA,
			GL_UNSIGNED_BYTE, px);
	free(px);
	draw_quad_scene(t);
}

static void setup_shading(void)
{
	use(mesh_vs, lit_fs);
	bind_mesh();
}

static void setup_blend(void)
{
	use(quad_vs, quad_fs);
	bind_quad();
	glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
}

static void frame_blend(float t)
{
	GLint color = glGetUniformLocation(cur_prog, "color");
	int i;

	glClearColor(0.0f, 0.0f, 0.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	glEnable(GL_BLEND);
	for (i = 0; i < BLEND_QUADS; i++) {
		set_t(t + (float)i * 0.4f);
		glUniform4f(color, (float)(i & 1), (float)((i >> 1) & 1),
			    (float)((i >> 2) & 1), 0.25f);
		glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	}
	glDisable(GL_BLEND);
}

static void setup_readback(void)
{
	use(mesh_vs, flat_fs);
	bind_mesh();
}

static void frame_readback(float t)
{
	static unsigned char px[PROBE * PROBE * 4];

	draw_mesh(t);
	glReadPixels(0, 0, PROBE, PROBE, GL_RGBA, GL_UNSIGNED_BYTE, px);
}

static const struct scene scenes[] = {
	{ "clear", setup_clear, frame_clear },
	{ "build", setup_build, draw_mesh },
	{ "texture", setup_texture, draw_quad_scene },
	{ "upload", setup_upload, frame_upload },
	{ "shading", setup_shading, draw_mesh },
	{ "blend", setup_blend, frame_blend },
	{ "readback", setup_readback, frame_readback },
};

static void finish_frame(const char *name)
{
	glFinish();
	if (glGetError() != GL_NO_ERROR) {
		fprintf(stderr, "%s: GL error in scene %s\n", PROG, name);
		exit(1);
	}
}

/* The scene's last frame, as DIR/NAME.ppm. */
static void write_ppm(const char *dir, const char *name)
{
	static unsigned char rgba[SIDE * SIDE * 4];
	char path[4096];

	glReadPixels(0, 0, SIDE, SIDE, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
	snprintf(path, sizeof(path), "%s/%s.ppm", dir, name);
	gl_offscreen_write_ppm(PROG, path, SIDE, SIDE, rgba);
}

/* The first frame compiles and uploads: it is not timed. */
static void run_scene(const struct scene *s, double seconds, const char *out)
{
	double start, end;
	long frames = 0;

	s->setup();
	s->frame(0.0f);
	finish_frame(s->name);
	start = now_s();
	do {
		s->frame((float)++frames * 0.05f);
		finish_frame(s->name);
		end = now_s();
	} while (end - start < seconds);
	printf("scene=%s frames=%ld seconds=%.3f fps=%.2f\n", s->name, frames,
	       end - start, (double)frames / (end - start));
	fflush(stdout);
	if (out) {
		s->frame(0.0f);
		finish_frame(s->name);
		write_ppm(out, s->name);
	}
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	double seconds = 2.0;
	size_t i;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--seconds") && a + 1 < argc) {
			seconds = atof(argv[++a]);
		} else if (!strcmp(argv[a], "--out") && a + 1 < argc) {
			out = argv[++a];
		} else {
			fprintf(stderr, "usage: %s [--seconds S] [--out DIR]\n",
				PROG);
			return 2;
		}
	}
	gl_offscreen_init(PROG, 2);
	fprintf(stderr, "GL_RENDERER: %s\n",
		(const char *)glGetString(GL_RENDERER));
	gl_offscreen_target(SIDE, SIDE);
	for (i = 0; i < sizeof(scenes) / sizeof(scenes[0]); i++) {
		run_scene(&scenes[i], seconds, out);
	}
	return 0;
}
