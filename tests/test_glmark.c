/* SPDX-License-Identifier: GPL-2.0 */
/*
 * glmark2-es2 through the loopback stack, as `make demo` runs it:
 *
 *   1. every benchmark of glmark2's default list, 1 s each, reports an
 *      FPS, glmark2 exits 0 and the backend rejects no request;
 *   2. every benchmark whose --validate passes on llvmpipe passes
 *      through the stack too.
 *
 * glmark2 cannot print its default list, so the group setup learns it
 * from one --validate run straight on llvmpipe (about 2 s), which prints
 * each benchmark of that list with its result there.
 *
 * glmark2-es2-x11 needs an X display even off-screen, so the group
 * setup starts Xvfb. Mesa connects to /tmp/.virgl_test: like
 * test_render, this test cannot run beside another vtest server.
 *
 * Under valgrind (VGPU_BACKEND_WRAPPER set) vgpu-backend runs llvmpipe's
 * JIT code some 50 times slower: the whole list would take an hour and
 * heavy frames (desktop blur, terrain) outlast the GPU watchdog. That
 * pass runs, in both tests, only the first benchmark of each of the
 * first WRAPPED_SCENES scenes (build, texture, shading: about 80 s in
 * all); the plain and ASan passes run the whole list.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "vgpu_sched.h"
#include "vgpu_util.h"

#define GLMARK		"glmark2-es2"
#define MAX_BENCH	64
#define KEY_LEN		256
#define WRAPPED_SCENES	3
#define XVFB_MS		10000
#define BENCH_MS	10000	/* one benchmark: 1 s, plus its set-up */
#define START_MS	30000	/* glmark2's own start and exit */
#define STOP_MS		10000

/* One benchmark of the default list. */
struct bench {
	char key[KEY_LEN];	/* "[scene] options", as glmark2 prints it */
	char sw[32];		/* its --validate result on llvmpipe */
};

struct env {
	char dir[128];		/* Xvfb's and the llvmpipe run's logs */
	char display[32];	/* "DISPLAY=:N" */
	struct harness_child xvfb;
	struct bench list[MAX_BENCH];
	int n;
	int sel[MAX_BENCH];	/* the benchmarks this pass runs */
	int nsel;
	struct harness_stack stack;
};

static bool backend_wrapped(void)
{
	const char *w = getenv("VGPU_BACKEND_WRAPPER");

	return w && *w;
}

/* True if benchmarks a and b are of the same scene. */
static bool same_scene(const struct bench *a, const struct bench *b)
{
	size_t len = strcspn(a->key, "]");

	return !strncmp(a->key, b->key, len) && b->key[len] == ']';
}

/* Picks the benchmarks this pass runs (see the top). */
static void select_benches(struct env *e)
{
	int i, scenes = 0;

	for (i = 0; i < e->n; i++) {
		if (backend_wrapped()) {
			if (i && same_scene(&e->list[i - 1], &e->list[i])) {
				continue;
			}
			if (scenes++ == WRAPPED_SCENES) {
				break;
			}
		}
		e->sel[e->nsel++] = i;
	}
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	const char *p, *end;

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, prog);
		if (access(buf, X_OK) == 0) {
			return true;
		}
	}
	return false;
}

static int check_programs(void)
{
	static const char *const progs[] = { GLMARK, "Xvfb", NULL };
	const char *const *p;
	int rc = 0;

	for (p = progs; *p; p++) {
		if (on_path(*p)) {
			continue;
		}
		fprintf(stderr, "test_glmark: %s is not installed; run "
			"tools/deps.sh check (as root)\n", *p);
		rc = -1;
	}
	return rc;
}

/* Reads Xvfb's display number, written to fd once it accepts clients. */
static int read_display(struct env *e, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char num[16] = "";
	size_t len = 0;
	ssize_t r;

	while (len < sizeof(num) - 1 && !strchr(num, '\n')) {
		if (poll(&pfd, 1, harness_ms(XVFB_MS)) <= 0) {
			return -1;
		}
		r = read(fd, num + len, sizeof(num) - 1 - len);
		if (r <= 0) {
			return -1;	/* Xvfb exited */
		}
		len += r;
		num[len] = '\0';
	}
	num[strcspn(num, "\n")] = '\0';
	snprintf(e->display, sizeof(e->display), "DISPLAY=:%s", num);
	return num[0] ? 0 : -1;
}

