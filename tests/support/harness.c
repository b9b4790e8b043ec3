/* SPDX-License-Identifier: GPL-2.0 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MAX_ARGS	64
#define POLL_MS		20

const char *harness_build(void)
{
	const char *b = getenv("VGPU_BUILD");

	return b && *b ? b : "build";
}

void harness_build_path(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", harness_build(), rel);
}

static int timeout_scale(void)
{
	const char *s = getenv("VGPU_TEST_TIMEOUT_SCALE");
	const char *w = getenv("VGPU_BACKEND_WRAPPER");

	if (s && atoi(s) > 0) {
		return atoi(s);
	}
	return w && *w ? 20 : 1;
}

int harness_ms(int ms)
{
	return ms * timeout_scale();
}

uint64_t harness_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long now_ms(void)
{
	return (long)(harness_now_ns() / 1000000u);
}

void harness_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR) {
		continue;
	}
}

/* Builds wrapper words + argv into out (which must hold MAX_ARGS). */
static int build_argv(char *words, const char *wrapper, char *const argv[],
		      char **out)
{
	int n = 0;
	char *save, *w;

	if (wrapper && *wrapper) {
		strcpy(words, wrapper);
		for (w = strtok_r(words, " ", &save); w && n < MAX_ARGS - 1;
		     w = strtok_r(NULL, " ", &save)) {
			out[n++] = w;
		}
	}
	for (; *argv && n < MAX_ARGS - 1; argv++) {
		out[n++] = *argv;
	}
	out[n] = NULL;
	return *argv ? -1 : 0;
}

/* In the child: never returns. */
static void child_exec(char **argv, char *const env[], const char *log,
		       bool group)
{
	int fd = -1;

	if (group) {
		setpgid(0, 0);
	}
	prctl(PR_SET_PDEATHSIG, group ? SIGTERM : SIGKILL);
	if (log) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	for (; env && *env; env++) {
		putenv(*env);
	}
	execvp(argv[0], argv);
	fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int spawn(struct harness_child *c, const char *wrapper,
		 char *const argv[], char *const env[], const char *log,
		 bool group)
{
	char words[1024], *full[MAX_ARGS];
	const char *base = strrchr(argv[0], '/');

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : argv[0]);
	snprintf(c->log, sizeof(c->log), "%s", log ? log : "");
	c->group = group;
	if ((wrapper && strlen(wrapper) >= sizeof(words)) ||
	    build_argv(words, wrapper, argv, full) < 0) {
		errno = E2BIG;
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		return -1;
	}
	if (c->pid == 0) {
		child_exec(full, env, log, group);
	}
	if (group) {
		setpgid(c->pid, c->pid);	/* before any harness_stop() */
	}
	return 0;
}

int harness_spawn(struct harness_child *c, const char *wrapper,
		  char *const argv[], char *const env[], const char *log)
{
	return spawn(c, wrapper, argv, env, log, false);
}

int harness_spawn_group(struct harness_child *c, char *const argv[],
			const char *log)
{
	return spawn(c, NULL, argv, NULL, log, true);
}

static int exit_code(int status)
{
	if (WIFEXITED(status)) {
		return WEXITSTATUS(status);
	}
	if (WIFSIGNALED(status)) {
		return 128 + WTERMSIG(status);
	}
	return -1;
}

/* Reaps the child if it has exited; true once reaped. */
static bool reap(struct harness_child *c)
{
	pid_t r;

	if (!c->pid) {
		return true;
	}
	r = waitpid(c->pid, &c->status, WNOHANG);
	if (r == c->pid || (r < 0 && errno == ECHILD)) {
		c->pid = 0;
		return true;
	}
	return false;
}

int harness_wait(struct harness_child *c, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (!reap(c)) {
		if (now_ms() >= end) {
			return -1;
		}
		harness_sleep_ms(POLL_MS);
	}
	return exit_code(c->status);
}

int harness_stop(struct harness_child *c, int sig, int timeout_ms)
{
	int rc;

	if (!c->pid) {
		return exit_code(c->status);
	}
	kill(c->group ? -c->pid : c->pid, sig);
	rc = harness_wait(c, timeout_ms);
	if (rc < 0) {
		fprintf(stderr, "harness: %s ignored signal %d for %d ms; "
			"killing it\n", c->name, sig, timeout_ms);
		kill(c->group ? -c->pid : c->pid, SIGKILL);
		harness_wait(c, 5000);
	}
	return rc;
}

bool harness_alive(struct harness_child *c)
{
	return !reap(c);
}

