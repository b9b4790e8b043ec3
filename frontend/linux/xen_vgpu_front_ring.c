// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: the request ring and its event channel.
 *
 * Every request takes a slot; the slot's index is the request id modulo
 * the ring size, and the rest of the id counts slot reuses, so that a
 * late response for a failed request matches nothing. A caller either
 * waits on the slot's completion or hands the slot a fence, which the
 * response signals from the interrupt handler.
 */

#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xenbus.h>

#include "xen_vgpu_front.h"

static void vgpu_front_slot_finish(struct vgpu_front *front,
				   struct vgpu_front_slot *slot,
				   const struct vgpuif_resp *resp)
{
	slot->resp = *resp;
	slot->done = true;
	if (slot->cmd_ticket >= 0) {
		vgpu_front_cmd_release(front, slot->cmd_ticket);
		slot->cmd_ticket = -1;
	}
	if (slot->fence) {
		if (resp->status)
			dma_fence_set_error(slot->fence, resp->status);
		dma_fence_signal(slot->fence);
		dma_fence_put(slot->fence);
		slot->fence = NULL;
	}
	if (slot->detached)
		slot->busy = false;
	else
		complete(&slot->completion);
}

/* A status outside the errno range is the backend's bug: call it EIO. */
static int vgpu_front_status(s32 status)
{
	return status > 0 || status < -MAX_ERRNO ? -EIO : status;
}

static void vgpu_front_take_response(struct vgpu_front *front,
				     struct vgpuif_resp *resp)
{
	struct vgpu_front_slot *slot = &front->slots[resp->id %
						     VGPUIF_RING_SIZE];

	if (!slot->busy || slot->done || slot->id != resp->id) {
		dev_warn_ratelimited(&front->xb_dev->dev,
				     "response with unknown id %u\n", resp->id);
		return;
	}
	resp->status = vgpu_front_status(resp->status);
	vgpu_front_slot_finish(front, slot, resp);
}

/* Called with front->lock held. */
static void vgpu_front_consume(struct vgpu_front *front)
{
	struct vgpuif_front_ring *ring = &front->ring;
	struct vgpuif_resp resp;
	RING_IDX prod, i;
	int more;

	do {
		prod = READ_ONCE(ring->sring->rsp_prod);
		virt_rmb(); /* read responses only once rsp_prod is seen */
		/* More responses than requests: a broken backend. */
		if (prod - ring->rsp_cons >
		    ring->req_prod_pvt - ring->rsp_cons) {
			dev_err_ratelimited(&front->xb_dev->dev,
					    "rsp_prod out of range\n");
			return;
		}
		for (i = ring->rsp_cons; i != prod; i++) {
			memcpy(&resp, RING_GET_RESPONSE(ring, i), sizeof(resp));
			vgpu_front_take_response(front, &resp);
		}
		ring->rsp_cons = prod;
		RING_FINAL_CHECK_FOR_RESPONSES(ring, more);
	} while (more);
}

static irqreturn_t vgpu_front_irq(int irq, void *dev_id)
{
	struct vgpu_front *front = dev_id;
	unsigned long flags;

	spin_lock_irqsave(&front->lock, flags);
	if (front->ring.sring)
		vgpu_front_consume(front);
	spin_unlock_irqrestore(&front->lock, flags);
	wake_up_all(&front->wq);
	return IRQ_HANDLED;
}

int vgpu_front_ring_setup(struct vgpu_front *front)
{
	struct xenbus_device *xb_dev = front->xb_dev;
	struct vgpuif_sring *sring;
	int ret;

	ret = xenbus_setup_ring(xb_dev, GFP_KERNEL, (void **)&sring, 1,
				&front->ring_ref);
	if (ret)
		return ret;
	atomic_inc(&vgpu_front_grants);
	SHARED_RING_INIT(sring);
	ret = xenbus_alloc_evtchn(xb_dev, &front->evtchn);
	if (ret)
		goto fail_ring;
	ret = bind_evtchn_to_irqhandler(front->evtchn, vgpu_front_irq, 0,
					xb_dev->devicetype, front);
	if (ret < 0)
		goto fail_evtchn;
	front->irq = ret;
	spin_lock_irq(&front->lock);
	FRONT_RING_INIT(&front->ring, sring, XEN_PAGE_SIZE);
	spin_unlock_irq(&front->lock);
	return 0;

fail_evtchn:
	xenbus_free_evtchn(xb_dev, front->evtchn);
	front->evtchn = 0;
fail_ring:
	xenbus_teardown_ring((void **)&sring, 1, &front->ring_ref);
	atomic_dec(&vgpu_front_grants);
	return ret;
}

