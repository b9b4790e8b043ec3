/* SPDX-License-Identifier: MIT */
/******************************************************************************
 * vgpuif.h
 *
 * Paravirtualized 3D GPU device I/O interface for Xen guest OSes.
 *
 * The frontend (domU) grants its ring, command and buffer pages to the
 * backend (dom0), which maps them once and feeds them to virglrenderer.
 * The command set follows virtio-gpu's 3D commands, so that the virgl
 * command stream produced by stock Mesa passes through unchanged.
 *
 * Copyright (C) 2026 The xen-vgpu authors.
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to
 * deal in the Software without restriction, including without limitation the
 * rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
 * sell copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
 * FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
 * DEALINGS IN THE SOFTWARE.
 */

#ifndef __XEN_PUBLIC_IO_VGPUIF_H__
#define __XEN_PUBLIC_IO_VGPUIF_H__

/*
 * The same header serves the guest kernel and userspace. The kernel has
 * its own copy of Xen's public headers, with its own barriers, and no
 * libc; `make kcheck` builds a kernel object that includes this header.
 */
#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/io/ring.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * ring.h leaves the memory barriers to its includer once the interface
 * version is recent enough; C11 fences are exactly what it asks for.
 */
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif
#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#include <xen/grant_table.h>
#include <xen/io/ring.h>
#endif /* __KERNEL__ */

/*
 ******************************************************************************
 *                           Protocol version
 ******************************************************************************
 * The frontend writes the version it speaks to "protocol-version"; the
 * backend lists every version it accepts in "protocol-versions" (a
 * space-separated list of decimal numbers). A frontend that finds its
 * version missing from the list must not connect. A backend that reads an
 * unsupported "protocol-version" writes "error" and moves to Closed.
 */
#define VGPUIF_PROTOCOL_VERSION     1

