// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: the virtio-gpu uAPI (<drm/virtgpu_drm.h>), as stock
 * Mesa's virgl DRM winsys uses it, turned into vgpuif requests.
 *
 * DOC: fences
 * Submits and transfers are sent fenced (VGPUIF_FLAG_FENCE) and return
 * at once. The response, which the backend sends once the context's work
 * up to the request is done, signals a dma_fence that the request put in
 * the reservation of every object it names, so WAIT sleeps on it, and
 * EXECBUFFER hands it out as a sync_file.
 */

#include <linux/file.h>
#include <linux/slab.h>
#include <linux/sync_file.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/virtgpu_drm.h>

#include "xen_vgpu_front.h"

/* How long WAIT sleeps before it answers busy, as virtio-gpu does. */
#define VGPU_FRONT_WAIT_TIMEOUT	(15 * HZ)
/* The backend's capsets are few; stop looking after this many. */
#define VGPU_FRONT_MAX_CAPSETS	8
/* More objects than one batch could name; keeps the lookup's array sane. */
#define VGPU_FRONT_MAX_BOS	(64 * 1024)

/* DRM_IOCTL_XEN_VGPU_NOP (xen_vgpu_drm.h): one round trip, no work. */
int vgpu_front_ioctl_nop(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct vgpu_front *front = vgpu_front_from_drm(drm);
	struct vgpuif_req req = { .operation = VGPUIF_OP_NOP };
	u32 epoch;
	int ret;

	ret = vgpu_front_enter(front, true, &epoch);
	if (ret)
		return ret;
	ret = vgpu_front_call(front, &req, NULL);
	vgpu_front_leave(front);
	return ret;
}

int vgpu_front_ioctl_getparam(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct drm_virtgpu_getparam *param = data;
	int value;

	switch (param->param) {
	case VIRTGPU_PARAM_3D_FEATURES:
	case VIRTGPU_PARAM_CAPSET_QUERY_FIX:
		value = 1;
		break;
	default:
		/* No blobs, no host-visible memory, no context init. */
		value = 0;
		break;
	}
	if (copy_to_user(u64_to_user_ptr(param->value), &value, sizeof(value)))
		return -EFAULT;
	return 0;
}

static int vgpu_front_find_capset(struct vgpu_front *front, u32 id,
				  u32 version, u32 *max_size)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_GET_CAPSET_INFO };
	struct vgpuif_capset_info_resp *info;
	struct vgpuif_resp resp;
	u32 i;

	info = &resp.op.capset_info;
	for (i = 0; i < VGPU_FRONT_MAX_CAPSETS; i++) {
		req.op.capset_info.capset_index = i;
		if (vgpu_front_call(front, &req, &resp))
			break;
		if (info->capset_id == id &&
		    info->capset_max_version >= version) {
			*max_size = min_t(u32, info->capset_max_size,
					  VGPUIF_MAX_CAPSET_SIZE);
			return *max_size ? 0 : -EINVAL;
		}
	}
	return -EINVAL;
}

static void vgpu_front_free_pages(struct page **pages, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (pages[i])
			put_page(pages[i]);
	kfree(pages);
}

static struct page **vgpu_front_alloc_pages(unsigned int count)
{
	struct page **pages;
	unsigned int i;

	pages = kcalloc(count, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < count; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i]) {
			vgpu_front_free_pages(pages, count);
			return NULL;
		}
	}
	return pages;
}

static int vgpu_front_copy_pages(void __user *to, struct page **pages,
				 u32 size)
{
	u32 done, n;
	void *from;

	for (done = 0; done < size; done += n) {
		n = min_t(u32, size - done, PAGE_SIZE);
		from = page_address(pages[done >> PAGE_SHIFT]);
		if (copy_to_user(to + done, from, n))
			return -EFAULT;
	}
	return 0;
}

