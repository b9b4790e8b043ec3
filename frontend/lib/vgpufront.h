/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvgpufront: the guest side of a vgpu device.
 *
 * It shares the ring, the command region and buffer pages with the
 * backend, sends requests and waits for their responses. The transport
 * (Xen grants or loopback) is chosen when the device is opened; nothing
 * above it differs.
 *
 * All functions are thread-safe: several threads may send and wait on one
 * device at once. Unless a comment says otherwise, functions return 0 on
 * success and a negative errno (or VGPUIF_E* status) on failure.
 */
#ifndef VGPUFRONT_H
#define VGPUFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vgpuif.h"

struct vgpufront;

/* What the backend allows this device, from its nodes. */
struct vgpufront_limits {
	uint32_t max_mapped_pages;
	uint32_t max_contexts;
	uint32_t max_resources;
	uint32_t max_cmd_pages;
	uint32_t max_submit_size;
};

/*
 * Pages shared with the backend. addr maps them here; fd (-1 if the
 * transport has none) maps the same pages in another local process at
 * offset 0, which is how vgpu-vtest hands them to Mesa. dir_ref names the
 * gref directory to put in requests.
 */
struct vgpufront_buf {
	void *addr;
	size_t size;
	uint32_t num_pages;
	int fd;
	grant_ref_t dir_ref;
};

/* A reserved stretch of the command region, filled by the caller. */
struct vgpufront_cmd {
	void *ptr;
	uint32_t offset;
	uint32_t size;
};

/*
 * Opens and connects a device. spec selects the transport:
 *   "loopback:PATH"  the backend listening on the UNIX socket PATH;
 *   "loopback@DOMID:PATH"  the same, standing for domain DOMID (1 to
 *                    VGPU_LB_MAX_DOMID): the frontend sends it as the
 *                    "domid" node of its CONNECT (include/vgpu_loopback.h),
 *                    and the backend's logs and GPU scheduler (weight,
 *                    cap, `xenvgpu sched --table`) know the device by it.
 *                    Without it the device has no domain (0). Nothing
 *                    checks the claim, so loopback is for one host's own
 *                    processes only;
 *   "xen" or "xen:DEVID"  device/vgpu/DEVID of this domain (default 0).
 * NULL means $VGPU_TRANSPORT, else "xen". Any other spec fails with
 * EINVAL.
 * cmd_pages: size of the command region, 0 for the default (256 pages).
 * Returns NULL with errno set; the reason is logged to stderr.
 */
struct vgpufront *vgpufront_open(const char *spec, uint32_t cmd_pages);

/* Disconnects and frees the device. vgpufront_close(NULL) is a no-op. */
void vgpufront_close(struct vgpufront *dev);

const struct vgpufront_limits *vgpufront_limits(const struct vgpufront *dev);

/* Pages of the command region, which the backend maps while connected. */
uint32_t vgpufront_cmd_pages(const struct vgpufront *dev);

/*
 * Whether the backend has gone (every call now fails with ENODEV); a
 * new vgpufront_open() connects to its successor.
 */
bool vgpufront_lost(struct vgpufront *dev);

/*
 * The longest a waiter spins on the ring before it sleeps on the event
 * channel, in microseconds: $VGPU_POLL_US, else VGPUFRONT_DEF_POLL_US.
 * Within it, the spin adapts: it shrinks to nothing while answers take
 * longer than this (a frame being rendered) and grows back when they
 * come sooner. The spin yields the CPU after its first 5 us.
 */
#define VGPUFRONT_DEF_POLL_US 20
void vgpufront_set_poll_us(struct vgpufront *dev, unsigned int poll_us);

/*
 * Shares size bytes (rounded up to pages, zeroed) with the backend.
 * readonly: the backend may only read them. Returns NULL with errno set.
 */
struct vgpufront_buf *vgpufront_buf_alloc(struct vgpufront *dev, size_t size,
					  bool readonly);

/* Ends the sharing and frees buf. buf may be NULL. */
void vgpufront_buf_free(struct vgpufront *dev, struct vgpufront_buf *buf);

/*
 * Sends req (its id is assigned here and written back) and returns at
 * once. The request must be waited for with vgpufront_wait().
 * Blocks while the ring is full.
 */
int vgpufront_send(struct vgpufront *dev, struct vgpuif_req *req);

/*
 * Like vgpufront_send(), but does not wake the backend: the request is on
 * the ring, and the backend takes it with the next request that wakes
 * it, or at once if it is awake. Waiting for any response wakes it
 * first. For requests nobody waits for now, such as a free or the
 * create of a resource a later request will use: each kick saved is a
 * wake-up of the backend saved.
 */
int vgpufront_send_lazy(struct vgpufront *dev, struct vgpuif_req *req);

/* Waits for the response to request id; returns its status. */
int vgpufront_wait(struct vgpufront *dev, uint32_t id,
		   struct vgpuif_resp *resp);

/*
 * Whether the response to request id has come (or the device is lost),
 * so that vgpufront_wait() would not block. Never blocks.
 */
bool vgpufront_done(struct vgpufront *dev, uint32_t id);

/*
 * Nobody will wait for request id: its response is dropped when it
 * comes, and its slot freed.
 */
void vgpufront_forget(struct vgpufront *dev, uint32_t id);

/* Send and wait. resp may be NULL. Returns the response's status. */
int vgpufront_call(struct vgpufront *dev, struct vgpuif_req *req,
		   struct vgpuif_resp *resp);

/*
 * Reserves size bytes (rounded up to 4) of the command region, waiting for
 * earlier submits to complete if it is full. Fails with -E2BIG if size
 * exceeds the region or max-submit-size.
 */
int vgpufront_cmd_reserve(struct vgpufront *dev, uint32_t size,
			  struct vgpufront_cmd *cmd);

/* Returns an unsubmitted reservation. */
void vgpufront_cmd_cancel(struct vgpufront *dev, struct vgpufront_cmd *cmd);

/*
 * Sends SUBMIT_3D for a filled reservation in ctx_id. With fence_id != 0
 * the request carries VGPUIF_FLAG_FENCE. The reservation is released when
 * the response arrives. *id (may be NULL) gets the request id; the caller
 * must vgpufront_wait() for it if id is not NULL, otherwise the library
 * consumes the response itself.
 */
int vgpufront_cmd_submit(struct vgpufront *dev, uint32_t ctx_id,
			 struct vgpufront_cmd *cmd, uint64_t fence_id,
			 uint32_t *id);

#endif /* VGPUFRONT_H */
