/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen transport, frontend side: grants through gntalloc (see below),
 * an unbound event channel for the backend's domain, and the xenstore
 * handshake of include/vgpuif.h.
 *
 * DOC: why gntalloc directly
 * vgpu-vtest hands each buffer's fd to Mesa, which maps the very pages the
 * backend maps. libxengntshr cannot do that: it drops the grants from its
 * fd as soon as it has mapped them (their life then follows the mapping),
 * so nobody else can map them through the fd. So each share opens
 * /dev/xen/gntalloc itself and keeps the grants in that file, at offset 0
 * of a file of its own; ending the share deallocates them and closes it.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenevtchn.h>
#include <xen/sys/gntalloc.h>

#include "front_transport.h"
#include "vgpu_util.h"
#include "vgpu_xs.h"

/* As libxl waits for a backend, so do we. */
#define BACKEND_TIMEOUT_MS 10000
/*
 * After a plain xl create, dom0's daemon adds the device a moment after
 * the guest starts (it reads the config xl stores): wait that long.
 */
#define DEVICE_TIMEOUT_MS 30000

struct xen_front {
	struct vgpufront_transport base;
	struct xs_handle *xs;
	xenevtchn_handle *evtchn;
	evtchn_port_t port;
	uint32_t backend_id;
	bool published;         /* our nodes are in xenstore: close politely */
	char dir[128];          /* device/vgpu/<devid> */
	char backend[128];      /* the backend's directory */
};

static const struct vgpufront_transport_impl xen_impl;

bool vgpufront_transport_is_xen(const struct vgpufront_transport *t)
{
	return t->impl == &xen_impl;
}

static struct xen_front *to_xen(struct vgpufront_transport *t)
{
	assert(vgpufront_transport_is_xen(t));
	return (struct xen_front *)t;
}

static int xen_read_back(struct vgpufront_transport *t, const char *key,
			 char *buf, size_t len)
{
	struct xen_front *xf = to_xen(t);

	return vgpu_xs_read(xf->xs, xf->backend, key, buf, len);
}

static void explain_share_error(int err, uint32_t num_pages)
{
	if (err == ENOSPC || err == ENOMEM) {
		vgpu_err("cannot grant %u more pages: the guest's gntalloc "
			 "limit is reached. Raise it in the guest with "
			 "'echo 65536 > /sys/module/xen_gntalloc/parameters/"
			 "limit' or 'modprobe xen-gntalloc limit=65536'",
			 num_pages);
	} else {
		vgpu_err("cannot grant %u pages: %s (is xen-gntalloc "
			 "loaded?)", num_pages, strerror(err));
	}
}

int vgpufront_xen_grant(int fd, uint32_t domid, uint32_t num_pages,
			bool readonly, grant_ref_t *grefs)
{
	struct ioctl_gntalloc_alloc_gref *op;
	int ret = 0;

	op = calloc(1, sizeof(*op) + num_pages * sizeof(op->gref_ids[0]));
	if (!op) {
		return -ENOMEM;
	}
	op->domid = (uint16_t)domid;
	op->flags = readonly ? 0 : GNTALLOC_FLAG_WRITABLE;
	op->count = num_pages;
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op)) {
		ret = -errno;
	} else if (op->index != 0) {
		ret = -EIO;     /* a fresh file starts at offset 0 */
	} else {
		memcpy(grefs, op->gref_ids, num_pages * sizeof(*grefs));
	}
	free(op);
	return ret;
}

static int xen_share(struct vgpufront_transport *t, uint32_t num_pages,
		     bool readonly, struct vgpufront_share *share)
{
	struct xen_front *xf = to_xen(t);
	size_t size = (size_t)num_pages * VGPUIF_PAGE_SIZE;
	int ret;

	share->grefs = calloc(num_pages, sizeof(*share->grefs));
	if (!share->grefs) {
		return -ENOMEM;
	}
	share->fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	if (share->fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = vgpufront_xen_grant(share->fd, xf->backend_id, num_pages,
				  readonly, share->grefs);
	if (ret) {
		goto fail_close;
	}
	share->addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   share->fd, 0);
	if (share->addr == MAP_FAILED) {
		ret = -errno;
		goto fail_close;        /* closing the file ends the grants */
	}
	share->num_pages = num_pages;
	return 0;

fail_close:
	close(share->fd);
fail:
	explain_share_error(-ret, num_pages);
	free(share->grefs);
	return ret;
}

