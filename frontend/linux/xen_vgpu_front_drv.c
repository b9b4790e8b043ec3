// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: the DRM device, its files' contexts and fences.
 *
 * DOC: why a platform device
 * The DRM device is called virtio_gpu, so that Mesa's loader picks the
 * virgl driver, and its parent is a platform device that the xenbus
 * device registers: libdrm's drmGetDevice2(), which EGL calls on the fd,
 * knows the platform bus but not xenbus, and EGL falls back to software
 * rendering without a word when it fails.
 *
 * DOC: contexts and fences
 * Each open file is one backend context, created on first use and
 * destroyed when the file closes; it has a fence context of its own,
 * since the backend answers fenced requests in order per context only.
 *
 * DOC: two drivers
 * Without feature-scanout the device is the render node it always was;
 * with it, the same driver also has KMS (DRIVER_MODESET | DRIVER_ATOMIC,
 * dumb buffers) and fbdev emulation, so the console shows on the screen.
 */

#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_fb_helper.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>
#include <drm/drm_prime.h>
#include <drm/virtgpu_drm.h>

#include "xen_vgpu_drm.h"
#include "xen_vgpu_front.h"

struct vgpu_front_fence {
	struct dma_fence base;	/* first: dma_fence_free() frees it */
	spinlock_t lock;
};

static const char *vgpu_front_fence_driver(struct dma_fence *fence)
{
	return "xen_vgpu";
}

static const char *vgpu_front_fence_timeline(struct dma_fence *fence)
{
	return "context";
}

static const struct dma_fence_ops vgpu_front_fence_ops = {
	.get_driver_name = vgpu_front_fence_driver,
	.get_timeline_name = vgpu_front_fence_timeline,
};

/* The file's next fence; vf->lock is held so seqnos go out in order. */
struct dma_fence *vgpu_front_fence_create(struct vgpu_front_file *vf)
{
	struct vgpu_front_fence *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	spin_lock_init(&f->lock);
	dma_fence_init(&f->base, &vgpu_front_fence_ops, &f->lock,
		       vf->fence_context, ++vf->fence_seq);
	return &f->base;
}

/*
 * The file's context in this connection's epoch: made now if it has none.
 * vf->lock and the connection (vgpu_front_enter) are held.
 */
int vgpu_front_file_ctx(struct vgpu_front *front, struct vgpu_front_file *vf,
			u32 epoch)
{
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_CTX_CREATE,
		.ctx_id = vf->ctx_id,
	};
	struct vgpuif_ctx_create_req *c = &req.op.ctx_create;
	int ret;

	if (vf->ctx_live)
		return vf->epoch == epoch ? 0 : -EIO;
	c->name_len = strnlen(current->comm, VGPUIF_CTX_NAME_MAX);
	memcpy(c->name, current->comm, c->name_len);
	ret = vgpu_front_call(front, &req, NULL);
	if (ret)
		return ret;
	vf->ctx_live = true;
	vf->epoch = epoch;
	return 0;
}

static int vgpu_front_open(struct drm_device *drm, struct drm_file *file)
{
	struct vgpu_front *front = vgpu_front_from_drm(drm);
	struct vgpu_front_file *vf;
	int id;

	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	id = ida_alloc_range(&front->ctx_ida, 1, INT_MAX, GFP_KERNEL);
	if (id < 0) {
		kfree(vf);
		return id;
	}
	mutex_init(&vf->lock);
	vf->ctx_id = id;
	vf->fence_context = dma_fence_context_alloc(1);
	file->driver_priv = vf;
	return 0;
}

static void vgpu_front_postclose(struct drm_device *drm,
				 struct drm_file *file)
{
	struct vgpu_front *front = vgpu_front_from_drm(drm);
	struct vgpu_front_file *vf = file->driver_priv;
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_CTX_DESTROY,
		.ctx_id = vf->ctx_id,
	};
	u32 epoch;

	if (vf->ctx_live && !vgpu_front_enter(front, false, &epoch)) {
		if (epoch == vf->epoch)
			vgpu_front_call(front, &req, NULL);
		vgpu_front_leave(front);
	}
	ida_free(&front->ctx_ida, vf->ctx_id);
	mutex_destroy(&vf->lock);
	kfree(vf);
}

#define VGPU_FRONT_IOCTL(name, fn) \
	DRM_IOCTL_DEF_DRV(VIRTGPU_##name, vgpu_front_ioctl_##fn, \
			  DRM_RENDER_ALLOW)

static const struct drm_ioctl_desc vgpu_front_ioctls[] = {
	VGPU_FRONT_IOCTL(MAP, map),
	VGPU_FRONT_IOCTL(EXECBUFFER, execbuffer),
	VGPU_FRONT_IOCTL(GETPARAM, getparam),
	VGPU_FRONT_IOCTL(RESOURCE_CREATE, resource_create),
	VGPU_FRONT_IOCTL(RESOURCE_INFO, resource_info),
	VGPU_FRONT_IOCTL(TRANSFER_FROM_HOST, transfer_from_host),
	VGPU_FRONT_IOCTL(TRANSFER_TO_HOST, transfer_to_host),
	VGPU_FRONT_IOCTL(WAIT, wait),
	VGPU_FRONT_IOCTL(GET_CAPS, get_caps),
	DRM_IOCTL_DEF_DRV(XEN_VGPU_NOP, vgpu_front_ioctl_nop, DRM_RENDER_ALLOW),
};

