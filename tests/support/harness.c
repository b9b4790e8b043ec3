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

	if (s && atoi(s) > 0)
		return atoi(s);
	return w && *w ? 20 : 1;
}

int harness_ms(int ms)
{
	return ms * timeout_scale();
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
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
		     w = strtok_r(NULL, " ", &save))
			out[n++] = w;
	}
	for (; *argv && n < MAX_ARGS - 1; argv++)
		out[n++] = *argv;
	out[n] = NULL;
	return *argv ? -1 : 0;
}

/* In the child: never returns. */
static void child_exec(char **argv, char *const env[], const char *log)
{
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	for (; env && *env; env++)
		putenv(*env);
	execvp(argv[0], argv);
	fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int harness_spawn(struct harness_child *c, const char *wrapper,
		  char *const argv[], char *const env[], const char *log)
{
	char words[1024], *full[MAX_ARGS];
	const char *base = strrchr(argv[0], '/');

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", base ? base + 1 : argv[0]);
	snprintf(c->log, sizeof(c->log), "%s", log);
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
	if (c->pid == 0)
		child_exec(full, env, log);
	return 0;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Reaps the child if it has exited; true once reaped. */
static bool reap(struct harness_child *c)
{
	pid_t r;

	if (!c->pid)
		return true;
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
		if (now_ms() >= end)
			return -1;
		harness_sleep_ms(POLL_MS);
	}
	return exit_code(c->status);
}

int harness_stop(struct harness_child *c, int sig, int timeout_ms)
{
	int rc;

	if (!c->pid)
		return exit_code(c->status);
	kill(c->pid, sig);
	rc = harness_wait(c, timeout_ms);
	if (rc < 0) {
		fprintf(stderr, "harness: %s ignored signal %d for %d ms; "
			"killing it\n", c->name, sig, timeout_ms);
		kill(c->pid, SIGKILL);
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
	     line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "[%s] %s\n", c->name, line);
	free(text);
}

/* connect()s to path with a socket of type; returns 0 or -errno. */
static int try_connect(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

enum harness_sock harness_socket_state(const char *path)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) < 0)
		return HARNESS_SOCK_NONE;
	rc = try_connect(path, SOCK_STREAM);
	if (rc == -EPROTOTYPE)	/* the loopback transport's seqpacket */
		rc = try_connect(path, SOCK_SEQPACKET);
	return rc == 0 ? HARNESS_SOCK_LISTENING : HARNESS_SOCK_STALE;
}

int harness_wait_socket(const char *path, struct harness_child *c,
			int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (harness_socket_state(path) != HARNESS_SOCK_LISTENING) {
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

int harness_backend_start(struct harness_child *c, const char *sock,
			  const char *const *extra, const char *log)
{
	char bin[PATH_MAX], lb[PATH_MAX + 16], wd[32], sc[PATH_MAX + 32];
	char *argv[16] = { bin, lb, wd, sc };
	const char *slash = strrchr(sock, '/');
	size_t n = 4;

	harness_build_path(bin, sizeof(bin), "bin/vgpu-backend");
	if (access(bin, X_OK) < 0) {
		fprintf(stderr, "harness: %s is not built\n", bin);
		return -1;
	}
	snprintf(lb, sizeof(lb), "--loopback=%s", sock);
	snprintf(wd, sizeof(wd), "--watchdog-ms=%d", harness_ms(2000));
	/* Each test's shaders are its own, beside its socket, not dom0's. */
	snprintf(sc, sizeof(sc), "--shader-cache=%.*s/shaders",
		 slash ? (int)(slash - sock) : 1, slash ? sock : ".");
	while (extra && *extra && n < 15) {
		argv[n++] = (char *)*extra++;
	}
	argv[n] = NULL;
	if (harness_spawn(c, getenv("VGPU_BACKEND_WRAPPER"), argv, NULL,
			  log) < 0) {
		return -1;
	}
	return harness_wait_socket(sock, c, harness_ms(30000));
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

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap += 65536);

			if (!nb)
				break;
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
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
	if (dir && *dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* True if text has "ERROR SUMMARY: N" with N > 0 (valgrind). */
static bool valgrind_errors(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "ERROR SUMMARY: "))) {
		p += strlen("ERROR SUMMARY: ");
		if (*p >= '1' && *p <= '9')
			return true;
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

	if (!text)
		return false;
	bad = valgrind_errors(text);
	for (m = marks; *m && !bad; m++)
		bad = strstr(text, *m) != NULL;
	free(text);
	return bad;
}
