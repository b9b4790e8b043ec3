/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_texupload: how many bytes our code copies per byte of texture a
 * GL client uploads through Mesa virpipe -> vgpu-vtest -> ring ->
 * vgpu-backend -> virglrenderer.
 *
 * Starts the real build/bin/vgpu-backend and vgpu-vtest (on
 * /tmp/.virgl_test, which Mesa 22.3 hard-codes), then this program with
 * --client: an EGL surfaceless desktop-GL context on virpipe uploads MiB
 * of 1024x1024 RGBA with glTexSubImage2D + glFinish. Then stops both
 * programs and sums the counters they log as they end: each backend
 * worker's "copied N command bytes" and vgpu-vtest's "copied N bytes of
 * transfer data" (libvgpufront copies nothing). As root it runs in a
 * /tmp of its own; else it waits for a busy /tmp/.virgl_test.
 *
 * usage: bench_texupload [-m MIB]
 */
#include <GL/gl.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "harness.h"

#define TEX_SIZE        1024            /* 1024 x 1024 RGBA: 4 MiB */
#define VTEST_SOCK      "/tmp/.virgl_test"

/* The GL client (--client MIB): desktop GL on virpipe. */

/* Uploads about mib MiB; prints "renderer R" and "texture_bytes N". */
static int client_main(unsigned int mib)
{
	size_t bytes = (size_t)TEX_SIZE * TEX_SIZE * 4;
	unsigned int i, n = (mib * 1024u * 1024u + bytes - 1) / bytes;
	uint8_t *pix = malloc(bytes);
	GLuint tex;

	setenv("GALLIUM_DRIVER", "virpipe", 1);
	setenv("LIBGL_ALWAYS_SOFTWARE", "1", 1);
	if (!pix || harness_egl_surfaceless(0)) {
		fprintf(stderr, "bench_texupload: no virpipe GL context\n");
		return 1;
	}
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, TEX_SIZE, TEX_SIZE, 0,
		     GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glFinish();
	for (i = 0; i < n; i++) {
		memset(pix, (int)i, bytes);
		glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, TEX_SIZE, TEX_SIZE,
				GL_RGBA, GL_UNSIGNED_BYTE, pix);
		glFinish();
	}
	printf("renderer %s\ntexture_bytes %zu\n",
	       (const char *)glGetString(GL_RENDERER), (size_t)n * bytes);
	free(pix);
	return glGetError() == GL_NO_ERROR ? 0 : 1;
}

/* The run: our two programs and the client, each logging to a file. */

enum { BACKEND_LOG, VTEST_LOG, CLIENT_LOG, NR_PATHS };

struct run {
	unsigned int mib;
	bool private_tmp;
	char dir[64];
	char path[NR_PATHS][96];
	struct harness_bench_backend backend;
	struct harness_child vtest;
	char renderer[512];
	uint64_t tex_bytes, back_copied, vtest_copied;
	int workers;
};

/*
 * As root, gives us and our children a /tmp of our own, so that
 * /tmp/.virgl_test is ours, and a network namespace, so that
 * /proc/net/unix lists only our sockets. False where that fails, or
 * where the build lies under /tmp and would be hidden.
 */
static bool private_tmp(void)
{
	char build[PATH_MAX];

	if (!realpath(harness_build(), build) || !strncmp(build, "/tmp/", 5) ||
	    unshare(CLONE_NEWNS | CLONE_NEWNET)) {
		return false;
	}
	return !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
	       !mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
}

/* Waits up to 120 s for another vtest server to leave the socket. */
static int vtest_socket_free(void)
{
	int i;

	for (i = 0; i < 1200; i++) {
		if (!harness_socket_listening(VTEST_SOCK)) {
			return 0;
		}
		if (i == 0) {
			fprintf(stderr, "bench_texupload: waiting for %s\n",
				VTEST_SOCK);
		}
		usleep(100000);
	}
	fprintf(stderr, "bench_texupload: %s stays busy\n", VTEST_SOCK);
	return -1;
}

