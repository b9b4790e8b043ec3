/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback transport, frontend side: shares memfd pages and eventfds with
 * a backend on the same host. See include/vgpu_loopback.h.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "front_transport.h"
#include "vgpu_util.h"

struct lb_front {
	struct vgpufront_transport base;
	int sock;
	int kick_out;   /* frontend -> backend */
	int kick_in;    /* backend -> frontend */
	char back_nodes[VGPU_LB_MAX_PAYLOAD + 1];
	/* Serialises setup requests and their replies on the socket. */
	pthread_mutex_t lock;
	uint32_t next_gref;
	uint32_t domid;         /* the domain we say we are; 0: none */
};

static const struct vgpufront_transport_impl lb_impl;

bool vgpufront_transport_is_loopback(const struct vgpufront_transport *t)
{
	return t->impl == &lb_impl;
}

static struct lb_front *to_lb(struct vgpufront_transport *t)
{
	assert(vgpufront_transport_is_loopback(t));
	return (struct lb_front *)t;
}

/* Sends one setup request and waits for its REPLY; logs a refusal. */
static int lb_request(struct lb_front *lb, uint32_t type, const void *payload,
		      uint32_t len, const int *fds, int nfds)
{
	char reply[VGPU_LB_MAX_PAYLOAD + 1];
	struct vgpu_lb_reply status;
	int got_fds[2], ngot, ret;
	uint32_t got_type;

	ret = vgpu_lb_send(lb->sock, type, payload, len, fds, nfds);
	if (ret) {
		return ret;
	}
	ret = vgpu_lb_recv(lb->sock, &got_type, reply, sizeof(reply),
			   got_fds, &ngot);
	while (ret >= 0 && ngot) {
		close(got_fds[--ngot]);
	}
	if (ret < 0) {
		return ret;
	}
	if (got_type != VGPU_LB_REPLY || (size_t)ret < sizeof(status)) {
		return -EPROTO;
	}
	memcpy(&status, reply, sizeof(status));
	if (status.status && (size_t)ret > sizeof(status)) {
		vgpu_err("backend refused: %s", reply + sizeof(status));
	}
	return status.status > 0 ? -EPROTO : status.status;
}

static int lb_read_back(struct vgpufront_transport *t, const char *key,
			char *buf, size_t len)
{
	return vgpu_kv_get(to_lb(t)->back_nodes, key, buf, len);
}

/*
 * The backend takes only memfds sealed against shrinking: a grant cannot
 * vanish under its mapping, and neither may these pages.
 */
static int make_memfd(uint32_t num_pages, void **addr)
{
	size_t size = (size_t)num_pages * VGPUIF_PAGE_SIZE;
	int fd, ret;

	fd = memfd_create("vgpu-share", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		return -errno;
	}
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		goto fail;
	}
	*addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*addr == MAP_FAILED) {
		goto fail;
	}
	return fd;

fail:
	ret = -errno;
	close(fd);
	return ret;
}

static int lb_share(struct vgpufront_transport *t, uint32_t num_pages,
		    bool readonly, struct vgpufront_share *share)
{
	struct lb_front *lb = to_lb(t);
	struct vgpu_lb_share msg = { .num_pages = num_pages,
				     .readonly = readonly };
	uint32_t i;
	int ret;

	share->grefs = calloc(num_pages, sizeof(*share->grefs));
	if (!share->grefs) {
		return -ENOMEM;
	}
	ret = make_memfd(num_pages, &share->addr);
	if (ret < 0) {
		goto fail_grefs;
	}
	share->fd = ret;
	share->num_pages = num_pages;
	pthread_mutex_lock(&lb->lock);
	msg.first_gref = lb->next_gref;
	ret = lb_request(lb, VGPU_LB_SHARE, &msg, sizeof(msg), &share->fd, 1);
	if (!ret) {
		lb->next_gref += num_pages;
	}
	pthread_mutex_unlock(&lb->lock);
	if (ret) {
		goto fail_map;
	}
	for (i = 0; i < num_pages; i++) {
		share->grefs[i] = msg.first_gref + i;
	}
	return 0;

fail_map:
	munmap(share->addr, (size_t)num_pages * VGPUIF_PAGE_SIZE);
	close(share->fd);
fail_grefs:
	free(share->grefs);
	return ret;
}

static void lb_unshare(struct vgpufront_transport *t,
		       struct vgpufront_share *share)
{
	struct lb_front *lb = to_lb(t);
	struct vgpu_lb_share msg = { .first_gref = share->grefs[0],
				     .num_pages = share->num_pages };

