// SPDX-License-Identifier: GPL-2.0
/*
 * include/vgpuif.h as the guest kernel will build it: with the kernel's
 * own types and string functions and its xen/interface/io/ring.h, no
 * libc. Loaded, it fills one ring page as a frontend does and leaves.
 * The sizes are those of the header's octet tables.
 */
#include <linux/build_bug.h>
#include <linux/gfp.h>
#include <linux/module.h>

#include "vgpuif.h"

static int __init vgpuif_kcheck_init(void)
{
	struct vgpuif_front_ring ring;
	struct vgpuif_sring *sring;
	struct vgpuif_req *req;
	int notify;

	BUILD_BUG_ON(sizeof(struct vgpuif_req) != 96);
	BUILD_BUG_ON(sizeof(struct vgpuif_resp) != 96);
	BUILD_BUG_ON(VGPUIF_RING_SIZE != 32);
	BUILD_BUG_ON(offsetof(struct vgpuif_gref_directory, gref) != 8);

	sring = (struct vgpuif_sring *)get_zeroed_page(GFP_KERNEL);
	if (!sring)
		return -ENOMEM;
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&ring, sring, VGPUIF_PAGE_SIZE);
	req = RING_GET_REQUEST(&ring, ring.req_prod_pvt);
	memset(req, 0, sizeof(*req));
	req->operation = VGPUIF_OP_NOP;
	ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring, notify);
	pr_info("vgpuif: one request pushed, notify %d\n", notify);
	free_page((unsigned long)sring);
	return 0;
}

static void __exit vgpuif_kcheck_exit(void)
{
}

module_init(vgpuif_kcheck_init);
module_exit(vgpuif_kcheck_exit);
MODULE_DESCRIPTION("xen-vgpu: include/vgpuif.h built in the kernel");
MODULE_LICENSE("GPL");