static void xen_unshare(struct vgpufront_transport *t,
			struct vgpufront_share *share)
{
	struct ioctl_gntalloc_dealloc_gref op = {
		.index = 0, .count = share->num_pages,
	};

	(void)t;
	munmap(share->addr, (size_t)share->num_pages * VGPUIF_PAGE_SIZE);
	if (ioctl(share->fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op)) {
		vgpu_warn("cannot end %u grants: %s", share->num_pages,
			  strerror(errno));
	}
	close(share->fd);
	free(share->grefs);
}

static void log_backend_error(struct xen_front *xf)
{
	char error[256];

	if (!vgpu_xs_read(xf->xs, xf->backend, "error", error, sizeof(error))) {
		vgpu_err("backend refused the device: %s", error);
	} else {
		vgpu_err("backend closed the device without saying why");
	}
}

static int xen_connect(struct vgpufront_transport *t, const char *nodes)
{
	struct xen_front *xf = to_xen(t);
	char all[1024];
	int ret, state;

	snprintf(all, sizeof(all), "%s", nodes);
	ret = vgpu_kv_add(all, sizeof(all), "event-channel", "%u", xf->port);
	xf->published = true;
	if (!ret) {
		ret = vgpu_xs_write_nodes(xf->xs, xf->dir, all,
					  XenbusStateInitialised);
	}
	if (ret) {
		return ret;
	}
	state = vgpu_xs_wait_state(xf->xs, xf->backend,
				   VGPU_XS_STATE(XenbusStateConnected) |
				   VGPU_XS_STATE(XenbusStateClosing) |
				   VGPU_XS_STATE(XenbusStateClosed),
				   BACKEND_TIMEOUT_MS);
	if (state == XenbusStateConnected) {
		return vgpu_xs_set_state(xf->xs, xf->dir,
					 XenbusStateConnected);
	}
	if (state < 0) {
		vgpu_err("backend %s did not connect within %d s",
			 xf->backend, BACKEND_TIMEOUT_MS / 1000);
	} else {
		log_backend_error(xf);
	}
	return -ECONNREFUSED;
}

static int xen_notify(struct vgpufront_transport *t)
{
	struct xen_front *xf = to_xen(t);

	return xenevtchn_notify(xf->evtchn, xf->port) ? -errno : 0;
}

static int xen_event_fd(struct vgpufront_transport *t)
{
	return xenevtchn_fd(to_xen(t)->evtchn);
}

static void xen_ack_event(struct vgpufront_transport *t)
{
	struct xen_front *xf = to_xen(t);
	xenevtchn_port_or_error_t port;

	port = xenevtchn_pending(xf->evtchn);
	if (port >= 0) {
		xenevtchn_unmask(xf->evtchn, port);
	}
}

static int xen_control_fd(struct vgpufront_transport *t)
{
	return xs_fileno(to_xen(t)->xs);
}

/* A watch on the backend's state fired: still connected? */
static int xen_alive(struct vgpufront_transport *t)
{
	struct xen_front *xf = to_xen(t);
	char **event;

	while ((event = xs_check_watch(xf->xs))) {
		free(event);
	}
	if (vgpu_xs_state(xf->xs, xf->backend) == XenbusStateConnected) {
		return 0;
	}
	return -ENODEV;
}

/*
 * Whether the device directory is still the one we connected through.
 * After xl restore the same path holds a new device, of a new backend,
 * which a lost connection must not close.
 */
static bool still_ours(struct xen_front *xf)
{
	char backend[sizeof(xf->backend)];

	return !vgpu_xs_read(xf->xs, xf->dir, "backend", backend,
			     sizeof(backend)) && !strcmp(backend, xf->backend);
}

static void xen_disconnect(struct vgpufront_transport *t)
{
	struct xen_front *xf = to_xen(t);

	if (xf->published && still_ours(xf)) {
		/* Closing makes the backend unmap; Closed lets it be reused. */
		vgpu_xs_set_state(xf->xs, xf->dir, XenbusStateClosing);
		vgpu_xs_wait_state(xf->xs, xf->backend,
				   VGPU_XS_STATE(XenbusStateClosed) |
				   VGPU_XS_STATE(XenbusStateInitWait) |
				   VGPU_XS_STATE(XenbusStateUnknown), 2000);
		vgpu_xs_set_state(xf->xs, xf->dir, XenbusStateClosed);
	}
	xf->published = false;
}

