// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: KMS on the backend's scanout 0 (include/vgpuif.h,
 * "Scanout"): one CRTC, its primary plane and the encoder of the
 * connector in xen_vgpu_front_conn.c.
 *
 * DOC: plane updates
 * The backend is told what the plane shows, one request per commit:
 * - SET_SCANOUT when the screen shows nothing yet (a modeset, a new
 *   connection), or the size of what it shows changes; answered at once;
 * - PAGE_FLIP when another framebuffer (or another part of one) of the
 *   same size replaces it; answered once the backend shows the frame;
 * - RESOURCE_FLUSH of the damage clips when the framebuffer stays the
 *   same (front buffer rendering, fbdev, DIRTYFB).
 * A dumb buffer is shown from its granted pages (VGPUIF_SCANOUT_BACKING,
 * its pitch as the stride); any other resource, rendered by the GPU, from
 * the host resource.
 *
 * DOC: flip events
 * The event of a commit that flips is sent when the backend answers the
 * PAGE_FLIP: the response signals a fence whose callback sends it, from
 * the ring's interrupt. The atomic helpers wait for that event before
 * the next commit, so one flip at most is in flight, as the protocol
 * wants. A backend that never answers would hold the display: after
 * VGPU_FRONT_FLIP_TIMEOUT the event goes anyway. A lost backend fails
 * the flip, which sends the event too. Other commits send theirs at the
 * end of the commit. Every commit waits for its flip before it ends
 * (vgpu_front_commit_tail), so that a blocking one (SETCRTC, a blocking
 * atomic commit) returns with its frame shown, and a nonblocking flip
 * right after it is not refused as busy.
 *
 * DOC: reconnect
 * A new backend shows nothing and knows none of the old resources. Once
 * connected again, the current state is committed again: the dumb buffer
 * on the screen is created again on its pages (its pixels are the
 * guest's), and SET_SCANOUT sent. A GPU-rendered buffer died with the old
 * backend; the screen stays blank until a new one is shown.
 */

#include <linux/slab.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_damage_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_atomic_helper.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_print.h>
#include <drm/drm_vblank.h>

#include "xen_vgpu_front.h"

/*
 * The backend answers a flip at its next refresh (1/60 s), much later
 * when a long request holds it (a shader compile under emulation).
 */
#define VGPU_FRONT_FLIP_TIMEOUT	msecs_to_jiffies(3000)
/* More damage clips than this go as their bounding box. */
#define VGPU_FRONT_FLUSH_CLIPS	VGPU_FRONT_BATCH_MAX

static const u32 vgpu_front_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,
};

static struct vgpu_front_kms *to_kms(struct drm_device *drm)
{
	return &to_vgpu_front_drm(drm)->kms;
}

/* A flip's fence: the PAGE_FLIP response signals it. */
struct vgpu_front_flip {
	struct dma_fence base;	/* first: dma_fence_free() frees it */
	spinlock_t lock;
	struct dma_fence_cb cb;
	struct vgpu_front_kms *kms;
};

static const char *vgpu_front_flip_driver(struct dma_fence *fence)
{
	return "xen_vgpu";
}

static const char *vgpu_front_flip_timeline(struct dma_fence *fence)
{
	return "scanout";
}

static const struct dma_fence_ops vgpu_front_flip_ops = {
	.get_driver_name = vgpu_front_flip_driver,
	.get_timeline_name = vgpu_front_flip_timeline,
};

/*
 * Sends the event of flip seq, if it still waits (any context). True if
 * it did.
 */
static bool vgpu_front_flip_complete(struct vgpu_front_kms *kms, u64 seq)
{
	struct drm_device *drm = kms->crtc.dev;
	struct drm_pending_vblank_event *event = NULL;
	unsigned long flags;

	spin_lock_irqsave(&kms->flip_lock, flags);
	if (kms->flip_event && kms->flip_seq == seq) {
		event = kms->flip_event;
		kms->flip_event = NULL;
	}
	spin_unlock_irqrestore(&kms->flip_lock, flags);
	if (!event)
		return false;
	spin_lock_irqsave(&drm->event_lock, flags);
	drm_crtc_send_vblank_event(&kms->crtc, event);
	spin_unlock_irqrestore(&drm->event_lock, flags);
	return true;
}