/* Users are gone (conn_sem write-held) and every slot has failed. */
void vgpu_front_ring_teardown(struct vgpu_front *front)
{
	void *sring = front->ring.sring;

	if (front->irq > 0)
		unbind_from_irqhandler(front->irq, front); /* closes the port */
	front->irq = 0;
	front->evtchn = 0;
	spin_lock_irq(&front->lock);
	front->ring.sring = NULL;
	spin_unlock_irq(&front->lock);
	if (sring) {
		xenbus_teardown_ring(&sring, 1, &front->ring_ref);
		atomic_dec(&vgpu_front_grants);
	}
}

/*
 * The backend has gone: every request in flight fails with status, as if
 * it had answered so, and everyone waiting looks at the device again.
 */
void vgpu_front_fail_all(struct vgpu_front *front, int status)
{
	struct vgpuif_resp resp = { .status = status };
	struct vgpu_front_slot *slot;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&front->lock, flags);
	front->connected = false;
	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		slot = &front->slots[i];
		if (!slot->busy || slot->done)
			continue;
		resp.id = slot->id;
		vgpu_front_slot_finish(front, slot, &resp);
	}
	spin_unlock_irqrestore(&front->lock, flags);
	wake_up_all(&front->wq);
}

/*
 * Holds the connection for one sequence of requests: returns 0 with
 * conn_sem read-held and the device connected, and the connection's
 * epoch. While it is held the device can be lost but not reconnected, so
 * a request that is sent at all is sent in that epoch.
 */
int vgpu_front_enter(struct vgpu_front *front, bool wait, u32 *epoch)
{
	bool connected, removed;
	long left;

	for (;;) {
		if (down_read_killable(&front->conn_sem))
			return -EINTR;
		spin_lock_irq(&front->lock);
		connected = front->connected;
		removed = front->removed;
		*epoch = front->epoch;
		spin_unlock_irq(&front->lock);
		if (connected)
			return 0;
		up_read(&front->conn_sem);
		if (removed)
			return -ENODEV;
		if (!wait)
			return -EIO;
		left = wait_event_killable_timeout(front->wq,
				READ_ONCE(front->connected) ||
				READ_ONCE(front->removed),
				VGPU_FRONT_CONNECT_TIMEOUT);
		if (left < 0)
			return left;
		if (!left)
			return -EIO;
	}
}

void vgpu_front_leave(struct vgpu_front *front)
{
	up_read(&front->conn_sem);
}

/* Free slots, as far as the ring has room for their requests too. */
static unsigned int vgpu_front_free_slots(struct vgpu_front *front)
{
	unsigned int i, n = 0;

	for (i = 0; i < VGPUIF_RING_SIZE; i++)
		if (!front->slots[i].busy)
			n++;
	return min_t(unsigned int, n, RING_FREE_REQUESTS(&front->ring));
}

static bool vgpu_front_can_send(struct vgpu_front *front, unsigned int count)
{
	bool ret;

	spin_lock_irq(&front->lock);
	ret = !front->connected || vgpu_front_free_slots(front) >= count;
	spin_unlock_irq(&front->lock);
	return ret;
}

/* Called with front->lock held and a free slot. */
static struct vgpu_front_slot *vgpu_front_put_req(struct vgpu_front *front,
						  struct vgpuif_req *req,
						  struct dma_fence *fence,
						  int cmd_ticket)
{
	struct vgpu_front_slot *slot = front->slots;
	unsigned int i = 0;

	while (slot[i].busy)
		i++;
	slot = &slot[i];
	slot->id = ++front->generation * VGPUIF_RING_SIZE + i;
	slot->op = req->operation;
	slot->sent = jiffies;
	slot->busy = true;
	slot->done = false;
	slot->detached = fence != NULL;
	slot->cmd_ticket = cmd_ticket;
	slot->fence = fence;
	reinit_completion(&slot->completion);
	req->id = slot->id;
	memcpy(RING_GET_REQUEST(&front->ring, front->ring.req_prod_pvt), req,
	       sizeof(*req));
	front->ring.req_prod_pvt++;
	return slot;
}

/*
 * Puts count requests on the ring at once, waiting for as many free slots
 * (all or none, so that batches cannot starve each other of slots). A
 * fence and command region go with a single request: its response
 * releases them.
 */
static int vgpu_front_push(struct vgpu_front *front, struct vgpuif_req *reqs,
			   unsigned int count, struct dma_fence *fence,
			   int cmd_ticket, struct vgpu_front_slot **slots)
{
	unsigned int i;
	int notify, ret;

	for (;;) {
		spin_lock_irq(&front->lock);
		if (!front->connected) {
			spin_unlock_irq(&front->lock);
			return -EIO;
		}
		if (vgpu_front_free_slots(front) >= count)
			break;
		spin_unlock_irq(&front->lock);
		ret = wait_event_killable(front->wq,
					  vgpu_front_can_send(front, count));
		if (ret)
			return ret;
	}
	for (i = 0; i < count; i++)
		slots[i] = vgpu_front_put_req(front, &reqs[i], fence,
					      cmd_ticket);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front->ring, notify);
	spin_unlock_irq(&front->lock);
	if (notify)
		notify_remote_via_irq(front->irq);
	return 0;
}

