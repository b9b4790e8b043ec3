/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What only the benchmarks need: figures from samples. Starting and
 * stopping programs and the clock are the test-support library's
 * (tests/support/harness.h).
 */
#ifndef VGPU_BENCH_STATS_H
#define VGPU_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Sorts samples in place; returns the p-th percentile (0..100). */
uint64_t bench_percentile(uint64_t *s, size_t n, double p);

#endif /* VGPU_BENCH_STATS_H */
