/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A frontend with no safety catch, for the hostile tests. See
 * raw_front.h. On loopback only the setup messages go through
 * common/lbwire.c; on Xen, grants, events and the handshake go through
 * libvgpufront's transport. All the rest is plain writes to shared
 * memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "raw_front.h"
#include "vgpu_util.h"

/* Longest sleep between two looks at the ring: kicks may be suppressed. */
#define WAIT_SLICE_MS 10

int raw_front_dial(struct raw_front *rf, const char *path,
		   uint32_t first_gref)
{
	int fds[2], nfds, len;
	uint32_t type;

	memset(rf, 0, sizeof(*rf));
	rf->ring.fd = rf->cmd.fd = rf->cmd_dir.fd = -1;
	rf->next_gref = first_gref;
	rf->kick_out = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rf->kick_in = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rf->sock = vgpu_lb_dial(path);
	if (rf->sock < 0 || rf->kick_out < 0 || rf->kick_in < 0) {
		return rf->sock < 0 ? rf->sock : -EMFILE;
	}
	len = vgpu_lb_recv(rf->sock, &type, rf->back_nodes,
			   sizeof(rf->back_nodes), fds, &nfds);
	while (len >= 0 && nfds) {
		close(fds[--nfds]);
	}
	if (len < 0) {
		return len;
	}
	return type == VGPU_LB_HELLO ? 0 : -EPROTO;
}

void raw_front_attach(struct raw_front *rf, struct vgpufront_transport *t)
{
	memset(rf, 0, sizeof(*rf));
	rf->ring.fd = rf->cmd.fd = rf->cmd_dir.fd = -1;
	rf->sock = rf->kick_out = rf->kick_in = -1;
	rf->t = t;
}

int raw_front_request(struct raw_front *rf, uint32_t type,
		      const void *payload, uint32_t len, const int *fds,
		      int nfds)
{
	char reply[VGPU_LB_MAX_PAYLOAD + 1];
	struct vgpu_lb_reply status;
	int got[2], ngot, ret;
	uint32_t got_type;

	ret = vgpu_lb_send(rf->sock, type, payload, len, fds, nfds);
	if (ret) {
		return ret;
	}
	ret = vgpu_lb_recv(rf->sock, &got_type, reply, sizeof(reply), got,
			   &ngot);
	while (ret >= 0 && ngot) {
		close(got[--ngot]);
	}
	if (ret < 0) {
		return ret;
	}
	if (got_type != VGPU_LB_REPLY || (size_t)ret < sizeof(status)) {
		return -EPROTO;
	}
	memcpy(&status, reply, sizeof(status));
	return status.status;
}

int raw_front_share_fd(struct raw_front *rf, int fd, uint32_t first_gref,
		       uint32_t num_pages, bool readonly)
{
	struct vgpu_lb_share msg = { .first_gref = first_gref,
				     .num_pages = num_pages,
				     .readonly = readonly };

	return raw_front_request(rf, VGPU_LB_SHARE, &msg, sizeof(msg), &fd,
				 1);
}