/*
 ******************************************************************************
 *                  Feature and parameter negotiation
 ******************************************************************************
 *
 * Both ends publish key/value pairs: under xenstore directories on Xen,
 * and as the same pairs in the setup message of the loopback transport
 * (see include/vgpu_loopback.h). Every value is an ASCII string; numbers are
 * decimal unless stated. Values written by the other end are never trusted:
 * a value that does not parse, or is out of range, is a protocol error.
 *
 * Persistent mapping is not a feature, it is the only mode: the backend
 * maps the ring and the command region once at connect, and each
 * resource's backing once at attach. Nothing is mapped per request.
 *
 * Optional features, each a backend node that reads "1" when the backend
 * serves it; a request of a feature the backend does not advertise fails
 * with VGPUIF_EOPNOTSUPP:
 *   feature-scanout  - a screen: set scanout, resource flush and page flip
 *                      (see "Scanout" below).
 *   feature-blob     - blob resources (create, map, unmap). Reserved: no
 *                      backend advertises it yet.
 *
 ******************************************************************************
 *                        Example xenstore tree
 ******************************************************************************
 *
 * Frontend (guest) directory, owned by the guest, readable by the backend:
 *
 *   /local/domain/1/device/vgpu/0/backend = "/local/domain/0/backend/vgpu/1/0"
 *   /local/domain/1/device/vgpu/0/backend-id = "0"
 *   /local/domain/1/device/vgpu/0/state = "4"
 *   /local/domain/1/device/vgpu/0/protocol-version = "1"
 *   /local/domain/1/device/vgpu/0/ring-ref = "8"
 *   /local/domain/1/device/vgpu/0/cmd-dir-ref = "9"
 *   /local/domain/1/device/vgpu/0/cmd-pages = "256"
 *   /local/domain/1/device/vgpu/0/event-channel = "15"
 *
 * Backend (dom0) directory, owned by dom0, readable by the guest:
 *
 *   /local/domain/0/backend/vgpu/1/0/frontend = "/local/domain/1/device/vgpu/0"
 *   /local/domain/0/backend/vgpu/1/0/frontend-id = "1"
 *   /local/domain/0/backend/vgpu/1/0/online = "1"
 *   /local/domain/0/backend/vgpu/1/0/state = "4"
 *   /local/domain/0/backend/vgpu/1/0/protocol-versions = "1"
 *   /local/domain/0/backend/vgpu/1/0/max-mapped-pages = "65536"
 *   /local/domain/0/backend/vgpu/1/0/weight = "256"
 *   /local/domain/0/backend/vgpu/1/0/cap = "0"
 *   /local/domain/0/backend/vgpu/1/0/max-contexts = "64"
 *   /local/domain/0/backend/vgpu/1/0/max-resources = "4096"
 *   /local/domain/0/backend/vgpu/1/0/max-cmd-pages = "1024"
 *   /local/domain/0/backend/vgpu/1/0/max-submit-size = "1048576"
 *   /local/domain/0/backend/vgpu/1/0/feature-scanout = "1"
 *   /local/domain/0/backend/vgpu/1/0/scanout-width = "1024"
 *   /local/domain/0/backend/vgpu/1/0/scanout-height = "768"
 *   /local/domain/0/backend/vgpu/1/0/vnc = "1"
 *   /local/domain/0/backend/vgpu/1/0/vnc-port = "5900"
 *   /local/domain/0/backend/vgpu/1/0/feature-blob = "0"
 *
 ******************************************************************************
 *                         Frontend nodes
 ******************************************************************************
 *
 * protocol-version
 *      Values:         <uint32_t>
 *      The protocol version the frontend speaks. Must appear in the
 *      backend's protocol-versions.
 *
 * ring-ref
 *      Values:         <grant_ref_t>
 *      Grant reference of the single page holding the shared request and
 *      response ring (struct vgpuif_sring). Granted read-write.
 *
 * cmd-dir-ref
 *      Values:         <grant_ref_t>
 *      Grant reference of the first page of the gref directory (see
 *      struct vgpuif_gref_directory) that lists the pages of the command
 *      region. The command region holds the virgl command bytes of
 *      VGPUIF_OP_SUBMIT_3D. The backend maps it read-only.
 *
 * cmd-pages
 *      Values:         <uint32_t>
 *      Number of pages in the command region, 1 to max-cmd-pages.
 *
 * event-channel
 *      Values:         <uint32_t>
 *      The event channel the frontend allocated for the backend's domain.
 *      Either end notifies it after pushing to the ring, following ring.h's
 *      notification suppression (RING_PUSH_*_AND_CHECK_NOTIFY).
 *
 ******************************************************************************
 *                         Backend nodes
 ******************************************************************************
 *
 * protocol-versions
 *      Values:         <list of uint32_t, space separated>
 *
 * max-mapped-pages
 *      Values:         <uint32_t>
 *      The most guest pages the backend maps at once for this device:
 *      ring, command region, gref directories in use and resource backing
 *      together. This is the vram= limit of the vgpu= spec, in pages.
 *      An attach that would exceed it fails with VGPUIF_ENOSPC. The
 *      backend's own storage for the device's resources is held to the
 *      same number of pages, separately: each resource counts what its
 *      description asks for (every mip level, in blocks of its format,
 *      times depth, layers (6 faces for a cube) and samples), reserved
 *      before the renderer allocates it; a RESOURCE_CREATE_3D past it
 *      fails with VGPUIF_ENOSPC.
 *
 * weight
 *      Values:         <uint32_t>, 1 to 65535; absent or out of range: 256
 *      Written by the toolstack (the vgpu= spec's weight=, or xenvgpu
 *      sched), read by the backend, never written by it. The device's
 *      share of GPU time in dom0's GPU scheduler: each scheduling period
 *      is shared between the devices that use the GPU in proportion to
 *      their weights. The backend watches the node, so a new value takes
 *      effect at once, without reconnecting. The frontend does not read
 *      it.
 *
 * cap
 *      Values:         <uint32_t>, 0 to 100; absent or out of range: 0
 *      Written by the toolstack (cap=, or xenvgpu sched), read by the
 *      backend as weight is. The most GPU time the device gets in each
 *      scheduling period, in percent, even when the GPU would otherwise
 *      be idle; a device past its cap waits for the next period. 0: no
 *      cap.
 *
 * max-contexts, max-resources
 *      Values:         <uint32_t>
 *      The most live contexts and resources. Beyond: VGPUIF_ENOSPC.
 *
 * max-cmd-pages
 *      Values:         <uint32_t>
 *      The largest command region the backend accepts at connect.
 *
 * max-submit-size
 *      Values:         <uint32_t>
 *      The largest cmd_size of one VGPUIF_OP_SUBMIT_3D, in bytes.
 *      Larger submits fail with VGPUIF_E2BIG.
 *
 * feature-scanout, feature-blob
 *      Values:         "0" or "1"
 *
 * scanout-width, scanout-height
 *      Values:         <uint32_t>, 1 to VGPUIF_SCANOUT_MAX_DIM
 *      Present when feature-scanout is "1". The mode the guest's screen
 *      should have, in pixels: the vgpu= spec's width= and height=
 *      (default 1024x768). Written by the toolstack, which may rewrite
 *      them at any time (xenvgpu resize); the frontend watches both and
 *      offers the new size to the guest as its preferred mode (a hotplug
 *      event on its connector). Neither end changes state for a resize.
 *      The backend does not enforce the size: the guest shows whatever
 *      SET_SCANOUT names, and the display follows it. The backend's
 *      display starts blank at this size.
 *
 * vnc, vnclisten, vncdisplay
 *      Values:         "0" or "1"; <IPv4 address>; <uint32_t>, 0 to 99
 *      Optional, written by the toolstack (the vgpu= spec's vnc=,
 *      vnclisten= and vncdisplay=), read by the backend when it starts
 *      serving the device: whether dom0 shows the screen over VNC, on
 *      which address (default 127.0.0.1) and on which TCP port (5900 +
 *      vncdisplay; absent: the first free from 5900). The frontend does
 *      not read them. A VNC password is never written here, where the
 *      guest could read it.
 *
 * vnc-port
 *      Values:         <uint32_t>, 0 to 65535
 *      Written by the backend with its other nodes: the TCP port its VNC
 *      display listens on, 0 when it has none. For the toolstack; the
 *      frontend ignores it.
 *
 * error
 *      Values:         <string>
 *      Written by the backend before it moves to Closed because of a
 *      protocol error, naming the node or value it refused.
 *
 ******************************************************************************
 *                           State diagrams
 ******************************************************************************
 *
 * Tool stack creates front and back state nodes with initial state
 * XenbusStateInitialising. The frontend then allocates the ring and the
 * command region, writes its nodes in one transaction and switches to
 * XenbusStateInitialised.
 *
 *         Frontend                                Backend
 *
 * XenbusStateInitialising                XenbusStateInitialising
 *                                         o Publishes protocol-versions,
 *                                           limits and features.
 *                                                  |
 *                                                  V
 *                                        XenbusStateInitWait
 * o Reads the backend's nodes.
 * o Grants ring and command region,
 *   allocates the event channel.
 * o Writes its nodes (one transaction).
 *              |
 *              V
 * XenbusStateInitialised
 *                                         o Reads and checks the frontend's
 *                                           nodes; on error writes "error",
 *                                           goes to Closed.
 *                                         o Maps ring and command region,
 *                                           binds the event channel.
 *                                                  |
 *                                                  V
 *                                        XenbusStateConnected
 * o Starts sending requests.
 *              |
 *              V
 * XenbusStateConnected
 *
 * Recovery flow
 * -------------
 * The backend may restart at any time (a crashed worker is restarted by
 * the supervisor). The restarted backend finds the frontend Connected or
 * Initialised; it publishes its nodes and goes to InitWait again. A
 * frontend that sees its backend leave Connected:
 *   o fails every outstanding request locally with VGPUIF_ENODEV,
 *   o forgets every context and resource (they died with the backend),
 *   o ends the grants of the old ring and command region,
 *   o and reconnects from XenbusStateInitialising.
 * The frontend's users see the device lost (VGPUIF_ENODEV from
 * libvgpufront, EIO from the guest kernel driver) and recreate their
 * contexts. A frontend going to Closing makes the backend unmap
 * everything, destroy the guest's contexts and resources, and go to
 * Closed. A frontend that goes away waits for Closed (or a bound of its
 * own) before it ends the grants of its ring and command region: a page
 * whose grant ends while the backend still maps it cannot be freed, and
 * the guest kernel keeps it until the backend lets go.
 *
 ******************************************************************************
 *                           Grant directories
 ******************************************************************************
 *
 * A buffer of more than one page is passed as a gref directory: a chain
 * of pages, each holding the grant references of the buffer's pages, in
 * order. Directory pages are granted read-only. The backend reads at most
 * DIV_ROUND_UP(num_pages, VGPUIF_GREFS_PER_DIR_PAGE) directory pages,
 * whatever the chain says, so a looping chain cannot hold it. It copies
 * each directory page out before using any gref in it, and unmaps the
 * directory once the buffer is mapped.
 *
 * 0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                      gref_dir_next_page                           | 4
 * +----------------+----------------+----------------+----------------+
 * |                      reserved                                     | 8
 * +----------------+----------------+----------------+----------------+
 * |                      gref[0]                                      | 12
 * +----------------+----------------+----------------+----------------+
 * |                      ...                                          |
 * +----------------+----------------+----------------+----------------+
 * |                      gref[VGPUIF_GREFS_PER_DIR_PAGE - 1]          | 4096
 * +----------------+----------------+----------------+----------------+
 *
 * gref_dir_next_page - grant_ref_t, the next directory page, or 0 on the
 *   last one.
 * gref - grant_ref_t, the pages of the buffer.
 *
 * No grant reference of this protocol (ring-ref, cmd-dir-ref, a directory
 * or a page listed in one) may be below GNTTAB_NR_RESERVED_ENTRIES (8):
 * those are the toolstack's grants of the guest's console and xenstore
 * rings. The backend refuses them as it refuses a gref it cannot map.
 */