/* Asks the backend for the capset into pages granted for this request. */
static int vgpu_front_fetch_capset(struct vgpu_front *front,
				   struct drm_virtgpu_get_caps *args,
				   struct page **pages, unsigned int count,
				   u32 *size)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_GET_CAPSET };
	struct vgpu_front_shbuf buf;
	struct vgpuif_resp resp;
	int ret;

	ret = vgpu_front_shbuf_grant(&buf, front->xb_dev->otherend_id, pages,
				     count, false);
	if (ret)
		return ret;
	req.op.capset.capset_id = args->cap_set_id;
	req.op.capset.capset_version = args->cap_set_ver;
	req.op.capset.gref_directory = buf.dir_grefs[0];
	req.op.capset.buf_size = count * PAGE_SIZE;
	ret = vgpu_front_call(front, &req, &resp);
	/* The backend maps the buffer for this request only. */
	vgpu_front_shbuf_end(&buf);
	if (!ret)
		*size = min_t(u32, resp.op.capset.capset_size,
			      count * PAGE_SIZE);
	return ret;
}

int vgpu_front_ioctl_get_caps(struct drm_device *drm, void *data,
			      struct drm_file *file)
{
	struct vgpu_front *front = vgpu_front_from_drm(drm);
	struct drm_virtgpu_get_caps *args = data;
	struct page **pages = NULL;
	unsigned int count = 0;
	u32 epoch, max_size, size;
	int ret;

	ret = vgpu_front_enter(front, true, &epoch);
	if (ret)
		return ret;
	ret = vgpu_front_find_capset(front, args->cap_set_id,
				     args->cap_set_ver, &max_size);
	if (ret)
		goto out;
	count = DIV_ROUND_UP(max_size, PAGE_SIZE);
	pages = vgpu_front_alloc_pages(count);
	ret = pages ? 0 : -ENOMEM;
	if (!ret)
		ret = vgpu_front_fetch_capset(front, args, pages, count, &size);
out:
	vgpu_front_leave(front);
	if (!ret)
		ret = vgpu_front_copy_pages(u64_to_user_ptr(args->addr), pages,
					    min(size, args->size));
	if (pages)
		vgpu_front_free_pages(pages, count);
	return ret;
}

int vgpu_front_ioctl_resource_create(struct drm_device *drm, void *data,
				     struct drm_file *file)
{
	struct drm_virtgpu_resource_create *rc = data;
	struct vgpuif_resource_create_3d_req desc = {
		.target = rc->target, .format = rc->format, .bind = rc->bind,
		.width = rc->width, .height = rc->height, .depth = rc->depth,
		.array_size = rc->array_size, .last_level = rc->last_level,
		.nr_samples = rc->nr_samples, .flags = rc->flags,
	};

	return vgpu_front_gem_create(drm, file, rc->size, &desc, false,
				     &rc->bo_handle, &rc->res_handle);
}

int vgpu_front_ioctl_resource_info(struct drm_device *drm, void *data,
				   struct drm_file *file)
{
	struct drm_virtgpu_resource_info *ri = data;
	struct drm_gem_object *obj;

	obj = drm_gem_object_lookup(file, ri->bo_handle);
	if (!obj)
		return -ENOENT;
	ri->res_handle = to_vgpu_front_bo(obj)->res_id;
	ri->size = obj->size;
	ri->blob_mem = 0;
	drm_gem_object_put(obj);
	return 0;
}

int vgpu_front_ioctl_map(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct drm_virtgpu_map *map = data;
	struct drm_gem_object *obj;
	int ret;

	obj = drm_gem_object_lookup(file, map->handle);
	if (!obj)
		return -ENOENT;
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret)
		map->offset = drm_vma_node_offset_addr(&obj->vma_node);
	drm_gem_object_put(obj);
	return ret;
}

int vgpu_front_ioctl_wait(struct drm_device *drm, void *data,
			  struct drm_file *file)
{
	struct drm_virtgpu_3d_wait *wait = data;
	struct drm_gem_object *obj;
	long left;
	int ret;

	if (wait->flags & ~VIRTGPU_WAIT_NOWAIT)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, wait->handle);
	if (!obj)
		return -ENOENT;
	if (wait->flags & VIRTGPU_WAIT_NOWAIT) {
		ret = dma_resv_test_signaled(obj->resv, DMA_RESV_USAGE_READ) ?
		      0 : -EBUSY;
	} else {
		left = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_READ,
					     true, VGPU_FRONT_WAIT_TIMEOUT);
		ret = left < 0 ? left : left ? 0 : -EBUSY;
	}
	drm_gem_object_put(obj);
	return ret;
}

/*
 * Sends req fenced in vf's context and puts the fence, as a write, into
 * the reservation of each of the count objects. vf->lock and the
 * connection are held. Returns the fence (the caller's reference).
 */