static int start_servers(struct run *r)
{
	char vtest[512], sockarg[128];
	char *vtest_argv[] = { vtest, sockarg,
			       (char *)"--socket=" VTEST_SOCK, NULL };

	if (harness_bench_backend_start(&r->backend, NULL,
					r->path[BACKEND_LOG])) {
		fprintf(stderr, "bench_texupload: vgpu-backend did not start\n");
		return -1;
	}
	if (!r->private_tmp && vtest_socket_free()) {
		return -1;
	}
	harness_build_path(vtest, sizeof(vtest), "bin/vgpu-vtest");
	snprintf(sockarg, sizeof(sockarg), "--loopback=%s", r->backend.sock);
	if (harness_spawn_group(&r->vtest, vtest_argv, r->path[VTEST_LOG]) ||
	    harness_wait_listening(VTEST_SOCK, &r->vtest, HARNESS_BENCH_MS)) {
		fprintf(stderr, "bench_texupload: vgpu-vtest did not start\n");
		return -1;
	}
	return 0;
}

static int run_client(struct run *r)
{
	char mib[16], line[512];
	char *argv[] = { (char *)"/proc/self/exe", (char *)"--client", mib,
			 NULL };
	struct harness_child client;
	unsigned long long v;
	int status = -1;
	FILE *f;

	snprintf(mib, sizeof(mib), "%u", r->mib);
	/* No time limit here: main()'s alarm() ends a hung client. */
	if (!harness_spawn_group(&client, argv, r->path[CLIENT_LOG])) {
		status = harness_wait(&client, INT_MAX);
	}
	f = fopen(r->path[CLIENT_LOG], "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "texture_bytes %llu", &v) == 1) {
			r->tex_bytes = v;
		} else if (!strncmp(line, "renderer ", 9)) {
			snprintf(r->renderer, sizeof(r->renderer), "%s",
				 line + 9);
		}
	}
	if (f) {
		fclose(f);
	}
	if (status || !r->tex_bytes || !strstr(r->renderer, "virgl")) {
		fprintf(stderr, "bench_texupload: the GL client failed "
			"(status %d, renderer '%s')\n", status, r->renderer);
		return -1;
	}
	return 0;
}

/* Waits up to 10 s for the backend's workers to exit (and log). */
static int workers_gone(pid_t pid)
{
	char path[64], c;
	int i, busy = 1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	for (i = 0; i < 1000 && busy; i++) {
		f = fopen(path, "re");
		if (!f) {
			break;
		}
		busy = fscanf(f, " %c", &c) == 1;
		fclose(f);
		if (busy) {
			usleep(10000);
		}
	}
	if (busy) {
		fprintf(stderr, "bench_texupload: vgpu-backend's workers did "
			"not end (%s)\n", path);
	}
	return busy ? -1 : 0;
}

/*
 * Sums the counter of every line of log that fmt (one %llu, ending in
 * %n) matches from where fmt's text up to its first '%' appears.
 */
static int sum_counter(const char *log, const char *fmt, uint64_t *sum)
{
	char line[1024], key[64], *p;
	unsigned long long v;
	int n = 0, end;
	FILE *f = fopen(log, "re");

	snprintf(key, sizeof(key), "%.*s", (int)strcspn(fmt, "%"), fmt);
	*sum = 0;
	while (f && fgets(line, sizeof(line), f)) {
		end = 0;
		p = strstr(line, key);
		if (p && sscanf(p, fmt, &v, &end) == 1 && end > 0) {
			*sum += v;
			n++;
		}
	}
	if (f) {
		fclose(f);
	}
	if (!n) {
		fprintf(stderr, "bench_texupload: no \"%s\" line in %s\n",
			fmt, log);
	}
	return n;
}

/*
 * Stops vgpu-vtest, so that its devices close and each backend worker
 * logs its count and exits, then the backend; reads both counters.
 */