void harness_dump_log(const struct harness_child *c)
{
	char *text = harness_read_file(c->log);
	char *line, *save;

	if (!text) {
		fprintf(stderr, "[%s] (no log at %s)\n", c->name, c->log);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		fprintf(stderr, "[%s] %s\n", c->name, line);
	}
	free(text);
}

/* connect()s to path with a socket of type; returns 0 or -errno. */
static int try_connect(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

enum harness_sock harness_socket_state(const char *path)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) < 0) {
		return HARNESS_SOCK_NONE;
	}
	rc = try_connect(path, SOCK_STREAM);
	if (rc == -EPROTOTYPE) {
		/* the loopback transport's seqpacket */
		rc = try_connect(path, SOCK_SEQPACKET);
	}
	return rc == 0 ? HARNESS_SOCK_LISTENING : HARNESS_SOCK_STALE;
}

bool harness_socket_listening(const char *path)
{
	char line[512], flags[16], name[256];
	FILE *f = fopen("/proc/net/unix", "re");
	bool found = false;

	if (!f) {
		return false;
	}
	/* Num RefCount Protocol Flags Type St Inode Path; __SO_ACCEPTCON */
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %15s %*s %*s %*s %255s", flags,
			   name) == 2) {
			found = !strcmp(name, path) &&
				!strcmp(flags, "00010000");
		}
	}
	fclose(f);
	return found;
}

static bool accepts(const char *path)
{
	return harness_socket_state(path) == HARNESS_SOCK_LISTENING;
}

/* Polls ready(path) until it holds, c (may be NULL) exits or time is up. */
static int wait_until(bool (*ready)(const char *), const char *path,
		      struct harness_child *c, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (!ready(path)) {
		if (c && !harness_alive(c)) {
			fprintf(stderr, "harness: %s exited (code %d) before "
				"%s accepted connections\n", c->name,
				exit_code(c->status), path);
			return -1;
		}
		if (now_ms() >= end) {
			fprintf(stderr, "harness: %s: nobody listening after "
				"%d ms\n", path, timeout_ms);
			return -1;
		}
		harness_sleep_ms(POLL_MS);
	}
	return 0;
}

int harness_wait_socket(const char *path, struct harness_child *c,
			int timeout_ms)
{
	return wait_until(accepts, path, c, timeout_ms);
}

int harness_wait_listening(const char *path, struct harness_child *c,
			   int timeout_ms)
{
	return wait_until(harness_socket_listening, path, c, timeout_ms);
}

static int pin_driver(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (strstr(info->dlpi_name, "/dri/") &&
	    strstr(info->dlpi_name, "_dri.so")) {
		/* A reference never dropped: the driver stays mapped. */
		dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
	}
	return 0;
}

void harness_pin_gl_drivers(void)
{
	dl_iterate_phdr(pin_driver, NULL);
}

char *harness_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap += 65536);

			if (!nb) {
				break;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf) {
		buf[len] = '\0';
	}
	return buf;
}

double harness_cpu_seconds(pid_t pid)
{
	unsigned long long utime, stime;
	char path[64], *text, *p;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = harness_read_file(path);
	p = text ? strrchr(text, ')') : NULL;   /* the name may hold spaces */
	if (p) {
		n = sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%llu %llu", &utime, &stime);
	}
	free(text);
	if (n != 2) {
		return -1;
	}
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

pid_t harness_first_child(pid_t pid)
{
	char path[64], *text;
	int child = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	text = harness_read_file(path);
	if (text && sscanf(text, "%d", &child) != 1) {
		child = 0;
	}
	free(text);
	return child;
}

int harness_mkdtemp(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/vgpu-%s.XXXXXX", tag);
	return mkdtemp(buf) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void harness_rmtree(const char *dir)
{
	if (dir && *dir) {
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
}

/* True if text has "ERROR SUMMARY: N" with N > 0 (valgrind). */
static bool valgrind_errors(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "ERROR SUMMARY: "))) {
		p += strlen("ERROR SUMMARY: ");
		if (*p >= '1' && *p <= '9') {
			return true;
		}
	}
	return false;
}

bool harness_log_has_errors(const char *path)
{
	static const char *const marks[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
		"runtime error:", NULL
	};
	char *text = harness_read_file(path);
	const char *const *m;
	bool bad;

	if (!text) {
		return false;
	}
	bad = valgrind_errors(text);
	for (m = marks; *m && !bad; m++) {
		bad = strstr(text, *m) != NULL;
	}
	free(text);
	return bad;
}
