/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The frontend library's view of a transport: share pages, publish nodes,
 * signal the event channel. Implementations: front_loopback.c and
 * front_xen.c. As wlroots' backends do, each embeds struct
 * vgpufront_transport first, has one static const vtable, and checks
 * every down-cast with its vgpufront_transport_is_<impl>(). The rest of
 * the library calls a transport only through the wrappers below.
 *
 * (The backend's own transport interface, struct vgpuback_transport, is
 * another header in backend/.)
 *
 * All functions return 0 or a negative errno unless stated.
 */
#ifndef VGPUFRONT_TRANSPORT_H
#define VGPUFRONT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"

struct vgpufront_transport;

/* Pages shared with the backend, as the transport made them. */
struct vgpufront_share {
	void *addr;
	uint32_t num_pages;
	grant_ref_t *grefs;     /* num_pages entries */
	int fd;                 /* maps the pages at offset 0, or -1 */
	void *priv;             /* the transport's own */
};

struct vgpufront_transport_impl {
	const char *name;

	/* Reads one of the backend's nodes into buf (NUL-terminated). */
	int (*read_back)(struct vgpufront_transport *t, const char *key,
			 char *buf, size_t len);

	/* Shares num_pages zeroed pages; fills *share. */
	int (*share)(struct vgpufront_transport *t, uint32_t num_pages,
		     bool readonly, struct vgpufront_share *share);
	void (*unshare)(struct vgpufront_transport *t,
			struct vgpufront_share *share);

	/*
	 * Publishes the frontend's nodes ("key=value\n" text; the transport
	 * adds event-channel itself) and waits for the backend to connect.
	 * A refusal is logged with the backend's error text.
	 */
	int (*connect)(struct vgpufront_transport *t, const char *nodes);

	int (*notify)(struct vgpufront_transport *t);
	int (*event_fd)(struct vgpufront_transport *t);
	void (*ack_event)(struct vgpufront_transport *t);
	/*
	 * The poll loop watches control_fd for control_events (plus hang-up)
	 * and then asks alive(), which returns 0 or -ENODEV once the backend
	 * has left Connected.
	 */
	int (*control_fd)(struct vgpufront_transport *t);
	int (*alive)(struct vgpufront_transport *t);
	/*
	 * Optional. Tells the backend that the frontend is going and waits,
	 * boundedly, until it has unmapped every page of the device, so
	 * that unsharing them afterwards frees them at once. Called before
	 * the device's own pages are unshared; destroy does it if nobody
	 * did.
	 */
	void (*disconnect)(struct vgpufront_transport *t);
	void (*destroy)(struct vgpufront_transport *t);
};

struct vgpufront_transport {
	const struct vgpufront_transport_impl *impl;
	short control_events;
};

static inline int vgpufront_transport_read_back(struct vgpufront_transport *t,
						const char *key, char *buf,
						size_t len)
{
	return t->impl->read_back(t, key, buf, len);
}

static inline int vgpufront_transport_share(struct vgpufront_transport *t,
					    uint32_t num_pages, bool readonly,
					    struct vgpufront_share *share)
{
	return t->impl->share(t, num_pages, readonly, share);
}

static inline void vgpufront_transport_unshare(struct vgpufront_transport *t,
					       struct vgpufront_share *share)
{
	t->impl->unshare(t, share);
}

static inline int vgpufront_transport_connect(struct vgpufront_transport *t,
					      const char *nodes)
{
	return t->impl->connect(t, nodes);
}

static inline int vgpufront_transport_notify(struct vgpufront_transport *t)
{
	return t->impl->notify(t);
}

static inline int vgpufront_transport_event_fd(struct vgpufront_transport *t)
{
	return t->impl->event_fd(t);
}

static inline void vgpufront_transport_ack_event(struct vgpufront_transport *t)
{
	t->impl->ack_event(t);
}

static inline int vgpufront_transport_control_fd(struct vgpufront_transport *t)
{
	return t->impl->control_fd(t);
}

static inline int vgpufront_transport_alive(struct vgpufront_transport *t)
{
	return t->impl->alive(t);
}

static inline void vgpufront_transport_disconnect(struct vgpufront_transport *t)
{
	if (t->impl->disconnect) {
		t->impl->disconnect(t);
	}
}

/* vgpufront_transport_destroy(NULL) is a no-op. */
static inline void vgpufront_transport_destroy(struct vgpufront_transport *t)
{
	if (t) {
		t->impl->destroy(t);
	}
}

/*
 * Connects to a loopback backend on the UNIX socket path, as domain
 * domid (0: none) for the backend's logs and GPU scheduler.
 */
struct vgpufront_transport *vgpufront_loopback_create(const char *path,
						     uint32_t domid);
bool vgpufront_transport_is_loopback(const struct vgpufront_transport *t);

/*
 * Grants num_pages new pages of a fresh /dev/xen/gntalloc fd to domid, at
 * offset 0 of fd (mmap it to reach them; closing it ends the grants);
 * fills grefs. Returns 0 or -errno.
 */
int vgpufront_xen_grant(int fd, uint32_t domid, uint32_t num_pages,
			bool readonly, grant_ref_t *grefs);

/* Opens device/vgpu/devid of this domain. */
struct vgpufront_transport *vgpufront_xen_create(uint32_t devid);
bool vgpufront_transport_is_xen(const struct vgpufront_transport *t);

#endif /* VGPUFRONT_TRANSPORT_H */
