/* SPDX-License-Identifier: GPL-2.0 */
/* vgpu-vtest's listening socket, one thread per client, clean shutdown. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "vgpu_util.h"
#include "vgpufront.h"
#include "vtest.h"

/* How long shutdown waits for client threads to finish their teardown. */
#define SHUTDOWN_WAIT_S 5

/*
 * Small commands come in bursts (a frame's unrefs, then its submit's
 * header), so reads shorter than this take whatever has arrived in one
 * recv. Longer ones, a submit's words or a transfer's data, go straight
 * to where they are wanted; at most this many of their bytes were read
 * ahead and are copied.
 */
#define READ_AHEAD 256

struct sock_client {
	struct vtest_io io;             /* first: the io hooks get this */
	int fd;
	uint8_t ahead[READ_AHEAD];      /* received, not yet read */
	size_t ahead_pos, ahead_len;
	unsigned int serial;
	struct vtest_server *srv;
	struct sock_client *next;
};

struct vtest_server {
	struct vtest_dev_params params;
	uint64_t bytes_copied;          /* under lock */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int signal_fd;

	pthread_mutex_t lock;
	pthread_cond_t gone;
	/* Taken alone: opening the device may take seconds under Xen. */
	pthread_mutex_t dev_lock;
	struct shared_dev *cur;         /* the device new clients get */
	struct sock_client *clients;
	unsigned int nr_clients;
	unsigned int next_serial;
};

/* recv, retried on EINTR; the end of the stream is -EPIPE. */
static ssize_t sock_recv(struct sock_client *sc, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = recv(sc->fd, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		return -EPIPE;
	}
	if (n < 0) {
		return errno == ECONNRESET ? -EPIPE : -errno;
	}
	return n;
}

/* Takes up to len bytes from what was read ahead; returns how many. */
static size_t take_ahead(struct sock_client *sc, void *buf, size_t len)
{
	size_t n = sc->ahead_len - sc->ahead_pos;

	n = n < len ? n : len;
	memcpy(buf, sc->ahead + sc->ahead_pos, n);
	sc->ahead_pos += n;
	return n;
}

static int sock_read(struct vtest_io *io, void *buf, size_t len)
{
	struct sock_client *sc = (struct sock_client *)io;
	size_t done = take_ahead(sc, buf, len);
	ssize_t n;

	while (done < len) {
		if (len - done >= READ_AHEAD) {
			n = sock_recv(sc, (char *)buf + done, len - done);
			if (n < 0) {
				return n;
			}
			done += n;
			continue;
		}
		n = sock_recv(sc, sc->ahead, READ_AHEAD);
		if (n < 0) {
			return n;
		}
		sc->ahead_pos = 0;
		sc->ahead_len = n;
		done += take_ahead(sc, (char *)buf + done, len - done);
	}
	return 0;
}

static int sock_write(struct vtest_io *io, const void *buf, size_t len)
{
	struct sock_client *sc = (struct sock_client *)io;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(sc->fd, (const char *)buf + done, len - done,
			 MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR) {
			return -errno;
		}
		done += n > 0 ? (size_t)n : 0;
	}
	return 0;
}

/*
 * One byte of data carries the fd, as the vtest client expects; without
 * an fd (fd < 0) the byte alone tells it that its create failed.
 */
