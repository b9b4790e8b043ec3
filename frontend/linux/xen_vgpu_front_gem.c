// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: GEM objects, each one backend resource whose backing
 * is the object's own shmem pages.
 *
 * DOC: resources
 * The kernel picks resource ids, so files cannot collide. At creation the
 * pages are pinned and granted to the backend, which maps them once
 * (RESOURCE_ATTACH_BACKING); they stay granted until the object dies, so
 * an mmap of the object is the very memory the backend transfers from.
 * Each file that holds a handle has the resource attached to its context
 * (the GEM open and close hooks), and a context reaches no resource that
 * was never attached to it. A resource made before the backend was lost
 * is dead: requests that name it fail with -EIO, and freeing it only
 * ends its grants.
 *
 * DOC: dumb buffers
 * A dumb buffer is a resource like any other (a 2D B8G8R8X8 texture),
 * but its pixels are the CPU's, in its granted pages, which the backend
 * scans out in place. Since nothing of it lives only in the backend, a
 * dumb buffer on the screen is brought back to life on a new backend
 * (vgpu_front_gem_revive): created again under the same id, with the
 * same pages.
 *
 * DOC: mappings
 * A mapping of an object is made of ordinary page mappings (VM_MIXEDMAP
 * and vmf_insert_page()), not of raw frames (VM_PFNMAP and
 * vmf_insert_pfn(), as drm_gem_shmem maps). vmf_insert_pfn() gives each
 * frame the cache mode PAT knows for it, and PAT counts RAM below 1 MiB
 * as uncached; Xen refuses an uncached entry to a PV guest without I/O
 * privileges, and Linux 6.1 ignores the refusal, so an access to such a
 * page faulted forever. An ordinary mapping takes the mapping's own
 * (write-back) protection.
 */

#include <linux/mm.h>
#include <linux/slab.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_mode.h>

#include "xen_vgpu_front.h"

static int vgpu_front_bo_request(struct vgpu_front *front, u8 op, u32 ctx_id,
				 u32 res_id)
{
	struct vgpuif_req req = {
		.operation = op,
		.ctx_id = ctx_id,
		.op.resource.res_id = res_id,
	};

	return vgpu_front_call(front, &req, NULL);
}

static void vgpu_front_gem_free(struct drm_gem_object *obj)
{
	struct vgpu_front *front = vgpu_front_from_drm(obj->dev);
	struct vgpu_front_bo *bo = to_vgpu_front_bo(obj);
	u32 epoch;

	/* The backend unmaps the backing before it answers. */
	if (bo->created && !vgpu_front_enter(front, false, &epoch)) {
		if (epoch == bo->epoch)
			vgpu_front_bo_request(front, VGPUIF_OP_RESOURCE_UNREF,
					      0, bo->res_id);
		vgpu_front_leave(front);
	}
	vgpu_front_shbuf_end(&bo->shbuf);
	if (bo->pinned)
		drm_gem_shmem_put_pages(&bo->base);
	if (bo->res_id)
		ida_free(&front->res_ida, bo->res_id);
	drm_gem_shmem_free(&bo->base);
}

/* A file got a handle: the resource joins its context. */
static int vgpu_front_gem_open(struct drm_gem_object *obj,
			       struct drm_file *file)
{
	struct vgpu_front *front = vgpu_front_from_drm(obj->dev);
	struct vgpu_front_bo *bo = to_vgpu_front_bo(obj);
	struct vgpu_front_file *vf = file->driver_priv;
	u32 epoch;
	int ret;

	if (!bo->created)
		return -EIO;
	ret = vgpu_front_enter(front, true, &epoch);
	if (ret)
		return ret;
	mutex_lock(&vf->lock);
	ret = vgpu_front_file_ctx(front, vf, epoch);
	if (!ret && bo->epoch != epoch)
		ret = -EIO;
	if (!ret)
		ret = vgpu_front_bo_request(front,
					    VGPUIF_OP_CTX_ATTACH_RESOURCE,
					    vf->ctx_id, bo->res_id);
	/* A second handle in the same file: already attached. */
	if (ret == VGPUIF_EBUSY)
		ret = 0;
	mutex_unlock(&vf->lock);
	vgpu_front_leave(front);
	return ret;
}

