/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending requests and matching responses. Any number of threads may wait;
 * one of them at a time reads the ring for all and wakes the others.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "front.h"
#include "vgpu_util.h"

void front_wake(struct vgpufront *dev)
{
	int ret;

	pthread_cond_broadcast(&dev->cond);
	ret = dev->polling ? vgpu_eventfd_signal(dev->wake_fd) : 0;
	if (ret) {
		vgpu_warn("cannot wake the polling thread: %s", strerror(-ret));
	}
}

static void take_response(struct vgpufront *dev, const struct vgpuif_resp *resp)
{
	struct slot *s = &dev->slots[resp->id % VGPUIF_RING_SIZE];

	if (!s->busy || s->done || s->id != resp->id) {
		vgpu_warn("response with unknown id %u", resp->id);
		return;
	}
	s->resp = *resp;
	s->done = true;
	if (s->has_cmd) {
		front_cmd_release(dev, s->cmd_offset);
		s->has_cmd = false;
	}
	if (s->detached) {
		if (resp->status) {
			vgpu_warn("request %u (op %u) failed: %d", resp->id,
				  resp->operation, resp->status);
		}
		s->busy = false;
	}
}

/* Takes every response on the ring; returns whether there was any. */
static bool consume_responses(struct vgpufront *dev)
{
	vgpuif_front_ring_t *ring = &dev->ring;
	struct vgpuif_resp resp;
	RING_IDX prod, i;
	bool any = false;

	while (RING_HAS_UNCONSUMED_RESPONSES(ring)) {
		prod = ring->sring->rsp_prod;
		xen_rmb(); /* read responses only after seeing rsp_prod */
		if (prod - ring->rsp_cons > ring->nr_ents) {
			vgpu_err("backend moved rsp_prod out of range");
			dev->lost = true;
			return true;
		}
		for (i = ring->rsp_cons; i != prod; i++) {
			memcpy(&resp, RING_GET_RESPONSE(ring, i), sizeof(resp));
			take_response(dev, &resp);
		}
		ring->rsp_cons = prod;
		any = true;
	}
	return any;
}

static bool responses_pending(struct vgpufront *dev)
{
	/* The backend writes rsp_prod behind the compiler's back. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return RING_HAS_UNCONSUMED_RESPONSES(&dev->ring);
}

/*
 * Spins for as long as the spin window says, then sleeps on the event
 * channel, and teaches the window how long this wait took. Lock not
 * held; only the polling waiter touches the window.
 */
static int await_responses(struct vgpufront *dev)
{
	struct vgpufront_transport *t = dev->t;
	uint64_t start = vgpu_now_ns(), now = start;
	struct pollfd fds[3] = {
		{ .fd = vgpufront_transport_event_fd(t), .events = POLLIN },
		{ .fd = dev->wake_fd, .events = POLLIN },
		{ .fd = vgpufront_transport_control_fd(t),
		  .events = t->control_events },
	};
	int more, ret;

	while (now - start < dev->spin.cur_ns) {
		if (responses_pending(dev)) {
			vgpu_spin_window_learn(&dev->spin, now - start);
			return 0;
		}
		vgpu_spin_pause(now - start);
		now = vgpu_now_ns();
	}
	RING_FINAL_CHECK_FOR_RESPONSES(&dev->ring, more);
	if (more) {
		vgpu_spin_window_learn(&dev->spin, vgpu_now_ns() - start);
		return 0;
	}
	if (poll(fds, 3, -1) < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	vgpu_spin_window_learn(&dev->spin, vgpu_now_ns() - start);
	if (fds[0].revents & POLLIN) {
		vgpufront_transport_ack_event(t);
	}
	ret = fds[1].revents & POLLIN ? vgpu_eventfd_drain(dev->wake_fd) : 0;
	if (ret) {
		vgpu_warn("cannot read the wake eventfd: %s", strerror(-ret));
	}
	if (fds[2].revents) {
		return vgpufront_transport_alive(t);
	}
	return 0;
}

static void mark_lost(struct vgpufront *dev)
{
	if (!dev->lost) {
		vgpu_err("device lost: the backend has gone");
	}
	dev->lost = true;
}

/* Wakes the backend for the requests pushed without waking it. */
static void pay_kick(struct vgpufront *dev)
{
	if (dev->kick_owed) {
		dev->kick_owed = false;
		vgpufront_transport_notify(dev->t);
	}
}

int front_wait_until(struct vgpufront *dev, front_cond_fn cond,
		     const void *arg)
{
	int ret;

	while (!cond(dev, arg)) {
		if (dev->lost) {
			return -ENODEV;
		}
		/* What we wait for may hang on a request it has not seen. */
		pay_kick(dev);
		if (dev->polling) {
			pthread_cond_wait(&dev->cond, &dev->lock);
			continue;
		}
		dev->polling = true;
		pthread_mutex_unlock(&dev->lock);
		ret = await_responses(dev);
		pthread_mutex_lock(&dev->lock);
		/* Before taking responses, whose wake-ups would poke us. */
		dev->polling = false;
		consume_responses(dev);
		if (ret) {
			mark_lost(dev);
		}
		pthread_cond_broadcast(&dev->cond);
	}
	return 0;
}

static bool can_send(struct vgpufront *dev, const void *arg)
{
	uint32_t i;

	(void)arg;
	if (RING_FULL(&dev->ring)) {
		return false;
	}
	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		if (!dev->slots[i].busy) {
			return true;
		}
	}
	return false;
}

static struct slot *claim_slot(struct vgpufront *dev)
{
	struct slot *s;
	uint32_t i;

	for (i = 0; i < VGPUIF_RING_SIZE; i++) {
		s = &dev->slots[i];
		if (s->busy) {
			continue;
		}
		memset(s, 0, sizeof(*s));
		s->busy = true;
		s->id = ++dev->generation * VGPUIF_RING_SIZE + i;
		return s;
	}
	return NULL;
}

int front_send(struct vgpufront *dev, struct vgpuif_req *req,
	       const struct vgpufront_cmd *cmd, bool detached, bool lazy)
{
	struct slot *s;
	int notify, ret;

	ret = front_wait_until(dev, can_send, NULL);
	if (ret) {
		return ret;
	}
	s = claim_slot(dev);
	s->detached = detached;
	s->has_cmd = cmd != NULL;
	s->cmd_offset = cmd ? cmd->offset : 0;
	req->id = s->id;
	memcpy(RING_GET_REQUEST(&dev->ring, dev->ring.req_prod_pvt), req,
	       sizeof(*req));
	dev->ring.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&dev->ring, notify);
	/*
	 * A later push does not see that this one crossed req_event, so
	 * the kick a lazy push skips is owed until someone pays it.
	 */
	dev->kick_owed |= notify;
	if (!lazy) {
		pay_kick(dev);
	}
	return 0;
}