#define VGPUIF_PAGE_SIZE            4096
#define VGPUIF_GREFS_PER_DIR_PAGE \
	((VGPUIF_PAGE_SIZE - 8) / sizeof(grant_ref_t))

struct vgpuif_gref_directory {
	grant_ref_t gref_dir_next_page;
	uint32_t reserved;
	grant_ref_t gref[];
};

/*
 ******************************************************************************
 *                           Requests and responses
 ******************************************************************************
 *
 * Every request gets exactly one response with the same id. The backend
 * copies a request out of the ring, and a submit's command bytes out of
 * the command region, before it checks them: the guest may rewrite shared
 * memory at any moment.
 *
 * Requests are processed in ring order. A response is pushed once its
 * request is complete, so responses may come out of order: a request with
 * VGPUIF_FLAG_FENCE is answered only after all GPU work that its context
 * submitted up to and including it has finished. Its response carries
 * the request's fence_id. The bytes of a VGPUIF_OP_SUBMIT_3D in the command
 * region belong to the backend until its response arrives.
 *
 * All requests have a common header:
 *
 * 0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                               id                                  | 4
 * +----------------+----------------+----------------+----------------+
 * |   operation    |     flags      |            reserved             | 8
 * +----------------+----------------+----------------+----------------+
 * |                             ctx_id                                | 12
 * +----------------+----------------+----------------+----------------+
 * |                            reserved                               | 16
 * +----------------+----------------+----------------+----------------+
 * |                            fence_id                               | 20
 * +----------------+----------------+----------------+----------------+
 * |                            fence_id                               | 24
 * +----------------+----------------+----------------+----------------+
 * |                    operation specific (72 octets)                 | 96
 * +----------------+----------------+----------------+----------------+
 *
 * id - uint32_t, chosen by the frontend, echoed in the response.
 * operation - uint8_t, VGPUIF_OP_*.
 * flags - uint8_t, VGPUIF_FLAG_*; unknown bits fail with VGPUIF_EINVAL.
 * ctx_id - uint32_t, the context the request acts in, 1 to 2^31 - 1.
 *   Ignored (must be 0) by operations that act on no context.
 * fence_id - uint64_t, meaningful with VGPUIF_FLAG_FENCE: echoed in the
 *   response once the fence has signalled. Must increase per context.
 * reserved - must be 0, or the request fails with VGPUIF_EINVAL.
 *
 * Responses share this header:
 *
 * 0                1                 2               3        octet
 * +----------------+----------------+----------------+----------------+
 * |                               id                                  | 4
 * +----------------+----------------+----------------+----------------+
 * |   operation    |     flags      |            reserved             | 8
 * +----------------+----------------+----------------+----------------+
 * |                             status                                | 12
 * +----------------+----------------+----------------+----------------+
 * |                            reserved                               | 16
 * +----------------+----------------+----------------+----------------+
 * |                            fence_id                               | 20
 * +----------------+----------------+----------------+----------------+
 * |                            fence_id                               | 24
 * +----------------+----------------+----------------+----------------+
 * |                    operation specific (72 octets)                 | 96
 * +----------------+----------------+----------------+----------------+
 *
 * id, operation, flags, fence_id - echoed from the request.
 * status - int32_t, 0 on success or a negative VGPUIF_E* code.
 */
