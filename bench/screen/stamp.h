/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The frame stamp of the screen benchmark: the guest's animation writes
 * it into the first pixels of row 0 of every frame, the VNC recorder in
 * dom0 reads it back from what arrives. A pixel carries 24 bits (the
 * XRGB8888 value without X), so the stamp needs nothing of the pixel
 * format but 32 bits per pixel and a recorder that asks for the same
 * channel order.
 *
 * pixel 0    SCREEN_STAMP_MAGIC
 * pixel 1    frame counter, low 24 bits
 * pixel 2-4  CLOCK_REALTIME in microseconds when the frame was complete,
 *            24 bits a pixel, low bits first
 * pixel 5    the xor of pixels 1 to 4: a stamp read while the guest was
 *            rewriting it (a torn frame) fails the check
 *
 * Both domains read CLOCK_REALTIME from Xen's wallclock and system time,
 * so the recorder's clock and the guest's agree without a sync step as
 * long as neither sets its clock.
 */
#ifndef VGPU_BENCH_SCREEN_STAMP_H
#define VGPU_BENCH_SCREEN_STAMP_H

#include <stdbool.h>
#include <stdint.h>

#define SCREEN_STAMP_MAGIC      0xa5c35au
#define SCREEN_STAMP_PIXELS     6
#define SCREEN_STAMP_MASK       0xffffffu

struct screen_stamp {
	uint32_t counter;       /* low 24 bits of the frame number */
	uint64_t usec;          /* when the frame was complete */
};

static inline uint32_t screen_stamp_check(const uint32_t *px)
{
	return (px[1] ^ px[2] ^ px[3] ^ px[4]) & SCREEN_STAMP_MASK;
}

static inline void screen_stamp_write(uint32_t *px,
				      const struct screen_stamp *s)
{
	px[1] = s->counter & SCREEN_STAMP_MASK;
	px[2] = s->usec & SCREEN_STAMP_MASK;
	px[3] = (s->usec >> 24) & SCREEN_STAMP_MASK;
	px[4] = (s->usec >> 48) & SCREEN_STAMP_MASK;
	px[5] = screen_stamp_check(px);
	px[0] = SCREEN_STAMP_MAGIC;
}

/* Reads a stamp from 32-bit pixels; false if they hold none. */
static inline bool screen_stamp_read(const uint32_t *px,
				     struct screen_stamp *s)
{
	if ((px[0] & SCREEN_STAMP_MASK) != SCREEN_STAMP_MAGIC ||
	    (px[5] & SCREEN_STAMP_MASK) != screen_stamp_check(px)) {
		return false;
	}
	s->counter = px[1] & SCREEN_STAMP_MASK;
	s->usec = (uint64_t)(px[2] & SCREEN_STAMP_MASK) |
		  (uint64_t)(px[3] & SCREEN_STAMP_MASK) << 24 |
		  (uint64_t)(px[4] & SCREEN_STAMP_MASK) << 48;
	return true;
}

#endif /* VGPU_BENCH_SCREEN_STAMP_H */
