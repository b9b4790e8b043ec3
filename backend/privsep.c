/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Privilege separation of a worker, entered once its device is connected.
 *
 * DOC: what is dropped, and when
 * A worker needs root until its device is connected: it opens gntdev,
 * evtchn and xenstore, binds the guest's event channel (restricted to
 * that guest from then on, see xen.c) and starts virglrenderer, which may
 * open a render node. After that it only maps the guest's grants, signals
 * its event channel, talks on fds it already holds and renders. So, after
 * connect, vgpuback_privsep_enter():
 *   1. switches every thread to an unprivileged user (setgroups, setgid,
 *      setuid through glibc, which applies them to all threads), and
 *      checks that setuid(0) and setgid(0) now fail;
 *   2. sets no_new_privs and clears the dumpable flag, so that another
 *      process of the same user (another guest's worker) cannot ptrace
 *      this one or read its memory;
 *   3. loads a seccomp filter on every thread (TSYNC): the allowlist
 *      below, and death for anything else.
 *
 * DOC: what Xen restriction is real in 4.17
 * The event channel handle is restricted to the guest (IOCTL_EVTCHN_
 * RESTRICT_DOMID) as soon as it is bound. gntdev has no such restriction:
 * libxengnttab's part of xentoolcore_restrict_all() only dup2()s
 * /dev/null over the handle, and xenstore's does the same (XS_RESTRICT
 * is gone since Xen 4.9). Either would cut the worker off from its own
 * guest (backing is mapped after connect, Closing arrives by watch), so
 * neither is called. Handles the worker inherited from the supervisor
 * (libxenctrl's privcmd fd) are made useless by the ioctl rule instead:
 * only gntdev, evtchn and DRM (with dma-buf, sync_file) ioctls pass.
 *
 * DOC: default action
 * SCMP_ACT_KILL_PROCESS. A worker that makes an unexpected system call
 * is either exploited or on a path never seen here; for the first an
 * error code would let it probe, and for the second library code that
 * gets EPERM where it assumes success (munmap, mprotect) goes on in a
 * state nobody tested. Killing is loud (the parent logs "died of signal
 * 31", the kernel logs the syscall number) and costs one guest's device,
 * which the supervisor restarts. The few calls that libraries make on
 * purpose and handle failing get an error code instead (deny_softly).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#include "privsep.h"
#include "vgpu_util.h"

/*
 * DOC: allowlist
 * What a connected worker calls, found by tracing workers (strace -f,
 * then the filter in SCMP_ACT_LOG mode and the kernel's audit lines)
 * through the test suite: glscene rendered through Mesa and llvmpipe,
 * the malformed-request, hostile-guest and privsep tests, capsets,
 * backing, transfers, fences, teardown; plus what the Xen transport
 * calls after connect (gntdev and evtchn ioctls, libxenstore's SIGPIPE
 * dance, pthread_cancel of its reader thread at close).
 */
static const char *const allowed[] = {
	/* The event loop, the transports' fds, stderr or syslog. */
	"poll", "ppoll", "read", "write", "recvmsg", "sendmsg", "sendto",
	"close", "fcntl", "lseek", "fstat", "newfstatat",
	/* malloc (realloc of big blocks: mremap), guest pages, and
	 * llvmpipe's JIT, which maps code PROT_EXEC. */
	"mmap", "munmap", "mprotect", "madvise", "mremap", "brk",
	/* The guest's shader cache, opened before the sandbox (Mesa locks
	 * its files while it writes them). */
	"flock",
	/* Threads of llvmpipe and virglrenderer; the GPU scheduler's futex
	 * on shared memory; glibc's qsort asks sysinfo for memory size. */
	"futex", "set_robust_list", "rseq", "sched_yield",
	"sched_getaffinity", "rt_sigprocmask", "rt_sigreturn", "gettid",
	"getpid", "sysinfo", "exit", "exit_group",
	/* Time: a system call where the vDSO is not used (valgrind). */
	"clock_gettime", "gettimeofday",
	/* The screen's refresh timer, opened before the sandbox. */
	"timerfd_settime",
	/* The VNC display (vnc.c): clients on the listener opened before
	 * the sandbox; libvncserver peeks at a new one (recvfrom), waits
	 * for a slow one with select and closes with shutdown. No
	 * socket, bind or connect. */
	"accept4", "setsockopt", "getpeername", "select", "pselect6",
	"recvfrom", "shutdown",
#ifdef __SANITIZE_ADDRESS__
	/* ASan gives every thread an alternate signal stack. */
	"sigaltstack",
#endif
};

/* Refused with an error code, not death: callers handle the failure. */
static const struct {
	const char *name;
	int err;
} softly_denied[] = {
	/*
	 * Mesa's shader cache opens files as it compiles: a miss. The
	 * cache is shared by every guest's worker, so it must not be
	 * written from a sandbox: it holds machine code others would run.
	 */
	{ "openat", EACCES },
	{ "open", EACCES },
	/*
	 * Mesa asks for /proc/self/exe once the binary on disk is replaced
	 * (a package upgrade under a running daemon) and then falls back
	 * to the process name.
	 */
	{ "readlink", EACCES },
	{ "readlinkat", EACCES },
	/* syslog(3) reconnects after journald restarts: the line is lost. */
	{ "socket", EACCES },
	/* glibc's pthread_create falls back to clone, whose flags we see. */
	{ "clone3", ENOSYS },
	/* Mesa's helper threads lower their priority; ignored if refused.
	 * These take any thread id, another worker's too. */
	{ "sched_setscheduler", EPERM },
	{ "setpriority", EPERM },
};

/*
 * Adds one rule; counts it in *added, unless name is no system call on
 * this architecture (then there is nothing to allow or deny).
 */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
		    unsigned int nargs, const struct scmp_arg_cmp *args,
		    unsigned int *added)
{
	int nr = seccomp_syscall_resolve_name(name);
	int ret;

	if (nr == __NR_SCMP_ERROR) {
		return 0;
	}
	ret = seccomp_rule_add_array(ctx, action, nr, nargs, args);
	if (!ret) {
		(*added)++;
	}
	return ret;
}

/* The unconditional part of the allowlist. */
static int allow_plain(scmp_filter_ctx ctx, unsigned int *count)
{
	size_t i;
	int ret;

	for (i = 0; i < VGPU_ARRAY_SIZE(allowed); i++) {
		ret = add_rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL, count);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

/* An ioctl of one type: bits 8-15 of the request. */
#define IOCTL_TYPE(type) \
	{ "ioctl", SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, (type) << 8) }

/*
 * The calls allowed only with one argument checked; several rules for
 * one call count as one call.
 */
static int allow_checked(scmp_filter_ctx ctx, unsigned int *count)
{
	const struct {
		const char *name;
		struct scmp_arg_cmp arg;
	} rules[] = {
		/* Threads may start (llvmpipe starts two per GL context);
		 * processes may not. */
		{ "clone", SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
				   CLONE_THREAD) },
		{ "prctl", SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME) },
		/* A rasterizer thread pins itself (llvmpipe_affinity.c). */
		{ "sched_setaffinity", SCMP_A0(SCMP_CMP_EQ, 0) },
		/* Signals to this process only: abort(), pthread_cancel(). */
		{ "tgkill", SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()) },
		/* libxenstore ignores SIGPIPE around each request, and its
		 * reader thread is cancelled at close: glibc then installs
		 * its handler of SIGCANCEL (__SIGRTMIN). */
		{ "rt_sigaction", SCMP_A0(SCMP_CMP_EQ, SIGPIPE) },
		{ "rt_sigaction", SCMP_A0(SCMP_CMP_EQ, __SIGRTMIN) },
		/* No privcmd ('P'): the supervisor's inherited handle is
		 * dead. */
		IOCTL_TYPE('d'),        /* DRM: the render node */
		IOCTL_TYPE('b'),        /* dma-buf: its buffers' sync */
		IOCTL_TYPE('>'),        /* sync_file: its fences */
		IOCTL_TYPE('G'),        /* gntdev: the guest's grants */
		IOCTL_TYPE('E'),        /* evtchn: notify */
	};
	unsigned int added;
	size_t i;
	int ret;

	for (i = 0; i < VGPU_ARRAY_SIZE(rules); i++) {
		added = 0;
		ret = add_rule(ctx, SCMP_ACT_ALLOW, rules[i].name, 1,
			       &rules[i].arg, &added);
		if (ret) {
			return ret;
		}
		if (added && (!i || strcmp(rules[i].name, rules[i - 1].name))) {
			(*count)++;
		}
	}
	return 0;
}