#define VGPUIF_OP_NOP                   0
#define VGPUIF_OP_GET_CAPSET_INFO       1
#define VGPUIF_OP_GET_CAPSET            2
#define VGPUIF_OP_CTX_CREATE            3
#define VGPUIF_OP_CTX_DESTROY           4
#define VGPUIF_OP_RESOURCE_CREATE_3D    5
#define VGPUIF_OP_RESOURCE_UNREF        6
#define VGPUIF_OP_RESOURCE_ATTACH_BACKING 7
#define VGPUIF_OP_RESOURCE_DETACH_BACKING 8
#define VGPUIF_OP_CTX_ATTACH_RESOURCE   9
#define VGPUIF_OP_CTX_DETACH_RESOURCE   10
#define VGPUIF_OP_SUBMIT_3D             11
#define VGPUIF_OP_TRANSFER_TO_HOST_3D   12
#define VGPUIF_OP_TRANSFER_FROM_HOST_3D 13
#define VGPUIF_OP_RESOURCE_BUSY         14
/* feature-scanout. */
#define VGPUIF_OP_SET_SCANOUT           32
#define VGPUIF_OP_RESOURCE_FLUSH        33
#define VGPUIF_OP_PAGE_FLIP             34
/* Reserved for feature-blob. */
#define VGPUIF_OP_RESOURCE_CREATE_BLOB  48
#define VGPUIF_OP_RESOURCE_MAP_BLOB     49
#define VGPUIF_OP_RESOURCE_UNMAP_BLOB   50

