/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests of the test scaffolding itself: child processes, socket probes,
 * log scanning and image comparison. If these are wrong, the render
 * tests could pass without checking anything.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "ppm.h"

static int run_sh(const char *script, const char *wrapper, char *const env[])
{
	struct harness_child c;
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };

	assert_int_equal(harness_spawn(&c, wrapper, argv, env, "/dev/null"), 0);
	return harness_wait(&c, 10000);
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(run_sh("exit 0", NULL, NULL), 0);
	assert_int_equal(run_sh("exit 7", NULL, NULL), 7);
	assert_int_equal(run_sh("kill -SEGV $$", NULL, NULL), 128 + 11);
}

static void test_env_and_wrapper(void **state)
{
	char *env[] = { "HARNESS_X=5", NULL };

	(void)state;
	assert_int_equal(run_sh("exit $HARNESS_X", NULL, env), 5);
	assert_int_equal(run_sh("test \"$HARNESS_Y\" = yes",
				"/usr/bin/env HARNESS_Y=yes", NULL), 0);
	assert_int_equal(run_sh("test \"$HARNESS_Y\" = yes", NULL, NULL), 1);
}

static void test_timeout_and_stop(void **state)
{
	struct harness_child c;
	char *argv[] = { "/bin/sleep", "30", NULL };

	(void)state;
	assert_int_equal(harness_spawn(&c, NULL, argv, NULL, "/dev/null"), 0);
	assert_int_equal(harness_wait(&c, 100), -1);
	assert_true(harness_alive(&c));
	assert_int_equal(harness_stop(&c, SIGTERM, 5000), 128 + SIGTERM);
	assert_false(harness_alive(&c));
	/* A reaped child keeps answering with its code. */
	assert_int_equal(harness_wait(&c, 0), 128 + SIGTERM);
}

/* True while pid runs: neither gone nor a zombie nobody reaped yet. */
static bool running(pid_t pid)
{
	char path[64], *text, *end;
	bool alive;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = harness_read_file(path);
	if (!text) {
		return false;
	}
	end = strrchr(text, ')');	/* "pid (comm) S ..." */
	alive = end && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';
	free(text);
	return alive;
}

/* A group's leader and the process it forked both go with the group. */
static void test_group_stop(void **state)
{
	char dir[64], pidfile[100], script[400], *text;
	struct harness_child c;
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	pid_t forked;
	int i;

	(void)state;
	assert_int_equal(harness_mkdtemp(dir, sizeof(dir), "harness"), 0);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s.new && "
		 "mv %s.new %s; wait", pidfile, pidfile, pidfile);
	assert_int_equal(harness_spawn_group(&c, argv, NULL), 0);
	for (i = 0; i < 500 && access(pidfile, F_OK) < 0; i++) {
		harness_sleep_ms(10);
	}
	text = harness_read_file(pidfile);
	assert_non_null(text);
	forked = atoi(text);
	free(text);
	assert_true(forked > 0);
	assert_int_equal(getpgid(forked), c.pid);
	assert_int_equal(harness_stop(&c, SIGTERM, 5000), 128 + SIGTERM);
	for (i = 0; i < 500 && running(forked); i++) {
		harness_sleep_ms(10);
	}
	assert_false(running(forked));
	harness_rmtree(dir);
}

static int listen_on(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void check_socket_states(int type)
{
	char dir[64], path[100];
	int fd;

	assert_int_equal(harness_mkdtemp(dir, sizeof(dir), "harness"), 0);
	snprintf(path, sizeof(path), "%s/s", dir);
	assert_int_equal(harness_socket_state(path), HARNESS_SOCK_NONE);
	assert_false(harness_socket_listening(path));
	fd = listen_on(path, type);
	assert_int_equal(harness_socket_state(path), HARNESS_SOCK_LISTENING);
	assert_int_equal(harness_wait_socket(path, NULL, 1000), 0);
	assert_true(harness_socket_listening(path));
	assert_int_equal(harness_wait_listening(path, NULL, 1000), 0);
	close(fd);
	assert_int_equal(harness_socket_state(path), HARNESS_SOCK_STALE);
	assert_int_equal(harness_wait_socket(path, NULL, 100), -1);
	assert_false(harness_socket_listening(path));
	assert_int_equal(harness_wait_listening(path, NULL, 100), -1);
	harness_rmtree(dir);
}

static void test_socket_states(void **state)
{
	(void)state;
	check_socket_states(SOCK_STREAM);
	check_socket_states(SOCK_SEQPACKET);
}

static bool log_says(const char *text)
{
	char path[] = "/tmp/vgpu-harness-log.XXXXXX";
	int fd = mkstemp(path);
	bool bad;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	bad = harness_log_has_errors(path);
	unlink(path);
	return bad;
}

static void test_log_errors(void **state)
{
	(void)state;
	assert_false(log_says("vgpu-backend: listening\n"));
	assert_false(log_says("==12== ERROR SUMMARY: 0 errors from 0 contexts\n"));
	assert_true(log_says("==12== ERROR SUMMARY: 0 errors\n"
			     "==13== ERROR SUMMARY: 3 errors from 1 contexts\n"));
	assert_true(log_says("==9==ERROR: AddressSanitizer: heap-use-after-free"));
	assert_true(log_says("==9==ERROR: LeakSanitizer: detected memory leaks"));
	assert_true(log_says("x.c:3:5: runtime error: signed integer overflow"));
	assert_false(harness_log_has_errors("/nonexistent/log"));
}

/* Two 256x256 images, b differing from a in n pixels by delta. */
static void compare_with(int n, int delta, struct ppm_diff *d)
{
	static unsigned char a_px[256 * 256 * 3], b_px[256 * 256 * 3];
	struct ppm a = { 256, 256, a_px }, b = { 256, 256, b_px };
	int i;

	memset(a_px, 100, sizeof(a_px));
	memset(b_px, 100, sizeof(b_px));
	for (i = 0; i < n; i++) {
		b_px[i * 3 * 7 % sizeof(b_px) / 3 * 3 + 1] += delta;
	}
	assert_int_equal(ppm_compare(&a, &b, d), 0);
}

static void test_ppm_tolerance(void **state)
{
	struct ppm_diff d;
	struct ppm small = { 2, 2, (unsigned char [12]){ 0 } };
	struct ppm big = { 3, 2, (unsigned char [18]){ 0 } };

	(void)state;
	compare_with(0, 0, &d);
	assert_int_equal(d.differing, 0);
	assert_true(ppm_within_tolerance(&d));
	compare_with(65, 2, &d);	/* 0.099% of pixels, off by 2 */
	assert_int_equal(d.differing, 65);
	assert_int_equal(d.max_channel, 2);
	assert_true(ppm_within_tolerance(&d));
	compare_with(66, 1, &d);	/* just over 0.1% */
	assert_false(ppm_within_tolerance(&d));
	compare_with(1, 3, &d);		/* one pixel, off by 3 */
	assert_false(ppm_within_tolerance(&d));
	assert_int_equal(ppm_compare(&small, &big, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_env_and_wrapper),
		cmocka_unit_test(test_timeout_and_stop),
		cmocka_unit_test(test_group_stop),
		cmocka_unit_test(test_socket_states),
		cmocka_unit_test(test_log_errors),
		cmocka_unit_test(test_ppm_tolerance),
	};

	return cmocka_run_group_tests_name("harness", tests, NULL, NULL);
}
