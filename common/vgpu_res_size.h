/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dom0 memory a 3D resource takes, computed from its own description
 * (what the guest asked for), before virglrenderer allocates anything.
 * One implementation for both ends: the backend charges it to the
 * device's vram budget, and vgpu-vtest predicts that charge to decide
 * whether a create can be answered before the backend has seen it.
 */
#ifndef VGPU_RES_SIZE_H
#define VGPU_RES_SIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "vgpuif.h"

/*
 * Bytes of storage the resource described by @c takes on the host: every
 * mip level from 0 to last_level, every layer (6 faces for a cube), every
 * sample. -EOVERFLOW if any step overflows 64 bits; *bytes is then unset.
 */
int vgpu_res_host_size(const struct vgpuif_resource_create_3d_req *c,
			   uint64_t *bytes);

/*
 * Whether format is one whose block layout the size table knows; the
 * others are charged as the largest uncompressed block (16 bytes a
 * pixel) and may well be refused by the renderer.
 */
bool vgpu_res_format_known(uint32_t format);

/*
 * Where a transfer of box x ends in the backing of the resource described
 * by @c: the byte past the last it reads or writes, offset + layer stride
 * x (depth - 1) + stride x (block rows - 1) + one block row, with the
 * level's own strides where x gives 0, as virglrenderer takes them. For
 * a buffer the box is in bytes. Sizes of 0 count as 1. x->level must be
 * at most c->last_level. -EOVERFLOW if the end is past 2^64 - 1.
 */
int vgpu_res_transfer_end(const struct vgpuif_resource_create_3d_req *c,
			      const struct vgpuif_transfer_3d_req *x,
			      uint64_t *end);

#endif /* VGPU_RES_SIZE_H */