/* Answer only once the context's GPU work up to this request is done. */
#define VGPUIF_FLAG_FENCE               (1 << 0)
#define VGPUIF_FLAGS_ALL                VGPUIF_FLAG_FENCE

/*
 * Request NOP: does nothing, answered at once. Used to measure the round
 * trip and to check that the backend is alive. No operation specific part.
 *
 * Request GET_CAPSET_INFO:
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                          capset_index                             | 28
 *         +----------------+----------------+----------------+----------------+
 *
 * capset_index - uint32_t, 0 to the number of capsets minus 1.
 *
 * Response GET_CAPSET_INFO:
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                           capset_id                               | 28
 *         |                        capset_max_version                         | 32
 *         |                        capset_max_size                            | 36
 *         +----------------+----------------+----------------+----------------+
 *
 * capset_id - uint32_t, VIRGL_RENDERER_CAPSET_* (1 = virgl, 2 = virgl2).
 * capset_max_version, capset_max_size - uint32_t, as virglrenderer says.
 * An index past the last capset fails with VGPUIF_EINVAL.
 */
struct vgpuif_capset_info_req {
	uint32_t capset_index;
};

struct vgpuif_capset_info_resp {
	uint32_t capset_id;
	uint32_t capset_max_version;
	uint32_t capset_max_size;
};

/*
 * Request GET_CAPSET: the backend writes the capability set into guest
 * pages given by a gref directory, mapped for this request only.
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                           capset_id                               | 28
 *         |                         capset_version                            | 32
 *         |                          gref_directory                           | 36
 *         |                            buf_size                               | 40
 *         +----------------+----------------+----------------+----------------+
 *
 * gref_directory - grant_ref_t of the first directory page of the buffer.
 * buf_size - uint32_t, bytes available; must be at least the capset's
 *   size, at most VGPUIF_MAX_CAPSET_SIZE.
 *
 * Response GET_CAPSET:
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                           capset_size                             | 28
 *         +----------------+----------------+----------------+----------------+
 */
#define VGPUIF_MAX_CAPSET_SIZE          (64 * 1024)

struct vgpuif_capset_req {
	uint32_t capset_id;
	uint32_t capset_version;
	grant_ref_t gref_directory;
	uint32_t buf_size;
};

struct vgpuif_capset_resp {
	uint32_t capset_size;
};

/*
 * Request CTX_CREATE: creates context ctx_id (from the common header).
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                           capset_id                               | 28
 *         |                            name_len                               | 32
 *         |                       name (64 octets)                            | 96
 *         +----------------+----------------+----------------+----------------+
 *
 * capset_id - uint32_t, 0 for the default (virgl).
 * name_len - uint32_t, 0 to 64, length of the debug name (not terminated).
 * An existing ctx_id fails with VGPUIF_EEXIST; too many contexts with
 * VGPUIF_ENOSPC.
 *
 * Request CTX_DESTROY: destroys ctx_id and detaches its resources. Fenced
 * requests of the context that are still pending are answered first.
 */
#define VGPUIF_CTX_NAME_MAX             64

struct vgpuif_ctx_create_req {
	uint32_t capset_id;
	uint32_t name_len;
	char name[VGPUIF_CTX_NAME_MAX];
};

/*
 * Request RESOURCE_CREATE_3D: ctx_id is 0; resources belong to the device
 * and are made visible to a context by CTX_ATTACH_RESOURCE.
 *
 * Several clients on one device (GL processes in the guest): res_ids are
 * one namespace per device, so a frontend serving several clients picks
 * them itself, as a kernel driver does, and gives each client a context
 * of its own. A client's command stream names resources by res_id, and
 * the renderer resolves them only among the resources attached to the
 * submitting context: a client cannot reach a resource that was never
 * attached to its context. (vgpu-vtest translates the handles each Mesa
 * process picks, all counting from 1, to res_ids of their own.)
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                             res_id                                | 28
 *         |                             target                                | 32
 *         |                             format                                | 36
 *         |                              bind                                 | 40
 *         |                             width                                 | 44
 *         |                             height                                | 48
 *         |                             depth                                 | 52
 *         |                           array_size                              | 56
 *         |                           last_level                              | 60
 *         |                           nr_samples                              | 64
 *         |                             flags                                 | 68
 *         +----------------+----------------+----------------+----------------+
 *
 * res_id - uint32_t, chosen by the frontend, 1 to 2^31 - 1. In use:
 *   VGPUIF_EEXIST.
 * target ... flags - uint32_t, the gallium resource description, as in
 *   virtio-gpu's RESOURCE_CREATE_3D; checked by virglrenderer.
 * Too many resources, or more backend storage than max-mapped-pages
 * leaves (see Backend nodes): VGPUIF_ENOSPC.
 *
 * Request RESOURCE_UNREF: frees res_id, its backing mapping included.
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                             res_id                                | 28
 *         +----------------+----------------+----------------+----------------+
 */