	pthread_mutex_lock(&lb->lock);
	/* A backend that is gone has nothing left to unshare. */
	lb_request(lb, VGPU_LB_UNSHARE, &msg, sizeof(msg), NULL, 0);
	pthread_mutex_unlock(&lb->lock);
	munmap(share->addr, (size_t)share->num_pages * VGPUIF_PAGE_SIZE);
	close(share->fd);
	free(share->grefs);
}

static int lb_connect(struct vgpufront_transport *t, const char *nodes)
{
	struct lb_front *lb = to_lb(t);
	int fds[2] = { lb->kick_out, lb->kick_in };
	char all[VGPU_LB_MAX_PAYLOAD];
	int ret;

	snprintf(all, sizeof(all), "%s", nodes);
	if (lb->domid) {
		ret = vgpu_kv_add(all, sizeof(all), "domid", "%u", lb->domid);
		if (ret) {
			return ret;
		}
	}
	pthread_mutex_lock(&lb->lock);
	ret = lb_request(lb, VGPU_LB_CONNECT, all, strlen(all), fds, 2);
	pthread_mutex_unlock(&lb->lock);
	return ret;
}

static int lb_notify(struct vgpufront_transport *t)
{
	return vgpu_eventfd_signal(to_lb(t)->kick_out);
}

static int lb_event_fd(struct vgpufront_transport *t)
{
	return to_lb(t)->kick_in;
}

static void lb_ack_event(struct vgpufront_transport *t)
{
	vgpu_eventfd_drain(to_lb(t)->kick_in);
}

static int lb_control_fd(struct vgpufront_transport *t)
{
	return to_lb(t)->sock;
}

/* Only a hang-up wakes the poll loop: replies belong to lb_request(). */
static int lb_alive(struct vgpufront_transport *t)
{
	struct pollfd pfd = { .fd = to_lb(t)->sock };

	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR))) {
		return -ENODEV;
	}
	return 0;
}

static void lb_destroy(struct vgpufront_transport *t)
{
	struct lb_front *lb = to_lb(t);

	if (lb->kick_in >= 0) {
		close(lb->kick_in);
	}
	if (lb->kick_out >= 0) {
		close(lb->kick_out);
	}
	if (lb->sock >= 0) {
		close(lb->sock);
	}
	pthread_mutex_destroy(&lb->lock);
	free(lb);
}

static const struct vgpufront_transport_impl lb_impl = {
	.name = "loopback",
	.read_back = lb_read_back,
	.share = lb_share,
	.unshare = lb_unshare,
	.connect = lb_connect,
	.notify = lb_notify,
	.event_fd = lb_event_fd,
	.ack_event = lb_ack_event,
	.control_fd = lb_control_fd,
	.alive = lb_alive,
	.destroy = lb_destroy,
};

/* The backend speaks first: its nodes, as xenstore would hold them. */
static int read_hello(struct lb_front *lb)
{
	int fds[2], nfds, len;
	uint32_t type;

	len = vgpu_lb_recv(lb->sock, &type, lb->back_nodes,
			   sizeof(lb->back_nodes), fds, &nfds);
	if (len < 0) {
		return len;
	}
	while (nfds) {
		close(fds[--nfds]);
	}
	return type == VGPU_LB_HELLO ? 0 : -EPROTO;
}

struct vgpufront_transport *vgpufront_loopback_create(const char *path,
						     uint32_t domid)
{
	struct lb_front *lb = calloc(1, sizeof(*lb));
	int ret = -ENOMEM;

	if (!lb) {
		goto fail;
	}
	pthread_mutex_init(&lb->lock, NULL);
	lb->base.impl = &lb_impl;
	lb->next_gref = 1;      /* 0 ends a gref directory chain */
	lb->domid = domid;
	lb->kick_out = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	lb->kick_in = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	lb->sock = vgpu_lb_dial(path);
	if (lb->kick_out < 0 || lb->kick_in < 0) {
		ret = -errno;
		goto fail_destroy;
	}
	ret = lb->sock;
	if (ret < 0) {
		goto fail_destroy;
	}
	ret = read_hello(lb);
	if (ret) {
		goto fail_destroy;
	}
	return &lb->base;

fail_destroy:
	lb_destroy(&lb->base);
fail:
	errno = -ret;
	return NULL;
}
