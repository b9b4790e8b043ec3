/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dom0 memory a 3D resource takes, computed from its own description
 * (what the guest asked for), before virglrenderer allocates anything.
 */
#ifndef VGPUBACK_RES_SIZE_H
#define VGPUBACK_RES_SIZE_H

#include <stdint.h>

#include "vgpuif.h"

/* Gallium's texture targets, as the virgl protocol carries them. */
enum vgpuback_target {
	VGPUBACK_TARGET_BUFFER = 0,
	VGPUBACK_TARGET_1D = 1,
	VGPUBACK_TARGET_2D = 2,
	VGPUBACK_TARGET_3D = 3,
	VGPUBACK_TARGET_CUBE = 4,
	VGPUBACK_TARGET_RECT = 5,
	VGPUBACK_TARGET_1D_ARRAY = 6,
	VGPUBACK_TARGET_2D_ARRAY = 7,
	VGPUBACK_TARGET_CUBE_ARRAY = 8,
};

/* How a format lays out its pixels: blocks of w x h pixels, bytes each. */
struct vgpuback_format_block {
	uint8_t bytes;
	uint8_t w;
	uint8_t h;
};

/*
 * The block of virgl format @format. A format this table does not know
 * gets the largest block of an uncompressed format (16 bytes a pixel),
 * so that it is never charged less than it can take.
 */
struct vgpuback_format_block vgpuback_format_block(uint32_t format);

/*
 * Bytes of storage the resource described by @c takes on the host: every
 * mip level from 0 to last_level, every layer (6 faces for a cube), every
 * sample. -EOVERFLOW if any step overflows 64 bits; *bytes is then unset.
 */
int vgpuback_res_host_size(const struct vgpuif_resource_create_3d_req *c,
			   uint64_t *bytes);

#endif /* VGPUBACK_RES_SIZE_H */