static void vgpu_front_flip_done(struct dma_fence *fence,
				 struct dma_fence_cb *cb)
{
	struct vgpu_front_flip *flip = container_of(cb, struct vgpu_front_flip,
						    cb);

	/*
	 * A dropped frame (an error) ends the flip all the same; what the
	 * screen shows is then unknown, so the next commit sets it again.
	 */
	if (fence->error) {
		drm_dbg_kms(flip->kms->crtc.dev, "page flip: %d\n",
			    fence->error);
		WRITE_ONCE(flip->kms->shown_stale, true);
	}
	vgpu_front_flip_complete(flip->kms, fence->seqno);
}

static void vgpu_front_flip_timeout(struct timer_list *t)
{
	struct vgpu_front_kms *kms = from_timer(kms, t, flip_timer);

	/* The timer outlives answered flips: only an unanswered one counts. */
	if (vgpu_front_flip_complete(kms, READ_ONCE(kms->flip_seq)))
		drm_warn_once(kms->crtc.dev,
			      "the backend did not answer a flip in time\n");
}

/* An event that no flip will send goes now. */
static void vgpu_front_send_event(struct drm_crtc *crtc,
				  struct drm_crtc_state *crtc_state)
{
	unsigned long flags;

	if (!crtc_state->event)
		return;
	spin_lock_irqsave(&crtc->dev->event_lock, flags);
	drm_crtc_send_vblank_event(crtc, crtc_state->event);
	crtc_state->event = NULL;
	spin_unlock_irqrestore(&crtc->dev->event_lock, flags);
}

static int vgpu_front_scanout_call(struct vgpu_front *front, u8 op,
				   const struct vgpuif_scanout_req *s)
{
	struct vgpuif_req req = { .operation = op };

	req.op.scanout = *s;
	return vgpu_front_call(front, &req, NULL);
}

/*
 * Sends PAGE_FLIP for s, with crtc_state's event, which the response
 * sends. The connection is held. False: not sent (no memory), so the
 * caller shows the frame otherwise.
 */
static bool vgpu_front_flip(struct vgpu_front_kms *kms,
			    struct vgpu_front *front,
			    struct drm_crtc_state *crtc_state,
			    const struct vgpuif_scanout_req *s)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_PAGE_FLIP };
	struct vgpu_front_flip *flip;
	u64 old_seq = 0;
	bool stale;
	int ret;

	flip = kzalloc(sizeof(*flip), GFP_KERNEL);
	if (!flip)
		return false;
	spin_lock_init(&flip->lock);
	flip->kms = kms;
	dma_fence_init(&flip->base, &vgpu_front_flip_ops, &flip->lock,
		       kms->flip_context, ++kms->flip_last);
	/* Registered first: the response may come before we go on. */
	dma_fence_add_callback(&flip->base, &flip->cb, vgpu_front_flip_done);

	spin_lock_irq(&kms->flip_lock);
	stale = kms->flip_event;
	old_seq = kms->flip_seq;
	spin_unlock_irq(&kms->flip_lock);
	/* The helpers waited for it and gave up: end it before the next. */
	if (stale)
		vgpu_front_flip_complete(kms, old_seq);
	spin_lock_irq(&kms->flip_lock);
	kms->flip_event = crtc_state->event;
	crtc_state->event = NULL;
	WRITE_ONCE(kms->flip_seq, flip->base.seqno);
	spin_unlock_irq(&kms->flip_lock);
	mod_timer(&kms->flip_timer, jiffies + VGPU_FRONT_FLIP_TIMEOUT);

	req.op.scanout = *s;
	dma_fence_get(&flip->base);	/* the request's reference */
	ret = vgpu_front_send_signal(front, &req, &flip->base);
	if (ret) {
		/* Never sent: end it here, which sends the event. */
		dma_fence_put(&flip->base);
		dma_fence_set_error(&flip->base, ret);
		dma_fence_signal(&flip->base);
	}
	dma_fence_put(&flip->base);
	return true;
}

static void vgpu_front_flush_req(struct vgpuif_req *req, u32 res_id,
				 const struct drm_rect *clip)
{
	req->operation = VGPUIF_OP_RESOURCE_FLUSH;
	req->op.resource_flush = (struct vgpuif_resource_flush_req){
		.res_id = res_id,
		.x = clip->x1,
		.y = clip->y1,
		.width = drm_rect_width(clip),
		.height = drm_rect_height(clip),
	};
}

