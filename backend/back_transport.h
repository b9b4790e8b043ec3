/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's view of a transport: how a worker reaches its frontend's
 * nodes, maps granted pages and signals the event channel. One interface,
 * two implementations (back_loopback.c, back_xen.c), in the manner of
 * wlroots' backends: each embeds struct vgpuback_transport first, has one
 * static const vtable, and down-casts only after checking it
 * (vgpuback_transport_is_xen() and the like). Callers go through the
 * wrappers below, never through the vtable.
 *
 * All functions return 0 or a negative errno unless stated.
 */
#ifndef VGPUBACK_BACK_TRANSPORT_H
#define VGPUBACK_BACK_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"
#include "vnc.h"

struct vgpuback_transport;

struct vgpuback_transport_impl {
	const char *name;

	/* Publishes the backend's nodes ("key=value\n" text): InitWait. */
	int (*publish)(struct vgpuback_transport *t, const char *nodes);

	/*
	 * Waits until the frontend has published its own (Initialised).
	 * Optional: NULL when publish() already waited.
	 */
	int (*wait_front)(struct vgpuback_transport *t);

	/* Reads one of the frontend's nodes into buf (NUL-terminated). */
	int (*read_front)(struct vgpuback_transport *t, const char *key,
			  char *buf, size_t len);

	/* Reports the outcome of connecting: 0, or an error and its text. */
	int (*connected)(struct vgpuback_transport *t, int status,
			 const char *message);

	/*
	 * Maps count granted pages, in order, into one contiguous range.
	 * Returns NULL with errno set (EFAULT: a gref that is not granted,
	 * or granted read-only when writable is asked for).
	 */
	void *(*map)(struct vgpuback_transport *t, const grant_ref_t *grefs,
		     uint32_t count, bool writable);
	void (*unmap)(struct vgpuback_transport *t, void *addr,
		      uint32_t count);

	/* Signals the frontend. */
	int (*notify)(struct vgpuback_transport *t);

	/*
	 * Fds for the worker's poll loop. event_fd becomes readable when the
	 * frontend signals; ack_event() clears that. control_fd (-1 if none)
	 * carries setup traffic; control() handles it, and returns -EPIPE
	 * when the frontend has gone (Closing).
	 */
	int (*event_fd)(struct vgpuback_transport *t);
	void (*ack_event)(struct vgpuback_transport *t);
	int (*control_fd)(struct vgpuback_transport *t);
	int (*control)(struct vgpuback_transport *t);

	void (*destroy)(struct vgpuback_transport *t);
};

struct vgpuback_transport {
	const struct vgpuback_transport_impl *impl;
	/*
	 * The device, for logs and the scheduler. On loopback the frontend
	 * may name a domain id (see vgpu_loopback.h); devid is 0 there.
	 */
	uint32_t domid;
	uint32_t devid;
};

/*
 * Loopback: serves the frontend on an accepted UNIX socket connection.
 * Takes ownership of conn_fd. Returns NULL with errno set.
 */
struct vgpuback_transport *vgpuback_loopback_create(int conn_fd);

/*
 * Xen: serves backend/vgpu/<domid>/<devid>. max_grants bounds the grant
 * mappings this worker may hold (max-mapped-pages). NULL with errno set.
 */
struct vgpuback_transport *vgpuback_xen_create(uint32_t domid, uint32_t devid,
					       uint32_t max_grants);

/*
 * What the toolstack wrote for a device, read at a worker's start. The
 * caller fills in the defaults; each field the toolstack left absent or
 * out of range keeps its default, and name is empty if unreadable.
 */
struct vgpuback_toolstack {
	uint32_t max_mapped_pages;
	uint32_t scanout_width;
	uint32_t scanout_height;
	struct vgpuback_vnc_config vnc; /* the password from VGPU_XS_PRIVATE_DIR */
	char name[64];                  /* the domain's */
};

/* Reads ts over one xenstore connection. */
void vgpuback_xen_read_toolstack(uint32_t domid, uint32_t devid,
				 struct vgpuback_toolstack *ts);

/* Whether t is that implementation's (before any down-cast). */
bool vgpuback_transport_is_loopback(const struct vgpuback_transport *t);
bool vgpuback_transport_is_xen(const struct vgpuback_transport *t);

static inline const char *
vgpuback_transport_name(const struct vgpuback_transport *t)
{
	return t->impl->name;
}

static inline int vgpuback_transport_publish(struct vgpuback_transport *t,
					     const char *nodes)
{
	return t->impl->publish(t, nodes);
}

/* 0 at once where publish() already waited. */
static inline int vgpuback_transport_wait_front(struct vgpuback_transport *t)
{
	return t->impl->wait_front ? t->impl->wait_front(t) : 0;
}

static inline int vgpuback_transport_read_front(struct vgpuback_transport *t,
						const char *key, char *buf,
						size_t len)
{
	return t->impl->read_front(t, key, buf, len);
}

static inline int vgpuback_transport_connected(struct vgpuback_transport *t,
					       int status, const char *message)
{
	return t->impl->connected(t, status, message);
}

static inline void *vgpuback_transport_map(struct vgpuback_transport *t,
					   const grant_ref_t *grefs,
					   uint32_t count, bool writable)
{
	return t->impl->map(t, grefs, count, writable);
}

static inline void vgpuback_transport_unmap(struct vgpuback_transport *t,
					    void *addr, uint32_t count)
{
	t->impl->unmap(t, addr, count);
}

static inline int vgpuback_transport_notify(struct vgpuback_transport *t)
{
	return t->impl->notify(t);
}

static inline int vgpuback_transport_event_fd(struct vgpuback_transport *t)
{
	return t->impl->event_fd(t);
}

static inline void vgpuback_transport_ack_event(struct vgpuback_transport *t)
{
	t->impl->ack_event(t);
}

static inline int vgpuback_transport_control_fd(struct vgpuback_transport *t)
{
	return t->impl->control_fd(t);
}

static inline int vgpuback_transport_control(struct vgpuback_transport *t)
{
	return t->impl->control(t);
}

/* vgpuback_transport_destroy(NULL) is a no-op. */
static inline void vgpuback_transport_destroy(struct vgpuback_transport *t)
{
	if (t) {
		t->impl->destroy(t);
	}
}

#endif /* VGPUBACK_BACK_TRANSPORT_H */
