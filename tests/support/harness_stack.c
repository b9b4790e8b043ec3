/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loopback stack for the render tests, and the glscene client.
 * See harness.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define SOCKET_MS	10000
#define STOP_MS		10000
#define GLSCENE_MS	60000

static bool reference_mode(void)
{
	const char *r = getenv("VGPU_TEST_REFERENCE");

	return r && !strcmp(r, "1");
}

/* Refuses a live /tmp/.virgl_test; removes a stale one. */
static int claim_vtest_socket(void)
{
	switch (harness_socket_state(HARNESS_VTEST_SOCKET)) {
	case HARNESS_SOCK_LISTENING:
		fprintf(stderr, "harness: %s is in use: another vtest server "
			"(virgl_test_server, vgpu-vtest, a demo or another "
			"test run) is listening there. Stop it first; the "
			"render tests cannot share that socket.\n",
			HARNESS_VTEST_SOCKET);
		return -1;
	case HARNESS_SOCK_STALE:
		if (unlink(HARNESS_VTEST_SOCKET) < 0) {
			fprintf(stderr, "harness: removing stale %s: %s\n",
				HARNESS_VTEST_SOCKET, strerror(errno));
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

static int start_reference(struct harness_stack *s)
{
	char log[PATH_MAX];
	/* Its default socket; 0.10.4 misparses --socket-path's argument. */
	char *argv[] = { "virgl_test_server", "--use-egl-surfaceless", NULL };

	snprintf(log, sizeof(log), "%s/vtest.log", s->dir);
	if (harness_spawn(&s->vtest, NULL, argv, NULL, log) < 0) {
		return -1;
	}
	return harness_wait_socket(HARNESS_VTEST_SOCKET, &s->vtest,
				   harness_ms(SOCKET_MS));
}

static int start_backend(struct harness_stack *s, const char *const *args)
{
	char log[PATH_MAX];

	snprintf(log, sizeof(log), "%s/backend.log", s->dir);
	return harness_backend_start(&s->backend, s->backend_sock, args, log);
}

static int start_vtest(struct harness_stack *s)
{
	char bin[PATH_MAX], lb[PATH_MAX + 16], log[PATH_MAX];
	char *argv[] = { bin, lb, "--socket=" HARNESS_VTEST_SOCKET, NULL };

	harness_build_path(bin, sizeof(bin), "bin/vgpu-vtest");
	snprintf(lb, sizeof(lb), "--loopback=%s", s->backend_sock);
	snprintf(log, sizeof(log), "%s/vtest.log", s->dir);
	if (access(bin, X_OK) < 0) {
		fprintf(stderr, "harness: %s is not built\n", bin);
		return -1;
	}
	if (harness_spawn(&s->vtest, NULL, argv, NULL, log) < 0) {
		return -1;
	}
	return harness_wait_socket(HARNESS_VTEST_SOCKET, &s->vtest,
				   harness_ms(SOCKET_MS));
}

int harness_stack_start(struct harness_stack *s)
{
	return harness_stack_start_args(s, NULL);
}

int harness_stack_start_args(struct harness_stack *s,
			     const char *const *backend_args)
{
	memset(s, 0, sizeof(*s));
	s->reference = reference_mode();
	if (harness_mkdtemp(s->dir, sizeof(s->dir), "test") < 0) {
		fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(s->backend_sock, sizeof(s->backend_sock), "%s/backend.sock",
		 s->dir);
	if (claim_vtest_socket() < 0) {
		goto fail;
	}
	if (s->reference) {
		if (start_reference(s) < 0) {
			goto fail;
		}
		return 0;
	}
	if (start_backend(s, backend_args) < 0 || start_vtest(s) < 0) {
		goto fail;
	}
	return 0;
fail:
	harness_stack_stop(s, NULL, NULL);
	return -1;
}

static int stop_one(struct harness_child *c, bool quiet)
{
	int rc;

	if (!c->name[0]) {
		return 0;	/* never started, or already stopped */
	}
	rc = harness_stop(c, SIGTERM, harness_ms(STOP_MS));
	if (rc != 0 && !quiet) {
		fprintf(stderr, "harness: %s stopped with code %d; its log:\n",
			c->name, rc);
		harness_dump_log(c);
	}
	c->name[0] = '\0';
	return rc;
}

void harness_stack_stop(struct harness_stack *s, int *vtest_rc,
			int *backend_rc)
{
	/* virgl_test_server dies by SIGTERM and leaves its socket. */
	int v = stop_one(&s->vtest, s->reference);
	int b = stop_one(&s->backend, false);

	if (s->reference &&
	    harness_socket_state(HARNESS_VTEST_SOCKET) == HARNESS_SOCK_STALE) {
		unlink(HARNESS_VTEST_SOCKET);
	}

	if (vtest_rc) {
		*vtest_rc = v;
	}
	if (backend_rc) {
		*backend_rc = b;
	}
}

static int check_log(const char *dir, const char *name)
{
	struct harness_child c = { 0 };

	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.log, sizeof(c.log), "%s/%s.log", dir, name);
	if (!harness_log_has_errors(c.log)) {
		return 0;
	}
	fprintf(stderr, "harness: %s reported memory errors:\n", name);
	harness_dump_log(&c);
	return -1;
}

int harness_stack_check_logs(struct harness_stack *s)
{
	int rc = 0;

	if (!s->dir[0]) {
		return 0;
	}
	if (check_log(s->dir, "backend") < 0) {
		rc = -1;
	}
	if (check_log(s->dir, "vtest") < 0) {
		rc = -1;
	}
	return rc;
}

void harness_stack_dump_logs(const struct harness_stack *s)
{
	if (s->backend.name[0]) {
		harness_dump_log(&s->backend);
	}
	if (s->vtest.name[0]) {
		harness_dump_log(&s->vtest);
	}
}

int harness_stack_rejections(const struct harness_stack *s)
{
	char *text = harness_read_file(s->backend.log);
	char *line, *save;
	int n = 0;

	if (!text) {
		return s->reference ? 0 : -1;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((strstr(line, " (op ") && strstr(line, ") -> ")) ||
		    strstr(line, "rejections not logged")) {
			fprintf(stderr, "rejected: %s\n", line);
			n++;
		}
	}
	free(text);
	return n;
}

int harness_count_in_file(const char *path, const char *what)
{
	char *text = harness_read_file(path), *p;
	int n = 0;

	for (p = text; p && (p = strstr(p, what)); p += strlen(what)) {
		n++;
	}
	free(text);
	return n;
}

void harness_stack_destroy(struct harness_stack *s)
{
	const char *keep = getenv("VGPU_TEST_KEEP");

	harness_stack_stop(s, NULL, NULL);
	if (keep && !strcmp(keep, "1")) {
		fprintf(stderr, "harness: keeping %s\n", s->dir);
	} else {
		harness_rmtree(s->dir);
	}
	s->dir[0] = '\0';
}

int harness_glscene_spawn(struct harness_child *c, const char *log,
			  bool virgl, const char *const args[],
			  const char *out)
{
	static char *virgl_env[] = { "GALLIUM_DRIVER=virpipe",
				     "LIBGL_ALWAYS_SOFTWARE=1", NULL };
	static char *sw_env[] = { "GALLIUM_DRIVER=llvmpipe",
				  "LIBGL_ALWAYS_SOFTWARE=1", NULL };
	char bin[PATH_MAX];
	char *argv[16];
	int n = 0;

	harness_build_path(bin, sizeof(bin), "tests/progs/glscene");
	argv[n++] = bin;
	for (; args && *args && n < 14; args++) {
		argv[n++] = (char *)*args;
	}
	if (out) {
		argv[n++] = (char *)out;
	}
	argv[n] = NULL;
	return harness_spawn(c, NULL, argv, virgl ? virgl_env : sw_env, log);
}

int harness_glscene(const char *log, bool virgl, const char *const args[],
		    const char *out)
{
	struct harness_child c;
	int rc;

	if (harness_glscene_spawn(&c, log, virgl, args, out) < 0) {
		return -1;
	}
	rc = harness_wait(&c, harness_ms(GLSCENE_MS));
	if (rc < 0) {
		fprintf(stderr, "harness: glscene still running after %d ms\n",
			harness_ms(GLSCENE_MS));
		harness_stop(&c, SIGKILL, 5000);
	}
	return rc;
}