int raw_memfd(uint32_t num_pages, bool sealed)
{
	int fd = memfd_create("raw-front", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int ret;

	if (fd < 0) {
		return -errno;
	}
	if (ftruncate(fd, (off_t)num_pages * VGPUIF_PAGE_SIZE) ||
	    (sealed && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int share_by_transport(struct raw_front *rf, uint32_t num_pages,
			      bool readonly, struct raw_share *s)
{
	int ret = rf->t->impl->share(rf->t, num_pages, readonly, &s->xs);

	s->fd = -1;
	if (ret) {
		return ret;
	}
	s->t = rf->t;
	s->addr = s->xs.addr;
	s->first_gref = s->xs.grefs[0];
	s->num_pages = num_pages;
	s->readonly = readonly;
	return 0;
}

int raw_front_share(struct raw_front *rf, uint32_t num_pages, bool readonly,
		    struct raw_share *s)
{
	size_t size = (size_t)num_pages * VGPUIF_PAGE_SIZE;
	int ret;

	memset(s, 0, sizeof(*s));
	if (rf->t) {
		return share_by_transport(rf, num_pages, readonly, s);
	}
	s->fd = raw_memfd(num_pages, true);
	if (s->fd < 0) {
		return s->fd;
	}
	s->addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		       0);
	if (s->addr == MAP_FAILED) {
		ret = -errno;
		close(s->fd);
		memset(s, 0, sizeof(*s));
		s->fd = -1;
		return ret;
	}
	s->first_gref = rf->next_gref;
	s->num_pages = num_pages;
	s->readonly = readonly;
	rf->next_gref += num_pages;
	return raw_front_share_fd(rf, s->fd, s->first_gref, num_pages,
				  readonly);
}

int raw_front_unshare(struct raw_front *rf, struct raw_share *s)
{
	struct vgpu_lb_share msg = { .first_gref = s->first_gref,
				     .num_pages = s->num_pages };

	if (s->t) {
		raw_share_free(s);
		return 0;
	}
	return raw_front_request(rf, VGPU_LB_UNSHARE, &msg, sizeof(msg), NULL,
				 0);
}

void raw_share_free(struct raw_share *s)
{
	if (!s->addr) {
		return;
	}
	if (s->t) {
		s->t->impl->unshare(s->t, &s->xs);
		memset(s, 0, sizeof(*s));
		s->fd = -1;
		return;
	}
	munmap(s->addr, (size_t)s->num_pages * VGPUIF_PAGE_SIZE);
	if (s->fd >= 0) {
		close(s->fd);
	}
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

void *raw_share_page(const struct raw_share *s, uint32_t i)
{
	return s->addr + (size_t)i * VGPUIF_PAGE_SIZE;
}

grant_ref_t raw_share_gref(const struct raw_share *s, uint32_t i)
{
	return s->t ? s->xs.grefs[i] : s->first_gref + i;
}

void raw_dir_fill(const struct raw_share *dir, const struct raw_share *data)
{
	struct vgpuif_gref_directory *d;
	uint32_t n;

	for (n = 0; n < data->num_pages; n++) {
		d = raw_share_page(dir, n / VGPUIF_GREFS_PER_DIR_PAGE);
		d->gref[n % VGPUIF_GREFS_PER_DIR_PAGE] =
			raw_share_gref(data, n);
	}
	for (n = 0; n < dir->num_pages; n++) {
		d = raw_share_page(dir, n);
		d->gref_dir_next_page = n + 1 < dir->num_pages ?
					raw_share_gref(dir, n + 1) : 0;
	}
}

int raw_front_connect_nodes(struct raw_front *rf, const char *nodes)
{
	int fds[2] = { rf->kick_out, rf->kick_in };

	if (rf->t) {
		return rf->t->impl->connect(rf->t, nodes);
	}
	return raw_front_request(rf, VGPU_LB_CONNECT, nodes, strlen(nodes),
				 fds, 2);
}

/* The ring, the command region and its directory, offered as grants. */
static int share_all(struct raw_front *rf, uint32_t cmd_pages)
{
	uint32_t dir_pages = VGPU_DIV_ROUND_UP(cmd_pages,
					       VGPUIF_GREFS_PER_DIR_PAGE);
	int ret;

	ret = raw_front_share(rf, 1, false, &rf->ring);
	if (!ret) {
		ret = raw_front_share(rf, cmd_pages, true, &rf->cmd);
	}
	if (!ret) {
		ret = raw_front_share(rf, dir_pages, true, &rf->cmd_dir);
	}
	if (ret) {
		return ret;
	}
	raw_dir_fill(&rf->cmd_dir, &rf->cmd);
	rf->sring = (struct vgpuif_sring *)rf->ring.addr;
	SHARED_RING_INIT(rf->sring);
	return 0;
}

int raw_front_connect(struct raw_front *rf, uint32_t cmd_pages)
{
	char nodes[256];
	int ret;

	ret = share_all(rf, cmd_pages);
	if (ret) {
		return ret;
	}
	snprintf(nodes, sizeof(nodes),
		 "protocol-version=%d\nring-ref=%u\ncmd-dir-ref=%u\n"
		 "cmd-pages=%u\n", VGPUIF_PROTOCOL_VERSION,
		 raw_share_gref(&rf->ring, 0), raw_share_gref(&rf->cmd_dir, 0),
		 cmd_pages);
	return raw_front_connect_nodes(rf, nodes);
}

int raw_front_open(struct raw_front *rf, const char *path,
		   uint32_t first_gref, uint32_t cmd_pages)
{
	int ret = raw_front_dial(rf, path, first_gref);

	return ret ? ret : raw_front_connect(rf, cmd_pages);
}

void raw_front_close(struct raw_front *rf)
{
	raw_share_free(&rf->ring);
	raw_share_free(&rf->cmd);
	raw_share_free(&rf->cmd_dir);
	if (rf->t) {
		rf->t->impl->destroy(rf->t);
	}
	if (rf->sock >= 0) {
		close(rf->sock);
	}
	if (rf->kick_out >= 0) {
		close(rf->kick_out);
	}
	if (rf->kick_in >= 0) {
		close(rf->kick_in);
	}
	memset(rf, 0, sizeof(*rf));
	rf->sock = rf->kick_out = rf->kick_in = -1;
}

struct vgpuif_req *raw_front_slot(struct raw_front *rf, RING_IDX i)
{
	return &rf->sring->ring[i & (VGPUIF_RING_SIZE - 1)].req;
}

uint32_t raw_front_queue(struct raw_front *rf, const struct vgpuif_req *req)
{
	struct vgpuif_req *slot = raw_front_slot(rf, rf->req_prod++);

	memcpy(slot, req, sizeof(*slot));
	slot->id = ++rf->next_id;
	return slot->id;
}

static void kick(struct raw_front *rf)
{
	uint64_t one = 1;

	if (rf->t) {
		rf->t->impl->notify(rf->t);
		return;
	}
	/* A full eventfd counter still wakes the backend: ignore EAGAIN. */
	if (write(rf->kick_out, &one, sizeof(one)) < 0) {
		return;
	}
}

void raw_front_set_req_prod(struct raw_front *rf, RING_IDX prod)
{
	xen_wmb(); /* the slots before the index, as ring.h does */
	__atomic_store_n(&rf->sring->req_prod, prod, __ATOMIC_RELAXED);
	kick(rf);
}

void raw_front_publish(struct raw_front *rf)
{
	raw_front_set_req_prod(rf, rf->req_prod);
}

uint32_t raw_front_pending(struct raw_front *rf)
{
	return __atomic_load_n(&rf->sring->rsp_prod, __ATOMIC_ACQUIRE) -
	       rf->rsp_cons;
}

/* Copies the next response out if there is one. */
static bool take_response(struct raw_front *rf, struct vgpuif_resp *resp)
{
	if (!raw_front_pending(rf)) {
		/* Ask for a kick with the next one, then look once more. */
		rf->sring->rsp_event = rf->rsp_cons + 1;
		xen_mb();
		if (!raw_front_pending(rf)) {
			return false;
		}
	}
	memcpy(resp, &rf->sring->ring[rf->rsp_cons &
				      (VGPUIF_RING_SIZE - 1)].rsp,
	       sizeof(*resp));
	rf->rsp_cons++;
	return true;
}

bool raw_front_gone(struct raw_front *rf)
{
	char byte;

	if (rf->t) {
		return rf->t->impl->alive(rf->t) != 0;
	}
	/* Nothing but EOF is expected on the socket once connected. */
	return recv(rf->sock, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Sleeps until a kick, a hang-up or up to WAIT_SLICE_MS. */
static void wait_slice(struct raw_front *rf)
{
	struct pollfd fds[2] = {
		{ .fd = rf->kick_in, .events = POLLIN },
		{ .fd = rf->sock, .events = POLLIN },
	};
	uint64_t count;

	if (rf->t) {
		fds[0].fd = rf->t->impl->event_fd(rf->t);
		fds[1].fd = rf->t->impl->control_fd(rf->t);
	}
	if (poll(fds, 2, WAIT_SLICE_MS) <= 0 || !fds[0].revents) {
		return;
	}
	if (rf->t) {
		rf->t->impl->ack_event(rf->t);
		return;
	}
	/* Clears the kick; the eventfd is non-blocking. */
	if (read(rf->kick_in, &count, sizeof(count)) < 0) {
		return;
	}
}

int raw_front_wait(struct raw_front *rf, struct vgpuif_resp *resp,
		   int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		if (take_response(rf, resp)) {
			return 0;
		}
		/* Answers written before the hang-up are still read above. */
		if (raw_front_gone(rf)) {
			return take_response(rf, resp) ? 0 : -ENODEV;
		}
		if (now_ms() >= end) {
			return -ETIMEDOUT;
		}
		wait_slice(rf);
	}
}

int raw_front_call(struct raw_front *rf, struct vgpuif_req *req,
		   struct vgpuif_resp *resp, int timeout_ms)
{
	req->id = raw_front_queue(rf, req);
	raw_front_publish(rf);
	return raw_front_wait(rf, resp, timeout_ms);
}

int raw_front_wait_gone(struct raw_front *rf, int timeout_ms)
{
	long end = now_ms() + timeout_ms;

	while (!raw_front_gone(rf)) {
		if (now_ms() >= end) {
			return -ETIMEDOUT;
		}
		wait_slice(rf);
	}
	return 0;
}
