/* SPDX-License-Identifier: GPL-2.0 */
/* Figures from samples. See stats.h. */
#include <stdlib.h>

#include "stats.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t bench_percentile(uint64_t *s, size_t n, double p)
{
	size_t i;

	qsort(s, n, sizeof(*s), cmp_u64);
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return s[i < n ? i : n - 1];
}