static int sock_send_fd(struct vtest_io *io, int fd)
{
	struct sock_client *sc = (struct sock_client *)io;
	char byte = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg;

	memset(ctl, 0, sizeof(ctl));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (fd < 0) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	while (sendmsg(sc->fd, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static void label_client(const struct sock_client *sc, char *buf, size_t len)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	if (getsockopt(sc->fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		snprintf(buf, len, "client %u (pid %d)", sc->serial,
			 (int)cred.pid);
	} else {
		snprintf(buf, len, "client %u", sc->serial);
	}
}

static void forget_client(struct sock_client *sc)
{
	struct vtest_server *srv = sc->srv;
	struct sock_client **p;

	pthread_mutex_lock(&srv->lock);
	for (p = &srv->clients; *p; p = &(*p)->next) {
		if (*p == sc) {
			*p = sc->next;
			break;
		}
	}
	srv->nr_clients--;
	pthread_cond_broadcast(&srv->gone);
	pthread_mutex_unlock(&srv->lock);
	close(sc->fd);
	free(sc);
}

/*
 * The device every client shares, and how many clients use it. Each
 * client is a context of its own on it, and its resources get device
 * ids of their own (DOC: resource handles in vtest_dev.c).
 */
struct shared_dev {
	struct vgpufront *front;
	struct vtest_dev *dev;
	unsigned int users;             /* under srv->dev_lock */
};

/* Opens and connects the device; says why not. */
static struct shared_dev *open_dev(struct vtest_server *srv,
				   const char *label)
{
	const struct vtest_dev_params *p = &srv->params;
	struct shared_dev *sd;
	int err;

	sd = calloc(1, sizeof(*sd));
	if (!sd) {
		return NULL;
	}
	sd->front = vgpufront_open(p->spec, 0);
	if (!sd->front) {
		err = errno;
		vgpu_err("%s: cannot open the vgpu device: %s", label,
			 strerror(err));
		goto fail_open;
	}
	if (p->poll_us >= 0) {
		vgpufront_set_poll_us(sd->front, (unsigned int)p->poll_us);
	}
	sd->dev = vtest_dev_create(sd->front);
	if (!sd->dev) {
		err = errno;
		goto fail_dev;
	}
	vtest_dev_set_max_version(sd->dev, p->max_version);
	return sd;

fail_dev:
	vgpufront_close(sd->front);
fail_open:
	free(sd);
	errno = err;
	return NULL;
}

static void close_dev(struct vtest_server *srv, struct shared_dev *sd)
{
	pthread_mutex_lock(&srv->lock);
	srv->bytes_copied += vtest_dev_bytes_copied(sd->dev);
	pthread_mutex_unlock(&srv->lock);
	vtest_dev_destroy(sd->dev);
	vgpufront_close(sd->front);
	free(sd);
}

/*
 * Whether the device's backend still answers. A worker that died while
 * no client waited on it is noticed here, by the round trip of a NOP.
 */
static bool dev_alive(struct shared_dev *sd)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_NOP };

	return !vgpufront_lost(sd->front) &&
	       vgpufront_call(sd->front, &req, NULL) == 0;
}

/*
 * The shared device, opened by the first client. Once its backend has
 * gone (a worker restarted after a crash), the next client connects a
 * new one; the lost one is closed when its last client leaves.
 */
static struct shared_dev *get_dev(struct vtest_server *srv, const char *label)
{
	struct shared_dev *sd;

	pthread_mutex_lock(&srv->dev_lock);
	sd = srv->cur;
	if (sd && !dev_alive(sd)) {
		srv->cur = NULL;
		if (!sd->users) {
			close_dev(srv, sd);
		}
		sd = NULL;
	}
	if (!sd) {
		sd = open_dev(srv, label);
		srv->cur = sd;
	}
	if (sd) {
		sd->users++;
	}
	pthread_mutex_unlock(&srv->dev_lock);
	return sd;
}

static void put_dev(struct vtest_server *srv, struct shared_dev *sd)
{
	pthread_mutex_lock(&srv->dev_lock);
	if (!--sd->users && sd != srv->cur) {
		close_dev(srv, sd);
	}
	pthread_mutex_unlock(&srv->dev_lock);
}

static void serve_client(struct vtest_client *c, const char *label)
{
	int ret;

	do {
		ret = vtest_client_dispatch(c);
	} while (ret == 0);
	if (ret == -EPIPE) {
		vgpu_info("%s: disconnected", label);
	} else {
		vgpu_warn("%s: dropped: %s", label, strerror(-ret));
	}
}

/* Serves one connection until it ends; its context dies with it. */
static void *client_main(void *arg)
{
	struct sock_client *sc = arg;
	struct shared_dev *sd;
	struct vtest_client *c;
	char label[64];

	label_client(sc, label, sizeof(label));
	sd = get_dev(sc->srv, label);
	if (!sd) {
		goto out;
	}
	c = vtest_client_create(sd->dev, &sc->io, label);
	if (!c) {
		vgpu_err("%s: %s", label, strerror(errno));
		goto out_dev;
	}
	serve_client(c, label);
	vtest_client_destroy(c);
out_dev:
	put_dev(sc->srv, sd);
out:
	forget_client(sc);
	return NULL;
}

static int start_client(struct vtest_server *srv, int fd)
{
	struct sock_client *sc;
	pthread_attr_t attr;
	pthread_t thread;
	int ret;

	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		return -ENOMEM;
	}
	sc->io = (struct vtest_io){ sock_read, sock_write, sock_send_fd };
	sc->fd = fd;
	sc->srv = srv;
	pthread_mutex_lock(&srv->lock);
	sc->serial = ++srv->next_serial;
	sc->next = srv->clients;
	srv->clients = sc;
	srv->nr_clients++;
	pthread_mutex_unlock(&srv->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&thread, &attr, client_main, sc);
	pthread_attr_destroy(&attr);
	if (ret) {
		forget_client(sc);
		return -ret;
	}
	return 0;
}

