/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness: the test-support library (libvgputest), what the cmocka tests
 * and the benchmarks share to run the project's real programs as child
 * processes. Spawning with a log file, waiting with a timeout, stopping,
 * waiting for a UNIX socket to accept (harness.c); a vgpu-backend as
 * the tests and as the benchmarks start it (harness_backend.c); the
 * whole loopback stack (vgpu-backend + vgpu-vtest) in one call
 * (harness_stack.c); an EGL surfaceless context for GL clients
 * (harness_egl.c). The Makefile archives the .c files of tests/support
 * into $(BUILD)/lib/libvgputest.a; this is its one header.
 *
 * Programs are found under $VGPU_BUILD (default "build"). Children get
 * PR_SET_PDEATHSIG, so a crashed test leaves no process behind.
 *
 * Environment:
 *   VGPU_BUILD              build directory holding bin/ and tests/progs/
 *   VGPU_BACKEND_WRAPPER    command prepended to vgpu-backend, split on
 *                           spaces (e.g. "valgrind --error-exitcode=3")
 *   VGPU_TEST_TIMEOUT_SCALE multiplies every timeout (default 1, or 20
 *                           when a wrapper is set)
 *   VGPU_TEST_REFERENCE=1   start virgl_test_server instead of our stack,
 *                           to check the tests themselves
 *   VGPU_TEST_KEEP=1        keep each stack's temp dir (logs, images)
 */
#ifndef VGPU_TESTS_HARNESS_H
#define VGPU_TESTS_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A number as a string literal, for option arguments. */
#define HARNESS_STR_(x) #x
#define HARNESS_STR(x)  HARNESS_STR_(x)

/* The path Mesa 22.3's virpipe driver always connects to. */
#define HARNESS_VTEST_SOCKET	"/tmp/.virgl_test"

struct harness_child {
	pid_t pid;		/* 0 once reaped */
	int status;		/* wait status once reaped */
	char name[64];
	char log[PATH_MAX];
	bool group;		/* leads a process group (harness_spawn_group) */
};

/* The build directory ($VGPU_BUILD or "build"). */
const char *harness_build(void);

/* Writes "BUILD/rel" to buf. */
void harness_build_path(char *buf, size_t len, const char *rel);

/* ms multiplied by the timeout scale. */
int harness_ms(int ms);

/* Sleeps ms milliseconds, through signals. */
void harness_sleep_ms(int ms);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t harness_now_ns(void);

/*
 * Starts argv (argv[0] is a path) with stdout and stderr appended to log
 * (NULL: the child keeps ours). wrapper (may be NULL or "") is split on
 * spaces and put in front of argv. env is a NULL-terminated list of
 * "KEY=VALUE" set in the child (may be NULL). The child gets SIGKILL if
 * we die. Returns 0, or -1 with errno set.
 */
int harness_spawn(struct harness_child *c, const char *wrapper,
		  char *const argv[], char *const env[], const char *log);

/*
 * harness_spawn() with no wrapper and no env, for what the benchmarks
 * run: the child leads a process group of its own, which
 * harness_stop() signals as a whole (vgpu-backend with its workers),
 * and gets SIGTERM rather than SIGKILL if we die.
 */
int harness_spawn_group(struct harness_child *c, char *const argv[],
			const char *log);

/*
 * Waits up to timeout_ms for the child to exit. Returns its exit code,
 * 128 + signal if killed by one, or -1 on timeout (the child is still
 * running). A reaped child returns its code again.
 */
int harness_wait(struct harness_child *c, int timeout_ms);

/*
 * Sends sig (to the child's process group if it leads one) and waits up
 * to timeout_ms; a child still running then gets SIGKILL. Returns what
 * harness_wait() returned for sig (-1: timed out and was killed).
 */
int harness_stop(struct harness_child *c, int sig, int timeout_ms);

/* True while the child runs (not exited, not a zombie). */
bool harness_alive(struct harness_child *c);

/*
 * True if the log at path holds a report of ASan, LSan, UBSan or
 * valgrind (an "ERROR SUMMARY" with errors): the child or one of its
 * forked workers hit a memory error even if the exit codes look fine.
 */