/* Flushes the damage of the plane's update, as at most a few clips. */
static void vgpu_front_flush(struct vgpu_front *front,
			     struct drm_plane_state *old_state,
			     struct drm_plane_state *new_state, u32 res_id)
{
	struct vgpuif_req reqs[VGPU_FRONT_FLUSH_CLIPS];
	int status[VGPU_FRONT_FLUSH_CLIPS];
	struct drm_atomic_helper_damage_iter iter;
	struct drm_rect clip;
	unsigned int n = 0, i;

	memset(reqs, 0, sizeof(reqs));
	drm_atomic_helper_damage_iter_init(&iter, old_state, new_state);
	drm_atomic_for_each_plane_damage(&iter, &clip) {
		if (n == VGPU_FRONT_FLUSH_CLIPS) {
			/* Too many: their bounding box instead. */
			n = drm_atomic_helper_damage_merged(old_state,
							    new_state, &clip);
			if (n)
				vgpu_front_flush_req(&reqs[0], res_id, &clip);
			break;
		}
		vgpu_front_flush_req(&reqs[n++], res_id, &clip);
	}
	if (!n)
		return;
	vgpu_front_call_batch(front, reqs, status, n);
	for (i = 0; i < n; i++)
		if (status[i])
			drm_dbg_kms(new_state->plane->dev,
				    "resource flush: %d\n", status[i]);
}

/* Blanks the screen if it shows something. The connection is held. */
static void vgpu_front_blank(struct vgpu_front_kms *kms,
			     struct vgpu_front *front, u32 epoch)
{
	struct vgpuif_scanout_req off = {};
	int ret;

	if (kms->shown.epoch == epoch && !kms->shown.req.res_id)
		return;
	ret = vgpu_front_scanout_call(front, VGPUIF_OP_SET_SCANOUT, &off);
	if (ret)
		drm_dbg_kms(kms->crtc.dev, "blank: %d\n", ret);
	kms->shown.epoch = epoch;
	kms->shown.req = off;
}

/* What the plane shows, as a scanout request. */
static void vgpu_front_plane_req(struct drm_plane_state *state,
				 struct vgpuif_scanout_req *s)
{
	struct drm_framebuffer *fb = state->fb;
	struct vgpu_front_bo *bo = to_vgpu_front_bo(fb->obj[0]);

	*s = (struct vgpuif_scanout_req){
		.res_id = bo->res_id,
		.x = state->src.x1 >> 16,
		.y = state->src.y1 >> 16,
		.width = drm_rect_width(&state->src) >> 16,
		.height = drm_rect_height(&state->src) >> 16,
	};
	if (bo->dumb) {
		s->scanout_flags = VGPUIF_SCANOUT_BACKING;
		s->offset = fb->offsets[0];
		s->stride = fb->pitches[0];
	}
}

static int vgpu_front_plane_check_bo(struct drm_plane_state *state)
{
	struct drm_framebuffer *fb = state->fb;
	struct vgpu_front_bo *bo = to_vgpu_front_bo(fb->obj[0]);
	const struct vgpuif_resource_create_3d_req *d = &bo->desc;
	struct vgpuif_scanout_req s;

	vgpu_front_plane_req(state, &s);
	if (!bo->dumb &&
	    ((d->target != VGPU_FRONT_PIPE_TEXTURE_2D &&
	      d->target != VGPU_FRONT_PIPE_TEXTURE_RECT) ||
	     (d->format != VGPU_FRONT_FORMAT_B8G8R8A8 &&
	      d->format != VGPU_FRONT_FORMAT_B8G8R8X8) ||
	     d->nr_samples > 1))
		return -EINVAL;
	if (bo->dumb && (s.offset % 4 || s.stride % 4 ||
			 s.stride < 4 * d->width))
		return -EINVAL;
	/* The rectangle lies in the resource (the backing: drm_gem_fb). */
	if (s.x + s.width > d->width || s.y + s.height > d->height)
		return -EINVAL;
	return 0;
}

static int vgpu_front_plane_atomic_check(struct drm_plane *plane,
					 struct drm_atomic_state *state)
{
	struct drm_plane_state *new_state =
		drm_atomic_get_new_plane_state(state, plane);
	struct drm_crtc_state *crtc_state = NULL;
	int ret;