/*
 * Starts Xvfb on the first free display: -displayfd, because other
 * engineers' Xvfbs share the abstract socket namespace with ours.
 */
static int xvfb_start(struct env *e)
{
	char log[PATH_MAX], fdarg[16];
	char *argv[] = { "Xvfb", "-displayfd", fdarg, "-screen", "0",
			 "1280x1024x24", "-nolisten", "tcp", NULL };
	int fds[2], rc;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		return -1;
	}
	snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
	snprintf(log, sizeof(log), "%s/xvfb.log", e->dir);
	/* Only the write end reaches Xvfb. */
	rc = fcntl(fds[1], F_SETFD, 0);
	if (!rc) {
		rc = harness_spawn(&e->xvfb, NULL, argv, NULL, log);
	}
	close(fds[1]);
	if (!rc) {
		rc = read_display(e, fds[0]);
	}
	close(fds[0]);
	if (rc < 0) {
		fprintf(stderr, "test_glmark: Xvfb did not start; its log:\n");
		harness_dump_log(&e->xvfb);
	}
	return rc;
}

/*
 * Runs glmark2-es2 --off-screen with args (NULL-terminated), on
 * llvmpipe or through the vtest socket, its output in dir/name.log.
 * Returns its exit code (-1: killed after timeout_ms) and its output in
 * *out (malloc'd, NULL if unreadable).
 */
static int glmark_run(struct env *e, const char *dir, const char *name,
		      bool virgl, char *const args[], int timeout_ms,
		      char **out)
{
	char log[PATH_MAX], *argv[2 * MAX_BENCH + 8];
	char *env[] = { virgl ? "GALLIUM_DRIVER=virpipe" :
				"GALLIUM_DRIVER=llvmpipe",
			"LIBGL_ALWAYS_SOFTWARE=1", e->display, NULL };
	struct harness_child c;
	int n = 0, rc;

	argv[n++] = GLMARK;
	argv[n++] = "--off-screen";
	while (*args && n < (int)VGPU_ARRAY_SIZE(argv) - 1) {
		argv[n++] = *args++;
	}
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	*out = NULL;
	if (harness_spawn(&c, NULL, argv, env, log) < 0) {
		return -1;
	}
	rc = harness_wait(&c, timeout_ms);
	if (rc < 0) {
		fprintf(stderr, "test_glmark: %s still running after %d ms; "
			"killing it\n", name, timeout_ms);
		harness_stop(&c, SIGKILL, STOP_MS);
	}
	*out = harness_read_file(log);
	if (rc != 0) {
		harness_dump_log(&c);
	}
	return rc;
}

/*
 * The rest of the line "KEY: rest" in text, copied to buf; NULL if no
 * line starts so. A line may hold Mesa's messages after a crash.
 */
static const char *result_of(const char *text, const char *key, char *buf,
			     size_t len)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (strncmp(p, key, klen) || strncmp(p + klen, ": ", 2)) {
		p = strchr(p, '\n');
		if (!p) {
			return NULL;
		}
		p++;
	}
	p += klen + 2;
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

/* Fills e->list from the llvmpipe --validate output. */
static void parse_list(struct env *e, const char *text)
{
	static const char mark[] = ": Validation: ";
	const char *p, *m, *eol;
	struct bench *b;

	for (p = text; p && e->n < MAX_BENCH; p = *eol ? eol + 1 : NULL) {
		eol = strchrnul(p, '\n');
		m = strstr(p, mark);
		if (*p != '[' || !m || m > eol || m - p >= KEY_LEN) {
			continue;
		}
		b = &e->list[e->n++];
		snprintf(b->key, sizeof(b->key), "%.*s", (int)(m - p), p);
		m += strlen(mark);
		snprintf(b->sw, sizeof(b->sw), "%.*s", (int)(eol - m), m);
	}
}

/* Learns the default list and what validates on llvmpipe. */
static int learn_list(struct env *e)
{
	char *args[] = { "--validate", NULL }, *text;
	int rc;

	rc = glmark_run(e, e->dir, "llvmpipe-validate", false, args,
			harness_ms(START_MS), &text);
	if (text) {
		parse_list(e, text);
	}
	free(text);
	if (rc != 0 || !e->n) {
		fprintf(stderr, "test_glmark: " GLMARK " --validate on llvmpipe "
			"exited %d and listed %d benchmarks; it must work "
			"without our stack first (Xvfb, Mesa)\n", rc, e->n);
		return -1;
	}
	select_benches(e);
	return 0;
}