bool harness_log_has_errors(const char *path);

/* Copies the child's log to stderr, each line prefixed with its name. */
void harness_dump_log(const struct harness_child *c);

enum harness_sock {
	HARNESS_SOCK_NONE,	/* no such file */
	HARNESS_SOCK_STALE,	/* a file, but nobody accepts */
	HARNESS_SOCK_LISTENING,	/* connect() succeeds */
};

/* Probes path by connecting to it. */
enum harness_sock harness_socket_state(const char *path);

/*
 * True while a socket listens on path, read from /proc/net/unix, so
 * that checking opens no connection a server would have to handle (a
 * vgpu-backend would fork a worker for it). The listener must be in our
 * network namespace, and a listener on the same path in another mount
 * namespace counts too.
 */
bool harness_socket_listening(const char *path);

/*
 * Waits until path accepts connections. Fails (-1) if c (may be NULL)
 * exits first or timeout_ms passes.
 */
int harness_wait_socket(const char *path, struct harness_child *c,
			int timeout_ms);

/* harness_wait_socket() by harness_socket_listening(): no connection. */
int harness_wait_listening(const char *path, struct harness_child *c,
			   int timeout_ms);

/*
 * Starts BUILD/bin/vgpu-backend --loopback=sock, then the options in
 * extra (NULL-terminated, may be NULL), under $VGPU_BACKEND_WRAPPER with
 * its output in log, and waits for sock to accept. The GPU watchdog is
 * scaled like every timeout (an extra --watchdog-ms wins), so slow
 * frames under valgrind are not taken for hangs. Its shader cache is a
 * shaders/ folder beside sock, not dom0's. Returns 0 or -1.
 */
int harness_backend_start(struct harness_child *c, const char *sock,
			  const char *const *extra, const char *log);

/* A vgpu-backend a test started, in a directory of the test's. */
struct harness_test_backend {
	struct harness_child child;
	char dir[128];			/* made by the test (harness_mkdtemp) */
	char sock[PATH_MAX];		/* DIR/backend.sock */
	char spec[PATH_MAX + 16];	/* "loopback:SOCK" for vgpufront_open() */
};

/*
 * harness_backend_start() on DIR/backend.sock, its log in
 * DIR/backend.log. Returns 0 or -1.
 */
int harness_test_backend_start(struct harness_test_backend *b,
			       const char *const *extra);

/*
 * Stops a backend that harness_test_backend_start() started (SIGTERM,
 * then SIGKILL after 20 s) and tells whether it went well: exit status
 * 0, no memory error in its log, and no line with bad in it (NULL: not
 * looked for). If not, its log goes to stderr. A backend never started
 * went well.
 */
bool harness_test_backend_stop(struct harness_test_backend *b,
			       const char *bad);

/* How long the benchmarks wait for a program to start or to stop. */
#define HARNESS_BENCH_MS	10000

/* A vgpu-backend a benchmark started, in a directory of its own. */
struct harness_bench_backend {
	struct harness_child child;
	char dir[64];
	char sock[96];		/* DIR/backend.sock */
	char spec[128];		/* "loopback:SOCK" for vgpufront_open() */
};

/*
 * Starts BUILD/bin/vgpu-backend --loopback=SOCK --foreground and the
 * options in extra (NULL-terminated, may be NULL) in a new directory
 * /tmp/vgpu-bench.XXXXXX, as it runs in production: no wrapper, none of
 * the tests' options, in a process group of its own (see
 * harness_spawn_group), its output in log (NULL: ours). Waits
 * HARNESS_BENCH_MS for its socket with harness_wait_listening(), so
 * that the backend serves no connection but the benchmark's. Returns 0,
 * or -1 (message on stderr) with nothing left behind.
 */
int harness_bench_backend_start(struct harness_bench_backend *b,
				const char *const *extra, const char *log);

/*
 * Stops the backend (SIGTERM to its group, SIGKILL after
 * HARNESS_BENCH_MS) and removes its directory. Returns what
 * harness_stop() returned; once stopped, further calls return 0 and do
 * nothing.
 */
int harness_bench_backend_stop(struct harness_bench_backend *b);

