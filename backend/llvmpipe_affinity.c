/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spreading llvmpipe's rasterizer threads over the CPUs.
 *
 * Where dom0 has no GPU, virglrenderer renders with llvmpipe, which
 * starts one rasterizer thread per CPU, named "llvmpipe-N": in a worker,
 * one set for all of its GL contexts, started with its renderer. The GPU
 * scheduler runs one worker's GPU work at a time, so a worker's
 * rasterizer threads sleep through the other guests' turns, and when
 * they wake, the kernel often puts two of them on one CPU while another
 * CPU idles. With four guests on two CPUs, every frame took 1.8
 * times as long as with one guest, and the CPUs were 40% idle. Thread N
 * therefore runs on the Nth CPU the backend may use; as only one worker
 * renders at a time, the threads of different workers do not collide.
 *
 * A device alone is not pinned: there pinning gains nothing, and when
 * other work keeps a CPU busy (a batch job, another guest's device
 * model), each frame waits at llvmpipe's barrier for the thread pinned
 * to that CPU. Under two low-priority busy loops a pinned device ran
 * glmark2 at half the frame rate of an unpinned one. The threads start
 * before the worker knows its co-tenants, so the worker decides again
 * each time it takes the GPU and, when the answer changes, signals each
 * thread to pin or unpin itself.
 *
 * Mesa names its threads from the threads themselves, with
 * pthread_setname_np(). The backend defines that function and exports
 * it, so the dynamic linker binds Mesa's calls here: a thread whose new
 * name is a rasterizer's is recorded and pinned or not, then libc names
 * it. A thread may only set its own affinity (sched_setaffinity(0,
 * ...)), which is all the worker's seccomp filter allows of that call;
 * signals to its own threads (tgkill) are allowed too.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "llvmpipe_affinity.h"
#include "vgpu_util.h"

#define RASTERIZER_PREFIX "llvmpipe-"
/* Asks a rasterizer thread to apply shared_now to itself. */
#define SIG_REPIN       SIGUSR2
/* Rasterizers recorded per worker: llvmpipe starts at most 32. */
#define MAX_RASTERIZERS 64

typedef int (*setname_fn)(pthread_t thread, const char *name);

static setname_fn libc_setname;
static cpu_set_t usable;        /* the backend's CPUs when enabled */
static int nr_usable;           /* 0: do not pin */
static volatile sig_atomic_t shared_now; /* takes turns with others */
static pid_t rasterizers[MAX_RASTERIZERS];
static unsigned int nr_rasterizers;
static __thread int own_cpu = -1;       /* a rasterizer's CPU when pinned */

/* Pins the calling rasterizer to its CPU, or frees it; errno kept. */
static void apply(void)
{
	int saved = errno;
	cpu_set_t one;

	if (shared_now) {
		CPU_ZERO(&one);
		CPU_SET(own_cpu, &one);
		/* Best effort: an unpinned rasterizer still renders. */
		sched_setaffinity(0, sizeof(one), &one);
	} else {
		sched_setaffinity(0, sizeof(usable), &usable);
	}
	errno = saved;
}

static void on_repin(int sig)
{
	(void)sig;
	if (own_cpu >= 0) {
		apply();
	}
}

void vgpuback_llvmpipe_affinity_init(bool enable)
{
	struct sigaction sa = { .sa_handler = on_repin,
				.sa_flags = SA_RESTART };

	libc_setname = (setname_fn)dlsym(RTLD_NEXT, "pthread_setname_np");
	nr_usable = 0;
	if (!enable || sched_getaffinity(0, sizeof(usable), &usable)) {
		return;
	}
	/* Set before any sandbox: a worker may not change handlers. */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_REPIN, &sa, NULL)) {
		return;
	}
	nr_usable = CPU_COUNT(&usable);
}

void vgpuback_llvmpipe_affinity_shared(bool shared)
{
	unsigned int i, n;

	if (!nr_usable || shared == !!shared_now) {
		return;
	}
	shared_now = shared;
	n = __atomic_load_n(&nr_rasterizers, __ATOMIC_ACQUIRE);
	for (i = 0; i < n && i < MAX_RASTERIZERS; i++) {
		/* One that has exited is gone from this process (ESRCH). */
		syscall(SYS_tgkill, getpid(), rasterizers[i], SIG_REPIN);
	}
}

/* The index-th CPU (modulo their number) of the usable set. */
static int nth_usable_cpu(unsigned long index)
{
	unsigned long want = index % (unsigned long)nr_usable;
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &usable) && !want--) {
			return cpu;
		}
	}
	return -1;
}

static void record_if_rasterizer(const char *name)
{
	size_t len = strlen(RASTERIZER_PREFIX);
	unsigned int slot;
	unsigned long index;
	sigset_t repin;
	char *end;

	if (!nr_usable || strncmp(name, RASTERIZER_PREFIX, len)) {
		return;
	}
	index = strtoul(name + len, &end, 10);
	own_cpu = end != name + len && !*end ? nth_usable_cpu(index) : -1;
	if (own_cpu < 0) {
		return;
	}
	slot = __atomic_load_n(&nr_rasterizers, __ATOMIC_RELAXED);
	do {
		if (slot >= MAX_RASTERIZERS) {
			return; /* never re-pinned: stays as it starts */
		}
	} while (!__atomic_compare_exchange_n(&nr_rasterizers, &slot,
					      slot + 1, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	/* Mesa starts its threads with every signal blocked. */
	sigemptyset(&repin);
	sigaddset(&repin, SIG_REPIN);
	pthread_sigmask(SIG_UNBLOCK, &repin, NULL);
	rasterizers[slot] = (pid_t)syscall(SYS_gettid);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	/* After the record: a change from now on signals this thread. */
	apply();
}

int pthread_setname_np(pthread_t thread, const char *name)
{
	if (pthread_equal(thread, pthread_self())) {
		record_if_rasterizer(name);
	}
	if (!libc_setname) {
		libc_setname = (setname_fn)dlsym(RTLD_NEXT,
						 "pthread_setname_np");
	}
	return libc_setname ? libc_setname(thread, name) : ENOSYS;
}