	if (new_state->crtc)
		crtc_state = drm_atomic_get_crtc_state(state, new_state->crtc);
	if (IS_ERR(crtc_state))
		return PTR_ERR(crtc_state);
	ret = drm_atomic_helper_check_plane_state(new_state, crtc_state,
						  DRM_PLANE_NO_SCALING,
						  DRM_PLANE_NO_SCALING,
						  false, true);
	if (ret || !new_state->visible)
		return ret;
	return vgpu_front_plane_check_bo(new_state);
}

/*
 * Waits for the GPU work that renders into the framebuffer, and brings a
 * dumb buffer of a lost backend back on the new one.
 */
static int vgpu_front_plane_prepare_fb(struct drm_plane *plane,
				       struct drm_plane_state *state)
{
	struct vgpu_front *front = vgpu_front_from_drm(plane->dev);
	struct vgpu_front_bo *bo;
	u32 epoch;
	int ret;

	if (!state->fb)
		return 0;
	ret = drm_gem_plane_helper_prepare_fb(plane, state);
	if (ret)
		return ret;
	bo = to_vgpu_front_bo(state->fb->obj[0]);
	if (!bo->dumb || vgpu_front_enter(front, false, &epoch))
		return 0;
	if (bo->epoch != epoch) {
		ret = vgpu_front_gem_revive(front, bo, epoch);
		if (ret)
			drm_dbg_kms(plane->dev, "revive resource %u: %d\n",
				    bo->res_id, ret);
	}
	vgpu_front_leave(front);
	/* A dumb buffer that cannot come back is blanked, not refused. */
	return 0;
}

static void vgpu_front_plane_atomic_update(struct drm_plane *plane,
					   struct drm_atomic_state *state)
{
	struct drm_plane_state *old_state =
		drm_atomic_get_old_plane_state(state, plane);
	struct drm_plane_state *new_state =
		drm_atomic_get_new_plane_state(state, plane);
	struct vgpu_front *front = vgpu_front_from_drm(plane->dev);
	struct vgpu_front_kms *kms = to_kms(plane->dev);
	struct vgpuif_scanout_req *shown = &kms->shown.req;
	struct drm_crtc_state *crtc_state = NULL;
	struct vgpuif_scanout_req s;
	struct vgpu_front_bo *bo;
	u32 epoch;
	int ret;

	/* Disconnected: a reconnect commits this state again. */
	if (vgpu_front_enter(front, false, &epoch))
		return;
	if (new_state->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state,
							   new_state->crtc);
	if (!new_state->fb || !new_state->visible || !crtc_state ||
	    !crtc_state->active) {
		vgpu_front_blank(kms, front, epoch);
		goto out;
	}
	if (xchg(&kms->shown_stale, false))
		memset(shown, 0, sizeof(*shown));
	bo = to_vgpu_front_bo(new_state->fb->obj[0]);
	if (!bo->created || bo->epoch != epoch) {
		vgpu_front_blank(kms, front, epoch);
		goto out;
	}
	vgpu_front_plane_req(new_state, &s);
	if (kms->shown.epoch == epoch && shown->res_id &&
	    shown->width == s.width && shown->height == s.height) {
		if (!memcmp(shown, &s, sizeof(s))) {
			vgpu_front_flush(front, old_state, new_state,
					 s.res_id);
			goto out;
		}
		if (vgpu_front_flip(kms, front, crtc_state, &s)) {
			*shown = s;
			goto out;
		}
	}
	ret = vgpu_front_scanout_call(front, VGPUIF_OP_SET_SCANOUT, &s);
	if (ret)
		drm_dbg_kms(plane->dev, "set scanout: %d\n", ret);
	kms->shown.epoch = epoch;
	if (ret)
		memset(shown, 0, sizeof(*shown));	/* try again next time */
	else
		*shown = s;
out:
	vgpu_front_leave(front);
}

static void vgpu_front_plane_atomic_disable(struct drm_plane *plane,
					    struct drm_atomic_state *state)
{
	struct vgpu_front *front = vgpu_front_from_drm(plane->dev);
	u32 epoch;

