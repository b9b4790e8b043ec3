/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen transport, backend side: persistent grant mappings through
 * libxengnttab, an interdomain event channel restricted to the guest, and
 * the xenstore handshake of include/vgpuif.h. One instance serves one
 * device of one guest, in its own worker process.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "back_transport.h"
#include "vgpu_util.h"
#include "vgpu_xs.h"

struct xen_back {
	struct vgpuback_transport base;
	struct xs_handle *xs;
	xengnttab_handle *gnttab;
	xenevtchn_handle *evtchn;
	evtchn_port_t port;
	char dir[128];          /* backend/vgpu/<domid>/<devid> */
	char frontend[128];     /* the frontend's directory */
};

static const struct vgpuback_transport_impl xen_impl;

bool vgpuback_transport_is_xen(const struct vgpuback_transport *t)
{
	return t->impl == &xen_impl;
}

static struct xen_back *to_xen(struct vgpuback_transport *t)
{
	assert(vgpuback_transport_is_xen(t));
	return (struct xen_back *)t;
}

static void refuse(struct xen_back *xb, const char *message)
{
	char nodes[320] = "";

	vgpu_err(VGPU_DEV_FMT "%s", xb->base.domid, xb->base.devid, message);
	vgpu_kv_add(nodes, sizeof(nodes), "error", "%s", message);
	vgpu_xs_write_nodes(xb->xs, xb->dir, nodes, XenbusStateClosed);
}

static int bind_event_channel(struct xen_back *xb)
{
	xenevtchn_port_or_error_t port;
	uint32_t remote;
	int ret;

	ret = vgpu_xs_read_u32(xb->xs, xb->frontend, "event-channel", 1,
			       INT32_MAX, &remote);
	if (ret) {
		refuse(xb, "event-channel: missing or not a port number");
		return ret;
	}
	port = xenevtchn_bind_interdomain(xb->evtchn, xb->base.domid, remote);
	if (port < 0) {
		ret = -errno;
		refuse(xb, "event-channel: cannot bind it");
		return ret;
	}
	xb->port = (evtchn_port_t)port;
	/* From now on this handle can reach no other domain's channels. */
	if (xenevtchn_restrict(xb->evtchn, (domid_t)xb->base.domid)) {
		vgpu_warn(VGPU_DEV_FMT "cannot restrict the event channel "
			  "handle: %s", xb->base.domid, xb->base.devid,
			  strerror(errno));
	}
	return 0;
}

static int xen_publish(struct vgpuback_transport *t, const char *nodes)
{
	struct xen_back *xb = to_xen(t);

	return vgpu_xs_write_nodes(xb->xs, xb->dir, nodes, XenbusStateInitWait);
}

static int xen_wait_front(struct vgpuback_transport *t)
{
	struct xen_back *xb = to_xen(t);
	char path[192];
	int ret;

	ret = vgpu_xs_wait_state(xb->xs, xb->frontend,
				 VGPU_XS_STATE(XenbusStateInitialised), -1);
	if (ret < 0) {
		return ret;
	}
	ret = bind_event_channel(xb);
	if (ret) {
		return ret;
	}
	snprintf(path, sizeof(path), "%s/state", xb->frontend);
	if (!xs_watch(xb->xs, path, "vgpu-frontend-state")) {
		return -errno;
	}
	/* The toolstack detaches a device by setting our state to Closing. */
	snprintf(path, sizeof(path), "%s/state", xb->dir);
	return xs_watch(xb->xs, path, "vgpu-backend-state") ? 0 : -errno;
}

static int xen_read_front(struct vgpuback_transport *t, const char *key,
			  char *buf, size_t len)
{
	struct xen_back *xb = to_xen(t);

	return vgpu_xs_read(xb->xs, xb->frontend, key, buf, len);
}

static int xen_connected(struct vgpuback_transport *t, int status,
			 const char *message)
{
	struct xen_back *xb = to_xen(t);

	if (status) {
		refuse(xb, message ? message : strerror(-status));
		return 0;
	}
	return vgpu_xs_set_state(xb->xs, xb->dir, XenbusStateConnected);
}