/*
 * Keeps the Mesa DRI drivers this process has loaded from being unloaded
 * (RTLD_NODELETE). EGL unloads its driver at termination, and LeakSanitizer
 * then cannot name the driver's own leaks, so tests/lsan.supp cannot
 * match them. Call it after the renderer is up, in tests that render in
 * their own process.
 */
void harness_pin_gl_drivers(void);

/*
 * Makes an EGL context current on Mesa's surfaceless platform (no window
 * system: the same on llvmpipe and on virpipe through vtest): GL ES
 * es_version (2 or 3), or desktop GL when es_version is 0. Returns NULL,
 * or a sentence saying which step failed.
 */
const char *harness_egl_surfaceless(int es_version);

/* Reads a whole file into a NUL-terminated malloc'd string, or NULL. */
char *harness_read_file(const char *path);

/* CPU time (user + system) a live process has used, in s; -1 if gone. */
double harness_cpu_seconds(pid_t pid);

/* A child of pid (its first, as /proc lists them), or 0 if none. */
pid_t harness_first_child(pid_t pid);

/* mkdtemp under /tmp; writes the path to buf. Returns 0 or -1. */
int harness_mkdtemp(char *buf, size_t len, const char *tag);

/* Removes dir and everything below it. */
void harness_rmtree(const char *dir);

/* The loopback stack a GL client reaches through /tmp/.virgl_test. */
struct harness_stack {
	char dir[128];		/* private temp dir: sockets, logs, images */
	char backend_sock[PATH_MAX];
	struct harness_child backend;	/* pid 0 in reference mode */
	struct harness_child vtest;	/* virgl_test_server in reference mode */
	bool reference;
};

/*
 * Starts vgpu-backend --loopback=DIR/backend.sock and vgpu-vtest on
 * /tmp/.virgl_test and waits for both sockets. Fails with a message on
 * stderr if another server already listens on /tmp/.virgl_test (a stale
 * socket file is removed). Returns 0, or -1 with everything stopped.
 */
int harness_stack_start(struct harness_stack *s);

/*
 * harness_stack_start() with backend_args (NULL-terminated, may be NULL)
 * passed on to harness_backend_start() as its extra options.
 */
int harness_stack_start_args(struct harness_stack *s,
			     const char *const *backend_args);

/*
 * SIGTERMs vtest then the backend, waits for both (SIGKILL after a
 * timeout), and writes their exit codes (see harness_wait) to
 * *vtest_rc and *backend_rc (either may be NULL). Dumps their logs if
 * either did not exit 0. Keeps s->dir.
 */
void harness_stack_stop(struct harness_stack *s, int *vtest_rc,
			int *backend_rc);

/*
 * After harness_stack_stop(): -1 (with the log on stderr) if the logs of
 * vgpu-backend or vgpu-vtest report a sanitizer or valgrind error.
 */
int harness_stack_check_logs(struct harness_stack *s);

/* Prints both programs' logs to stderr, to say why a check failed. */
void harness_stack_dump_logs(const struct harness_stack *s);

/*
 * How many requests vgpu-backend refused, as its log says them: each
 * vgpuback_reject() line, and each "more rejections not logged" after a
 * burst (each printed to stderr). 0 in reference mode; -1: no log.
 */
int harness_stack_rejections(const struct harness_stack *s);

/* How many times what occurs in the file at path (0 if unreadable). */
int harness_count_in_file(const char *path, const char *what);

/* harness_stack_stop() if still running, then removes s->dir. */
void harness_stack_destroy(struct harness_stack *s);

/*
 * Runs build/tests/progs/glscene with args (NULL-terminated, may be
 * NULL) and out (may be NULL) as its last argument. virgl: through the
 * vtest socket (GALLIUM_DRIVER=virpipe), else on llvmpipe. Its stderr
 * goes to log. Returns its exit code as harness_wait() does.
 */
int harness_glscene(const char *log, bool virgl, const char *const args[],
		    const char *out);

/* Spawns glscene the same way without waiting. */
int harness_glscene_spawn(struct harness_child *c, const char *log,
			  bool virgl, const char *const args[],
			  const char *out);

#endif