	if (vgpu_front_enter(front, false, &epoch))
		return;
	vgpu_front_blank(to_kms(plane->dev), front, epoch);
	vgpu_front_leave(front);
}

static const struct drm_plane_helper_funcs vgpu_front_plane_helper_funcs = {
	.prepare_fb = vgpu_front_plane_prepare_fb,
	.atomic_check = vgpu_front_plane_atomic_check,
	.atomic_update = vgpu_front_plane_atomic_update,
	.atomic_disable = vgpu_front_plane_atomic_disable,
};

static const struct drm_plane_funcs vgpu_front_plane_funcs = {
	.update_plane = drm_atomic_helper_update_plane,
	.disable_plane = drm_atomic_helper_disable_plane,
	.destroy = drm_plane_cleanup,
	.reset = drm_atomic_helper_plane_reset,
	.atomic_duplicate_state = drm_atomic_helper_plane_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_plane_destroy_state,
};

static enum drm_mode_status
vgpu_front_crtc_mode_valid(struct drm_crtc *crtc,
			   const struct drm_display_mode *mode)
{
	if (mode->hdisplay > VGPUIF_SCANOUT_MAX_DIM ||
	    mode->vdisplay > VGPUIF_SCANOUT_MAX_DIM)
		return MODE_BAD;
	return MODE_OK;
}

static void vgpu_front_crtc_atomic_enable(struct drm_crtc *crtc,
					  struct drm_atomic_state *state)
{
	/* The plane update that follows shows the framebuffer. */
}

static void vgpu_front_crtc_atomic_disable(struct drm_crtc *crtc,
					   struct drm_atomic_state *state)
{
	struct vgpu_front *front = vgpu_front_from_drm(crtc->dev);
	u32 epoch;

	if (!vgpu_front_enter(front, false, &epoch)) {
		vgpu_front_blank(to_kms(crtc->dev), front, epoch);
		vgpu_front_leave(front);
	}
	vgpu_front_send_event(crtc, crtc->state);
}

/* The event of a commit that sent no flip goes now. */
static void vgpu_front_crtc_atomic_flush(struct drm_crtc *crtc,
					 struct drm_atomic_state *state)
{
	vgpu_front_send_event(crtc, crtc->state);
}

static const struct drm_crtc_helper_funcs vgpu_front_crtc_helper_funcs = {
	.mode_valid = vgpu_front_crtc_mode_valid,
	.atomic_enable = vgpu_front_crtc_atomic_enable,
	.atomic_disable = vgpu_front_crtc_atomic_disable,
	.atomic_flush = vgpu_front_crtc_atomic_flush,
};

static const struct drm_crtc_funcs vgpu_front_crtc_funcs = {
	.set_config = drm_atomic_helper_set_config,
	.page_flip = drm_atomic_helper_page_flip,
	.destroy = drm_crtc_cleanup,
	.reset = drm_atomic_helper_crtc_reset,
	.atomic_duplicate_state = drm_atomic_helper_crtc_duplicate_state,
	.atomic_destroy_state = drm_atomic_helper_crtc_destroy_state,
};

/*
 * drm_atomic_helper_wait_for_flip_done(), with the flip's own timeout
 * (the helper gives up after 1 s): the flip timer sends the event by
 * then.
 */
static void vgpu_front_wait_flips(struct drm_atomic_state *state)
{
	struct drm_crtc_state *crtc_state;
	struct drm_crtc_commit *commit;
	struct drm_crtc *crtc;
	int i;

	for_each_new_crtc_in_state(state, crtc, crtc_state, i) {
		commit = state->crtcs[i].commit;
		if (commit &&
		    !wait_for_completion_timeout(&commit->flip_done,
						 VGPU_FRONT_FLIP_TIMEOUT + HZ))
			drm_err(crtc->dev, "flip_done timed out\n");
	}
}

/* The default tail, but waiting for the flip, not for a vblank. */
static void vgpu_front_commit_tail(struct drm_atomic_state *old_state)
{
	struct drm_device *drm = old_state->dev;

	drm_atomic_helper_commit_modeset_disables(drm, old_state);
	drm_atomic_helper_commit_modeset_enables(drm, old_state);
	drm_atomic_helper_commit_planes(drm, old_state, 0);
	drm_atomic_helper_commit_hw_done(old_state);
	vgpu_front_wait_flips(old_state);
	drm_atomic_helper_cleanup_planes(drm, old_state);
}

