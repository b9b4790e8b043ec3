// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: the virtual connector of the screen and its encoder.
 *
 * DOC: modes
 * The connector is always connected. Its preferred mode is the size the
 * toolstack writes to the backend's scanout-width and scanout-height
 * (the vgpu= spec's width= and height=, default 1024x768), with the
 * usual modes up to VGPUIF_SCANOUT_MAX_DIM besides. Both nodes are
 * watched: a new size is a hotplug event, and the connector then offers
 * the new mode first (fbdev follows it as far as its buffer allows).
 */

#include <linux/slab.h>

#include <drm/drm_atomic_state_helper.h>
#include <drm/drm_edid.h>
#include <drm/drm_modes.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_simple_kms_helper.h>

#include <xen/xenbus.h>

#include "xen_vgpu_front.h"

#define VGPU_FRONT_DEFAULT_WIDTH	1024
#define VGPU_FRONT_DEFAULT_HEIGHT	768
#define VGPU_FRONT_REFRESH		VGPUIF_SCANOUT_REFRESH_HZ

static struct vgpu_front_kms *conn_to_kms(struct drm_connector *connector)
{
	return container_of(connector, struct vgpu_front_kms, connector);
}

/* A mode of exactly width x height at the backend's refresh rate. */
static struct drm_display_mode *vgpu_front_mode(struct drm_device *drm,
						u32 width, u32 height)
{
	struct drm_display_mode *mode;

	mode = drm_mode_create(drm);
	if (!mode)
		return NULL;
	mode->hdisplay = width;
	mode->hsync_start = width + 48;
	mode->hsync_end = width + 80;
	mode->htotal = width + 160;
	mode->vdisplay = height;
	mode->vsync_start = height + 3;
	mode->vsync_end = height + 9;
	mode->vtotal = height + 30;
	mode->clock = DIV_ROUND_UP(mode->htotal * mode->vtotal *
				   VGPU_FRONT_REFRESH, 1000);
	mode->flags = DRM_MODE_FLAG_NHSYNC | DRM_MODE_FLAG_PVSYNC;
	mode->type = DRM_MODE_TYPE_DRIVER | DRM_MODE_TYPE_PREFERRED;
	drm_mode_set_name(mode);
	return mode;
}

static int vgpu_front_conn_get_modes(struct drm_connector *connector)
{
	struct vgpu_front_kms *kms = conn_to_kms(connector);
	struct drm_display_mode *mode;
	int count;

	count = drm_add_modes_noedid(connector, VGPUIF_SCANOUT_MAX_DIM,
				     VGPUIF_SCANOUT_MAX_DIM);
	mode = vgpu_front_mode(connector->dev, kms->width, kms->height);
	if (mode) {
		drm_mode_probed_add(connector, mode);
		count++;
	}
	return count;
}

static enum drm_mode_status
vgpu_front_conn_mode_valid(struct drm_connector *connector,
			   struct drm_display_mode *mode)
{
	if (mode->hdisplay > VGPUIF_SCANOUT_MAX_DIM ||
	    mode->vdisplay > VGPUIF_SCANOUT_MAX_DIM)
		return MODE_BAD;
	return MODE_OK;
}

static const struct drm_connector_helper_funcs vgpu_front_conn_helper_funcs = {
	.get_modes = vgpu_front_conn_get_modes,
	.mode_valid = vgpu_front_conn_mode_valid,
};

static const struct drm_connector_funcs vgpu_front_conn_funcs = {
	.fill_modes = drm_helper_probe_single_connector_modes,
	.destroy = drm_connector_cleanup,
	.reset = drm_atomic_helper_connector_reset,
	.atomic_duplicate_state = drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_connector_destroy_state,
};

/* The size the toolstack asks for; out of range or absent: the default. */
static void vgpu_front_conn_read_size(struct vgpu_front *front, u32 *width,
				      u32 *height)
{
	const char *dir = front->xb_dev->otherend;
	unsigned int w, h;

	w = xenbus_read_unsigned(dir, "scanout-width", 0);
	h = xenbus_read_unsigned(dir, "scanout-height", 0);
	if (!w || !h || w > VGPUIF_SCANOUT_MAX_DIM ||
	    h > VGPUIF_SCANOUT_MAX_DIM) {
		w = VGPU_FRONT_DEFAULT_WIDTH;
		h = VGPU_FRONT_DEFAULT_HEIGHT;
	}
	*width = w;
	*height = h;
}

static void vgpu_front_conn_resize(struct work_struct *work)
{
	struct vgpu_front_kms *kms = container_of(work, struct vgpu_front_kms,
						  resize_work);
	struct drm_device *drm = kms->connector.dev;
	bool changed;
	u32 w, h;

	vgpu_front_conn_read_size(vgpu_front_from_drm(drm), &w, &h);
	mutex_lock(&drm->mode_config.mutex);
	changed = w != kms->width || h != kms->height;
	kms->width = w;
	kms->height = h;
	mutex_unlock(&drm->mode_config.mutex);
	if (!changed)
		return;
	drm_info(drm, "screen size %ux%u\n", w, h);
	drm_kms_helper_hotplug_event(drm);
}

/* xenwatch thread: the work reads the nodes, away from reconnects. */
static void vgpu_front_conn_watch(struct xenbus_watch *watch,
				  const char *path, const char *token)
{
	struct vgpu_front_kms *kms;

	if (strstr(path, "/scanout-width"))
		kms = container_of(watch, struct vgpu_front_kms, watch_width);
	else
		kms = container_of(watch, struct vgpu_front_kms, watch_height);
	schedule_work(&kms->resize_work);
}

static int vgpu_front_conn_watch_node(struct vgpu_front *front,
				      struct xenbus_watch *watch,
				      const char *node)
{
	int ret;

	watch->node = kasprintf(GFP_KERNEL, "%s/%s", front->xb_dev->otherend,
				node);
	if (!watch->node)
		return -ENOMEM;
	watch->callback = vgpu_front_conn_watch;
	ret = register_xenbus_watch(watch);
	if (ret) {
		kfree(watch->node);
		watch->node = NULL;
	}
	return ret;
}

static void vgpu_front_conn_unwatch(struct xenbus_watch *watch)
{
	if (!watch->node)
		return;
	unregister_xenbus_watch(watch);
	kfree(watch->node);
	watch->node = NULL;
}

int vgpu_front_conn_init(struct vgpu_front_drm *vd)
{
	struct vgpu_front_kms *kms = &vd->kms;
	struct drm_device *drm = &vd->drm;
	int ret;

	INIT_WORK(&kms->resize_work, vgpu_front_conn_resize);
	vgpu_front_conn_read_size(vd->front, &kms->width, &kms->height);

	ret = drm_simple_encoder_init(drm, &kms->encoder,
				      DRM_MODE_ENCODER_VIRTUAL);
	if (ret)
		return ret;
	kms->encoder.possible_crtcs = drm_crtc_mask(&kms->crtc);
	ret = drm_connector_init(drm, &kms->connector, &vgpu_front_conn_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(&kms->connector,
				 &vgpu_front_conn_helper_funcs);
	ret = drm_connector_attach_encoder(&kms->connector, &kms->encoder);
	if (ret)
		return ret;

	/* Without the watches the mode is fixed: worth a word, not a failure. */
	ret = vgpu_front_conn_watch_node(vd->front, &kms->watch_width,
					 "scanout-width");
	ret = ret ?: vgpu_front_conn_watch_node(vd->front, &kms->watch_height,
						"scanout-height");
	if (ret)
		drm_warn(drm, "cannot watch the screen size: %d\n", ret);
	return 0;
}

void vgpu_front_conn_fini(struct vgpu_front_drm *vd)
{
	vgpu_front_conn_unwatch(&vd->kms.watch_width);
	vgpu_front_conn_unwatch(&vd->kms.watch_height);
	cancel_work_sync(&vd->kms.resize_work);
}