static int deny_softly(scmp_filter_ctx ctx)
{
	/* Mesa's helper threads pin each other: any thread id, another
	 * worker's too. Only a thread's own (0) is allowed. */
	const struct scmp_arg_cmp other_thread = SCMP_A0(SCMP_CMP_NE, 0);
	unsigned int denied = 0;
	size_t i;
	int ret;

	for (i = 0; i < VGPU_ARRAY_SIZE(softly_denied); i++) {
		ret = add_rule(ctx, SCMP_ACT_ERRNO(softly_denied[i].err),
			       softly_denied[i].name, 0, NULL, &denied);
		if (ret) {
			return ret;
		}
	}
	return add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "sched_setaffinity", 1,
			&other_thread, &denied);
}

/*
 * Builds and loads the filter on every thread. Returns the number of
 * system calls it allows, or -errno.
 */
static int load_seccomp(void)
{
	unsigned int count = 0;
	scmp_filter_ctx ctx;
	int ret;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		return -ENOMEM;
	}
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!ret) {
		ret = allow_plain(ctx, &count);
	}
	if (!ret) {
		ret = allow_checked(ctx, &count);
	}
	if (!ret) {
		ret = deny_softly(ctx);
	}
	if (!ret) {
		ret = seccomp_load(ctx);
	}
	seccomp_release(ctx);
	return ret ? ret : (int)count;
}