/* A socket file nobody answers on is stale; a live one is not ours. */
static int claim_path(const struct sockaddr_un *addr)
{
	int fd, ret = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0) {
		vgpu_err("another vtest server is listening on %s; stop it first",
			 addr->sun_path);
		ret = -EADDRINUSE;
	} else if (errno == ECONNREFUSED) {
		unlink(addr->sun_path);
	}
	close(fd);
	return ret;
}

static int open_listener(struct vtest_server *srv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, ret;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", srv->path);
	ret = claim_path(&addr);
	if (ret < 0) {
		return ret;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	/*
	 * Its owner's alone, before anyone can connect: under Xen a client
	 * gets its buffers' gntalloc files, with which it could grant pages
	 * to any domain (docs/security.md, finding 9).
	 */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(srv->path, 0600) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		vgpu_err("cannot listen on %s: %s", srv->path, strerror(-ret));
		close(fd);
		return ret;
	}
	srv->listen_fd = fd;
	return 0;
}

static int open_signals(struct vtest_server *srv)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	srv->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	return srv->signal_fd < 0 ? -errno : 0;
}

struct vtest_server *vtest_server_create(const char *path,
					 const struct vtest_dev_params *params)
{
	struct vtest_server *srv;
	int ret;

	if (strlen(path) >= sizeof(srv->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		return NULL;
	}
	srv->params = *params;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->dev_lock, NULL);
	pthread_cond_init(&srv->gone, NULL);
	ret = open_signals(srv);
	if (ret < 0) {
		goto fail_signals;
	}
	ret = open_listener(srv);
	if (ret < 0) {
		goto fail_listen;
	}
	return srv;

fail_listen:
	close(srv->signal_fd);
fail_signals:
	pthread_cond_destroy(&srv->gone);
	pthread_mutex_destroy(&srv->dev_lock);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	errno = -ret;
	return NULL;
}

int vtest_server_run(struct vtest_server *srv)
{
	struct pollfd fds[2] = {
		{ .fd = srv->listen_fd, .events = POLLIN },
		{ .fd = srv->signal_fd, .events = POLLIN },
	};
	int fd, ret;

	vgpu_info("listening on %s", srv->path);
	while (!(fds[1].revents & POLLIN)) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		if (!(fds[0].revents & POLLIN)) {
			continue;
		}
		fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			vgpu_warn("accept: %s", strerror(errno));
			continue;
		}
		ret = start_client(srv, fd);
		if (ret < 0) {
			vgpu_warn("cannot start a client: %s", strerror(-ret));
			close(fd);
		}
	}
	vgpu_info("shutting down");
	return 0;
}

/* Ends every connection, then gives the threads time to tear down. */
static void drop_clients(struct vtest_server *srv)
{
	struct sock_client *sc;
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SHUTDOWN_WAIT_S;
	pthread_mutex_lock(&srv->lock);
	for (sc = srv->clients; sc; sc = sc->next) {
		shutdown(sc->fd, SHUT_RDWR);
	}
	while (srv->nr_clients) {
		if (pthread_cond_timedwait(&srv->gone, &srv->lock, &until)) {
			vgpu_warn("%u clients did not finish", srv->nr_clients);
			break;
		}
	}
	pthread_mutex_unlock(&srv->lock);
}

void vtest_server_destroy(struct vtest_server *srv)
{
	if (!srv) {
		return;
	}
	close(srv->listen_fd);
	unlink(srv->path);
	drop_clients(srv);
	if (srv->nr_clients) {
		/* Threads still use srv; the process is about to exit. */
		return;
	}
	if (srv->cur) {
		close_dev(srv, srv->cur);
	}
	close(srv->signal_fd);
	pthread_cond_destroy(&srv->gone);
	pthread_mutex_destroy(&srv->dev_lock);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}

int vtest_server_connect(struct vtest_server *srv)
{
	struct shared_dev *sd = get_dev(srv, "at startup");

	if (!sd) {
		return -errno;
	}
	put_dev(srv, sd);
	return 0;
}

uint64_t vtest_server_bytes_copied(const struct vtest_server *srv)
{
	return srv->bytes_copied;
}
