/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VNC display of a device's screen, with libvncserver, in the
 * worker's own thread and poll loop.
 *
 * DOC: the listeners and the sandbox
 * The worker opens its listening sockets before it drops root and loads
 * its seccomp filter: TCP with vnc=1 (libvncserver's rfbListenOnTCPPort),
 * and always, under Xen, a UNIX socket in VGPU_SCREEN_DIR, a directory
 * only root enters, so that xenvgpu screenshot reads the screen without
 * vnc=1. It keeps both to itself rather than in libvncserver's fd set:
 * the worker accepts, so that it can turn a client away at accept when
 * VGPUBACK_VNC_MAX_CLIENTS are connected, and hands each accepted
 * socket to rfbNewClient(). Serving then needs, besides what the ring
 * needs: accept4; setsockopt (TCP_NODELAY), getpeername (a log line)
 * and recvfrom (a peek for a WebSocket handshake) in rfbNewClient;
 * select (libvncserver's own waits); shutdown (closing a client). The
 * refresh timer adds timerfd_settime. privsep.c allows those.
 *
 * DOC: a client cannot hold the guest up for long
 * libvncserver reads a message whole once its first byte is in, and
 * writes an update whole, waiting with select() for a slow peer up to
 * the screen's maxClientWait; a client that is still not done then is
 * dropped. Each new connection also waits up to 100 ms for a WebSocket
 * handshake (libvncserver 0.9.14 sniffs every connection for one). So a
 * dom0 process that connects, stalls or floods costs the guest's ring
 * at most CLIENT_WAIT_MS (or 100 ms) per message, and one connection
 * slot; the listener is on 127.0.0.1 unless vnclisten= says otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rfb/rfb.h>

#include "vgpu_util.h"
#include "vnc.h"

#define BYTES_PER_PIXEL         4
/* Longest a client's half-sent message or unread update may stall us. */
#define CLIENT_WAIT_MS          100
#define LOG_LINE_MAX            256

struct vgpuback_vnc {
	rfbScreenInfoPtr screen;
	int listen_fd;          /* TCP, vnc=1 */
	int local_fd;           /* the root-only UNIX socket */
	int port;
	int clients;
	bool dirty;             /* changed since updates last went out */
	char *passwds[2];       /* rfbCheckPasswordByList's list */
	char passwd[VGPUBACK_VNC_PASSWD_MAX + 1];
	uint32_t domid, devid;
};

/*
 * All of libvncserver's messages are debug output ($VGPU_DEBUG=1): a line
 * per connection, and a warning for every mode whose width is not a
 * multiple of 4, which the guest could repeat without end.
 */
static void log_debug(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vgpu_dbg("vnc: %s", line);
}

/*
 * VNC authentication is DES, which libvncserver takes from libgcrypt, and
 * libgcrypt sets itself up at its first use: it looks at files (FIPS
 * mode), which the sandbox forbids. So it is used once here, before.
 */
static void warm_up_des(void)
{
	unsigned char challenge[CHALLENGESIZE] = { 0 };
	char key[] = "warm-up";

	rfbEncryptBytes(challenge, key);
}

/* Our pixels are B, G, R, X in memory: red in bits 16-23. */
static void set_format(rfbScreenInfoPtr screen)
{
	screen->serverFormat.redShift = 16;
	screen->serverFormat.greenShift = 8;
	screen->serverFormat.blueShift = 0;
}

static void client_gone(rfbClientPtr cl)
{
	struct vgpuback_vnc *v = cl->screen->screenData;

	v->clients--;
}

/* Binds 5900 + display, or the first free of the automatic range. */
static int listen_port(const struct vgpuback_vnc_config *cfg,
		       in_addr_t iface, int *port)
{
	int first = cfg->display >= 0 ? cfg->display : 0;
	int last = cfg->display >= 0 ? cfg->display :
		   VGPUBACK_VNC_AUTO_DISPLAYS - 1;
	int d, fd;

	for (d = first; d <= last; d++) {
		fd = rfbListenOnTCPPort(VGPUBACK_VNC_PORT_BASE + d, iface);
		if (fd >= 0) {
			*port = VGPUBACK_VNC_PORT_BASE + d;
			return fd;
		}
	}
	return -1;
}

static int open_tcp(struct vgpuback_vnc *v,
			 const struct vgpuback_vnc_config *cfg)
{
	const char *addr = cfg->listen[0] ? cfg->listen :
			   VGPUBACK_VNC_LISTEN_DEF;
	struct in_addr iface;

	if (inet_pton(AF_INET, addr, &iface) != 1) {
		vgpu_err(VGPU_DEV_FMT "vnclisten=%s is not an IPv4 address: "
			 "no VNC display", v->domid, v->devid, addr);
		return -EINVAL;
	}
	v->listen_fd = listen_port(cfg, iface.s_addr, &v->port);
	if (v->listen_fd < 0) {
		vgpu_err(VGPU_DEV_FMT "cannot listen for VNC on %s, %s %d%s: "
			 "no VNC display (pick another vncdisplay=)",
			 v->domid, v->devid, addr,
			 cfg->display >= 0 ? "port" : "ports",
			 VGPUBACK_VNC_PORT_BASE + (cfg->display >= 0 ?
						   cfg->display : 0),
			 cfg->display >= 0 ? "" : " to 5999");
		return -EADDRINUSE;
	}
	vgpu_info(VGPU_DEV_FMT "VNC display on %s:%d (display %d)", v->domid,
		  v->devid, addr, v->port, v->port - VGPUBACK_VNC_PORT_BASE);
	return 0;
}

/*
 * The UNIX socket: dom0's tools read the screen there without vnc=1. Its
 * directory is root's alone (VGPU_SCREEN_DIR, or --screen-dir), and the
 * socket 0600; a worker before us on this device left its file behind.
 */
static int open_local(struct vgpuback_vnc *v, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		goto fail;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(fd, VGPUBACK_VNC_MAX_CLIENTS)) {
		goto fail_close;
	}
	v->local_fd = fd;
	return 0;

fail_close:
	ret = -errno;
	close(fd);
	errno = -ret;
fail:
	vgpu_err(VGPU_DEV_FMT "cannot open the screen socket %s: %s",
		 v->domid, v->devid, path, strerror(errno));
	return -errno;
}

/* Either listener is enough for a display. */
static int open_listeners(struct vgpuback_vnc *v,
			  const struct vgpuback_vnc_config *cfg)
{
	if (cfg->enabled) {
		open_tcp(v, cfg);
	}
	if (cfg->local[0]) {
		open_local(v, cfg->local);
	}
	return v->listen_fd >= 0 || v->local_fd >= 0 ? 0 : -EADDRNOTAVAIL;
}

/*
 * The screen, listening on nothing itself (port 0, no IPv6, no HTTP):
 * the worker hands it the clients it accepts.
 */
static int make_screen(struct vgpuback_vnc *v, uint32_t width,
		       uint32_t height)
{
	int argc = 0;

	v->screen = rfbGetScreen(&argc, NULL, (int)width, (int)height, 8, 3,
				 BYTES_PER_PIXEL);
	if (!v->screen) {
		return -ENOMEM;
	}
	v->screen->screenData = v;
	v->screen->port = 0;
	v->screen->ipv6port = 0;
	v->screen->autoPort = FALSE;
	v->screen->httpPort = 0;
	v->screen->httpDir = NULL;
	v->screen->deferUpdateTime = 0;
	v->screen->maxClientWait = CLIENT_WAIT_MS;
	v->screen->desktopName = "xen-vgpu";
	v->screen->frameBuffer = NULL;
	/* No cursor: libvncserver would draw it into the guest's pages. */
	v->screen->cursor = NULL;
	set_format(v->screen);
	if (v->passwd[0]) {
		v->passwds[0] = v->passwd;
		v->screen->authPasswdData = v->passwds;
		v->screen->passwordCheck = rfbCheckPasswordByList;
		warm_up_des();
	}
	rfbInitServer(v->screen);
	return 0;
}

struct vgpuback_vnc *vgpuback_vnc_create(const struct vgpuback_vnc_config *cfg,
					 uint32_t width, uint32_t height,
					 uint32_t domid, uint32_t devid)
{
	struct vgpuback_vnc *v;

	if (!cfg->enabled && !cfg->local[0]) {
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		return NULL;
	}
	v->domid = domid;
	v->devid = devid;
	v->listen_fd = -1;
	v->local_fd = -1;
	snprintf(v->passwd, sizeof(v->passwd), "%s", cfg->passwd);
	rfbLog = log_debug;
	rfbErr = log_debug;
	if (open_listeners(v, cfg) || make_screen(v, width, height)) {
		vgpuback_vnc_destroy(v);
		return NULL;
	}
	return v;
}

void vgpuback_vnc_destroy(struct vgpuback_vnc *v)
{
	if (!v) {
		return;
	}
	if (v->screen) {
		rfbShutdownServer(v->screen, TRUE);
		rfbScreenCleanup(v->screen);
	}
	if (v->listen_fd >= 0) {
		close(v->listen_fd);
	}
	if (v->local_fd >= 0) {
		close(v->local_fd);
	}
	memset(v->passwd, 0, sizeof(v->passwd));
	free(v);
}

int vgpuback_vnc_port(const struct vgpuback_vnc *v)
{
	return v ? v->port : 0;
}

void vgpuback_vnc_show(struct vgpuback_vnc *v, const void *pixels,
		       uint32_t width, uint32_t height, uint32_t stride)
{
	rfbClientIteratorPtr it;
	rfbClientPtr cl;

	if (!v) {
		return;
	}
	/* libvncserver only reads the frame buffer; its type says char *. */
	if ((int)width != v->screen->width ||
	    (int)height != v->screen->height) {
		rfbNewFramebuffer(v->screen, (char *)pixels, (int)width,
				  (int)height, 8, 3, BYTES_PER_PIXEL);
		/* That reset the pixel format: ours again, for every client. */
		set_format(v->screen);
		it = rfbGetClientIterator(v->screen);
		while ((cl = rfbClientIteratorNext(it))) {
			rfbSetTranslateFunction(cl);
		}
		rfbReleaseClientIterator(it);
	}
	v->screen->frameBuffer = (char *)pixels;
	v->screen->paddedWidthInBytes = (int)stride;
	rfbMarkRectAsModified(v->screen, 0, 0, (int)width, (int)height);
	v->dirty = true;
}

void vgpuback_vnc_damage(struct vgpuback_vnc *v, uint32_t x, uint32_t y,
			 uint32_t width, uint32_t height)
{
	if (v) {
		rfbMarkRectAsModified(v->screen, (int)x, (int)y,
				      (int)(x + width), (int)(y + height));
		v->dirty = true;
	}
}

int vgpuback_vnc_poll_fds(const struct vgpuback_vnc *v, struct pollfd *fds,
			  int max)
{
	int fd, n = 0;

	if (!v || max < 2) {
		return 0;
	}
	/* The listeners first; -1 where there is none (poll skips it). */
	fds[n++] = (struct pollfd){ .fd = v->listen_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = v->local_fd, .events = POLLIN };
	for (fd = 0; fd <= v->screen->maxFd && n < max; fd++) {
		if (FD_ISSET(fd, &v->screen->allFds)) {
			fds[n++] = (struct pollfd){ .fd = fd,
						    .events = POLLIN };
		}
	}
	return n;
}

/* Takes one waiting connection; beyond the client limit, closes it. */
static void accept_client(struct vgpuback_vnc *v, int listen_fd)
{
	rfbClientPtr cl;
	int fd;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		return;
	}
	if (v->clients >= VGPUBACK_VNC_MAX_CLIENTS) {
		vgpu_warn(VGPU_DEV_FMT "VNC: %d clients already, turning one "
			  "away", v->domid, v->devid, v->clients);
		close(fd);
		return;
	}
	cl = rfbNewClient(v->screen, fd);
	if (cl) {
		cl->clientGoneHook = client_gone;
		v->clients++;
	}
}

void vgpuback_vnc_serve(struct vgpuback_vnc *v, const struct pollfd *fds,
			int nfds)
{
	bool ready = false;
	int i;

	if (!v) {
		return;
	}
	for (i = 0; i < nfds; i++) {
		ready |= fds[i].revents != 0;
	}
	for (i = 0; i < nfds && i < 2; i++) {
		if (fds[i].revents) {
			accept_client(v, fds[i].fd);
		}
	}
	if (ready || (v->dirty && v->clients)) {
		v->dirty = false;
		rfbProcessEvents(v->screen, 0);
	}
}
