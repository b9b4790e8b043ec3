/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback transport, backend side: memfd pages stand in for grants,
 * eventfds for the event channel, the setup socket for xenstore.
 * See include/vgpu_loopback.h for the messages.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "back_transport.h"
#include "vgpu_util.h"

/* A frontend cannot make the backend hold more fds than this. */
#define LB_MAX_SHARES 16384

struct lb_share {
	uint32_t first_gref;
	uint32_t num_pages;
	bool readonly;
	int fd;
};

struct lb_back {
	struct vgpuback_transport base;
	int sock;
	int kick_in;    /* frontend -> backend */
	int kick_out;   /* backend -> frontend */
	char front_nodes[VGPU_LB_MAX_PAYLOAD + 1];
	/* Sorted by first_gref; the frontend hands grefs out in order. */
	struct lb_share *shares;
	uint32_t nshares;
};

static const struct vgpuback_transport_impl lb_impl;

bool vgpuback_transport_is_loopback(const struct vgpuback_transport *t)
{
	return t->impl == &lb_impl;
}

static struct lb_back *to_lb(struct vgpuback_transport *t)
{
	assert(vgpuback_transport_is_loopback(t));
	return (struct lb_back *)t;
}

static struct lb_share *find_share(struct lb_back *lb, uint32_t gref)
{
	uint32_t lo = 0, hi = lb->nshares;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		struct lb_share *s = &lb->shares[mid];

		if (gref < s->first_gref) {
			hi = mid;
		} else if (gref - s->first_gref >= s->num_pages) {
			lo = mid + 1;
		} else {
			return s;
		}
	}
	return NULL;
}

/*
 * A grant cannot vanish while it is mapped; a memfd can, by shrinking,
 * and one shorter than the pages it offers has some missing from the
 * start. The backend's next access to such a page is SIGBUS, so a share
 * must be a memfd sealed against shrinking that holds all its pages.
 * Only calls the worker's seccomp filter allows are used (no fstat): the
 * last page is faulted in, which fails where an access would SIGBUS.
 */
static int check_backed(int fd, uint32_t num_pages)
{
	int seals = fcntl(fd, F_GET_SEALS);
	void *last;
	int ret;

	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		return -EINVAL;
	}
	last = mmap(NULL, VGPUIF_PAGE_SIZE, PROT_READ, MAP_SHARED, fd,
		    (off_t)(num_pages - 1) * VGPUIF_PAGE_SIZE);
	if (last == MAP_FAILED) {
		return -EINVAL;
	}
	ret = madvise(last, VGPUIF_PAGE_SIZE, MADV_POPULATE_READ) ? -errno : 0;
	munmap(last, VGPUIF_PAGE_SIZE);
	/*
	 * EFAULT stands for the SIGBUS an access would get. Other errors
	 * (EINVAL: a kernel before 5.14) cannot tell; the seal still holds.
	 */
	return ret == -EFAULT ? -EINVAL : 0;
}

static int add_share(struct lb_back *lb, const struct vgpu_lb_share *msg,
		     int fd)
{
	struct lb_share *last = lb->nshares ? &lb->shares[lb->nshares - 1]
					    : NULL;
	struct lb_share *shares;
	int ret;

	if (!msg->num_pages || msg->reserved ||
	    msg->first_gref + (uint64_t)msg->num_pages > UINT32_MAX) {
		return -EINVAL;
	}
	if (last && msg->first_gref < last->first_gref + last->num_pages) {
		return -EINVAL;
	}
	if (lb->nshares == LB_MAX_SHARES) {
		return -ENOSPC;
	}
	ret = check_backed(fd, msg->num_pages);
	if (ret) {
		return ret;
	}
	shares = realloc(lb->shares, sizeof(*shares) * (lb->nshares + 1));
	if (!shares) {
		return -ENOMEM;
	}
	lb->shares = shares;
	shares[lb->nshares++] = (struct lb_share){
		.first_gref = msg->first_gref,
		.num_pages = msg->num_pages,
		.readonly = msg->readonly != 0,
		.fd = fd,
	};
	return 0;
}