static struct dma_fence *
vgpu_front_send_with_fence(struct vgpu_front *front,
			   struct vgpu_front_file *vf, struct vgpuif_req *req,
			   struct drm_gem_object **objs, u32 count,
			   int cmd_ticket)
{
	struct ww_acquire_ctx ww;
	struct dma_fence *fence;
	int ret;
	u32 i;

	fence = vgpu_front_fence_create(vf);
	if (!fence)
		return ERR_PTR(-ENOMEM);
	ret = count ? drm_gem_lock_reservations(objs, count, &ww) : 0;
	if (ret)
		goto fail;
	for (i = 0; i < count && !ret; i++)
		ret = dma_resv_reserve_fences(objs[i]->resv, 1);
	if (!ret) {
		dma_fence_get(fence);	/* the request's reference */
		ret = vgpu_front_send_fenced(front, req, fence, cmd_ticket);
		if (ret)
			dma_fence_put(fence);
	}
	for (i = 0; i < count && !ret; i++)
		dma_resv_add_fence(objs[i]->resv, fence, DMA_RESV_USAGE_WRITE);
	if (count)
		drm_gem_unlock_reservations(objs, count, &ww);
	if (!ret)
		return fence;
fail:
	/* Never sent: nobody else holds it, signal it for its release. */
	dma_fence_set_error(fence, ret);
	dma_fence_signal(fence);
	dma_fence_put(fence);
	return ERR_PTR(ret);
}

static int vgpu_front_wait_fence_fd(int fd)
{
	struct dma_fence *fence;
	int ret;

	fence = sync_file_get_fence(fd);
	if (!fence)
		return -EINVAL;
	ret = dma_fence_wait(fence, true);
	dma_fence_put(fence);
	return ret;
}

/* Copies the commands into the region and sends them. */
static struct dma_fence *vgpu_front_submit(struct vgpu_front *front,
					   struct vgpu_front_file *vf,
					   struct drm_virtgpu_execbuffer *eb,
					   struct drm_gem_object **objs)
{
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_SUBMIT_3D,
		.ctx_id = vf->ctx_id,
	};
	struct dma_fence *fence;
	int ticket;
	u32 offset;

	ticket = vgpu_front_cmd_reserve(front, eb->size, &offset);
	if (ticket < 0)
		return ERR_PTR(ticket);
	if (copy_from_user(front->cmd.vaddr + offset,
			   u64_to_user_ptr(eb->command), eb->size)) {
		vgpu_front_cmd_cancel(front, ticket);
		return ERR_PTR(-EFAULT);
	}
	req.op.submit_3d.cmd_offset = offset;
	req.op.submit_3d.cmd_size = eb->size;
	fence = vgpu_front_send_with_fence(front, vf, &req, objs,
					   eb->num_bo_handles, ticket);
	if (IS_ERR(fence))
		vgpu_front_cmd_cancel(front, ticket);
	return fence;
}

static struct dma_fence *
vgpu_front_execbuffer(struct vgpu_front *front, struct vgpu_front_file *vf,
		      struct drm_virtgpu_execbuffer *eb,
		      struct drm_gem_object **objs)
{
	struct dma_fence *fence;
	u32 epoch;
	int ret;

	ret = vgpu_front_enter(front, true, &epoch);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&vf->lock);
	ret = vgpu_front_file_ctx(front, vf, epoch);
	fence = ret ? ERR_PTR(ret) : vgpu_front_submit(front, vf, eb, objs);
	mutex_unlock(&vf->lock);
	vgpu_front_leave(front);
	return fence;
}

static int vgpu_front_install_fence(struct dma_fence *fence, int fd)
{
	struct sync_file *sync;

	sync = sync_file_create(fence);
	if (!sync)
		return -ENOMEM;
	fd_install(fd, sync->file);
	return 0;
}

