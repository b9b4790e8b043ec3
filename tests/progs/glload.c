/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glload: a guest's GPU load, for the scheduler's tests and benchmarks.
 *
 *   glload [--seconds S] [--work N] [--fps F] [--trace FILE]
 *          [--idle-first S] [--hang]
 *
 * Every frame draws a full-screen quad into a 256x256 FBO whose fragment
 * shader runs a loop of N iterations (default 200) per pixel, then waits
 * for the GPU with glFinish(): the frame's cost is GPU work, set by N.
 *
 * Without --fps the program is greedy: frames back to back for S seconds
 * (default 5), two in flight, each fenced. With --fps F it is
 * interactive: one frame every 1/F s, each waited for with glFinish().
 * At the end it prints one line:
 *
 *   frames=N seconds=S fps=F p50_ms=A p99_ms=B max_ms=C
 *
 * where the percentiles are of the frame times (draw to glFinish done).
 * A first, untimed frame compiles the shaders.
 * --trace FILE writes every frame's start and end (CLOCK_MONOTONIC ns) on
 * a line each. --idle-first S sits idle for S seconds after the first
 * frame. --hang draws once with a shader whose loop never ends and
 * waits for it: a hung guest, for the watchdog.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gl_offscreen.h"

#define SIZE            256
#define MAX_FRAMES      (1 << 20)
#define PROG            "glload"
#define INFLIGHT        2

struct opts {
	double seconds;
	unsigned int work;
	double fps;
	const char *trace;
	double idle_first;
	int hang;
};

static const char vs[] =
	"#version 300 es\n"
	"in vec2 pos;\n"
	"out vec2 p;\n"
	"void main() { p = pos; gl_Position = vec4(pos, 0.0, 1.0); }\n";

/* n comes in as a uniform, so the compiler cannot shorten the loop. */
static const char work_fs[] =
	"#version 300 es\n"
	"precision highp float;\n"
	"uniform int n;\n"
	"in vec2 p;\n"
	"out vec4 color;\n"
	"void main() {\n"
	"  vec2 z = p;\n"
	"  for (int i = 0; i < n; i++)\n"
	"    z = vec2(z.x * z.x - z.y * z.y, 2.0 * z.x * z.y) * 0.5 + p;\n"
	"  color = vec4(fract(z), 0.5, 1.0);\n"
	"}\n";

/*
 * Never ends: z stays positive, so no loop ever exits. llvmpipe caps a
 * shader's loop iterations (65535 per invocation in gallivm), so each
 * iteration is made heavy enough that even the capped shader runs for
 * minutes over 256x256 pixels.
 */
static const char hang_fs[] =
	"#version 300 es\n"
	"precision highp float;\n"
	"uniform int n;\n"
	"in vec2 p;\n"
	"out vec4 color;\n"
	"void main() {\n"
	"  vec2 z = abs(p) + 1.0;\n"
	"  while (z.x >= 0.0) {\n"
	"    while (z.y >= 0.0) {\n"
	"      while (z.x >= 0.0) {\n"
	"        z = sin(z * 1.0001 + float(n)) + 1.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 2.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 3.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 4.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 5.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 6.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 7.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 8.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 9.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 10.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 11.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 12.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 13.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 14.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 15.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 16.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 17.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 18.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 19.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 20.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 21.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 22.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 23.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 24.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 25.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 26.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 27.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 28.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 29.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 30.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 31.0;\n"
	"        z = sin(z * 1.0001 + float(n)) + 32.0;\n"
	"      }\n"
	"    }\n"
	"  }\n"
	"  color = vec4(z, 0.0, 1.0);\n"
	"}\n";

static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000ull),
		.tv_nsec = (long)(t % 1000000000ull),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) {
		continue;
	}
}

static void make_target(void)
{
	GLuint tex, fbo;

	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, SIZE, SIZE, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, NULL);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
			       GL_TEXTURE_2D, tex, 0);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) !=
	    GL_FRAMEBUFFER_COMPLETE) {
		gl_offscreen_die(PROG, "framebuffer incomplete");
	}
	glViewport(0, 0, SIZE, SIZE);
}

static void setup(const struct opts *o)
{
	GLuint prog;

	make_target();
	prog = gl_offscreen_program(PROG, vs, o->hang ? hang_fs : work_fs);
	glUseProgram(prog);
	glUniform1i(glGetUniformLocation(prog, "n"), (GLint)o->work);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
}