static void env_destroy(struct env *e)
{
	const char *keep = getenv("VGPU_TEST_KEEP");

	if (e->xvfb.pid) {
		harness_stop(&e->xvfb, SIGTERM, STOP_MS);
	}
	if (keep && !strcmp(keep, "1")) {
		fprintf(stderr, "test_glmark: keeping %s\n", e->dir);
	} else {
		harness_rmtree(e->dir);
	}
	free(e);
}

static int group_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e) {
		return -1;
	}
	if (check_programs() < 0) {
		goto fail_free;
	}
	if (harness_mkdtemp(e->dir, sizeof(e->dir), "glmark") < 0) {
		fprintf(stderr, "test_glmark: mkdtemp: %s\n",
			strerror(errno));
		goto fail_free;
	}
	if (xvfb_start(e) < 0 || learn_list(e) < 0) {
		goto fail;
	}
	*state = e;
	return 0;

fail:
	env_destroy(e);
	return -1;
fail_free:
	free(e);
	return -1;
}

static int group_teardown(void **state)
{
	env_destroy(*state);
	return 0;
}

/*
 * The backend's own watchdog on llvmpipe, as users run it, not the
 * harness's 2 s for a GPU: one batch of glmark2's desktop scene takes
 * seconds on a busy machine. Scaled under valgrind.
 */
static int setup(void **state)
{
	struct env *e = *state;
	char wd[32];
	const char *const args[] = { wd, NULL };

	snprintf(wd, sizeof(wd), "--watchdog-ms=%d",
		 harness_ms(VGPU_SCHED_DEF_TIMEOUT_SW_MS));
	if (harness_stack_start_args(&e->stack, args) < 0) {
		harness_stack_destroy(&e->stack);
		return -1;
	}
	return 0;
}

/* Fails the test if a process of the stack failed or reported errors. */
static int teardown(void **state)
{
	struct env *e = *state;
	int vtest_rc, backend_rc, rc = 0;

	harness_stack_stop(&e->stack, &vtest_rc, &backend_rc);
	if (backend_rc != 0 || (!e->stack.reference && vtest_rc != 0)) {
		fprintf(stderr, "test_glmark: vgpu-vtest exited %d, "
			"vgpu-backend %d: see their logs above\n", vtest_rc,
			backend_rc);
		rc = -1;
	}
	if (harness_stack_check_logs(&e->stack) < 0) {
		rc = -1;
	}
	harness_stack_destroy(&e->stack);
	return rc;
}

/* "[scene] options" -> "scene:options" or "scene", glmark2's -b form. */
static void bench_arg(const struct bench *b, char *buf, size_t len)
{
	const char *scene = b->key + 1, *opts = strstr(b->key, "] ");

	if (!opts || !strcmp(opts + 2, "<default>")) {
		snprintf(buf, len, "%.*s", (int)strcspn(scene, "]"), scene);
	} else {
		snprintf(buf, len, "%.*s:%s", (int)(opts - scene), scene,
			 opts + 2);
	}
}

/*
 * Runs glmark2 through the stack: its default list, or by name the
 * benchmarks this pass selected when it runs fewer.
 */
static int stack_glmark(struct env *e, const char *name, bool validate,
			char **out)
{
	char sel[MAX_BENCH][KEY_LEN];
	char *args[2 * MAX_BENCH + 4];
	int i, n = 0;

	args[n++] = validate ? "--validate" : "-b";
	if (!validate) {
		args[n++] = ":duration=1";
	}
	for (i = 0; e->nsel < e->n && i < e->nsel; i++) {
		bench_arg(&e->list[e->sel[i]], sel[i], sizeof(sel[i]));
		args[n++] = "-b";
		args[n++] = sel[i];
	}
	args[n] = NULL;
	return glmark_run(e, e->stack.dir, name, true, args,
			  harness_ms(START_MS + e->nsel * BENCH_MS), out);
}

