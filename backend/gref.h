/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gref directories: reading a chain of directory pages that a guest
 * granted, and mapping the buffer it describes in one call.
 */
#ifndef VGPUBACK_GREF_H
#define VGPUBACK_GREF_H

#include <stdint.h>

#include "objects.h"
#include "back_transport.h"

/*
 * Maps the num_pages pages listed by the gref directory starting at
 * dir_ref into one contiguous range, and accounts them (plus, while the
 * directory is read, one directory page) against max-mapped-pages.
 * Directory pages are mapped read-only, one at a time, copied out and
 * unmapped; at most DIV_ROUND_UP(num_pages, VGPUIF_GREFS_PER_DIR_PAGE)
 * of them are read whatever the chain says.
 *
 * Returns the mapping, or NULL with *err set: -EINVAL (chain too short),
 * -ENOSPC (over max-mapped-pages), -EFAULT (a gref could not be mapped),
 * -ENOMEM.
 */
void *vgpuback_gref_map_dir(struct vgpuback_transport *t,
			    struct vgpuback_objects *o, grant_ref_t dir_ref,
			    uint32_t num_pages, bool writable, int *err);

/* Unmaps what vgpuback_gref_map_dir() mapped and releases the account. */
void vgpuback_gref_unmap(struct vgpuback_transport *t,
			 struct vgpuback_objects *o, void *addr,
			 uint32_t num_pages);

#endif /* VGPUBACK_GREF_H */
