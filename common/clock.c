/* SPDX-License-Identifier: GPL-2.0 */
/* Time, and waiting in a spin loop without starving the peer. */
#include <sched.h>
#include <time.h>

#include "vgpu_util.h"

/* Spin without yielding this long, then yield on every turn. */
#define SPIN_YIELD_AFTER_NS     5000

uint64_t vgpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
	__asm__ volatile("" ::: "memory");
}

void vgpu_spin_pause(uint64_t spun_ns)
{
	if (spun_ns < SPIN_YIELD_AFTER_NS) {
		cpu_relax();
	} else {
		sched_yield();
	}
}
