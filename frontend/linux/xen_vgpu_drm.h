/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen_vgpu.ko's own ioctl, next to the virtio-gpu uAPI it offers
 * (<drm/virtgpu_drm.h>). Numbered far past virtio-gpu's, which may grow.
 *
 * DRM_IOCTL_XEN_VGPU_NOP: one NOP request to the backend and its answer,
 * nothing else: the round trip of the ring and the event channel as a
 * process sees it, for benchmarks. Fails with EIO while the backend is
 * lost.
 */
#ifndef __XEN_VGPU_DRM_H
#define __XEN_VGPU_DRM_H

#include <drm/drm.h>

#define DRM_XEN_VGPU_NOP	0x40

#define DRM_IOCTL_XEN_VGPU_NOP	DRM_IO(DRM_COMMAND_BASE + DRM_XEN_VGPU_NOP)

#endif /* __XEN_VGPU_DRM_H */