int vgpu_front_ioctl_execbuffer(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct vgpu_front *front = vgpu_front_from_drm(drm);
	struct drm_virtgpu_execbuffer *eb = data;
	struct drm_gem_object **objs = NULL;
	struct dma_fence *fence;
	int out_fd = -1, ret;
	u32 i;

	if (eb->flags & ~VIRTGPU_EXECBUF_FLAGS)
		return -EINVAL;
	if ((eb->flags & VIRTGPU_EXECBUF_RING_IDX) && eb->ring_idx)
		return -EINVAL;
	if (!eb->size || eb->size % 4)
		return -EINVAL;
	if (eb->flags & VIRTGPU_EXECBUF_FENCE_FD_IN) {
		ret = vgpu_front_wait_fence_fd(eb->fence_fd);
		if (ret)
			return ret;
	}
	if (eb->num_bo_handles > VGPU_FRONT_MAX_BOS)
		return -EINVAL;
	ret = drm_gem_objects_lookup(file, u64_to_user_ptr(eb->bo_handles),
				     eb->num_bo_handles, &objs);
	if (ret)
		goto put_objs;
	if (eb->flags & VIRTGPU_EXECBUF_FENCE_FD_OUT) {
		out_fd = get_unused_fd_flags(O_CLOEXEC);
		if (out_fd < 0) {
			ret = out_fd;
			goto put_objs;
		}
	}
	fence = vgpu_front_execbuffer(front, file->driver_priv, eb, objs);
	if (IS_ERR(fence)) {
		ret = PTR_ERR(fence);
		goto put_fd;
	}
	if (out_fd >= 0) {
		ret = vgpu_front_install_fence(fence, out_fd);
		if (!ret) {
			eb->fence_fd = out_fd;
			out_fd = -1;
		}
	}
	dma_fence_put(fence);
put_fd:
	if (out_fd >= 0)
		put_unused_fd(out_fd);
put_objs:
	for (i = 0; objs && i < eb->num_bo_handles; i++)
		if (objs[i])
			drm_gem_object_put(objs[i]);
	kvfree(objs);
	return ret;
}

static int vgpu_front_transfer(struct drm_device *drm, struct drm_file *file,
			       u8 op, u32 handle,
			       const struct drm_virtgpu_3d_box *box, u32 level,
			       u32 offset, u32 stride, u32 layer_stride)
{
	struct vgpu_front *front = vgpu_front_from_drm(drm);
	struct vgpu_front_file *vf = file->driver_priv;
	struct vgpuif_req req = { .operation = op, .ctx_id = vf->ctx_id };
	struct vgpuif_transfer_3d_req *x = &req.op.transfer_3d;
	struct drm_gem_object *obj;
	struct dma_fence *fence;
	u32 epoch;
	int ret;

	obj = drm_gem_object_lookup(file, handle);
	if (!obj)
		return -ENOENT;
	*x = (struct vgpuif_transfer_3d_req){
		.res_id = to_vgpu_front_bo(obj)->res_id, .level = level,
		.stride = stride, .layer_stride = layer_stride,
		.x = box->x, .y = box->y, .z = box->z,
		.width = box->w, .height = box->h, .depth = box->d,
		.offset = offset,
	};
	ret = vgpu_front_enter(front, true, &epoch);
	if (ret)
		goto put;
	mutex_lock(&vf->lock);
	ret = vgpu_front_file_ctx(front, vf, epoch);
	if (!ret && to_vgpu_front_bo(obj)->epoch != epoch)
		ret = -EIO;
	fence = ret ? ERR_PTR(ret) :
		vgpu_front_send_with_fence(front, vf, &req, &obj, 1, -1);
	mutex_unlock(&vf->lock);
	vgpu_front_leave(front);
	if (IS_ERR(fence))
		ret = PTR_ERR(fence);
	else
		dma_fence_put(fence);
put:
	drm_gem_object_put(obj);
	return ret;
}

int vgpu_front_ioctl_transfer_to_host(struct drm_device *drm, void *data,
				      struct drm_file *file)
{
	struct drm_virtgpu_3d_transfer_to_host *t = data;

	return vgpu_front_transfer(drm, file, VGPUIF_OP_TRANSFER_TO_HOST_3D,
				   t->bo_handle, &t->box, t->level, t->offset,
				   t->stride, t->layer_stride);
}

int vgpu_front_ioctl_transfer_from_host(struct drm_device *drm, void *data,
					struct drm_file *file)
{
	struct drm_virtgpu_3d_transfer_from_host *t = data;

	return vgpu_front_transfer(drm, file, VGPUIF_OP_TRANSFER_FROM_HOST_3D,
				   t->bo_handle, &t->box, t->level, t->offset,
				   t->stride, t->layer_stride);
}
