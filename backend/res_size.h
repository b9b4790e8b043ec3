/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dom0 memory a 3D resource takes, computed from its own description
 * (what the guest asked for), before virglrenderer allocates anything.
 */
#ifndef VGPUBACK_RES_SIZE_H
#define VGPUBACK_RES_SIZE_H

#include <stdint.h>

#include "vgpuif.h"

/*
 * Bytes of storage the resource described by @c takes on the host: every
 * mip level from 0 to last_level, every layer (6 faces for a cube), every
 * sample. -EOVERFLOW if any step overflows 64 bits; *bytes is then unset.
 */
int vgpuback_res_host_size(const struct vgpuif_resource_create_3d_req *c,
			   uint64_t *bytes);

#endif /* VGPUBACK_RES_SIZE_H */