/*
 * Waits for the response in slot. A fatal signal stops the wait; the slot
 * then stays busy until the response comes, so its id is not reused
 * under the backend.
 */
static int vgpu_front_wait_slot(struct vgpu_front *front,
				struct vgpu_front_slot *slot,
				struct vgpuif_resp *resp)
{
	int ret;

	ret = wait_for_completion_killable(&slot->completion);
	spin_lock_irq(&front->lock);
	if (ret && !slot->done) {
		slot->detached = true;
	} else {
		ret = slot->resp.status;
		if (resp)
			*resp = slot->resp;
		slot->busy = false;
	}
	spin_unlock_irq(&front->lock);
	wake_up_all(&front->wq);
	return ret;
}

/* Sends req and waits for its response. */
int vgpu_front_call(struct vgpu_front *front, struct vgpuif_req *req,
		    struct vgpuif_resp *resp)
{
	struct vgpu_front_slot *slot;
	int ret;

	ret = vgpu_front_push(front, req, 1, NULL, -1, &slot);
	return ret ?: vgpu_front_wait_slot(front, slot, resp);
}

/*
 * Sends count requests (at most VGPU_FRONT_BATCH_MAX) back to back, then
 * waits for them all: one round trip, not count. The backend takes
 * requests in ring order, so each may rely on those before it. status[i]
 * is each one's status; if they could not be sent, all get that error.
 */
void vgpu_front_call_batch(struct vgpu_front *front, struct vgpuif_req *reqs,
			   int *status, unsigned int count)
{
	struct vgpu_front_slot *slots[VGPU_FRONT_BATCH_MAX];
	unsigned int i;
	int ret;

	ret = count > VGPU_FRONT_BATCH_MAX ? -E2BIG :
	      vgpu_front_push(front, reqs, count, NULL, -1, slots);
	for (i = 0; i < count; i++)
		status[i] = ret ?: vgpu_front_wait_slot(front, slots[i], NULL);
}

/*
 * Sends req without waiting: its response signals fence (with the error,
 * if it failed) and releases the command region reservation cmd_ticket
 * (-1: none). The slot takes over the caller's fence reference; on
 * failure the caller keeps both.
 */
int vgpu_front_send_fenced(struct vgpu_front *front, struct vgpuif_req *req,
			   struct dma_fence *fence, int cmd_ticket)
{
	struct vgpu_front_slot *slot;

	req->flags |= VGPUIF_FLAG_FENCE;
	req->fence_id = fence->seqno;
	return vgpu_front_push(front, req, 1, fence, cmd_ticket, &slot);
}

/*
 * DOC: ring state in debugfs
 * dri/N/xen_vgpu_ring shows the connection, both ends' ring indices and
 * event thresholds, the command region and every busy slot with its age:
 * when a process waits too long, it tells a request the backend has not
 * answered (rsp_prod behind) from an answer the guest has not taken
 * (rsp_prod ahead of rsp_cons), and who waits for which.
 */
void vgpu_front_ring_show(struct vgpu_front *front, struct seq_file *m)
{
	struct vgpuif_front_ring *ring = &front->ring;
	struct vgpu_front_slot *slot;
	unsigned int i;

	spin_lock_irq(&front->lock);
	seq_printf(m, "connected %d removed %d epoch %u\n", front->connected,
		   front->removed, front->epoch);
	if (ring->sring)
		seq_printf(m, "ring req_prod_pvt %u rsp_cons %u req_prod %u "
			   "rsp_prod %u req_event %u rsp_event %u\n",
			   ring->req_prod_pvt, ring->rsp_cons,
			   ring->sring->req_prod, ring->sring->rsp_prod,
			   ring->sring->req_event, ring->sring->rsp_event);
	seq_printf(m, "cmd used %u of %u, %u reservations\n", front->cmd.used,
		   front->cmd.size, front->cmd.count);
	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		slot = &front->slots[i];
		if (!slot->busy)
			continue;
		seq_printf(m, "slot %2u id %u op %u %s%s%s age %u ms\n", i,
			   slot->id, slot->op, slot->fence ? "fenced " : "",
			   slot->done ? "answered " : "",
			   slot->detached ? "detached " : "",
			   jiffies_to_msecs(jiffies - slot->sent));
	}
	spin_unlock_irq(&front->lock);
}

/*
 * Sends req, which waits for no GPU work (no VGPUIF_FLAG_FENCE), without
 * waiting: its response signals fence, as above. A page flip, whose
 * response comes once the frame is shown.
 */
int vgpu_front_send_signal(struct vgpu_front *front, struct vgpuif_req *req,
			   struct dma_fence *fence)
{
	struct vgpu_front_slot *slot;

	return vgpu_front_push(front, req, 1, fence, -1, &slot);
}