static int stop_servers(struct run *r)
{
	int ret = 0;

	if (harness_stop(&r->vtest, SIGTERM, HARNESS_BENCH_MS)) {
		fprintf(stderr, "bench_texupload: vgpu-vtest failed\n");
		ret = -1;
	}
	if (workers_gone(r->backend.child.pid)) {
		ret = -1;
	}
	if (harness_bench_backend_stop(&r->backend)) {
		fprintf(stderr, "bench_texupload: vgpu-backend failed\n");
		ret = -1;
	}
	r->workers = sum_counter(r->path[BACKEND_LOG],
		"frontend gone after %*u requests; copied %llu command bytes%n",
		&r->back_copied);
	if (!sum_counter(r->path[VTEST_LOG],
			 "copied %llu bytes of transfer data%n",
			 &r->vtest_copied)) {
		ret = -1;
	}
	return r->workers ? ret : -1;
}

static void ratio_line(const char *name, uint64_t copied, uint64_t tex)
{
	printf("%-26s %14llu %10.4f\n", name, (unsigned long long)copied,
	       (double)copied / (double)tex);
}

static void report(const struct run *r)
{
	uint64_t total = r->vtest_copied + r->back_copied;
	char name[32];

	printf("bench_texupload: %s uploaded %llu texture bytes "
	       "(glTexSubImage2D %dx%d RGBA + glFinish; %s /tmp)\n",
	       r->renderer, (unsigned long long)r->tex_bytes, TEX_SIZE,
	       TEX_SIZE, r->private_tmp ? "private" : "shared");
	printf("%-26s %14s %10s\n", "copier", "bytes", "per_byte");
	ratio_line("vgpu-vtest", r->vtest_copied, r->tex_bytes);
	snprintf(name, sizeof(name), "vgpu-backend (%d workers)", r->workers);
	ratio_line(name, r->back_copied, r->tex_bytes);
	ratio_line("total", total, r->tex_bytes);
	printf("summary: texupload_copies_per_byte=%.4f\n",
	       (double)total / (double)r->tex_bytes);
}

static void show_log(const char *log)
{
	char line[1024];
	FILE *f = fopen(log, "re");

	fprintf(stderr, "--- %s:\n", log);
	while (f && fgets(line, sizeof(line), f)) {
		fputs(line, stderr);
	}
	if (f) {
		fclose(f);
	}
}

static int run(struct run *r)
{
	static const char *const names[NR_PATHS] = {
		"backend.log", "vtest.log", "client.log"
	};
	int i, ret = -1;

	r->private_tmp = private_tmp();
	if (harness_mkdtemp(r->dir, sizeof(r->dir), "texupload")) {
		fprintf(stderr, "bench_texupload: mkdtemp: %s\n",
			strerror(errno));
		return -1;
	}
	for (i = 0; i < NR_PATHS; i++) {
		snprintf(r->path[i], sizeof(r->path[i]), "%s/%s", r->dir,
			 names[i]);
	}
	if (start_servers(r)) {
		goto out;
	}
	ret = run_client(r);
	if (stop_servers(r)) {
		ret = -1;
	}
	if (!ret) {
		report(r);
	}
out:
	harness_stop(&r->vtest, SIGTERM, HARNESS_BENCH_MS);
	harness_bench_backend_stop(&r->backend);
	for (i = 0; i < NR_PATHS; i++) {
		if (ret) {
			show_log(r->path[i]);
		}
		unlink(r->path[i]);
	}
	rmdir(r->dir);
	return ret;
}

int main(int argc, char **argv)
{
	struct run r = { .mib = 64 };
	int c;

	if (argc == 3 && !strcmp(argv[1], "--client")) {
		return client_main((unsigned int)atoi(argv[2]));
	}
	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm' || !(r.mib = (unsigned int)atoi(optarg))) {
			fprintf(stderr, "usage: %s [-m MIB]\n", argv[0]);
			return 2;
		}
	}
	alarm(600);     /* a hung client must not hang bench/run.sh */
	return run(&r) ? 1 : 0;
}