static int remove_share(struct lb_back *lb, const struct vgpu_lb_share *msg)
{
	struct lb_share *s = find_share(lb, msg->first_gref);
	size_t index;

	if (!s || s->first_gref != msg->first_gref ||
	    s->num_pages != msg->num_pages) {
		return -ENOENT;
	}
	close(s->fd);
	index = (size_t)(s - lb->shares);
	memmove(s, s + 1, sizeof(*s) * (lb->nshares - index - 1));
	lb->nshares--;
	return 0;
}

static int handle_share(struct lb_back *lb, uint32_t type, const char *payload,
			int len, int *fds, int nfds)
{
	struct vgpu_lb_share msg;
	int ret = -EINVAL;

	if ((size_t)len != sizeof(msg) ||
	    nfds != (type == VGPU_LB_SHARE ? 1 : 0)) {
		goto out;
	}
	memcpy(&msg, payload, sizeof(msg));
	if (type == VGPU_LB_SHARE) {
		ret = add_share(lb, &msg, fds[0]);
	} else {
		ret = remove_share(lb, &msg);
	}
	if (!ret) {
		nfds = 0;       /* the fd now belongs to the share table */
out:
	while (nfds) {
		close(fds[--nfds]);
	}
	}
	if (ret) {
		vgpu_warn("loopback: refused %s: %s",
			  type == VGPU_LB_SHARE ? "share" : "unshare",
			  strerror(-ret));
	}
	return vgpu_lb_reply(lb->sock, ret, NULL);
}

/*
 * Reads one setup message. SHARE/UNSHARE are handled here; CONNECT is
 * returned to the caller. Returns the message type or a negative errno.
 */
static int lb_recv_one(struct lb_back *lb, char *payload, int *fds, int *nfds)
{
	uint32_t type;
	int len, ret;

	len = vgpu_lb_recv(lb->sock, &type, payload, VGPU_LB_MAX_PAYLOAD + 1,
			   fds, nfds);
	if (len < 0) {
		return len;
	}
	switch (type) {
	case VGPU_LB_SHARE:
	case VGPU_LB_UNSHARE:
		ret = handle_share(lb, type, payload, len, fds, *nfds);
		*nfds = 0;
		return ret ? ret : (int)type;
	case VGPU_LB_CONNECT:
		return (int)type;
	default:
		while (*nfds) {
			close(fds[--*nfds]);
		}
		vgpu_warn("loopback: unexpected message type %u", type);
		return -EPROTO;
	}
}

static int lb_publish(struct vgpuback_transport *t, const char *nodes)
{
	return vgpu_lb_send(to_lb(t)->sock, VGPU_LB_HELLO, nodes,
			    strlen(nodes), NULL, 0);
}

/* The optional "domid" node: who this frontend says it is. */
static int read_domid(struct lb_back *lb)
{
	char value[16];

	if (vgpu_kv_get(lb->front_nodes, "domid", value, sizeof(value))) {
		return 0;
	}
	if (vgpu_parse_u32(value, 1, VGPU_LB_MAX_DOMID, &lb->base.domid)) {
		vgpu_lb_reply(lb->sock, -EINVAL, "domid: not 1 to 32751");
		return -EPROTO;
	}
	return 0;
}

/* Why a kick is refused: at most this long, with its fd and direction. */
#define KICK_WHY_MAX    128

/*
 * The worker polls kick_in and writes kick_out for as long as the guest
 * is connected, so anything but an eventfd can stop it there: a pipe
 * that hangs up reads as ready forever (a spin), one that fills blocks
 * write(), a file is always readable. /proc names an eventfd's inode
 * "anon_inode:[eventfd]"; it is read here, before the sandbox refuses
 * readlink. Then the kick is made non-blocking: the flag is on the file
 * both ends share, so a frontend that passed it blocking cannot make a
 * full counter hang the worker.
 */
