/* SPDX-License-Identifier: MIT */
/*
 * vgpu_loopback.h - setup messages of the loopback transport.
 *
 * The loopback transport runs the vgpuif protocol between two processes
 * on one host. It stands in for Xen's three mechanisms and nothing more:
 *
 *   grant table   -> memfd pages, passed once over the setup socket with
 *                    SCM_RIGHTS and named by "grefs" the frontend assigns;
 *   event channel -> two eventfds, one per direction;
 *   xenstore      -> the key/value text of the HELLO and CONNECT messages.
 *
 * The ring and everything above it are the same as on Xen.
 *
 * Every message starts with struct vgpu_lb_hdr; payload_len bytes follow.
 * The backend speaks first:
 *
 *   backend  -> HELLO    payload: backend nodes, "key=value\n" text
 *   frontend -> SHARE    payload: struct vgpu_lb_share, one memfd attached
 *   backend  -> REPLY    payload: struct vgpu_lb_reply (+ message text)
 *   ...
 *   frontend -> CONNECT  payload: frontend nodes, "key=value\n" text,
 *                        two eventfds attached: [0] frontend->backend
 *                        kick, [1] backend->frontend kick
 *   backend  -> REPLY    status 0 when connected, or an error whose text
 *                        says what was refused (xenstore's "error" node)
 *
 * Besides the frontend nodes of vgpuif.h, CONNECT may carry "domid", 1
 * to VGPU_LB_MAX_DOMID: the domain this frontend stands for, as the
 * backend's logs and its GPU scheduler (weights, caps) know it. On Xen
 * the hypervisor says who the frontend is; here the frontend says it
 * itself, which is why loopback is for one host's own processes only.
 *
 * SHARE and UNSHARE may follow at any time after CONNECT, each answered
 * by a REPLY. The frontend uses grefs of a share only once its REPLY has
 * come, so the backend always knows a gref before a request names it. A
 * closed socket is the frontend going to Closing.
 */
#ifndef VGPU_LOOPBACK_H
#define VGPU_LOOPBACK_H

#include <stdint.h>

/* The largest domid, as on Xen (DOMID_FIRST_RESERVED - 1). */
#define VGPU_LB_MAX_DOMID       0x7fefu

#define VGPU_LB_HELLO           1
#define VGPU_LB_SHARE           2
#define VGPU_LB_UNSHARE         3
#define VGPU_LB_CONNECT         4
#define VGPU_LB_REPLY           5

/* Largest payload of any message: key/value text or a reply's message. */
#define VGPU_LB_MAX_PAYLOAD     4096

struct vgpu_lb_hdr {
	uint32_t type;
	uint32_t payload_len;
};

/*
 * SHARE: pages [0, num_pages) of the attached memfd become grefs
 * first_gref .. first_gref + num_pages - 1. readonly: the backend may map
 * them only for reading, as with a read-only grant. Grefs are handed out
 * in increasing order and never overlap. Like a grant, the pages must not
 * vanish while mapped: the memfd must be sealed against shrinking
 * (F_SEAL_SHRINK) and hold all num_pages pages, or the REPLY is -EINVAL.
 * UNSHARE: the same struct, no fd; ends the grants (existing mappings
 * stay valid until the backend unmaps them, as on Xen).
 */
struct vgpu_lb_share {
	uint32_t first_gref;
	uint32_t num_pages;
	uint32_t readonly;
	uint32_t reserved;
};

/* REPLY: status is 0 or a negative errno; message text may follow. */
struct vgpu_lb_reply {
	int32_t status;
	uint32_t reserved;
};

#endif /* VGPU_LOOPBACK_H */