static const struct drm_mode_config_helper_funcs vgpu_front_mode_helpers = {
	.atomic_commit_tail = vgpu_front_commit_tail,
};

static const struct drm_mode_config_funcs vgpu_front_mode_config_funcs = {
	.fb_create = drm_gem_fb_create_with_dirty,
	.atomic_check = drm_atomic_helper_check,
	.atomic_commit = drm_atomic_helper_commit,
};

/* Commits the current state again, for a new backend. */
static void vgpu_front_kms_restore(struct work_struct *work)
{
	struct vgpu_front_kms *kms = container_of(work, struct vgpu_front_kms,
						  restore_work);
	struct drm_device *drm = kms->crtc.dev;
	struct drm_modeset_acquire_ctx ctx;
	struct drm_atomic_state *state;
	int ret;

	DRM_MODESET_LOCK_ALL_BEGIN(drm, ctx, 0, ret);
	state = drm_atomic_helper_duplicate_state(drm, &ctx);
	if (IS_ERR(state)) {
		ret = PTR_ERR(state);
		goto out;
	}
	ret = drm_atomic_helper_commit_duplicated_state(state, &ctx);
	drm_atomic_state_put(state);
out:
	DRM_MODESET_LOCK_ALL_END(drm, ctx, ret);
	if (ret)
		drm_warn(drm, "cannot show the screen on the new backend: %d\n",
			 ret);
}

/* A new backend is connected: it shows nothing until told. */
void vgpu_front_kms_reconnected(struct vgpu_front *front)
{
	if (front->kms)
		schedule_work(&front->kms->restore_work);
}

static void vgpu_front_kms_release(struct drm_device *drm, void *data)
{
	struct vgpu_front_kms *kms = data;

	del_timer_sync(&kms->flip_timer);
}

int vgpu_front_kms_init(struct vgpu_front_drm *vd)
{
	struct vgpu_front_kms *kms = &vd->kms;
	struct drm_device *drm = &vd->drm;
	int ret;

	spin_lock_init(&kms->flip_lock);
	kms->flip_context = dma_fence_context_alloc(1);
	timer_setup(&kms->flip_timer, vgpu_front_flip_timeout, 0);
	INIT_WORK(&kms->restore_work, vgpu_front_kms_restore);
	ret = drmm_add_action(drm, vgpu_front_kms_release, kms);
	if (ret)
		return ret;

	ret = drmm_mode_config_init(drm);
	if (ret)
		return ret;
	drm->mode_config.min_width = 1;
	drm->mode_config.min_height = 1;
	drm->mode_config.max_width = VGPUIF_SCANOUT_MAX_DIM;
	drm->mode_config.max_height = VGPUIF_SCANOUT_MAX_DIM;
	drm->mode_config.preferred_depth = 24;
	drm->mode_config.funcs = &vgpu_front_mode_config_funcs;
	drm->mode_config.helper_private = &vgpu_front_mode_helpers;

	ret = drm_universal_plane_init(drm, &kms->plane, 1,
				       &vgpu_front_plane_funcs,
				       vgpu_front_formats,
				       ARRAY_SIZE(vgpu_front_formats), NULL,
				       DRM_PLANE_TYPE_PRIMARY, NULL);
	if (ret)
		return ret;
	drm_plane_helper_add(&kms->plane, &vgpu_front_plane_helper_funcs);
	drm_plane_enable_fb_damage_clips(&kms->plane);

	ret = drm_crtc_init_with_planes(drm, &kms->crtc, &kms->plane, NULL,
					&vgpu_front_crtc_funcs, NULL);
	if (ret)
		return ret;
	drm_crtc_helper_add(&kms->crtc, &vgpu_front_crtc_helper_funcs);

	ret = vgpu_front_conn_init(vd);
	if (ret)
		return ret;
	drm_mode_config_reset(drm);
	vd->has_kms = true;
	vd->front->kms = kms;
	return 0;
}

/* Before the device goes: no more resizes, no more restores. */
void vgpu_front_kms_fini(struct vgpu_front_drm *vd)
{
	vd->front->kms = NULL;
	vgpu_front_conn_fini(vd);
	cancel_work_sync(&vd->kms.restore_work);
}