static int check_kick(int fd, const char *name, char *why)
{
	char path[64], target[32];
	ssize_t n;
	int flags;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		snprintf(why, KICK_WHY_MAX, "%s: cannot tell what it is: %s",
			 name, strerror(errno));
		return -EINVAL;
	}
	target[n] = '\0';
	if (strcmp(target, "anon_inode:[eventfd]")) {
		snprintf(why, KICK_WHY_MAX, "%s is not an eventfd", name);
		return -EINVAL;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		snprintf(why, KICK_WHY_MAX, "%s: cannot make it non-blocking: "
			 "%s", name, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

/*
 * A semaphore eventfd reads 1 at a time: a count the frontend sets once
 * would wake the worker that many times. Add 2 and read: any other
 * eventfd hands the whole count back. (1 also comes back when the
 * frontend reads in between; that refuses only itself.)
 */
static int check_not_semaphore(int fd, char *why)
{
	uint64_t two = 2, got = 0;

	if (write(fd, &two, sizeof(two)) != sizeof(two) ||
	    read(fd, &got, sizeof(got)) != sizeof(got) || got < 2) {
		snprintf(why, KICK_WHY_MAX, "the frontend's kick is a "
			 "semaphore eventfd (EFD_SEMAPHORE)");
		return -EINVAL;
	}
	return 0;
}

/* Takes the two kicks of CONNECT, or refuses them saying why. */
static int take_kicks(struct lb_back *lb, int *fds)
{
	char why[KICK_WHY_MAX];
	int ret;

	ret = check_kick(fds[0], "the frontend's kick (fd 1 of CONNECT)",
			 why);
	if (!ret) {
		ret = check_kick(fds[1], "the backend's kick (fd 2 of "
				 "CONNECT)", why);
	}
	if (!ret) {
		ret = check_not_semaphore(fds[0], why);
	}
	if (ret) {
		close(fds[0]);
		close(fds[1]);
		vgpu_warn("loopback: refusing CONNECT: %s", why);
		vgpu_lb_reply(lb->sock, ret, why);
		return -EPROTO;
	}
	lb->kick_in = fds[0];
	lb->kick_out = fds[1];
	return 0;
}

static int lb_wait_front(struct vgpuback_transport *t)
{
	struct lb_back *lb = to_lb(t);
	int fds[2], nfds, ret = 0;

	while (!ret) {
		ret = lb_recv_one(lb, lb->front_nodes, fds, &nfds);
		if (ret != VGPU_LB_CONNECT) {
			ret = ret < 0 ? ret : 0;
			continue;
		}
		if (nfds != 2) {
			while (nfds) {
				close(fds[--nfds]);
			}
			vgpu_lb_reply(lb->sock, -EINVAL,
				      "CONNECT needs two eventfds");
			return -EPROTO;
		}
		ret = take_kicks(lb, fds);
		return ret ? ret : read_domid(lb);
	}
	return ret;
}

static int lb_read_front(struct vgpuback_transport *t, const char *key,
			 char *buf, size_t len)
{
	return vgpu_kv_get(to_lb(t)->front_nodes, key, buf, len);
}

static int lb_connected(struct vgpuback_transport *t, int status,
			const char *message)
{
	return vgpu_lb_reply(to_lb(t)->sock, status, message);
}

/* Maps the run of grefs [i, end) that lie in one share, at its place. */
static int map_run(struct lb_share *s, const grant_ref_t *grefs, uint32_t i,
		   uint32_t end, char *base, int prot)
{
	off_t offset = (off_t)(grefs[i] - s->first_gref) * VGPUIF_PAGE_SIZE;
	void *at = base + (size_t)i * VGPUIF_PAGE_SIZE;
	void *got;

	got = mmap(at, (size_t)(end - i) * VGPUIF_PAGE_SIZE, prot,
		   MAP_SHARED | MAP_FIXED, s->fd, offset);
	return got == MAP_FAILED ? -errno : 0;
}

/* End of the run that starts at i: consecutive grefs in the same share. */
static uint32_t run_end(struct lb_share *s, const grant_ref_t *grefs,
			uint32_t i, uint32_t count)
{
	uint32_t end = i + 1;

	while (end < count && grefs[end] == grefs[end - 1] + 1 &&
	       grefs[end] - s->first_gref < s->num_pages) {
		end++;
	}
	return end;
}

static void *lb_map(struct vgpuback_transport *t, const grant_ref_t *grefs,
		    uint32_t count, bool writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	struct lb_back *lb = to_lb(t);
	uint32_t i, end;
	struct lb_share *s;
	char *base;
	int ret = -EFAULT;

	if (!count) {
		goto fail;
	}
	/* Reserve the whole range first so the runs land side by side. */
	base = mmap(NULL, (size_t)count * VGPUIF_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	for (i = 0; i < count; i = end) {
		s = find_share(lb, grefs[i]);
		if (!s || (writable && s->readonly)) {
			goto fail_unmap;
		}
		end = run_end(s, grefs, i, count);
		ret = map_run(s, grefs, i, end, base, prot);
		if (ret) {
			goto fail_unmap;
		}
	}
	return base;

fail_unmap:
	munmap(base, (size_t)count * VGPUIF_PAGE_SIZE);
fail:
	errno = ret == -EFAULT || !ret ? EFAULT : -ret;
	return NULL;
}

static void lb_unmap(struct vgpuback_transport *t, void *addr, uint32_t count)
{
	(void)t;
	if (addr) {
		munmap(addr, (size_t)count * VGPUIF_PAGE_SIZE);
	}
}

static int lb_notify(struct vgpuback_transport *t)
{
	return vgpu_eventfd_signal(to_lb(t)->kick_out);
}

static int lb_event_fd(struct vgpuback_transport *t)
{
	return to_lb(t)->kick_in;
}

static void lb_ack_event(struct vgpuback_transport *t)
{
	vgpu_eventfd_drain(to_lb(t)->kick_in);
}

static int lb_control_fd(struct vgpuback_transport *t)
{
	return to_lb(t)->sock;
}

static int lb_control(struct vgpuback_transport *t)
{
	char payload[VGPU_LB_MAX_PAYLOAD + 1];
	int fds[2], nfds, ret;

	ret = lb_recv_one(to_lb(t), payload, fds, &nfds);
	if (ret == VGPU_LB_CONNECT) {
		while (nfds) {
			close(fds[--nfds]);
		}
		vgpu_warn("loopback: CONNECT while connected");
		return -EPROTO;
	}
	return ret < 0 ? ret : 0;
}

static void lb_destroy(struct vgpuback_transport *t)
{
	struct lb_back *lb = to_lb(t);
	uint32_t i;

	for (i = 0; i < lb->nshares; i++) {
		close(lb->shares[i].fd);
	}
	free(lb->shares);
	if (lb->kick_in >= 0) {
		close(lb->kick_in);
	}
	if (lb->kick_out >= 0) {
		close(lb->kick_out);
	}
	close(lb->sock);
	free(lb);
}

static const struct vgpuback_transport_impl lb_impl = {
	.name = "loopback",
	.publish = lb_publish,
	.wait_front = lb_wait_front,
	.read_front = lb_read_front,
	.connected = lb_connected,
	.map = lb_map,
	.unmap = lb_unmap,
	.notify = lb_notify,
	.event_fd = lb_event_fd,
	.ack_event = lb_ack_event,
	.control_fd = lb_control_fd,
	.control = lb_control,
	.destroy = lb_destroy,
};

/* Each share holds an fd; let a worker hold as many as it allows shares. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max) {
		return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

struct vgpuback_transport *vgpuback_loopback_create(int conn_fd)
{
	struct lb_back *lb = calloc(1, sizeof(*lb));

	if (!lb) {
		close(conn_fd);
		return NULL;
	}
	raise_fd_limit();
	lb->base.impl = &lb_impl;
	lb->sock = conn_fd;
	lb->kick_in = -1;
	lb->kick_out = -1;
	return &lb->base;
}
