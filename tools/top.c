/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenvgpu top: the GPU scheduler's figures, live, in the manner of
 * xentop. Every DELAY seconds it reads the table twice apart and shows,
 * per device, its share of GPU time, submissions a second, the mean wait
 * for the GPU, resets by the watchdog, and mapped memory against its
 * vram limit. -b prints one block per iteration (for scripts), without
 * clearing the screen.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vgpu_util.h"
#include "xenvgpu.h"

#define TOP_USAGE "Usage: xenvgpu top [--table=PATH] [-d SECONDS] [-b] " \
		  "[-i ITERATIONS]\n"

struct top_args {
	const char *table;
	double delay;
	bool batch;
	long iterations;        /* -1: until interrupted */
};

static int parse_top(int argc, char **argv, struct top_args *a)
{
	static const struct option opts[] = {
		{ "table", required_argument, NULL, 't' },
		{ "delay", required_argument, NULL, 'd' },
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'i' },
		{ 0 },
	};
	char *end;
	int opt;

	*a = (struct top_args){ .delay = 1, .iterations = -1 };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "t:d:bi:", opts, NULL)) != -1) {
		if (opt == 't') {
			a->table = optarg;
		} else if (opt == 'b') {
			a->batch = true;
		} else if (opt == 'd') {
			a->delay = strtod(optarg, &end);
			if (*end || a->delay < 0.05 || a->delay > 3600) {
				fprintf(stderr, "xenvgpu top: -d %s: seconds "
					"from 0.05 to 3600\n", optarg);
				return -EINVAL;
			}
		} else if (opt == 'i') {
			a->iterations = strtol(optarg, &end, 10);
			if (*end || a->iterations < 1) {
				fprintf(stderr, "xenvgpu top: -i %s: a "
					"positive count\n", optarg);
				return -EINVAL;
			}
		} else {
			fprintf(stderr, TOP_USAGE);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, TOP_USAGE);
		return -EINVAL;
	}
	return 0;
}

/*
 * The same entry in an earlier snapshot, matched by slot and key, not by
 * worker: an entry outlives its workers, so one that left or restarted
 * in the interval is still compared with itself.
 */
static const struct vgpu_sched_stat *
before(const struct xenvgpu_snapshot *old, const struct vgpu_sched_stat *st)
{
	size_t i;

	for (i = 0; i < old->count; i++) {
		const struct vgpu_sched_stat *o = &old->stat[i];

		if (o->slot == st->slot && o->domid == st->domid &&
		    o->devid == st->devid) {
			return o;
		}
	}
	return NULL;
}

static const char *state_of(const struct vgpu_sched_stat *st)
{
	if (!st->pid) {
		return "-";
	}
	return st->running ? "run" : st->waiting ? "wait" : "idle";
}

static void print_row(const struct vgpu_sched_stat *st,
		      const struct vgpu_sched_stat *o, double secs)
{
	struct vgpu_sched_stat zero = { 0 };
	uint64_t grants;

	if (!o || o->gpu_ns > st->gpu_ns) {
		o = &zero;
	}
	grants = st->grants - o->grants;
	printf("%5u %3u %7d %-5s %6u %3u %6.1f %8.1f %9.3f %6llu %7.1f/%.0f\n",
	       st->domid, st->devid, (int)st->pid, state_of(st), st->weight,
	       st->cap, (double)(st->gpu_ns - o->gpu_ns) / 1e7 / secs,
	       (double)(st->submissions - o->submissions) / secs,
	       grants ? (double)(st->wait_ns - o->wait_ns) / 1e6 /
			(double)grants : 0.0,
	       (unsigned long long)st->resets,
	       (double)st->mapped_pages / 256.0,
	       (double)st->max_mapped_pages / 256.0);
}

static void print_block(const struct xenvgpu_snapshot *old,
			const struct xenvgpu_snapshot *cur, bool batch)
{
	double secs = (double)(cur->taken_ns - old->taken_ns) / 1e9;
	time_t t = time(NULL);
	char when[16];
	size_t i;

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
	if (!batch) {
		printf("\033[H\033[2J");
	}
	printf("xenvgpu top - %s  %zu device%s  slice %u us  period %u us  "
	       "watchdog %u ms\n", when, cur->count,
	       cur->count == 1 ? "" : "s", cur->cfg.slice_us,
	       cur->cfg.period_us, cur->cfg.timeout_ms);
	printf("%5s %3s %7s %-5s %6s %3s %6s %8s %9s %6s %s\n", "DOM", "DEV",
	       "PID", "STATE", "WEIGHT", "CAP", "GPU%", "SUBMIT/s",
	       "WAIT(ms)", "RESETS", "MAPPED/VRAM(MiB)");
	for (i = 0; i < cur->count; i++) {
		print_row(&cur->stat[i], before(old, &cur->stat[i]), secs);
	}
	printf("\n");
	fflush(stdout);
}

static void sleep_seconds(double s)
{
	struct timespec ts = {
		.tv_sec = (time_t)s,
		.tv_nsec = (long)((s - (double)(time_t)s) * 1e9),
	};

	nanosleep(&ts, NULL);
}

/*
 * One reading of the table. A worker that keeps it locked is reset by
 * the backend's watchdog within its timeout, so top says so and goes on.
 */
static int read_table(const struct top_args *a, struct xenvgpu_snapshot *snap)
{
	int ret = xenvgpu_sched_snapshot(a->table, snap);

	if (ret == -EBUSY) {
		fprintf(stderr, "xenvgpu top: %s\n", xenvgpu_sched_why(ret));
	}
	return ret;
}

int xenvgpu_top(struct xenvgpu *xv, int argc, char **argv)
{
	struct xenvgpu_snapshot *snap;
	struct top_args a;
	bool have_old;
	long n = 0;
	int ret;

	(void)xv;
	ret = parse_top(argc, argv, &a);
	if (ret) {
		return ret;
	}
	snap = malloc(2 * sizeof(*snap));
	if (!snap) {
		return -ENOMEM;
	}
	ret = read_table(&a, &snap[0]);
	have_old = !ret;
	/* -i counts the blocks shown; a busy table shows none. */
	while ((!ret || ret == -EBUSY) && n != a.iterations) {
		sleep_seconds(a.delay);
		ret = read_table(&a, &snap[have_old]);
		if (!ret && have_old) {
			print_block(&snap[0], &snap[1], a.batch);
			snap[0] = snap[1];
			n++;
		}
		have_old = have_old || !ret;
	}
	if (ret) {
		fprintf(stderr, "xenvgpu top: %s: %s\n",
			a.table ? a.table : VGPU_SCHED_PATH,
			xenvgpu_sched_why(ret));
	}
	free(snap);
	return ret;
}
