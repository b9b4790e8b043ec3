/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Buffers shared with the backend, and the gref directories that name
 * their pages in requests (include/vgpuif.h, "Grant directories").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "vgpu_util.h"

struct front_buf {
	struct vgpufront_buf pub;       /* first: handed out to users */
	struct vgpufront_share data;
	struct vgpufront_share dir;
};

/* Chains the directory pages and lists the data pages' grefs in them. */
static void fill_directory(struct front_buf *b)
{
	uint32_t i, page, per_page = VGPUIF_GREFS_PER_DIR_PAGE;
	struct vgpuif_gref_directory *d;

	for (page = 0; page < b->dir.num_pages; page++) {
		d = (void *)((char *)b->dir.addr + page * VGPUIF_PAGE_SIZE);
		d->gref_dir_next_page = page + 1 < b->dir.num_pages
					? b->dir.grefs[page + 1] : 0;
		for (i = 0; i < per_page; i++) {
			uint64_t n = (uint64_t)page * per_page + i;

			if (n == b->data.num_pages) {
				break;
			}
			d->gref[i] = b->data.grefs[n];
		}
	}
}

struct vgpufront_buf *vgpufront_buf_alloc(struct vgpufront *dev, size_t size,
					  bool readonly)
{
	struct vgpufront_transport *t = dev->t;
	struct front_buf *b;
	uint64_t pages = VGPU_DIV_ROUND_UP(size, VGPUIF_PAGE_SIZE);
	int ret = -EINVAL;

	if (!size || pages > dev->limits.max_mapped_pages) {
		goto fail;
	}
	ret = -ENOMEM;
	b = calloc(1, sizeof(*b));
	if (!b) {
		goto fail;
	}
	ret = vgpufront_transport_share(t, (uint32_t)pages, readonly, &b->data);
	if (ret) {
		goto fail_free;
	}
	ret = vgpufront_transport_share(t, VGPU_DIV_ROUND_UP(pages,
			     VGPUIF_GREFS_PER_DIR_PAGE), true, &b->dir);
	if (ret) {
		goto fail_data;
	}
	fill_directory(b);
	b->pub = (struct vgpufront_buf){
		.addr = b->data.addr, .size = pages * VGPUIF_PAGE_SIZE,
		.num_pages = (uint32_t)pages, .fd = b->data.fd,
		.dir_ref = b->dir.grefs[0],
	};
	return &b->pub;

fail_data:
	vgpufront_transport_unshare(t, &b->data);
fail_free:
	free(b);
fail:
	errno = -ret;
	return NULL;
}

void vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf)
{
	struct front_buf *b = (struct front_buf *)buf;

	if (!b) {
		return;
	}
	vgpufront_transport_unshare(dev->t, &b->dir);
	vgpufront_transport_unshare(dev->t, &b->data);
	free(b);
}
