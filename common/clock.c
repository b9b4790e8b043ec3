/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time, and waiting in a spin loop without starving the peer or
 * spinning where it never pays.
 */
#include <sched.h>
#include <time.h>

#include "vgpu_util.h"

/* Spin without yielding this long, then yield on every turn. */
#define SPIN_YIELD_AFTER_NS     5000
/* The shortest spin worth starting; a shorter one stops spinning. */
#define SPIN_WINDOW_MIN_NS      2000

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

void vgpu_spin_window_init(struct vgpu_spin_window *sw, uint64_t max_ns)
{
	sw->max_ns = max_ns;
	sw->cur_ns = max_ns;
}

void vgpu_spin_window_learn(struct vgpu_spin_window *sw, uint64_t waited_ns)
{
	if (waited_ns <= sw->cur_ns) {
		return;
	}
	if (waited_ns <= sw->max_ns) {
		sw->cur_ns = sw->cur_ns < SPIN_WINDOW_MIN_NS ?
			     SPIN_WINDOW_MIN_NS : sw->cur_ns * 2;
		if (sw->cur_ns > sw->max_ns) {
			sw->cur_ns = sw->max_ns;
		}
		return;
	}
	sw->cur_ns /= 2;
	if (sw->cur_ns < SPIN_WINDOW_MIN_NS) {
		sw->cur_ns = 0;
	}
}
