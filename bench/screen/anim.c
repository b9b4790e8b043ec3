/* SPDX-License-Identifier: GPL-2.0 */
/*
 * screen-anim: the guest's workload in the screen benchmark.
 *
 *   screen-anim --fbdev=/dev/fb0 | --kms=/dev/dri/card0 [--seconds=N]
 *
 * Draws full frames as fast as the output takes them for N seconds
 * (default 20): every pixel changes from one frame to the next, so no
 * path can send less than the whole frame. Each frame carries a stamp
 * (stamp.h), written once the rest of the frame is drawn, with the time
 * the frame was complete. Prints
 *
 *   screen-anim: output=kms 1024x768 frames=N seconds=S fps=F
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anim.h"
#include "args.h"
#include "stamp.h"

static uint64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Rows 1 and below: a gradient that moves by one pixel a frame. */
static void draw_body(const struct anim_out *out, uint32_t *px, uint32_t n)
{
	for (uint32_t y = 1; y < out->height; y++) {
		uint32_t *row = (uint32_t *)((char *)px + (size_t)y * out->stride);
		uint32_t g = ((y + n) & 0xff) << 8 | (n & 0xff) << 16;

		for (uint32_t x = 0; x < out->width; x++) {
			row[x] = g | ((x + n) & 0xff);
		}
	}
}

static int animate(struct anim_out *out, unsigned int seconds)
{
	uint64_t start = now_usec(CLOCK_MONOTONIC), end = start + seconds * 1000000ull;
	uint32_t frames = 0;
	double elapsed;

	while (now_usec(CLOCK_MONOTONIC) < end) {
		uint32_t *px = out->impl->back(out);
		struct screen_stamp s = { .counter = frames };
		int ret;

		draw_body(out, px, frames);
		s.usec = now_usec(CLOCK_REALTIME);
		screen_stamp_write(px, &s);
		ret = out->impl->present(out);
		if (ret) {
			fprintf(stderr, "screen-anim: %s: showing frame %u failed: %s\n",
				out->name, frames, strerror(-ret));
			return 1;
		}
		frames++;
	}
	elapsed = (now_usec(CLOCK_MONOTONIC) - start) / 1e6;
	printf("screen-anim: output=%s %ux%u frames=%u seconds=%.1f fps=%.1f\n",
	       out->name, out->width, out->height, frames, elapsed, frames / elapsed);
	return 0;
}

int main(int argc, char **argv)
{
	struct screen_args args;
	struct anim_out *out;
	int rc;

	if (screen_args_parse("screen-anim", argc, argv, &args)) {
		return 2;
	}
	out = args.fbdev ? anim_fbdev_create(args.fbdev) : anim_kms_create(args.kms);
	if (!out) {
		return 1;
	}
	if (out->width < SCREEN_STAMP_PIXELS) {
		fprintf(stderr, "screen-anim: a %u pixel wide screen cannot hold the stamp\n",
			out->width);
		out->impl->destroy(out);
		return 1;
	}
	rc = animate(out, args.seconds);
	out->impl->destroy(out);
	return rc;
}
