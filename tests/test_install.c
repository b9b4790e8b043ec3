/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `make install` as the README's dom0 steps use it: run into a DESTDIR,
 * every file the README promises must be there (the three programs, the
 * systemd unit, xenvgpu(1), the xenstore schema), the unit must start the
 * installed backend, and `systemd-analyze verify` must accept the unit
 * as installed. Installs the programs already built under $VGPU_BUILD
 * and never rebuilds them.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define UNIT		"vgpu-backend.service"
#define DEPS_HINT	"run tools/deps.sh check (it installs systemd)"

static const char *const programs[] = { "vgpu-backend", "vgpu-vtest",
					"xenvgpu" };

/* snprintf that fails the test rather than cut a path short. */
static void __attribute__((format(printf, 3, 4)))
fmt(char *buf, size_t len, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(buf, len, format, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		fail_msg("path too long: %s...", buf);
	}
}

struct fixture {
	char dir[128];
	char root[PATH_MAX];	/* the DESTDIR */
	char build[PATH_MAX];	/* absolute: make runs in VGPU_SRCDIR */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(harness_mkdtemp(f->dir, sizeof(f->dir), "install"),
			 0);
	fmt(f->root, sizeof(f->root), "%s/root", f->dir);
	if (!realpath(harness_build(), f->build)) {
		fail_msg("build directory %s: %s (run make tests first, or "
			 "set VGPU_BUILD)", harness_build(), strerror(errno));
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!getenv("VGPU_TEST_KEEP")) {
		harness_rmtree(f->dir);
	}
	free(f);
	return 0;
}

/*
 * Runs argv with its output in DIR/name.log; returns its exit code. A
 * failure shows the log unless quiet (a failure the caller expects).
 */
static int run(struct fixture *f, const char *name, char *const argv[],
	       bool quiet)
{
	/* A make running this test must not pass its flags to ours. */
	char *env[] = { "MAKEFLAGS=", "MFLAGS=", NULL };
	struct harness_child c;
	char log[PATH_MAX];
	int rc;

	fmt(log, sizeof(log), "%s/%s.log", f->dir, name);
	assert_int_equal(harness_spawn(&c, NULL, argv, env, log), 0);
	rc = harness_wait(&c, harness_ms(60000));
	if (rc < 0) {
		harness_stop(&c, SIGKILL, 1000);
	}
	if (rc != 0 && !quiet) {
		harness_dump_log(&c);
	}
	return rc;
}

static void make_install(struct fixture *f, const char *prefix)
{
	char destdir[PATH_MAX], pfx[PATH_MAX], build[PATH_MAX];
	char old[3][PATH_MAX];
	char *argv[16];
	struct stat st;
	size_t i, n = 0;

	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = VGPU_SRCDIR;
	argv[n++] = "install";
	/* -o: install what is built; never rebuild it (nor fail on edits). */
	for (i = 0; i < 3; i++) {
		fmt(old[i], sizeof(old[i]), "%s/bin/%s", f->build,
		    programs[i]);
		if (stat(old[i], &st) < 0) {
			fail_msg("%s: %s (run make tests first)", old[i],
				 strerror(errno));
		}
		argv[n++] = "-o";
		argv[n++] = old[i];
	}
	fmt(destdir, sizeof(destdir), "DESTDIR=%s", f->root);
	fmt(pfx, sizeof(pfx), "PREFIX=%s", prefix);
	fmt(build, sizeof(build), "BUILD=%s", f->build);
	argv[n++] = destdir;
	argv[n++] = pfx;
	argv[n++] = build;
	argv[n] = NULL;
	if (run(f, "make-install", argv, false) != 0) {
		fail_msg("make install DESTDIR=%s %s failed (its output is "
			 "above)", f->root, pfx);
	}
}

/* ROOT/rel is a regular file with exactly this mode; returns its size. */
static off_t assert_installed(struct fixture *f, const char *rel,
			      mode_t mode)
{
	char path[PATH_MAX];
	struct stat st;

	fmt(path, sizeof(path), "%s%s", f->root, rel);
	if (stat(path, &st) < 0) {
		fail_msg("make install did not install %s: %s", rel,
			 strerror(errno));
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != mode) {
		fail_msg("%s: mode %o, expected a file with mode %o", rel,
			 (unsigned)(st.st_mode & 07777), (unsigned)mode);
	}
	return st.st_size;
}

/*
 * The unit's text. Its ExecStart must name BINDIR/vgpu-backend, and its
 * documentation page must be installed under MAN1DIR.
 */
static void check_unit(struct fixture *f, const char *unit_rel,
		       const char *bindir, const char *man1dir)
{
	char path[PATH_MAX], want[PATH_MAX], man[PATH_MAX];
	char *text;

	assert_installed(f, unit_rel, 0644);
	fmt(path, sizeof(path), "%s%s", f->root, unit_rel);
	text = harness_read_file(path);
	assert_non_null(text);
	if (strchr(text, '@')) {
		fail_msg("%s keeps a placeholder:\n%s", unit_rel, text);
	}
	fmt(want, sizeof(want), "\nExecStart=%s/vgpu-backend --xen\n",
	    bindir);
	if (!strstr(text, want)) {
		fail_msg("%s lacks \"%s\":\n%s", unit_rel, want + 1, text);
	}
	if (!strstr(text, "\nDocumentation=man:xenvgpu(1)\n")) {
		fail_msg("%s does not point to xenvgpu(1)", unit_rel);
	}
	free(text);
	fmt(man, sizeof(man), "%s/xenvgpu.1", man1dir);
	assert_installed(f, man, 0644);
}

