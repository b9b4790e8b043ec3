/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ppmdiff A.ppm B.ppm: prints how two images differ and exits 0 if they
 * are within the render tests' tolerance (tests/ppm.h), 1 if not, 2 on
 * error.
 */
#include <stdio.h>

#include "../ppm.h"

int main(int argc, char **argv)
{
	struct ppm a, b;
	struct ppm_diff d;
	int ok;

	if (argc != 3) {
		fprintf(stderr, "usage: ppmdiff A.ppm B.ppm\n");
		return 2;
	}
	if (ppm_load(argv[1], &a) < 0 || ppm_load(argv[2], &b) < 0) {
		return 2;
	}
	if (ppm_compare(&a, &b, &d) < 0) {
		fprintf(stderr, "ppmdiff: sizes differ\n");
		return 1;
	}
	ok = ppm_within_tolerance(&d);
	printf("max channel diff %d, differing pixels %ld/%ld (%.3f%%): %s\n",
	       d.max_channel, d.differing, d.pixels,
	       100.0 * d.differing / d.pixels, ok ? "match" : "MISMATCH");
	ppm_free(&a);
	ppm_free(&b);
	return ok ? 0 : 1;
}
