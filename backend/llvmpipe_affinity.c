/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spreading llvmpipe's rasterizer threads over the CPUs.
 *
 * Where dom0 has no GPU, virglrenderer renders with llvmpipe, which
 * starts one rasterizer thread per CPU for each GL context, named
 * "llvmpipe-N". The GPU scheduler runs one worker's GPU work at a time,
 * so a worker's rasterizer threads sleep through the other guests' turns,
 * and when they wake, the kernel often puts two of them on one CPU while
 * another CPU idles. With four guests on two CPUs, every frame took 1.8
 * times as long as with one guest, and the CPUs were 40% idle. Thread N
 * therefore runs on the Nth CPU the backend may use; as only one worker
 * renders at a time, the threads of different workers do not collide.
 *
 * Mesa names its threads from the threads themselves, with
 * pthread_setname_np(). The backend defines that function and exports
 * it, so the dynamic linker binds Mesa's calls here: a thread whose new
 * name is a rasterizer's pins itself, then libc names it. A thread may
 * only set its own affinity (sched_setaffinity(0, ...)), which is all the
 * worker's seccomp filter allows of that call.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "llvmpipe_affinity.h"
#include "vgpu_util.h"

#define RASTERIZER_PREFIX "llvmpipe-"

typedef int (*setname_fn)(pthread_t thread, const char *name);

static setname_fn libc_setname;
static cpu_set_t usable;        /* the backend's CPUs when enabled */
static int nr_usable;           /* 0: do not pin */

void vgpuback_llvmpipe_affinity_init(bool enable)
{
	libc_setname = (setname_fn)dlsym(RTLD_NEXT, "pthread_setname_np");
	nr_usable = 0;
	if (!enable || sched_getaffinity(0, sizeof(usable), &usable)) {
		return;
	}
	nr_usable = CPU_COUNT(&usable);
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

static void pin_if_rasterizer(const char *name)
{
	size_t len = strlen(RASTERIZER_PREFIX);
	cpu_set_t one;
	char *end;
	unsigned long index;
	int cpu;

	if (!nr_usable || strncmp(name, RASTERIZER_PREFIX, len)) {
		return;
	}
	index = strtoul(name + len, &end, 10);
	cpu = end != name + len && !*end ? nth_usable_cpu(index) : -1;
	if (cpu < 0) {
		return;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	/* Best effort: an unpinned rasterizer still renders. */
	sched_setaffinity(0, sizeof(one), &one);
}

int pthread_setname_np(pthread_t thread, const char *name)
{
	if (pthread_equal(thread, pthread_self())) {
		pin_if_rasterizer(name);
	}
	if (!libc_setname) {
		libc_setname = (setname_fn)dlsym(RTLD_NEXT,
						 "pthread_setname_np");
	}
	return libc_setname ? libc_setname(thread, name) : ENOSYS;
}