static void xen_destroy(struct vgpufront_transport *t)
{
	struct xen_front *xf = to_xen(t);

	xen_disconnect(t);
	if (xf->xs) {
		xs_close(xf->xs);
	}
	xenevtchn_close(xf->evtchn);
	free(xf);
}

static const struct vgpufront_transport_impl xen_impl = {
	.name = "xen",
	.read_back = xen_read_back,
	.share = xen_share,
	.unshare = xen_unshare,
	.connect = xen_connect,
	.notify = xen_notify,
	.event_fd = xen_event_fd,
	.ack_event = xen_ack_event,
	.control_fd = xen_control_fd,
	.alive = xen_alive,
	.disconnect = xen_disconnect,
	.destroy = xen_destroy,
};

/* Waits for the toolstack to write the device's directory. */
static void wait_device(struct xen_front *xf)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/backend", xf->dir);
	if (!vgpu_xs_wait_node(xf->xs, path, 0)) {
		return;
	}
	vgpu_info("waiting up to %d s for %s: dom0's vgpu-backend adds it "
		  "from the guest's vgpu= line", DEVICE_TIMEOUT_MS / 1000,
		  xf->dir);
	vgpu_xs_wait_node(xf->xs, path, DEVICE_TIMEOUT_MS);
}

/* Finds the backend and waits until it has published its nodes. */
static int find_backend(struct xen_front *xf)
{
	int ret, state;

	wait_device(xf);
	ret = vgpu_xs_read(xf->xs, xf->dir, "backend", xf->backend,
			   sizeof(xf->backend));
	if (!ret) {
		ret = vgpu_xs_read_u32(xf->xs, xf->dir, "backend-id", 0,
				       0x7fef, &xf->backend_id);
	}
	if (ret) {
		vgpu_err("no vgpu device at %s: add vgpu = [ '...' ] to the "
			 "guest's config, and check that vgpu-backend --xen "
			 "runs in dom0 (xenvgpu list there shows a config "
			 "error)", xf->dir);
		return -ENODEV;
	}
	vgpu_xs_set_state(xf->xs, xf->dir, XenbusStateInitialising);
	state = vgpu_xs_wait_state(xf->xs, xf->backend,
				   VGPU_XS_STATE(XenbusStateInitWait),
				   BACKEND_TIMEOUT_MS);
	if (state < 0) {
		vgpu_err("backend %s is not in InitWait after %d s: is "
			 "vgpu-backend running in domain %u?", xf->backend,
			 BACKEND_TIMEOUT_MS / 1000, xf->backend_id);
		return -ETIMEDOUT;
	}
	return 0;
}

static int bind_event_channel(struct xen_front *xf)
{
	xenevtchn_port_or_error_t port;
	char path[192];

	xf->evtchn = xenevtchn_open(NULL, 0);
	if (!xf->evtchn) {
		return -errno;
	}
	port = xenevtchn_bind_unbound_port(xf->evtchn, xf->backend_id);
	if (port < 0) {
		return -errno;
	}
	xf->port = (evtchn_port_t)port;
	/* The poll loop's control fd fires when the backend's state moves. */
	snprintf(path, sizeof(path), "%s/state", xf->backend);
	return xs_watch(xf->xs, path, "vgpu-backend-state") ? 0 : -errno;
}

struct vgpufront_transport *vgpufront_xen_create(uint32_t devid)
{
	struct xen_front *xf = calloc(1, sizeof(*xf));
	int ret = -ENOMEM;

	if (!xf) {
		goto fail;
	}
	xf->base.impl = &xen_impl;
	xf->base.control_events = POLLIN;
	snprintf(xf->dir, sizeof(xf->dir), "device/vgpu/%u", devid);
	xf->xs = xs_open(0);
	if (!xf->xs) {
		ret = -errno;
		vgpu_err("cannot open xenstore: %s (is this a Xen guest with "
			 "/dev/xen/xenbus?)", strerror(errno));
		goto fail_destroy;
	}
	ret = find_backend(xf);
	if (!ret) {
		ret = bind_event_channel(xf);
	}
	if (ret) {
		goto fail_destroy;
	}
	return &xf->base;

fail_destroy:
	xen_destroy(&xf->base);
fail:
	errno = -ret;
	return NULL;
}