/*
 * valgrind (3.19) does not implement seccomp(2), so no filter can be
 * loaded under it; the worker then goes on without one, and says so.
 * Anywhere else a filter that cannot be loaded stops the worker.
 */
static bool under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

/* The user to drop to: p->user, or the default one. NULL if none. */
static const struct passwd *find_user(const struct vgpuback_privsep *p)
{
	const struct passwd *pw;

	if (p->user) {
		return getpwnam(p->user);
	}
	pw = getpwnam(VGPUBACK_PRIVSEP_USER);
	return pw ? pw : getpwnam(VGPUBACK_PRIVSEP_FALLBACK_USER);
}

static bool dropping(const struct vgpuback_privsep *p)
{
	return !p->keep_root && geteuid() == 0;
}

int vgpuback_privsep_check(const struct vgpuback_privsep *p)
{
	if (!dropping(p) || find_user(p)) {
		return 0;
	}
	if (p->user) {
		vgpu_err("--user=%s: no such user", p->user);
	} else {
		vgpu_err("neither user %s nor %s exists: create one, or name "
			 "another with --user", VGPUBACK_PRIVSEP_USER,
			 VGPUBACK_PRIVSEP_FALLBACK_USER);
	}
	return -ENOENT;
}

/* Root must be out of reach now, real, effective and saved ids alike. */
static int verify_dropped(uid_t uid, gid_t gid)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) || getresgid(&rgid, &egid, &sgid)) {
		return -errno;
	}
	if (ruid != uid || euid != uid || suid != uid || rgid != gid ||
	    egid != gid || sgid != gid) {
		return -EPERM;
	}
	if (setuid(0) != -1 || setgid(0) != -1) {
		return -EPERM;
	}
	return 0;
}

/* Switches every thread to the user; returns its uid, or -errno. */
static long drop_user(const struct vgpuback_privsep *p, uint32_t domid,
		      uint32_t devid)
{
	const struct passwd *pw = find_user(p);
	uid_t uid;
	gid_t gid;
	int ret;

	if (!pw) {
		vgpu_err(VGPU_DEV_FMT "no user to drop to", domid, devid);
		return -ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		ret = -errno;
		vgpu_err(VGPU_DEV_FMT "cannot drop to user %s: %s", domid, devid,
			 pw->pw_name, strerror(-ret));
		return ret;
	}
	ret = verify_dropped(uid, gid);
	if (ret) {
		vgpu_err(VGPU_DEV_FMT "root can still be regained after dropping to "
			 "%s", domid, devid, pw->pw_name);
		return ret;
	}
	return uid;
}

/* Loads the filter unless told not to, or unable to; logs the outcome. */
static int enter_seccomp(const struct vgpuback_privsep *p, uint32_t domid,
			 uint32_t devid,
			 long uid)
{
	int count;

	if (p->no_seccomp || under_valgrind()) {
		vgpu_info(VGPU_DEV_FMT "worker sandboxed: uid %ld, seccomp off (%s)",
			  domid, devid, uid, p->no_seccomp ? "--no-seccomp" :
			  "valgrind cannot load it");
		return 0;
	}
	count = load_seccomp();
	if (count < 0) {
		vgpu_err(VGPU_DEV_FMT "cannot install the seccomp filter: %s", domid, devid,
			 strerror(-count));
		return count;
	}
	vgpu_info(VGPU_DEV_FMT "worker sandboxed: uid %ld, seccomp allowlist of %d "
		  "syscalls", domid, devid, uid, count);
	return 0;
}

int vgpuback_privsep_enter(const struct vgpuback_privsep *p, uint32_t domid,
			   uint32_t devid)
{
	long uid = getuid();
	int ret;

	if (dropping(p)) {
		uid = drop_user(p, domid, devid);
		if (uid < 0) {
			return (int)uid;
		}
	}
	/* Neither execve nor ptrace may win back what was dropped. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
		ret = -errno;
		vgpu_err(VGPU_DEV_FMT "prctl: %s", domid, devid, strerror(-ret));
		return ret;
	}
	return enter_seccomp(p, domid, devid, uid);
}
