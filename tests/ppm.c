/* SPDX-License-Identifier: GPL-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ppm.h"

static int bad(const char *path, const char *why)
{
	fprintf(stderr, "ppm: %s: %s\n", path, why);
	return -1;
}

static int read_header(FILE *f, struct ppm *img)
{
	int maxval;

	if (fscanf(f, "P6 %d %d %d", &img->width, &img->height, &maxval) != 3) {
		return -1;
	}
	if (fgetc(f) == EOF || maxval != 255) {
		return -1;
	}
	if (img->width <= 0 || img->height <= 0 ||
	    img->width > 16384 || img->height > 16384) {
		return -1;
	}
	return 0;
}

int ppm_load(const char *path, struct ppm *img)
{
	FILE *f = fopen(path, "rb");
	size_t size;

	memset(img, 0, sizeof(*img));
	if (!f) {
		return bad(path, "cannot open");
	}
	if (read_header(f, img) < 0) {
		fclose(f);
		return bad(path, "not a P6 PPM with maxval 255");
	}
	size = (size_t)img->width * img->height * 3;
	img->rgb = malloc(size);
	if (!img->rgb || fread(img->rgb, 1, size, f) != size) {
		fclose(f);
		ppm_free(img);
		return bad(path, "short pixel data");
	}
	fclose(f);
	return 0;
}

void ppm_free(struct ppm *img)
{
	free(img->rgb);
	img->rgb = NULL;
}

int ppm_compare(const struct ppm *a, const struct ppm *b,
		struct ppm_diff *d)
{
	long i;
	int c;

	memset(d, 0, sizeof(*d));
	if (a->width != b->width || a->height != b->height) {
		return -1;
	}
	d->pixels = (long)a->width * a->height;
	for (i = 0; i < d->pixels; i++) {
		int differs = 0;

		for (c = 0; c < 3; c++) {
			int delta = abs(a->rgb[i * 3 + c] - b->rgb[i * 3 + c]);

			if (delta > d->max_channel) {
				d->max_channel = delta;
			}
			differs |= delta != 0;
		}
		d->differing += differs;
	}
	return 0;
}

int ppm_within_tolerance(const struct ppm_diff *d)
{
	return d->pixels > 0 && d->max_channel <= PPM_TOL_MAX_CHANNEL &&
	       d->differing * 1000 <= d->pixels * PPM_TOL_MAX_PERMILLE;
}

static int seen(const unsigned char *colours, int n, const unsigned char *px)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!memcmp(&colours[i * 3], px, 3)) {
			return 1;
		}
	}
	return 0;
}

int ppm_count_colours(const struct ppm *img, int limit)
{
	unsigned char *colours = malloc((size_t)limit * 3);
	long i, pixels = (long)img->width * img->height;
	int n = 0;

	if (!colours) {
		return -1;
	}
	for (i = 0; i < pixels && n < limit; i++) {
		if (!seen(colours, n, &img->rgb[i * 3])) {
			memcpy(&colours[3 * n++], &img->rgb[i * 3], 3);
		}
	}
	free(colours);
	return n;
}