/*
 * Grefs below GNTTAB_NR_RESERVED_ENTRIES are the toolstack's: the guest's
 * console and xenstore rings, granted to dom0 at build time. They are
 * never a buffer of the device; mapping them would let the guest point
 * the backend at its own xenstore ring.
 */
static bool any_reserved(const grant_ref_t *grefs, uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++) {
		if (grefs[i] < GNTTAB_NR_RESERVED_ENTRIES) {
			return true;
		}
	}
	return false;
}

static void *xen_map(struct vgpuback_transport *t, const grant_ref_t *grefs,
		     uint32_t count, bool writable)
{
	struct xen_back *xb = to_xen(t);
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *addr;

	if (any_reserved(grefs, count)) {
		errno = EFAULT;
		return NULL;
	}
	addr = xengnttab_map_domain_grant_refs(xb->gnttab, count,
					       xb->base.domid,
					       (uint32_t *)grefs, prot);
	if (!addr && errno != ENOMEM) {
		errno = EFAULT;
	}
	return addr;
}

static void xen_unmap(struct vgpuback_transport *t, void *addr, uint32_t count)
{
	if (addr && xengnttab_unmap(to_xen(t)->gnttab, addr, count)) {
		vgpu_err(VGPU_DEV_FMT "grant unmap failed: %s", t->domid,
			 t->devid, strerror(errno));
	}
}

static int xen_notify(struct vgpuback_transport *t)
{
	struct xen_back *xb = to_xen(t);

	return xenevtchn_notify(xb->evtchn, xb->port) ? -errno : 0;
}

static int xen_event_fd(struct vgpuback_transport *t)
{
	return xenevtchn_fd(to_xen(t)->evtchn);
}

static void xen_ack_event(struct vgpuback_transport *t)
{
	struct xen_back *xb = to_xen(t);
	xenevtchn_port_or_error_t port;

	port = xenevtchn_pending(xb->evtchn);
	if (port >= 0) {
		xenevtchn_unmask(xb->evtchn, port);
	}
}

static int xen_control_fd(struct vgpuback_transport *t)
{
	return xs_fileno(to_xen(t)->xs);
}

/*
 * A state moved: the frontend leaving Connected, or the toolstack asking
 * us to close, ends the device.
 */
static int xen_control(struct vgpuback_transport *t)
{
	struct xen_back *xb = to_xen(t);
	enum xenbus_state front;
	char **event;


	while ((event = xs_check_watch(xb->xs))) {
		free(event);
	}
	/* Initialised: it has not yet seen our Connected. */
	front = vgpu_xs_state(xb->xs, xb->frontend);
	if ((front != XenbusStateInitialised &&
	     front != XenbusStateConnected) ||
	    vgpu_xs_state(xb->xs, xb->dir) == XenbusStateClosing) {
		return -EPIPE;
	}
	return 0;
}

static void xen_destroy(struct vgpuback_transport *t)
{
	struct xen_back *xb = to_xen(t);

	if (xb->xs) {
		if (vgpu_xs_state(xb->xs, xb->dir) != XenbusStateClosed) {
			vgpu_xs_set_state(xb->xs, xb->dir, XenbusStateClosed);
		}
		xs_close(xb->xs);
	}
	xenevtchn_close(xb->evtchn);
	xengnttab_close(xb->gnttab);
	free(xb);
}

static const struct vgpuback_transport_impl xen_impl = {
	.name = "xen",
	.publish = xen_publish,
	.wait_front = xen_wait_front,
	.read_front = xen_read_front,
	.connected = xen_connected,
	.map = xen_map,
	.unmap = xen_unmap,
	.notify = xen_notify,
	.event_fd = xen_event_fd,
	.ack_event = xen_ack_event,
	.control_fd = xen_control_fd,
	.control = xen_control,
	.destroy = xen_destroy,
};

