/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raw_front: a hand-made loopback frontend for the hostile tests. It
 * speaks the setup messages of include/vgpu_loopback.h by itself and then
 * leaves every shared byte to the test: ring indices, request slots, gref
 * directories and the command region are written directly, the way a
 * malicious guest would, with no libvgpufront in between to keep them
 * sane.
 *
 * Functions return 0 or a negative errno unless stated; the setup
 * requests return the backend's REPLY status.
 */
#ifndef VGPU_TESTS_RAW_FRONT_H
#define VGPU_TESTS_RAW_FRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "front_transport.h"
#include "vgpuif.h"
#include "vgpu_loopback.h"

/* Pages this frontend made and offered as consecutive grefs. */
struct raw_share {
	uint8_t *addr;          /* our read-write mapping of them */
	int fd;                 /* the memfd; -1 once freed */
	uint32_t first_gref;
	uint32_t num_pages;
	bool readonly;          /* as offered to the backend */
	/* Shares made by a transport (Xen): its grefs, in xs.grefs. */
	struct vgpufront_transport *t;
	struct vgpufront_share xs;
};

struct raw_front {
	struct vgpufront_transport *t;  /* raw_front_attach(); NULL: loopback */
	int sock;               /* setup socket */
	int kick_out;           /* us -> backend */
	int kick_in;            /* backend -> us */
	char back_nodes[VGPU_LB_MAX_PAYLOAD + 1];
	uint32_t next_gref;     /* the next gref raw_front_share() hands out */

	/* Set up by raw_front_connect(). */
	struct raw_share ring;
	struct raw_share cmd;           /* the command region */
	struct raw_share cmd_dir;       /* its gref directory */
	struct vgpuif_sring *sring;
	RING_IDX req_prod;              /* next slot we fill */
	RING_IDX rsp_cons;              /* next response we read */
	uint32_t next_id;
};

/*
 * Connects to the backend on the UNIX socket path and reads its HELLO.
 * first_gref is where this frontend starts numbering its grants, so that
 * a test can keep its grefs apart from, or equal to, another frontend's.
 */
int raw_front_dial(struct raw_front *rf, const char *path,
		   uint32_t first_gref);

/*
 * Uses transport t (vgpufront_xen_create(), found in InitWait) instead
 * of a loopback socket, and takes it. Grefs are then whatever t hands
 * out, unsharing also unmaps, and a refused connect returns
 * -ECONNREFUSED (the reason is in the backend's error node). Loopback
 * setup messages (raw_front_request() and the like) are not available.
 */
void raw_front_attach(struct raw_front *rf, struct vgpufront_transport *t);

/*
 * Sends one setup message of any type, payload and fds (at most 2) and
 * returns the status of the REPLY, or -errno (-EPIPE: the backend hung
 * up instead).
 */
int raw_front_request(struct raw_front *rf, uint32_t type,
		      const void *payload, uint32_t len, const int *fds,
		      int nfds);

/*
 * A memfd of num_pages zeroed pages; sealed: against shrinking, as an
 * honest frontend's is. Returns the fd or -errno.
 */
int raw_memfd(uint32_t num_pages, bool sealed);

/*
 * Makes a sealed memfd of num_pages zeroed pages, maps it, and offers it as
 * grefs rf->next_gref onwards. Returns the REPLY status (the share is
 * kept mapped either way; raw_share_free() drops it) or -errno.
 */
int raw_front_share(struct raw_front *rf, uint32_t num_pages, bool readonly,
		    struct raw_share *s);

/* Sends SHARE for any fd and gref range, as given. Returns the REPLY. */
int raw_front_share_fd(struct raw_front *rf, int fd, uint32_t first_gref,
		       uint32_t num_pages, bool readonly);

/*
 * Sends UNSHARE for s (our mapping stays). Returns the REPLY status. On
 * Xen the grants end with the mapping: s is freed, and 0 returned.
 */
int raw_front_unshare(struct raw_front *rf, struct raw_share *s);

/* Unmaps and closes s; a zeroed or freed s is a no-op. */
void raw_share_free(struct raw_share *s);

/* Page i of s, and gref i of s. */
void *raw_share_page(const struct raw_share *s, uint32_t i);
grant_ref_t raw_share_gref(const struct raw_share *s, uint32_t i);

/*
 * Writes a well-formed directory into dir listing the pages of data:
 * each directory page links to the next, the last to 0.
 */
void raw_dir_fill(const struct raw_share *dir, const struct raw_share *data);

/*
 * Shares a ring page (read-write), a command region of cmd_pages
 * (read-only) and its directory (read-only), initialises the ring and
 * sends CONNECT with those nodes. Returns the REPLY status.
 */
int raw_front_connect(struct raw_front *rf, uint32_t cmd_pages);

/* Sends CONNECT with the given node text. Returns the REPLY status. */
int raw_front_connect_nodes(struct raw_front *rf, const char *nodes);

/* dial (loopback) + connect; a refusal comes back as the REPLY status. */
int raw_front_open(struct raw_front *rf, const char *path,
		   uint32_t first_gref, uint32_t cmd_pages);

/*
 * Closes the socket and eventfds and frees the shares connect set up.
 * rf must have been through raw_front_dial(); closing twice is fine.
 */
void raw_front_close(struct raw_front *rf);

/* The ring slot of index i, as shared memory. */
struct vgpuif_req *raw_front_slot(struct raw_front *rf, RING_IDX i);

/*
 * Copies req into the next slot without publishing it, with a fresh id.
 * Returns that id.
 */
uint32_t raw_front_queue(struct raw_front *rf, const struct vgpuif_req *req);

/* Publishes every queued request (req_prod) and kicks the backend. */
void raw_front_publish(struct raw_front *rf);

/* Writes prod to the shared req_prod as it is, and kicks. */
void raw_front_set_req_prod(struct raw_front *rf, RING_IDX prod);

/* Responses on the ring that we have not read yet. */
uint32_t raw_front_pending(struct raw_front *rf);

/*
 * Waits up to timeout_ms for the next response and copies it to resp.
 * Returns 0, -ENODEV once the backend has closed the setup socket with
 * no response left to read, or -ETIMEDOUT.
 */
int raw_front_wait(struct raw_front *rf, struct vgpuif_resp *resp,
		   int timeout_ms);

/* queue + publish + wait; req->id is set to the id sent. */
int raw_front_call(struct raw_front *rf, struct vgpuif_req *req,
		   struct vgpuif_resp *resp, int timeout_ms);

/* True once the backend has closed the setup socket. */
bool raw_front_gone(struct raw_front *rf);

/*
 * Waits up to timeout_ms for the backend to close the setup socket: the
 * frontend was disconnected. Returns 0 or -ETIMEDOUT.
 */
int raw_front_wait_gone(struct raw_front *rf, int timeout_ms);

#endif
