/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the benchmarks (header only, so that the Makefile's
 * one-binary-per-bench/bench_*.c rule stays as it is): timing, sample
 * statistics, starting and stopping programs, and a vgpu-backend of our
 * own in a private temp directory.
 */
#ifndef VGPU_BENCHUTIL_H
#define VGPU_BENCHUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts samples in place; returns the p-th percentile (0..100). */
static inline uint64_t bench_percentile(uint64_t *s, size_t n, double p)
{
	size_t i;

	qsort(s, n, sizeof(*s), bench_cmp_u64);
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return s[i < n ? i : n - 1];
}

/* The build directory: $VGPU_BUILD, else "build". */
static inline const char *bench_build(void)
{
	const char *b = getenv("VGPU_BUILD");

	return b && *b ? b : "build";
}

/*
 * True while a socket listens on path, read from /proc/net/unix (flag
 * __SO_ACCEPTCON), so that checking opens no connection a server would
 * have to handle.
 */
static inline int bench_sock_listening(const char *path)
{
	char line[512], flags[16], name[256];
	FILE *f = fopen("/proc/net/unix", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %15s %*s %*s %*s %255s",
			   flags, name) == 2)
			found = !strcmp(name, path) &&
				!strcmp(flags, "00010000");
	fclose(f);
	return found;
}

/*
 * Runs argv (argv[0] a path) in a process group of its own that gets
 * SIGTERM when we die, with stdout and stderr to the file log unless log
 * is NULL. Returns its pid, or -1 (message on stderr).
 */
static inline pid_t bench_spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		perror("bench: fork");
		return -1;
	}
	if (pid > 0) {
		setpgid(pid, pid);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	setpgid(0, 0);
	if (log) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(fd, STDERR_FILENO) < 0) {
			fprintf(stderr, "bench: %s: %s\n", log, strerror(errno));
			_exit(127);
		}
	}
	execv(argv[0], argv);
	fprintf(stderr, "bench: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * SIGTERMs the process group of *pid (from bench_spawn), SIGKILLs it
 * after 10 s, and reaps *pid. Returns its wait status, or -1 when *pid
 * is not running; sets *pid to 0.
 */
static inline int bench_stop(pid_t *pid)
{
	int i, status = -1;

	if (*pid <= 0)
		return -1;
	kill(-*pid, SIGTERM);
	for (i = 0; i < 1000 && waitpid(*pid, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 1000) {
		kill(-*pid, SIGKILL);
		waitpid(*pid, &status, 0);
	}
	*pid = 0;
	return status;
}

/*
 * Waits up to 10 s for a socket listening on path. Returns 0, or -1 when
 * time ran out or *pid exited first (then reaped, and *pid set to 0).
 */
static inline int bench_wait_listening(const char *path, pid_t *pid)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (bench_sock_listening(path))
			return 0;
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			break;
		}
		usleep(10000);
	}
	return -1;
}

/* A vgpu-backend we started, listening in dir. */
struct bench_backend {
	pid_t pid;
	char dir[64];
	char sock[96];
	char spec[128];         /* "loopback:SOCK" for vgpufront_open */
};

/* Stops the backend's process group and removes its directory. */
static inline void bench_backend_stop(struct bench_backend *b)
{
	bench_stop(&b->pid);
	unlink(b->sock);
	rmdir(b->dir);
}

/*
 * Starts build/bin/vgpu-backend --loopback=DIR/backend.sock, with
 * --poll-us=poll_us (0: sleep at once), and waits up to 10 s for its
 * socket. Returns 0 or -1 (message on stderr).
 */
static inline int bench_backend_start(struct bench_backend *b, int poll_us)
{
	char bin[512], sockarg[160], pollarg[32];
	char *argv[] = { bin, sockarg, (char *)"--foreground",
			 pollarg, NULL };

	memset(b, 0, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "/tmp/vgpu-bench.XXXXXX");
	if (!mkdtemp(b->dir)) {
		perror("bench: mkdtemp");
		return -1;
	}
	snprintf(b->sock, sizeof(b->sock), "%s/backend.sock", b->dir);
	snprintf(b->spec, sizeof(b->spec), "loopback:%s", b->sock);
	snprintf(bin, sizeof(bin), "%s/bin/vgpu-backend", bench_build());
	snprintf(sockarg, sizeof(sockarg), "--loopback=%s", b->sock);
	snprintf(pollarg, sizeof(pollarg), "--poll-us=%d", poll_us);
	b->pid = bench_spawn(argv, NULL);
	if (b->pid > 0 && !bench_wait_listening(b->sock, &b->pid))
		return 0;
	fprintf(stderr, "bench: vgpu-backend did not come up on %s\n", b->sock);
	bench_backend_stop(b);
	return -1;
}

#endif /* VGPU_BENCHUTIL_H */