static int open_handles(struct xen_back *xb)
{
	xb->xs = xs_open(0);
	if (!xb->xs) {
		vgpu_err("cannot open xenstore: %s (is xenstored running?)",
			 strerror(errno));
		return -errno;
	}
	xb->gnttab = xengnttab_open(NULL, 0);
	xb->evtchn = xenevtchn_open(NULL, 0);
	if (!xb->gnttab || !xb->evtchn) {
		vgpu_err("cannot open /dev/xen/gntdev or evtchn: %s (load "
			 "xen-gntdev and xen-evtchn)", strerror(errno));
		return -errno;
	}
	return 0;
}

/* vnc, vnclisten, vncdisplay, and the password only dom0 reads. */
static void read_vnc(struct xs_handle *xs, const char *dir, uint32_t domid,
		     uint32_t devid, struct vgpuback_vnc_config *vnc)
{
	char secret[96];
	uint32_t value;

	if (!vgpu_xs_read_u32(xs, dir, "vnc", 0, 1, &value)) {
		vnc->enabled = value;
	}
	if (vgpu_xs_read(xs, dir, "vnclisten", vnc->listen,
			 sizeof(vnc->listen))) {
		vnc->listen[0] = '\0';
	}
	if (!vgpu_xs_read_u32(xs, dir, "vncdisplay", 0,
			      VGPUBACK_VNC_AUTO_DISPLAYS - 1, &value)) {
		vnc->display = (int)value;
	}
	/* Relative: in our own domain's home. */
	snprintf(secret, sizeof(secret), VGPU_XS_PRIVATE_DIR "/%u/%u", domid,
		 devid);
	if (vgpu_xs_read(xs, secret, "vncpasswd", vnc->passwd,
			 sizeof(vnc->passwd))) {
		vnc->passwd[0] = '\0';
	}
}

void vgpuback_xen_read_toolstack(uint32_t domid, uint32_t devid,
				 struct vgpuback_toolstack *ts)
{
	struct xs_handle *xs = xs_open(0);
	char dir[128];

	ts->name[0] = '\0';
	if (!xs) {
		return;
	}
	snprintf(dir, sizeof(dir), "backend/vgpu/%u/%u", domid, devid);
	/* The schema's range: 16 MiB to 64 GiB of 4 KiB pages. */
	vgpu_xs_read_u32(xs, dir, "max-mapped-pages", 4096, 16777216,
			 &ts->max_mapped_pages);
	vgpu_xs_read_u32(xs, dir, "scanout-width", 1, VGPUIF_SCANOUT_MAX_DIM,
			 &ts->scanout_width);
	vgpu_xs_read_u32(xs, dir, "scanout-height", 1,
			 VGPUIF_SCANOUT_MAX_DIM, &ts->scanout_height);
	read_vnc(xs, dir, domid, devid, &ts->vnc);
	snprintf(dir, sizeof(dir), "/local/domain/%u", domid);
	if (vgpu_xs_read(xs, dir, "name", ts->name, sizeof(ts->name))) {
		ts->name[0] = '\0';
	}
	xs_close(xs);
}

struct vgpuback_transport *vgpuback_xen_create(uint32_t domid, uint32_t devid,
					       uint32_t max_grants)
{
	struct xen_back *xb = calloc(1, sizeof(*xb));
	int ret = -ENOMEM;

	if (!xb) {
		goto fail;
	}
	xb->base.impl = &xen_impl;
	xb->base.domid = domid;
	xb->base.devid = devid;
	snprintf(xb->dir, sizeof(xb->dir), "backend/vgpu/%u/%u", domid, devid);
	ret = open_handles(xb);
	if (ret) {
		goto fail_destroy;
	}
	/* gntdev refuses mappings past its per-handle limit: set ours. */
	xengnttab_set_max_grants(xb->gnttab, max_grants);
	ret = vgpu_xs_read(xb->xs, xb->dir, "frontend", xb->frontend,
			   sizeof(xb->frontend));
	if (ret) {
		vgpu_err("%s/frontend is missing: the toolstack did not "
			 "create this device", xb->dir);
		goto fail_destroy;
	}
	return &xb->base;

fail_destroy:
	xen_destroy(&xb->base);
fail:
	errno = -ret;
	return NULL;
}