/* The GL_RENDERER glmark2 printed is virgl's: it went through us. */
static bool renders_virgl(const char *text)
{
	const char *r = text ? strstr(text, "GL_RENDERER:") : NULL;

	if (!r) {
		return false;
	}
	r += strlen("GL_RENDERER:");
	r += strspn(r, " ");
	return !strncmp(r, "virgl", 5);
}

/* Frees text, then fails unless it rendered through virgl. */
static void check_virgl(char *text)
{
	bool virgl = renders_virgl(text);

	free(text);
	if (!virgl) {
		fail_msg("glmark2 did not render through virgl (see its "
			 "GL_RENDERER above): is GALLIUM_DRIVER=virpipe "
			 "honoured by this Mesa?");
	}
}

static void assert_no_rejects(const struct env *e)
{
	int n = harness_stack_rejections(&e->stack);

	if (n != 0) {
		fail_msg("vgpu-backend rejected requests of glmark2 (%d log "
			 "lines above; -1: no log): a refused request draws "
			 "nothing; each line names the op and the check that "
			 "refused it in backend/", n);
	}
}

/* Prints "FPS  benchmark" for each; returns how many have no FPS. */
static int fps_table(const struct env *e, const char *text)
{
	const struct bench *b;
	char res[256];
	const char *r;
	int i, bad = 0;

	print_message("%6s  %s\n", "FPS", "benchmark");
	for (i = 0; i < e->nsel; i++) {
		b = &e->list[e->sel[i]];
		r = text ? result_of(text, b->key, res, sizeof(res)) : NULL;
		if (r && !strncmp(r, "FPS: ", 5)) {
			print_message("%6d  %s\n", atoi(r + 5), b->key);
			continue;
		}
		bad++;
		print_error("%s: %s\n", b->key,
			    r ? r : "missing: glmark2 crashed or skipped it");
	}
	return bad;
}

/* (1) The default list, 1 s each: every benchmark reports an FPS. */
static void test_default_list_fps(void **state)
{
	struct env *e = *state;
	char *text;
	int rc, bad;

	rc = stack_glmark(e, "benchmark", false, &text);
	bad = fps_table(e, text);
	if (rc != 0 || bad) {
		harness_stack_dump_logs(&e->stack);
	}
	check_virgl(text);
	assert_no_rejects(e);
	if (rc != 0) {
		fail_msg("glmark2-es2 exited %d through the stack (its "
			 "output and the stack's logs are above)", rc);
	}
	if (bad) {
		fail_msg("%d of %d benchmarks reported no FPS through the "
			 "stack (named above)", bad, e->nsel);
	}
}

/*
 * Prints "llvmpipe  stack  benchmark" for each; returns how many
 * validate on llvmpipe but not through the stack.
 */
static int validate_table(const struct env *e, const char *text)
{
	const struct bench *b;
	char res[256];
	const char *r;
	int i, bad = 0;

	print_message("%-8s  %-8s  %s\n", "llvmpipe", "stack", "benchmark");
	for (i = 0; i < e->nsel; i++) {
		b = &e->list[e->sel[i]];
		r = text ? result_of(text, b->key, res, sizeof(res)) : NULL;
		r = r && !strncmp(r, "Validation: ", 12) ? r + 12 : r;
		print_message("%-8s  %-8s  %s\n", b->sw, r ? r : "(none)",
			      b->key);
		if (strcmp(b->sw, "Success") || (r && !strcmp(r, "Success"))) {
			continue;
		}
		print_error("%s: validates on llvmpipe, not through the "
			    "stack: %s\n", b->key, r ? r : "missing (crashed?)");
		bad++;
	}
	return bad;
}

/* (2) What validates on llvmpipe validates through the stack. */
static void test_validate_as_llvmpipe(void **state)
{
	struct env *e = *state;
	char *text;
	int rc, bad;

	rc = stack_glmark(e, "validate", true, &text);
	bad = validate_table(e, text);
	if (rc != 0 || bad) {
		harness_stack_dump_logs(&e->stack);
	}
	check_virgl(text);
	assert_no_rejects(e);
	if (rc != 0) {
		fail_msg("glmark2-es2 --validate exited %d through the stack "
			 "(its output and the stack's logs are above)", rc);
	}
	if (bad) {
		fail_msg("%d benchmarks validate on llvmpipe but not through "
			 "the stack (named above): compare their images",
			 bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_list_fps,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_as_llvmpipe,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("glmark", tests, group_setup,
					   group_teardown);
}