static void vgpu_front_gem_close(struct drm_gem_object *obj,
				 struct drm_file *file)
{
	struct vgpu_front *front = vgpu_front_from_drm(obj->dev);
	struct vgpu_front_bo *bo = to_vgpu_front_bo(obj);
	struct vgpu_front_file *vf = file->driver_priv;
	u32 epoch;

	if (!bo->created || !vf->ctx_live)
		return;
	if (vgpu_front_enter(front, false, &epoch))
		return;
	if (epoch == bo->epoch && epoch == vf->epoch)
		vgpu_front_bo_request(front, VGPUIF_OP_CTX_DETACH_RESOURCE,
				      vf->ctx_id, bo->res_id);
	vgpu_front_leave(front);
}

static vm_fault_t vgpu_front_gem_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct drm_gem_object *obj = vma->vm_private_data;
	struct drm_gem_shmem_object *shmem = to_drm_gem_shmem_obj(obj);
	pgoff_t offset = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	vm_fault_t ret;

	mutex_lock(&shmem->pages_lock);
	if (offset >= obj->size >> PAGE_SHIFT || !shmem->pages ||
	    shmem->madv < 0)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_page(vma, vmf->address, shmem->pages[offset]);
	mutex_unlock(&shmem->pages_lock);
	return ret;
}

/* drm_gem_shmem's open and close (they count the mapping's page use). */
static struct vm_operations_struct vgpu_front_gem_vm_ops;

void vgpu_front_gem_init(void)
{
	vgpu_front_gem_vm_ops = drm_gem_shmem_vm_ops;
	vgpu_front_gem_vm_ops.fault = vgpu_front_gem_fault;
}

static int vgpu_front_gem_mmap(struct drm_gem_object *obj,
			       struct vm_area_struct *vma)
{
	int ret = drm_gem_shmem_object_mmap(obj, vma);

	/* An imported buffer is mapped by its exporter. */
	if (ret || obj->import_attach)
		return ret;
	vma->vm_flags &= ~VM_PFNMAP;
	vma->vm_flags |= VM_MIXEDMAP;
	return 0;
}

static const struct drm_gem_object_funcs vgpu_front_gem_funcs = {
	.free = vgpu_front_gem_free,
	.open = vgpu_front_gem_open,
	.close = vgpu_front_gem_close,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = vgpu_front_gem_mmap,
	.vm_ops = &vgpu_front_gem_vm_ops,
};

struct drm_gem_object *vgpu_front_gem_create_object(struct drm_device *drm,
						    size_t size)
{
	struct vgpu_front_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &vgpu_front_gem_funcs;
	return &bo->base.base;
}

/*
 * Makes bo a backend resource described by desc, with its pages as the
 * backing: create and attach go out together, one round trip. The
 * connection is held; on failure the caller puts the object once it has
 * left the connection.
 */
int vgpu_front_gem_back(struct vgpu_front *front, struct vgpu_front_bo *bo,
			const struct vgpuif_resource_create_3d_req *desc,
			u32 epoch)
{
	unsigned int num_pages = bo->base.base.size >> PAGE_SHIFT;
	struct vgpuif_req reqs[2] = {
		{ .operation = VGPUIF_OP_RESOURCE_CREATE_3D },
		{ .operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING },
	};
	int id, ret, status[2];

	id = ida_alloc_range(&front->res_ida, 1, INT_MAX, GFP_KERNEL);
	if (id < 0)
		return id;
	bo->res_id = id;
	ret = drm_gem_shmem_get_pages(&bo->base);
	if (ret)
		return ret;
	bo->pinned = true;
	bo->restores = READ_ONCE(front->restores);
	ret = vgpu_front_shbuf_grant(&bo->shbuf, front->xb_dev->otherend_id,
				     bo->base.pages, num_pages, false);
	if (ret)
		return ret;
	bo->desc = *desc;
	bo->desc.res_id = id;
	reqs[0].op.resource_create_3d = bo->desc;
	reqs[1].op.attach_backing.res_id = id;
	reqs[1].op.attach_backing.gref_directory = bo->shbuf.dir_grefs[0];
	reqs[1].op.attach_backing.num_pages = num_pages;
	vgpu_front_call_batch(front, reqs, status, 2);
	/* Mapped or refused, the backend is done with the directory. */
	vgpu_front_shbuf_end_dir(&bo->shbuf);
	/* Unanswered (a fatal signal) may still exist: unref it anyway. */
	if (!status[0] || status[0] == -ERESTARTSYS) {
		bo->created = true;
		bo->epoch = epoch;
	}
	return status[0] ?: status[1];
}