/* Frame time of a frame that began at start and is done now. */
static uint64_t record(FILE *trace, uint64_t start)
{
	uint64_t end = now_ns();

	if (trace) {
		fprintf(trace, "%llu %llu\n", (unsigned long long)start,
			(unsigned long long)end);
	}
	return end - start;
}

static void check_gl(void)
{
	if (glGetError() != GL_NO_ERROR) {
		gl_offscreen_die(PROG, "GL error in a frame");
	}
}

/* One frame, waited for at once. */
static void frame(void)
{
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glFinish();
	check_gl();
}

/*
 * Greedy frames with INFLIGHT of them queued, as a game's swap chain
 * keeps the GPU fed: the frame time is from its draw to its fence.
 */
static size_t run_pipelined(uint64_t end, uint64_t *times, FILE *trace)
{
	uint64_t start[INFLIGHT];
	GLsync fence[INFLIGHT];
	size_t n = 0, i = 0, k;

	while (n < MAX_FRAMES && now_ns() < end) {
		k = i % INFLIGHT;
		if (i >= INFLIGHT) {
			glClientWaitSync(fence[k], GL_SYNC_FLUSH_COMMANDS_BIT,
					 GL_TIMEOUT_IGNORED);
			glDeleteSync(fence[k]);
			times[n++] = record(trace, start[k]);
		}
		start[k] = now_ns();
		glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
		fence[k] = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
		glFlush();
		check_gl();
		i++;
	}
	glFinish();
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *sorted, size_t n, double pct)
{
	size_t i = (size_t)(pct / 100.0 * (double)(n - 1) + 0.5);

	return n ? (double)sorted[i] / 1e6 : 0.0;
}

static void report(uint64_t *times, size_t n, double seconds)
{
	qsort(times, n, sizeof(*times), cmp_u64);
	printf("frames=%zu seconds=%.3f fps=%.2f p50_ms=%.3f p99_ms=%.3f "
	       "max_ms=%.3f\n", n, seconds, (double)n / seconds,
	       pct_ms(times, n, 50), pct_ms(times, n, 99),
	       n ? (double)times[n - 1] / 1e6 : 0.0);
}

static void usage(void)
{
	fprintf(stderr, "usage: glload [--seconds S] [--work N] [--fps F] "
		"[--trace FILE] [--idle-first S] [--hang]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int i;

	o->seconds = 5;
	o->work = 200;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--hang")) {
			o->hang = 1;
		} else if (i + 1 >= argc) {
			usage();
		} else if (!strcmp(argv[i], "--seconds")) {
			o->seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--work")) {
			o->work = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--fps")) {
			o->fps = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--trace")) {
			o->trace = argv[++i];
		} else if (!strcmp(argv[i], "--idle-first")) {
			o->idle_first = atof(argv[++i]);
		} else {
			usage();
		}
	}
	if (o->seconds <= 0 || o->fps < 0) {
		usage();
	}
}

int main(int argc, char **argv)
{
	static uint64_t times[MAX_FRAMES];
	struct opts o = { 0 };
	uint64_t start, end, t0, next;
	FILE *trace = NULL;
	size_t n = 0;

	parse(argc, argv, &o);
	gl_offscreen_init(PROG, 3);
	setup(&o);
	if (o.hang) {
		frame();
		gl_offscreen_die(PROG, "the endless shader ended");
	}
	if (o.trace && !(trace = fopen(o.trace, "w"))) {
		gl_offscreen_die(PROG, "cannot open the trace file");
	}
	/* Untimed: the first draw compiles the shaders on the host. */
	frame();
	if (o.idle_first > 0) {
		sleep_until(now_ns() + (uint64_t)(o.idle_first * 1e9));
	}
	t0 = next = now_ns();
	end = t0 + (uint64_t)(o.seconds * 1e9);
	while (o.fps > 0 && n < MAX_FRAMES && now_ns() < end) {
		sleep_until(next);
		next += (uint64_t)(1e9 / o.fps);
		start = now_ns();
		frame();
		times[n++] = record(trace, start);
	}
	if (o.fps <= 0) {
		n = run_pipelined(end, times, trace);
	}
	report(times, n, (double)(now_ns() - t0) / 1e9);
	return trace && fclose(trace) ? 1 : 0;
}