struct vgpuif_resource_create_3d_req {
	uint32_t res_id;
	uint32_t target;
	uint32_t format;
	uint32_t bind;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
	uint32_t array_size;
	uint32_t last_level;
	uint32_t nr_samples;
	uint32_t flags;
};

struct vgpuif_resource_req {
	uint32_t res_id;
};

/*
 * Request RESOURCE_ATTACH_BACKING: maps guest pages once, persistently, as
 * the resource's guest-side storage. TRANSFER_* then move data between
 * these pages and the host resource with no further mapping.
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                             res_id                                | 28
 *         |                         gref_directory                            | 32
 *         |                           num_pages                               | 36
 *         +----------------+----------------+----------------+----------------+
 *
 * gref_directory - grant_ref_t of the buffer's first directory page.
 * num_pages - uint32_t, 1 to max-mapped-pages (VGPUIF_EINVAL otherwise).
 * Already backed: VGPUIF_EBUSY. A gref that cannot be mapped:
 * VGPUIF_EFAULT. An attach that would bring the device's mapped pages
 * (directory pages included while they are read) over max-mapped-pages:
 * VGPUIF_ENOSPC.
 *
 * Request RESOURCE_DETACH_BACKING: unmaps them. Uses vgpuif_resource_req.
 * Request CTX_ATTACH_RESOURCE, CTX_DETACH_RESOURCE: make res_id visible to
 * ctx_id, or not. Use vgpuif_resource_req.
 */
struct vgpuif_attach_backing_req {
	uint32_t res_id;
	grant_ref_t gref_directory;
	uint32_t num_pages;
};

/*
 * Request SUBMIT_3D: executes virgl commands in ctx_id.
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                           cmd_offset                              | 28
 *         |                            cmd_size                               | 32
 *         +----------------+----------------+----------------+----------------+
 *
 * cmd_offset - uint32_t, byte offset of the commands in the command
 *   region; 4-byte aligned.
 * cmd_size - uint32_t, bytes, a multiple of 4, 1 to max-submit-size
 *   (VGPUIF_E2BIG beyond). cmd_offset + cmd_size must lie inside the
 *   region, with no wrap-around (VGPUIF_EINVAL).
 * A command stream that virglrenderer rejects fails with VGPUIF_EPROTO.
 */
struct vgpuif_submit_3d_req {
	uint32_t cmd_offset;
	uint32_t cmd_size;
};

/*
 * Request TRANSFER_TO_HOST_3D, TRANSFER_FROM_HOST_3D: copy a box between
 * the resource's backing pages and the host resource. The copy is
 * virglrenderer's own upload or readback; the backend adds none.
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                             res_id                                | 28
 *         |                             level                                 | 32
 *         |                             stride                                | 36
 *         |                          layer_stride                             | 40
 *         |                               x                                   | 44
 *         |                               y                                   | 48
 *         |                               z                                   | 52
 *         |                             width                                 | 56
 *         |                             height                                | 60
 *         |                             depth                                 | 64
 *         |                             offset                                | 68
 *         |                             offset                                | 72
 *         +----------------+----------------+----------------+----------------+
 *
 * offset - uint64_t, byte offset of the box in the backing.
 * The resource needs backing (VGPUIF_ENOENT otherwise), and ctx_id must
 * have it attached. virglrenderer checks the box against the resource
 * and the backing size.
 */
struct vgpuif_transfer_3d_req {
	uint32_t res_id;
	uint32_t level;
	uint32_t stride;
	uint32_t layer_stride;
	uint32_t x;
	uint32_t y;
	uint32_t z;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
	uint64_t offset;
};

/*
 * Request RESOURCE_BUSY: is GPU work of ctx_id that may use res_id still
 * running? With VGPUIF_BUSY_WAIT the answer waits until it is not. Only
 * ctx_id's own work counts: other contexts' work does not hold it up
 * (work retires in submission order, so the answer may come late, never
 * early).
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                             res_id                                | 28
 *         |                           busy_flags                              | 32
 *         +----------------+----------------+----------------+----------------+
 *
 * Response RESOURCE_BUSY:
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                              busy                                 | 28
 *         +----------------+----------------+----------------+----------------+
 *
 * busy - uint32_t, 1 if busy, 0 if idle; always 0 with VGPUIF_BUSY_WAIT.
 */
#define VGPUIF_BUSY_WAIT                (1 << 0)

