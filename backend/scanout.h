/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's screen (feature-scanout): what scanout 0 shows, the flip
 * waiting for the next refresh, the refresh timer, and the shadow buffer
 * that host resources are read back into. The three requests are
 * declared in dispatch.h. See backend/scanout.c.
 */
#ifndef VGPUBACK_SCANOUT_H
#define VGPUBACK_SCANOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "vgpuif.h"

/* The mode of a blank screen until the guest sets one (vgpuif.h). */
#define VGPUBACK_SCANOUT_DEF_WIDTH      1024
#define VGPUBACK_SCANOUT_DEF_HEIGHT     768

struct vgpu_worker;
struct vgpuback_res;
struct vgpuback_vnc;

struct vgpuback_scanout_stats {
	uint64_t frames;        /* frames latched: set, flush or flip */
	uint64_t flips;         /* page flips shown */
	uint64_t pixel_bytes;   /* pixel bytes copied in dom0 (read back) */
	uint64_t last_frame_bytes; /* of those, for the newest frame */
};

struct vgpuback_scanout;

/*
 * Creates the screen, blank at width x height, shown on vnc (may be
 * NULL: the screen is kept, not displayed). Opens the refresh timer, so
 * call it before the sandbox. Returns NULL with errno set.
 */
struct vgpuback_scanout *vgpuback_scanout_create(uint32_t width,
						 uint32_t height,
						 struct vgpuback_vnc *vnc);
/* Frees the screen; a flip still waiting is dropped. NULL: no-op. */
void vgpuback_scanout_destroy(struct vgpuback_scanout *s);

/* The refresh timer, readable when a waiting flip is due. */
int vgpuback_scanout_timer_fd(const struct vgpuback_scanout *s);

/* Latches the waiting flip, if due, and answers it. */
void vgpuback_scanout_refresh(struct vgpu_worker *w);

/*
 * res is about to lose its backing or go (RESOURCE_DETACH_BACKING,
 * RESOURCE_UNREF, teardown): blanks the screen if it shows res, and
 * answers a flip waiting to show it with VGPUIF_ENOENT.
 */
void vgpuback_scanout_forget(struct vgpu_worker *w,
			     const struct vgpuback_res *res);

const struct vgpuback_scanout_stats *
vgpuback_scanout_stats(const struct vgpuback_scanout *s);

/* Logs the screen's frames and copies, if it showed any. */
void vgpuback_scanout_log(const struct vgpu_worker *w);

#endif /* VGPUBACK_SCANOUT_H */