static int vgpu_front_ring_debugfs(struct seq_file *m, void *data)
{
	struct drm_info_node *node = m->private;

	vgpu_front_ring_show(vgpu_front_from_drm(node->minor->dev), m);
	return 0;
}

static const struct drm_info_list vgpu_front_debugfs_list[] = {
	{ "xen_vgpu_ring", vgpu_front_ring_debugfs },
};

static void vgpu_front_debugfs_init(struct drm_minor *minor)
{
	drm_debugfs_create_files(vgpu_front_debugfs_list,
				 ARRAY_SIZE(vgpu_front_debugfs_list),
				 minor->debugfs_root, minor);
}

DEFINE_DRM_GEM_FOPS(vgpu_front_fops);

#define VGPU_FRONT_DRIVER_COMMON \
	.open = vgpu_front_open, \
	.postclose = vgpu_front_postclose, \
	.gem_create_object = vgpu_front_gem_create_object, \
	.prime_handle_to_fd = drm_gem_prime_handle_to_fd, \
	.prime_fd_to_handle = drm_gem_prime_fd_to_handle, \
	.gem_prime_mmap = drm_gem_prime_mmap, \
	.debugfs_init = vgpu_front_debugfs_init, \
	.ioctls = vgpu_front_ioctls, \
	.num_ioctls = ARRAY_SIZE(vgpu_front_ioctls), \
	.fops = &vgpu_front_fops, \
	/* Mesa's loader maps this name to the virgl driver. */ \
	.name = "virtio_gpu", \
	.desc = "Xen paravirtual 3D GPU (xen-vgpu)", \
	.date = "20261206", \
	/* Mesa wants major 0; minor 1 turns its fence fds on. */ \
	.major = 0, \
	.minor = 1

static const struct drm_driver vgpu_front_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER,
	VGPU_FRONT_DRIVER_COMMON,
};

static const struct drm_driver vgpu_front_kms_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_MODESET |
			   DRIVER_ATOMIC,
	.dumb_create = vgpu_front_dumb_create,
	VGPU_FRONT_DRIVER_COMMON,
};

static void vgpu_front_drm_release(struct drm_device *drm, void *data)
{
	vgpu_front_put(data);
}

static int vgpu_front_pdev_probe(struct platform_device *pdev)
{
	struct vgpu_front *front;
	struct vgpu_front_drm *vd;
	int ret;

	front = *(struct vgpu_front **)dev_get_platdata(&pdev->dev);
	vd = devm_drm_dev_alloc(&pdev->dev, front->feature_scanout ?
				&vgpu_front_kms_driver : &vgpu_front_driver,
				struct vgpu_front_drm, drm);
	if (IS_ERR(vd))
		return PTR_ERR(vd);
	kref_get(&front->ref);
	vd->front = front;
	ret = drmm_add_action_or_reset(&vd->drm, vgpu_front_drm_release,
				       front);
	if (ret)
		return ret;
	if (front->feature_scanout) {
		ret = vgpu_front_kms_init(vd);
		if (ret)
			return ret;
	}
	ret = drm_dev_register(&vd->drm, 0);
	if (ret) {
		if (vd->has_kms)
			vgpu_front_kms_fini(vd);
		return ret;
	}
	platform_set_drvdata(pdev, vd);
	if (vd->has_kms)
		drm_fbdev_generic_setup(&vd->drm, 32);
	return 0;
}

static int vgpu_front_pdev_remove(struct platform_device *pdev)
{
	struct vgpu_front_drm *vd = platform_get_drvdata(pdev);

	if (vd->has_kms)
		vgpu_front_kms_fini(vd);
	drm_dev_unplug(&vd->drm);
	if (vd->has_kms)
		drm_atomic_helper_shutdown(&vd->drm);
	return 0;
}

struct platform_driver vgpu_front_pdrv = {
	.probe = vgpu_front_pdev_probe,
	.remove = vgpu_front_pdev_remove,
	.driver = {
		.name = VGPU_FRONT_PDEV_NAME,
	},
};

/* Registers the platform device that carries the DRM device. */
int vgpu_front_drm_add(struct vgpu_front *front)
{
	struct platform_device *pdev;

	pdev = platform_device_register_data(&front->xb_dev->dev,
					     VGPU_FRONT_PDEV_NAME,
					     PLATFORM_DEVID_AUTO,
					     &front, sizeof(front));
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	if (!platform_get_drvdata(pdev)) {
		platform_device_unregister(pdev);
		return -ENODEV;
	}
	front->pdev = pdev;
	return 0;
}

void vgpu_front_drm_remove(struct vgpu_front *front)
{
	if (front->pdev)
		platform_device_unregister(front->pdev);
	front->pdev = NULL;
}
