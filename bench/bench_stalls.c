/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_stalls [--seconds S] - how often this machine takes a busy CPU
 * away from the thread running on it, with nothing else of ours running.
 *
 * For each count K of busy CPUs (1 to all), K threads, each pinned to
 * its own CPU, read the clock in a loop for S seconds (default 5); a gap
 * between two reads is time the thread did not run. On an otherwise idle
 * machine no other thread wants those CPUs, so gaps of a millisecond and
 * more are the host (a VM's vCPU preempted) or the kernel's own threads,
 * which find no idle CPU once every CPU is busy. Frame times of a few
 * milliseconds meet them only on a busy machine: bench/sched.sh's
 * interactive figures compare a guest alone, on an idle machine, with
 * the same guest beside three that keep every CPU busy. "longest" counts
 * stalls of 1 ms or more only (0: none).
 *
 * Prints a line for each K, then
 *   summary: stalls_1ms_per_s_busyK=X ... stalls_max_ms_busyK=Y ...
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MAX_CPUS        64

struct spinner {
	pthread_t thread;
	int cpu;
	uint64_t seconds_ns;
	uint64_t over_1ms, over_2ms, max_gap_ns, lost_ns;
};

static void *spin(void *arg)
{
	struct spinner *sp = arg;
	uint64_t start, end, prev, now, gap;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(sp->cpu, &one);
	if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one)) {
		fprintf(stderr, "bench_stalls: cannot pin to CPU %d\n", sp->cpu);
		exit(1);
	}
	start = prev = harness_now_ns();
	end = start + sp->seconds_ns;
	while ((now = harness_now_ns()) < end) {
		gap = now - prev;
		prev = now;
		if (gap < 1000000) {
			continue;
		}
		sp->over_1ms++;
		sp->over_2ms += gap >= 2000000;
		sp->lost_ns += gap;
		if (gap > sp->max_gap_ns) {
			sp->max_gap_ns = gap;
		}
	}
	return NULL;
}

/*
 * K spinners at once, on the first K CPUs of cpus[]; adds their figures
 * to the summary.
 */
static void run_busy(const int *cpus, int k, double seconds, char *summary,
		     size_t len)
{
	struct spinner sp[MAX_CPUS];
	uint64_t over_1ms = 0, over_2ms = 0, max_gap = 0, lost = 0;
	int i;

	for (i = 0; i < k; i++) {
		sp[i] = (struct spinner){
			.cpu = cpus[i], .seconds_ns = (uint64_t)(seconds * 1e9),
		};
		if (pthread_create(&sp[i].thread, NULL, spin, &sp[i])) {
			fprintf(stderr, "bench_stalls: pthread_create failed\n");
			exit(1);
		}
	}
	for (i = 0; i < k; i++) {
		pthread_join(sp[i].thread, NULL);
		over_1ms += sp[i].over_1ms;
		over_2ms += sp[i].over_2ms;
		lost += sp[i].lost_ns;
		if (sp[i].max_gap_ns > max_gap) {
			max_gap = sp[i].max_gap_ns;
		}
	}
	printf("%d busy CPU%s: per CPU and second, %.2f stalls of 1 ms or more "
	       "(%.2f of 2 ms or more), %.2f%% of the time lost in them; "
	       "longest %.2f ms\n", k, k > 1 ? "s" : "",
	       over_1ms / (k * seconds), over_2ms / (k * seconds),
	       lost / (k * seconds * 1e7), max_gap / 1e6);
	snprintf(summary + strlen(summary), len - strlen(summary),
		 " stalls_1ms_per_s_busy%d=%.2f stalls_max_ms_busy%d=%.2f", k,
		 over_1ms / (k * seconds), k, max_gap / 1e6);
}

int main(int argc, char **argv)
{
	char summary[1024] = "summary:";
	int cpus[MAX_CPUS], ncpu = 0, cpu, k;
	double seconds = 5;
	cpu_set_t usable;

	if (argc == 3 && !strcmp(argv[1], "--seconds")) {
		seconds = atof(argv[2]);
	} else if (argc != 1) {
		fprintf(stderr, "usage: bench_stalls [--seconds S]\n");
		return 2;
	}
	if (seconds <= 0) {
		fprintf(stderr, "bench_stalls: --seconds must be above 0\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(usable), &usable)) {
		fprintf(stderr, "bench_stalls: sched_getaffinity: %s\n",
			strerror(errno));
		return 1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE && ncpu < MAX_CPUS; cpu++) {
		if (CPU_ISSET(cpu, &usable)) {
			cpus[ncpu++] = cpu;
		}
	}
	for (k = 1; k <= ncpu; k++) {
		run_busy(cpus, k, seconds, summary, sizeof(summary));
	}
	puts(summary);
	return 0;
}