int vgpufront_send(struct vgpufront *dev, struct vgpuif_req *req)
{
	int ret;

	pthread_mutex_lock(&dev->lock);
	ret = front_send(dev, req, NULL, false, false);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

int vgpufront_send_lazy(struct vgpufront *dev, struct vgpuif_req *req)
{
	int ret;

	pthread_mutex_lock(&dev->lock);
	ret = front_send(dev, req, NULL, false, true);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

static bool slot_done(struct vgpufront *dev, const void *arg)
{
	(void)dev;
	return ((const struct slot *)arg)->done;
}

/* The slot of request id, if it is sent and nobody gave it up. */
static struct slot *waitable_slot(struct vgpufront *dev, uint32_t id)
{
	struct slot *s = &dev->slots[id % VGPUIF_RING_SIZE];

	return s->busy && !s->detached && s->id == id ? s : NULL;
}

int vgpufront_wait(struct vgpufront *dev, uint32_t id,
		   struct vgpuif_resp *resp)
{
	struct slot *s;
	int ret;

	pthread_mutex_lock(&dev->lock);
	s = waitable_slot(dev, id);
	if (!s) {
		pthread_mutex_unlock(&dev->lock);
		return -EINVAL;
	}
	ret = front_wait_until(dev, slot_done, s);
	if (!ret) {
		ret = s->resp.status;
		if (resp) {
			*resp = s->resp;
		}
	}
	s->busy = false;
	front_wake(dev);
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

bool vgpufront_done(struct vgpufront *dev, uint32_t id)
{
	struct slot *s;
	bool done;

	pthread_mutex_lock(&dev->lock);
	/* Reading the ring needs no sleep; whoever it answers is woken. */
	if (consume_responses(dev)) {
		front_wake(dev);
	}
	s = waitable_slot(dev, id);
	done = dev->lost || !s || s->done;
	pthread_mutex_unlock(&dev->lock);
	return done;
}

void vgpufront_forget(struct vgpufront *dev, uint32_t id)
{
	struct slot *s;

	pthread_mutex_lock(&dev->lock);
	s = waitable_slot(dev, id);
	if (s && s->done) {
		s->busy = false;
		front_wake(dev);
	} else if (s) {
		s->detached = true;
	}
	pthread_mutex_unlock(&dev->lock);
}

int vgpufront_call(struct vgpufront *dev, struct vgpuif_req *req,
		   struct vgpuif_resp *resp)
{
	int ret = vgpufront_send(dev, req);

	return ret ? ret : vgpufront_wait(dev, req->id, resp);
}
