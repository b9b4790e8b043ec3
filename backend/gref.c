/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Gref directories: walk a guest's chain of directory pages, copying the
 * grefs out of each page before any is used, then map the whole buffer at
 * once. A chain longer than the buffer needs is not followed, so a looping
 * chain cannot hold the worker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gref.h"
#include "vgpu_util.h"

static int map_error(void)
{
	return errno == ENOMEM ? -ENOMEM : -EFAULT;
}

/* Copies n grefs and the next-page link out of one directory page. */
static int read_dir_page(struct vgpuback_transport *t, grant_ref_t ref,
			 grant_ref_t *grefs, uint32_t n, grant_ref_t *next)
{
	const struct vgpuif_gref_directory *dir;

	dir = vgpuback_transport_map(t, &ref, 1, false);
	if (!dir) {
		return map_error();
	}
	memcpy(next, &dir->gref_dir_next_page, sizeof(*next));
	memcpy(grefs, dir->gref, (size_t)n * sizeof(*grefs));
	vgpuback_transport_unmap(t, (void *)dir, 1);
	return 0;
}

static int read_dir(struct vgpuback_transport *t, grant_ref_t dir_ref,
		    uint32_t num_pages, grant_ref_t *grefs)
{
	grant_ref_t ref = dir_ref;
	grant_ref_t next;
	uint32_t done = 0;
	uint32_t n;
	int ret;

	while (done < num_pages) {
		if (done && !ref) {
			return -EINVAL; /* the chain ends before the buffer */
		}
		n = num_pages - done;
		if (n > VGPUIF_GREFS_PER_DIR_PAGE) {
			n = VGPUIF_GREFS_PER_DIR_PAGE;
		}
		ret = read_dir_page(t, ref, grefs + done, n, &next);
		if (ret) {
			return ret;
		}
		done += n;
		ref = next;
	}
	return 0;
}

void *vgpuback_gref_map_dir(struct vgpuback_transport *t,
			    struct vgpuback_objects *o, grant_ref_t dir_ref,
			    uint32_t num_pages, bool writable, int *err)
{
	grant_ref_t *grefs;
	void *addr;
	int ret;

	if (!num_pages) {
		*err = -EINVAL;
		return NULL;
	}
	if (num_pages > o->lim.max_mapped_pages) {
		*err = -ENOSPC;
		return NULL;
	}
	/* The data pages, and one directory page while we read it. */
	ret = vgpuback_pages_reserve(o, num_pages + 1);
	if (ret) {
		goto fail;
	}
	grefs = malloc((size_t)num_pages * sizeof(*grefs));
	ret = grefs ? read_dir(t, dir_ref, num_pages, grefs) : -ENOMEM;
	vgpuback_pages_release(o, 1);
	if (ret) {
		goto fail_free;
	}
	addr = vgpuback_transport_map(t, grefs, num_pages, writable);
	if (!addr) {
		ret = map_error();
		goto fail_free;
	}
	free(grefs);
	return addr;

fail_free:
	free(grefs);
	vgpuback_pages_release(o, num_pages);
fail:
	*err = ret;
	return NULL;
}

void vgpuback_gref_unmap(struct vgpuback_transport *t,
			 struct vgpuback_objects *o, void *addr,
			 uint32_t num_pages)
{
	if (!addr) {
		return;
	}
	vgpuback_transport_unmap(t, addr, num_pages);
	vgpuback_pages_release(o, num_pages);
}
