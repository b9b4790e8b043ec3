// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: pages granted to the backend, and the gref
 * directories that name them in a request.
 *
 * The directory layout is include/vgpuif.h's (8 octets of header, then
 * the grefs), not that of xen-front-pgdir-shbuf, whose header is 4
 * octets; so the frontend builds its own.
 *
 * Ending a grant the backend still maps cannot free the page under it:
 * gnttab_end_foreign_access() then keeps a reference of its own to the
 * page until the backend lets go, so the owner may drop its pages as
 * soon as this file has ended their grants.
 */

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <xen/grant_table.h>
#include <xen/page.h>

#include "xen_vgpu_front.h"

/* Grants the driver holds, all devices together: a leak shows here. */
atomic_t vgpu_front_grants = ATOMIC_INIT(0);

static int vgpu_front_grants_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vgpu_front_grants));
}

static const struct kernel_param_ops vgpu_front_grants_ops = {
	.get = vgpu_front_grants_get,
};

module_param_cb(grants, &vgpu_front_grants_ops, NULL, 0444);
MODULE_PARM_DESC(grants, "grant references held now (read-only)");

static void vgpu_front_end_grant(grant_ref_t ref, struct page *page)
{
	gnttab_end_foreign_access(ref, page);
	atomic_dec(&vgpu_front_grants);
}

static void vgpu_front_shbuf_fill_dir(struct vgpu_front_shbuf *buf)
{
	struct vgpuif_gref_directory *dir;
	unsigned int page, i, n = 0;

	for (page = 0; page < buf->num_dir_pages; page++) {
		dir = page_address(buf->dir_pages[page]);
		dir->gref_dir_next_page = page + 1 < buf->num_dir_pages ?
					  buf->dir_grefs[page + 1] : 0;
		dir->reserved = 0;
		for (i = 0; i < VGPUIF_GREFS_PER_DIR_PAGE &&
		     n < buf->num_pages; i++)
			dir->gref[i] = buf->grefs[n++];
	}
}

static int vgpu_front_grant_pages(domid_t domid, struct page **pages,
				  unsigned int count, bool readonly,
				  grant_ref_t *grefs)
{
	unsigned int i;
	int ref;

	for (i = 0; i < count; i++) {
		ref = gnttab_grant_foreign_access(domid,
						  xen_page_to_gfn(pages[i]),
						  readonly);
		if (ref < 0)
			goto fail;
		grefs[i] = ref;
		atomic_inc(&vgpu_front_grants);
	}
	return 0;

fail:
	while (i--)
		vgpu_front_end_grant(grefs[i], NULL);
	return ref;
}

static int vgpu_front_shbuf_alloc_dir(struct vgpu_front_shbuf *buf)
{
	unsigned int i;

	buf->dir_pages = kcalloc(buf->num_dir_pages, sizeof(*buf->dir_pages),
				 GFP_KERNEL);
	buf->dir_grefs = kcalloc(buf->num_dir_pages, sizeof(*buf->dir_grefs),
				 GFP_KERNEL);
	if (!buf->dir_pages || !buf->dir_grefs)
		return -ENOMEM;
	for (i = 0; i < buf->num_dir_pages; i++) {
		buf->dir_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!buf->dir_pages[i])
			return -ENOMEM;
	}
	return 0;
}

static void vgpu_front_shbuf_free_dir(struct vgpu_front_shbuf *buf)
{
	unsigned int i;

	if (buf->dir_pages)
		for (i = 0; i < buf->num_dir_pages; i++)
			if (buf->dir_pages[i])
				__free_page(buf->dir_pages[i]);
	kfree(buf->dir_pages);
	kfree(buf->dir_grefs);
	buf->dir_pages = NULL;
	buf->dir_grefs = NULL;
}

/*
 * Grants a read-only directory listing the pages buf already grants (a
 * new one for each request that maps them); buf->dir_grefs[0] names it.
 */
int vgpu_front_shbuf_grant_dir(struct vgpu_front_shbuf *buf, domid_t domid)
{
	int ret;

	buf->num_dir_pages = DIV_ROUND_UP(buf->num_pages,
					  VGPUIF_GREFS_PER_DIR_PAGE);
	ret = vgpu_front_shbuf_alloc_dir(buf);
	if (!ret)
		ret = vgpu_front_grant_pages(domid, buf->dir_pages,
					     buf->num_dir_pages, true,
					     buf->dir_grefs);
	if (ret) {
		vgpu_front_shbuf_free_dir(buf);
		return ret;
	}
	vgpu_front_shbuf_fill_dir(buf);
	return 0;
}

/*
 * Grants num_pages pages to domid (read-only or not) and a read-only
 * directory listing them; buf->dir_grefs[0] names the buffer.
 */
int vgpu_front_shbuf_grant(struct vgpu_front_shbuf *buf, domid_t domid,
			   struct page **pages, unsigned int num_pages,
			   bool readonly)
{
	int ret;

	BUILD_BUG_ON(PAGE_SIZE != VGPUIF_PAGE_SIZE);
	memset(buf, 0, sizeof(*buf));
	buf->num_pages = num_pages;
	buf->grefs = kvcalloc(num_pages, sizeof(*buf->grefs), GFP_KERNEL);
	if (!buf->grefs)
		return -ENOMEM;
	ret = vgpu_front_grant_pages(domid, pages, num_pages, readonly,
				     buf->grefs);
	if (ret)
		goto fail;
	ret = vgpu_front_shbuf_grant_dir(buf, domid);
	if (!ret)
		return 0;
	while (num_pages--)
		vgpu_front_end_grant(buf->grefs[num_pages], NULL);
fail:
	kvfree(buf->grefs);
	buf->grefs = NULL;
	return ret;
}

/*
 * After a restore the grant table is a new, empty one, while buf still
 * holds its references: write their entries again, for the same pages
 * (whose machine frames the restore changed) and the new backend.
 */
void vgpu_front_shbuf_regrant(struct vgpu_front_shbuf *buf, domid_t domid,
			      struct page **pages, bool readonly)
{
	unsigned int i;

	for (i = 0; i < buf->num_pages; i++)
		gnttab_grant_foreign_access_ref(buf->grefs[i], domid,
						xen_page_to_gfn(pages[i]),
						readonly);
}

/*
 * The backend reads a directory once, when it maps the buffer: after the
 * response, the directory can go while the buffer stays granted.
 */
void vgpu_front_shbuf_end_dir(struct vgpu_front_shbuf *buf)
{
	unsigned int i;

	if (!buf->dir_pages)
		return;
	for (i = 0; i < buf->num_dir_pages; i++) {
		/* Takes our page reference, and frees it once unmapped. */
		vgpu_front_end_grant(buf->dir_grefs[i], buf->dir_pages[i]);
		buf->dir_pages[i] = NULL;
	}
	vgpu_front_shbuf_free_dir(buf);
}

void vgpu_front_shbuf_end(struct vgpu_front_shbuf *buf)
{
	unsigned int i;

	vgpu_front_shbuf_end_dir(buf);
	if (!buf->grefs)
		return;
	for (i = 0; i < buf->num_pages; i++)
		vgpu_front_end_grant(buf->grefs[i], NULL);
	kvfree(buf->grefs);
	buf->grefs = NULL;
}