/*
 * A new object of size bytes, described by desc, and a handle to it in
 * file.
 */
int vgpu_front_gem_create(struct drm_device *drm, struct drm_file *file,
			  size_t size,
			  const struct vgpuif_resource_create_3d_req *desc,
			  bool dumb, u32 *handle, u32 *res_id)
{
	struct vgpu_front *front = vgpu_front_from_drm(drm);
	struct drm_gem_shmem_object *shmem;
	struct vgpu_front_bo *bo;
	u32 epoch;
	int ret;

	shmem = drm_gem_shmem_create(drm, max_t(size_t, size, PAGE_SIZE));
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	bo = to_vgpu_front_bo(&shmem->base);
	bo->dumb = dumb;
	ret = vgpu_front_enter(front, true, &epoch);
	if (ret)
		goto out;
	if (shmem->base.size >> PAGE_SHIFT > front->lim.max_mapped_pages)
		ret = -E2BIG;
	else
		ret = vgpu_front_gem_back(front, bo, desc, epoch);
	vgpu_front_leave(front);
	if (ret)
		goto out;
	/* The GEM open hook attaches the resource to the file's context. */
	ret = drm_gem_handle_create(file, &shmem->base, handle);
	if (!ret && res_id)
		*res_id = bo->res_id;
out:
	drm_gem_object_put(&shmem->base);
	return ret;
}

/*
 * A dumb buffer made before the backend was lost: the same resource
 * again on the new backend, on the pages that are still granted (granted
 * again in the new grant table after a restore). The connection of
 * epoch is held.
 */
int vgpu_front_gem_revive(struct vgpu_front *front, struct vgpu_front_bo *bo,
			  u32 epoch)
{
	struct vgpuif_req reqs[2] = {
		{ .operation = VGPUIF_OP_RESOURCE_CREATE_3D },
		{ .operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING },
	};
	u32 restores = READ_ONCE(front->restores);
	int ret, status[2];

	if (!bo->dumb || !bo->created || !bo->shbuf.grefs)
		return -EIO;
	mutex_lock(&front->revive_lock);
	ret = 0;
	if (bo->epoch == epoch)
		goto out;
	if (bo->restores != restores) {
		bo->restores = restores;
		vgpu_front_shbuf_regrant(&bo->shbuf,
					 front->xb_dev->otherend_id,
					 bo->base.pages, false);
	}
	ret = vgpu_front_shbuf_grant_dir(&bo->shbuf,
					 front->xb_dev->otherend_id);
	if (ret)
		goto out;
	reqs[0].op.resource_create_3d = bo->desc;
	reqs[1].op.attach_backing.res_id = bo->res_id;
	reqs[1].op.attach_backing.gref_directory = bo->shbuf.dir_grefs[0];
	reqs[1].op.attach_backing.num_pages = bo->shbuf.num_pages;
	vgpu_front_call_batch(front, reqs, status, 2);
	vgpu_front_shbuf_end_dir(&bo->shbuf);
	if (!status[0] || status[0] == -ERESTARTSYS)
		bo->epoch = epoch;
	ret = status[0] ?: status[1];
out:
	mutex_unlock(&front->revive_lock);
	return ret;
}

/* 32 bits a pixel, XRGB8888 or ARGB8888: what the scanout shows. */
int vgpu_front_dumb_create(struct drm_file *file, struct drm_device *drm,
			   struct drm_mode_create_dumb *args)
{
	struct vgpuif_resource_create_3d_req desc = {
		.target = VGPU_FRONT_PIPE_TEXTURE_2D,
		.format = VGPU_FRONT_FORMAT_B8G8R8X8,
		.bind = VGPU_FRONT_BIND_RENDER_TARGET |
			VGPU_FRONT_BIND_SAMPLER_VIEW,
		.depth = 1,
		.array_size = 1,
	};

	if (args->bpp != 32 || !args->width || !args->height ||
	    args->width > VGPUIF_SCANOUT_MAX_DIM ||
	    args->height > VGPUIF_SCANOUT_MAX_DIM)
		return -EINVAL;
	desc.width = args->width;
	desc.height = args->height;
	args->pitch = args->width * 4;
	args->size = PAGE_ALIGN((u64)args->pitch * args->height);
	return vgpu_front_gem_create(drm, file, args->size, &desc, true,
				     &args->handle, NULL);
}