struct vgpuif_resource_busy_req {
	uint32_t res_id;
	uint32_t busy_flags;
};

struct vgpuif_resource_busy_resp {
	uint32_t busy;
};

/*
 ******************************************************************************
 *                               Scanout
 ******************************************************************************
 * With feature-scanout the device has one screen, scanout 0, which the
 * backend shows to the outside world (a VNC server in dom0). ctx_id is 0
 * in all three requests. What the screen shows is a rectangle of one
 * resource, which must be a PIPE_TEXTURE_2D or PIPE_TEXTURE_RECT of format
 * B8G8R8A8_UNORM (1) or B8G8R8X8_UNORM (2), level 0, layer 0, one sample:
 * DRM's ARGB8888 and XRGB8888. Alpha is ignored. Anything else fails with
 * VGPUIF_EINVAL.
 *
 * The pixels come from one of two places, chosen per scanout request:
 *   o the resource's backing pages (VGPUIF_SCANOUT_BACKING), as the guest
 *     wrote them with the CPU: a dumb buffer. The backend reads them in
 *     place from its persistent mapping of the backing; nothing is copied
 *     into the host resource and no TRANSFER_TO_HOST_3D is needed. offset
 *     and stride say where row 0 of the resource starts in the backing
 *     and how far apart rows are; the rectangle must lie inside the
 *     backing (VGPUIF_EINVAL), which must be attached (VGPUIF_ENOENT).
 *   o the host resource, as the GPU rendered it (no flag). The backend
 *     reads back the damaged part on each RESOURCE_FLUSH and each
 *     PAGE_FLIP; offset and stride must be 0.
 * In both cases the guest may write the pixels at any time; the screen
 * shows what they are when the backend reads them. Frames are tear-free
 * only with PAGE_FLIP between two buffers.
 *
 * A resource that is on the screen stays referenced by the scanout: an
 * RESOURCE_UNREF or RESOURCE_DETACH_BACKING of it blanks the screen
 * (as a SET_SCANOUT with res_id 0 would) before it takes effect.
 *
 * Request SET_SCANOUT: shows a rectangle of res_id on scanout_id, at once,
 * or blanks the screen (res_id 0; the other fields must then be 0). The
 * screen's size becomes width x height. Answered at once.
 * Request PAGE_FLIP: the same fields; replaces the resource on the screen
 * in one step, as one frame. The screen must already show a resource
 * (VGPUIF_EINVAL), and width and height must be the screen's (a flip
 * does not change the mode; VGPUIF_EINVAL). The response comes only once
 * the new frame is shown, that is latched by the display: read back (host
 * resource) or switched to (backing), at the display's next refresh. The
 * backend refreshes at most VGPUIF_SCANOUT_REFRESH_HZ times a second, so
 * the response doubles as the guest's vblank event. One flip may be in
 * flight per scanout: a PAGE_FLIP while one is unanswered fails with
 * VGPUIF_EBUSY and its frame is dropped. A flip still waiting when a
 * SET_SCANOUT comes is shown first and answered, then the SET_SCANOUT
 * takes effect. A flip whose resource is freed, or loses its backing,
 * while it waits is answered with VGPUIF_ENOENT, and the screen keeps
 * its frame. Each flip's resource is checked again when it is latched.
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                          scanout_id                               | 28
 *         |                            res_id                                 | 32
 *         |                         scanout_flags                             | 36
 *         |                             offset                                | 40
 *         |                             stride                                | 44
 *         |                               x                                   | 48
 *         |                               y                                   | 52
 *         |                             width                                 | 56
 *         |                             height                                | 60
 *         +----------------+----------------+----------------+----------------+
 *
 * scanout_id - uint32_t, must be 0 (VGPUIF_EINVAL otherwise).
 * res_id - uint32_t, the resource to show; 0 blanks (SET_SCANOUT only).
 *   Unknown: VGPUIF_ENOENT.
 * scanout_flags - uint32_t, VGPUIF_SCANOUT_*; unknown bits: VGPUIF_EINVAL.
 * offset - uint32_t, with VGPUIF_SCANOUT_BACKING: byte offset of pixel
 *   (0, 0) of the resource in its backing; a multiple of 4.
 * stride - uint32_t, with VGPUIF_SCANOUT_BACKING: bytes from one row to
 *   the next in the backing; a multiple of 4, at least 4 times the
 *   resource's width.
 * x, y, width, height - uint32_t, the rectangle of the resource shown;
 *   width and height 1 to VGPUIF_SCANOUT_MAX_DIM, and the rectangle
 *   inside the resource, with no wrap-around (VGPUIF_EINVAL).
 *
 * Request RESOURCE_FLUSH: the guest changed the pixels of res_id inside
 * the rectangle; if res_id is on the screen, the screen shows the change.
 * Flushing a resource that is not on the screen does nothing and
 * succeeds, so a guest may flush before it flips. Answered once the
 * change is latched (a read back for a host resource), without waiting
 * for a refresh.
 *
 *         +----------------+----------------+----------------+----------------+
 *  24     |                            res_id                                 | 28
 *         |                               x                                   | 32
 *         |                               y                                   | 36
 *         |                             width                                 | 40
 *         |                             height                                | 44
 *         +----------------+----------------+----------------+----------------+
 *
 * res_id - uint32_t; unknown: VGPUIF_ENOENT.
 * x, y, width, height - uint32_t, the damaged rectangle in the resource's
 *   coordinates; width and height at least 1, and inside the resource,
 *   with no wrap-around (VGPUIF_EINVAL). The screen shows the part of
 *   it that lies inside the scanout's rectangle.
 */
