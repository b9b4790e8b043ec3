/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's view of a transport: how a worker reaches its frontend's
 * nodes, maps granted pages and signals the event channel. One interface,
 * several implementations (loopback.c, later xen.c), in the manner of
 * wlroots' backends: each embeds struct vgpuback_transport first and has
 * one static const vtable.
 *
 * All functions return 0 or a negative errno unless stated.
 */
#ifndef VGPUBACK_TRANSPORT_H
#define VGPUBACK_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"

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
 * What the toolstack wrote for the device: its max-mapped-pages into
 * *pages, left alone if absent or out of range, and the domain's name
 * into name, empty if it cannot be read.
 */
void vgpuback_xen_read_toolstack(uint32_t domid, uint32_t devid,
				 uint32_t *pages, char *name, size_t len);

static inline void vgpuback_transport_destroy(struct vgpuback_transport *t)
{
	if (t) {
		t->impl->destroy(t);
	}
}

#endif /* VGPUBACK_TRANSPORT_H */
