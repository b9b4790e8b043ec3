/* SPDX-License-Identifier: GPL-2.0 */
/* The device's resources as the backend counts them, to predict its answer. */
#include <string.h>

#include "vgpu_res_size.h"
#include "vtest_int.h"

/*
 * DOC: the device's account
 *
 * The backend refuses a RESOURCE_CREATE_3D past the device's vram (its
 * storage, from vgpu_res_host_size()), past max-resources, or an attach
 * past max-mapped-pages (vgpuif.h). vgpu-vtest serves every client of
 * its device, so it keeps the same account with the same function: each
 * resource is charged when its create is decided, and refunded once its
 * unref is in the ring, or when the device refused it. The ring is
 * processed in order, so the backend's account is never above ours.
 *
 * A create may go without waiting (vtest_async.c) only while the account,
 * this resource included, stays below each limit less a sixteenth of it,
 * and the bridge's own checks of the description pass. The margin covers
 * what we bound rather than count: a directory page mapped while it is
 * read, and an asynchronous create the device refused, which stays
 * charged until its unref. Near a limit every create waits
 * for its answer, so a refusal fails the create itself.
 *
 * A resource the account vouches for may be made on the device only
 * when first named (vtest_res.c), so the backend does not count it yet.
 * While any such resource is charged, a create that must wait goes to
 * the backend only if the account, all of them included, is within
 * every limit; otherwise the bridge refuses it itself, so that the
 * resources it vouched for are never the ones refused.
 */

/* Creates wait for their answer within limit >> MARGIN_SHIFT of a limit. */
#define MARGIN_SHIFT    4
/* Past this many levels every dimension is 1 (res_size.c bounds it too). */
#define MAX_LEVELS      32

void vtest_budget_init(struct vtest_budget *b,
		       const struct vgpufront_limits *lim, uint32_t cmd_pages)
{
	memset(b, 0, sizeof(*b));
	if (!lim) {
		return;
	}
	b->host_limit = (uint64_t)lim->max_mapped_pages * VGPUIF_PAGE_SIZE;
	b->page_limit = lim->max_mapped_pages;
	b->max_resources = lim->max_resources;
	/* The ring page and the command region, mapped for good. */
	b->pages = 1 + (uint64_t)cmd_pages;
}

static uint64_t below_margin(uint64_t limit)
{
	return limit - (limit >> MARGIN_SHIFT);
}

/*
 * What the renderer surely accepts, as far as a description tells. An
 * array size of 0 counts as 1, as Mesa sends it for buffers (one per
 * fence).
 */
static bool looks_valid(const struct vgpuif_resource_create_3d_req *c)
{
	uint32_t largest = c->width;

	if (!vgpu_res_format_known(c->format) || !c->width || !c->height ||
	    !c->depth || c->last_level >= MAX_LEVELS) {
		return false;
	}
	if (c->height > largest) {
		largest = c->height;
	}
	if (c->depth > largest) {
		largest = c->depth;
	}
	return largest >> c->last_level != 0;
}

/* Room for the resources charged so far; the caller holds dev->lock. */
static bool room_left(const struct vtest_budget *b)
{
	/* An attach also maps one directory page while reading it. */
	return b->max_resources &&
	       b->resources <= below_margin(b->max_resources) &&
	       b->host_bytes <= below_margin(b->host_limit) &&
	       b->pages + 1 <= below_margin(b->page_limit);
}

bool vtest_budget_charge(struct vtest_dev *dev,
			 const struct vgpuif_resource_create_3d_req *c,
			 uint32_t pages, struct vtest_charge *ch)
{
	struct vtest_budget *b = &dev->budget;
	bool sure = true;
	bool room;

	memset(ch, 0, sizeof(*ch));
	/*
	 * The backend refuses a size that overflows or exceeds the whole
	 * budget; it is not charged, so that sums stay far from 2^64.
	 */
	if (vgpu_res_host_size(c, &ch->bytes) || ch->bytes > b->host_limit) {
		ch->bytes = 0;
		sure = false;
	}
	ch->pages = pages;
	ch->counted = true;
	pthread_mutex_lock(&dev->lock);
	b->host_bytes += ch->bytes;
	b->pages += pages;
	b->resources++;
	room = room_left(b);
	pthread_mutex_unlock(&dev->lock);
	return sure && room && looks_valid(c);
}

void vtest_budget_set_pages(struct vtest_dev *dev, struct vtest_charge *ch,
			    uint32_t pages)
{
	if (!ch->counted) {
		return;
	}
	pthread_mutex_lock(&dev->lock);
	dev->budget.pages = dev->budget.pages - ch->pages + pages;
	pthread_mutex_unlock(&dev->lock);
	ch->pages = pages;
}

void vtest_budget_refund(struct vtest_dev *dev, struct vtest_charge *ch)
{
	if (!ch->counted) {
		return;
	}
	pthread_mutex_lock(&dev->lock);
	dev->budget.host_bytes -= ch->bytes;
	dev->budget.pages -= ch->pages;
	dev->budget.resources--;
	dev->budget.deferred -= ch->deferred;
	pthread_mutex_unlock(&dev->lock);
	memset(ch, 0, sizeof(*ch));
}

static void set_deferred(struct vtest_dev *dev, struct vtest_charge *ch,
			 bool deferred)
{
	if (!ch->counted || ch->deferred == deferred) {
		return;
	}
	pthread_mutex_lock(&dev->lock);
	dev->budget.deferred += deferred ? 1 : -1;
	pthread_mutex_unlock(&dev->lock);
	ch->deferred = deferred;
}

void vtest_budget_defer(struct vtest_dev *dev, struct vtest_charge *ch)
{
	set_deferred(dev, ch, true);
}

void vtest_budget_made(struct vtest_dev *dev, struct vtest_charge *ch)
{
	set_deferred(dev, ch, false);
}

bool vtest_budget_backend_may_decide(struct vtest_dev *dev)
{
	const struct vtest_budget *b = &dev->budget;
	bool ok;

	pthread_mutex_lock(&dev->lock);
	ok = !b->deferred || (b->resources <= b->max_resources &&
			      b->host_bytes <= b->host_limit &&
			      b->pages + 1 <= b->page_limit);
	pthread_mutex_unlock(&dev->lock);
	return ok;
}