#define VGPUIF_SCANOUT_MAX_DIM          8192
#define VGPUIF_SCANOUT_REFRESH_HZ       60

/* The pixels are read in place from the resource's backing pages. */
#define VGPUIF_SCANOUT_BACKING          (1 << 0)
#define VGPUIF_SCANOUT_FLAGS_ALL        VGPUIF_SCANOUT_BACKING

struct vgpuif_scanout_req {
	uint32_t scanout_id;
	uint32_t res_id;
	uint32_t scanout_flags;
	uint32_t offset;
	uint32_t stride;
	uint32_t x;
	uint32_t y;
	uint32_t width;
	uint32_t height;
};

struct vgpuif_resource_flush_req {
	uint32_t res_id;
	uint32_t x;
	uint32_t y;
	uint32_t width;
	uint32_t height;
};

/*
 ******************************************************************************
 *                             Status codes
 ******************************************************************************
 * Negative values of Xen's (and Linux's) errno numbers.
 */
#define VGPUIF_EOK                      0
#define VGPUIF_ENOENT                   (-2)   /* no such context/resource */
#define VGPUIF_EIO                      (-5)   /* the renderer failed */
#define VGPUIF_E2BIG                    (-7)   /* over max-submit-size */
#define VGPUIF_ENOMEM                   (-12)  /* backend out of memory */
#define VGPUIF_EFAULT                   (-14)  /* a gref could not be mapped */
#define VGPUIF_EBUSY                    (-16)  /* already backed; flip in flight */
#define VGPUIF_EEXIST                   (-17)  /* id in use */
#define VGPUIF_ENODEV                   (-19)  /* device lost */
#define VGPUIF_EINVAL                   (-22)  /* malformed request */
#define VGPUIF_ENOSPC                   (-28)  /* a per-guest limit */
#define VGPUIF_EPROTO                   (-71)  /* bad command stream */
#define VGPUIF_EOPNOTSUPP               (-95)  /* unknown or reserved op */

/*
 ******************************************************************************
 *                                 Rings
 ******************************************************************************
 * One page, initialised by the frontend with SHARED_RING_INIT. Entries are
 * 96 octets, so the page holds 32 of them.
 */
struct vgpuif_req {
	uint32_t id;
	uint8_t operation;
	uint8_t flags;
	uint16_t reserved;
	uint32_t ctx_id;
	uint32_t reserved1;
	uint64_t fence_id;
	union {
		struct vgpuif_capset_info_req capset_info;
		struct vgpuif_capset_req capset;
		struct vgpuif_ctx_create_req ctx_create;
		struct vgpuif_resource_create_3d_req resource_create_3d;
		struct vgpuif_resource_req resource;
		struct vgpuif_attach_backing_req attach_backing;
		struct vgpuif_submit_3d_req submit_3d;
		struct vgpuif_transfer_3d_req transfer_3d;
		struct vgpuif_resource_busy_req resource_busy;
		struct vgpuif_scanout_req scanout;
		struct vgpuif_resource_flush_req resource_flush;
		uint8_t reserved[72];
	} op;
};

struct vgpuif_resp {
	uint32_t id;
	uint8_t operation;
	uint8_t flags;
	uint16_t reserved;
	int32_t status;
	uint32_t reserved1;
	uint64_t fence_id;
	union {
		struct vgpuif_capset_info_resp capset_info;
		struct vgpuif_capset_resp capset;
		struct vgpuif_resource_busy_resp resource_busy;
		uint8_t reserved[72];
	} op;
};

DEFINE_RING_TYPES(vgpuif, struct vgpuif_req, struct vgpuif_resp);

#define VGPUIF_RING_SIZE        __CONST_RING_SIZE(vgpuif, VGPUIF_PAGE_SIZE)

#endif /* __XEN_PUBLIC_IO_VGPUIF_H__ */
