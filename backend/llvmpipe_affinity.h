/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinning llvmpipe's rasterizer threads one per CPU (see
 * llvmpipe_affinity.c for why).
 */
#ifndef VGPUBACK_LLVMPIPE_AFFINITY_H
#define VGPUBACK_LLVMPIPE_AFFINITY_H

#include <stdbool.h>

/*
 * Call once before the renderer starts (workers inherit the setting):
 * from then on, when enable, every llvmpipe rasterizer thread that
 * starts is recorded, and pinned to one CPU of the backend's affinity
 * mask while the device is shared (below).
 */
void vgpuback_llvmpipe_affinity_init(bool enable);

/*
 * Whether the worker's device takes turns on the GPU with other devices
 * now: its rasterizer threads are pinned while it does. The worker says
 * so each time it takes the GPU.
 */
void vgpuback_llvmpipe_affinity_shared(bool shared);

#endif /* VGPUBACK_LLVMPIPE_AFFINITY_H */
