/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgpu-backend as the tests start it (under their wrapper and timeouts,
 * its shader cache beside its socket) and as the benchmarks start it
 * (as production runs it). See harness.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define BACKEND_ARGS	16

/* BUILD/bin/vgpu-backend --loopback=SOCK, then opts, then extra. */
struct backend_cmd {
	char bin[PATH_MAX];
	char loopback[PATH_MAX + 16];
	char *argv[BACKEND_ARGS];
};

static int backend_cmd(struct backend_cmd *cmd, const char *sock,
		       char *const opts[], const char *const *extra)
{
	size_t n = 0;

	harness_build_path(cmd->bin, sizeof(cmd->bin), "bin/vgpu-backend");
	if (access(cmd->bin, X_OK) < 0) {
		fprintf(stderr, "harness: %s is not built\n", cmd->bin);
		return -1;
	}
	snprintf(cmd->loopback, sizeof(cmd->loopback), "--loopback=%s", sock);
	cmd->argv[n++] = cmd->bin;
	cmd->argv[n++] = cmd->loopback;
	while (*opts && n < BACKEND_ARGS - 1) {
		cmd->argv[n++] = *opts++;
	}
	while (extra && *extra && n < BACKEND_ARGS - 1) {
		cmd->argv[n++] = (char *)*extra++;
	}
	cmd->argv[n] = NULL;
	return 0;
}

int harness_backend_start(struct harness_child *c, const char *sock,
			  const char *const *extra, const char *log)
{
	char wd[32], sc[PATH_MAX + 32];
	char *opts[] = { wd, sc, NULL };
	const char *slash = strrchr(sock, '/');
	struct backend_cmd cmd;

	snprintf(wd, sizeof(wd), "--watchdog-ms=%d", harness_ms(2000));
	/* Each test's shaders are its own, beside its socket, not dom0's. */
	snprintf(sc, sizeof(sc), "--shader-cache=%.*s/shaders",
		 slash ? (int)(slash - sock) : 1, slash ? sock : ".");
	if (backend_cmd(&cmd, sock, opts, extra) < 0) {
		return -1;
	}
	if (harness_spawn(c, getenv("VGPU_BACKEND_WRAPPER"), cmd.argv, NULL,
			  log) < 0) {
		return -1;
	}
	return harness_wait_socket(sock, c, harness_ms(30000));
}

int harness_test_backend_start(struct harness_test_backend *b,
			       const char *const *extra)
{
	char log[PATH_MAX + 16];

	snprintf(b->sock, sizeof(b->sock), "%s/backend.sock", b->dir);
	snprintf(b->spec, sizeof(b->spec), "loopback:%s", b->sock);
	snprintf(log, sizeof(log), "%s/backend.log", b->dir);
	return harness_backend_start(&b->child, b->sock, extra, log);
}

bool harness_test_backend_stop(struct harness_test_backend *b,
			       const char *bad)
{
	bool well;
	int rc;

	if (!b->child.pid) {
		return true;
	}
	rc = harness_stop(&b->child, SIGTERM, harness_ms(20000));
	well = rc == 0 && !harness_log_has_errors(b->child.log) &&
	       !(bad && harness_count_in_file(b->child.log, bad));
	if (!well) {
		fprintf(stderr, "harness: vgpu-backend exit %d, memory errors "
			"or \"%s\" in its log:\n", rc, bad ? bad : "");
		harness_dump_log(&b->child);
	}
	return well;
}

int harness_bench_backend_start(struct harness_bench_backend *b,
				const char *const *extra, const char *log)
{
	char *opts[] = { "--foreground", NULL };
	struct backend_cmd cmd;

	memset(b, 0, sizeof(*b));
	if (harness_mkdtemp(b->dir, sizeof(b->dir), "bench") < 0) {
		fprintf(stderr, "harness: mkdtemp: %s\n", strerror(errno));
		b->dir[0] = '\0';
		return -1;
	}
	snprintf(b->sock, sizeof(b->sock), "%s/backend.sock", b->dir);
	snprintf(b->spec, sizeof(b->spec), "loopback:%s", b->sock);
	if (backend_cmd(&cmd, b->sock, opts, extra) == 0 &&
	    harness_spawn_group(&b->child, cmd.argv, log) == 0 &&
	    harness_wait_listening(b->sock, &b->child, HARNESS_BENCH_MS) == 0) {
		return 0;
	}
	fprintf(stderr, "harness: vgpu-backend did not come up on %s\n",
		b->sock);
	harness_bench_backend_stop(b);
	return -1;
}

int harness_bench_backend_stop(struct harness_bench_backend *b)
{
	int rc;

	if (!b->dir[0]) {
		return 0;
	}
	rc = harness_stop(&b->child, SIGTERM, HARNESS_BENCH_MS);
	harness_rmtree(b->dir);
	b->dir[0] = '\0';
	return rc;
}
