/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ppm: load binary PPM (P6, maxval 255) images and compare them.
 * Shared by the cmocka tests and tests/progs/ppmdiff.
 */
#ifndef VGPU_TESTS_PPM_H
#define VGPU_TESTS_PPM_H

#include <stddef.h>

struct ppm {
	int width;
	int height;
	unsigned char *rgb;	/* width * height * 3 bytes, top row first */
};

/* How two images of the same size differ. */
struct ppm_diff {
	int max_channel;	/* largest |a - b| over all channels */
	long differing;		/* pixels with any channel different */
	long pixels;		/* width * height */
};

/* Loads path into *img. Returns 0, or -1 with a reason on stderr. */
int ppm_load(const char *path, struct ppm *img);

void ppm_free(struct ppm *img);

/* Compares a and b. Returns 0, or -1 if their sizes differ. */
int ppm_compare(const struct ppm *a, const struct ppm *b,
		struct ppm_diff *d);

/*
 * The tolerance the render tests accept between two renderers (virgl on
 * llvmpipe against llvmpipe): no channel off by more than
 * PPM_TOL_MAX_CHANNEL, and at most PPM_TOL_MAX_PERMILLE per mille of
 * pixels different at all. Returns 1 if d is within it.
 */
#define PPM_TOL_MAX_CHANNEL	2
#define PPM_TOL_MAX_PERMILLE	1
int ppm_within_tolerance(const struct ppm_diff *d);

/* Number of distinct colours (up to limit); a blank image has 1. */
int ppm_count_colours(const struct ppm *img, int limit);

#endif