/* Every file of the README's step 1, for PREFIX=prefix. */
static void check_files(struct fixture *f, const char *prefix,
			const char *unit_dir)
{
	char rel[PATH_MAX], built[PATH_MAX], unit[PATH_MAX];
	char bindir[PATH_MAX], man1dir[PATH_MAX];
	struct stat st;
	size_t i;

	fmt(bindir, sizeof(bindir), "%s/bin", prefix);
	fmt(man1dir, sizeof(man1dir), "%s/share/man/man1", prefix);
	for (i = 0; i < 3; i++) {
		fmt(rel, sizeof(rel), "%s/%s", bindir, programs[i]);
		fmt(built, sizeof(built), "%s/bin/%s", f->build,
		    programs[i]);
		assert_int_equal(stat(built, &st), 0);
		/* The very program built, not an older one. */
		assert_int_equal(assert_installed(f, rel, 0755), st.st_size);
	}
	fmt(rel, sizeof(rel), "%s/share/xen-vgpu/vgpu.schema", prefix);
	assert_installed(f, rel, 0644);
	fmt(unit, sizeof(unit), "%s/" UNIT, unit_dir);
	check_unit(f, unit, bindir, man1dir);
}

/* An executable on PATH, written to buf; false if there is none. */
static bool find_on_path(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save;
	bool found = false;

	copy = strdup(path && *path ? path : "/usr/bin:/bin");
	assert_non_null(copy);
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		fmt(buf, len, "%s/%s", dir, name);
		found = access(buf, X_OK) == 0;
	}
	free(copy);
	return found;
}

/*
 * systemd-analyze verify --root=DESTDIR: with --root, the unit's
 * ExecStart is looked up under DESTDIR, so this checks the installed
 * binary. verify also builds the unit's start transaction, which needs
 * the targets every service depends on (sysinit.target, ...); it looks
 * for units under the root only, so the root gets this host's.
 * Returns verify's exit code; its output is in DIR/verify.log.
 */
static int verify(struct fixture *f, const char *analyze, bool quiet)
{
	static const char *const sys_dirs[] = { "/usr/lib/systemd/system",
						"/lib/systemd/system" };
	char target[PATH_MAX], dest[PATH_MAX], root_opt[PATH_MAX];
	char parent[PATH_MAX];
	char *mkdir_argv[] = { "mkdir", "-p", parent, NULL };
	char *cp_argv[] = { "cp", "-a", NULL, parent, NULL };
	/* --man=no: man(1) would search the host, not the root;
	 * check_unit() found the page under the root instead. */
	char *argv[] = { (char *)analyze, "verify", "--man=no", root_opt,
			 UNIT, NULL };
	size_t i;

	for (i = 0; i < 2 && !cp_argv[2]; i++) {
		fmt(target, sizeof(target), "%s/sysinit.target", sys_dirs[i]);
		if (access(target, R_OK) == 0) {
			cp_argv[2] = (char *)sys_dirs[i];
		}
	}
	if (!cp_argv[2]) {
		fail_msg("no sysinit.target in /usr/lib/systemd/system or "
			 "/lib/systemd/system: " DEPS_HINT);
	}
	fmt(dest, sizeof(dest), "%s%s", f->root, cp_argv[2]);
	if (access(dest, F_OK) < 0) {
		fmt(parent, sizeof(parent), "%s", dest);
		*strrchr(parent, '/') = '\0';
		assert_int_equal(run(f, "mkdir", mkdir_argv, false), 0);
		assert_int_equal(run(f, "cp", cp_argv, false), 0);
	}
	fmt(root_opt, sizeof(root_opt), "--root=%s", f->root);
	return run(f, "verify", argv, quiet);
}

static void test_install_usr_local(void **state)
{
	struct fixture *f = *state;
	char analyze[PATH_MAX], bin[PATH_MAX], log[PATH_MAX];
	char *text;

	make_install(f, "/usr/local");
	check_files(f, "/usr/local", "/usr/local/lib/systemd/system");

	if (!find_on_path("systemd-analyze", analyze, sizeof(analyze))) {
		fail_msg("systemd-analyze is not installed: " DEPS_HINT);
	}
	if (verify(f, analyze, false) != 0) {
		fail_msg("systemd-analyze verify rejects the installed "
			 "unit (its output is above)");
	}

	/* The check is real: without the binary, verify must object. */
	fmt(bin, sizeof(bin), "%s/usr/local/bin/vgpu-backend", f->root);
	assert_int_equal(unlink(bin), 0);
	assert_int_not_equal(verify(f, analyze, true), 0);
	fmt(log, sizeof(log), "%s/verify.log", f->dir);
	text = harness_read_file(log);
	assert_non_null(text);
	assert_non_null(strstr(text, "/usr/local/bin/vgpu-backend"));
	free(text);
}

/* PREFIX=/usr: Debian's unit directory, and ExecStart follows BINDIR. */
static void test_install_usr(void **state)
{
	struct fixture *f = *state;

	make_install(f, "/usr");
	check_files(f, "/usr", "/lib/systemd/system");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_usr_local, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_install_usr, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
