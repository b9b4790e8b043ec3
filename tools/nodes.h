/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vgpu device's place in xenstore: its two directories and the nodes
 * the toolstack writes into them, as libxl__device_generic_add would.
 * Pure: the values are built here and written by devices.c.
 */
#ifndef XENVGPU_NODES_H
#define XENVGPU_NODES_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"
#include "spec.h"

#define VGPU_PATH_MAX   128
#define VGPU_NODES_MAX  64

/* One device: whose, which, served by whom, and its spec. */
struct vgpu_dev {
	uint32_t domid;
	uint32_t devid;
	uint32_t backend_id;    /* the spec's backend, resolved */
	struct vgpu_spec spec;
};

/* A list of nodes with room for their names and values. */
struct vgpu_nodeset {
	size_t count;
	struct vgpu_node node[VGPU_NODES_MAX];
	size_t used;
	char buf[4096];
};

/* /local/domain/<domid>/device/vgpu[/<devid>] (devid < 0: the parent). */
void vgpu_front_path(char *buf, size_t len, uint32_t domid, long devid);

/* /local/domain/<backend>/backend/vgpu[/<domid>[/<devid>]] (< 0: parent). */
void vgpu_back_path(char *buf, size_t len, uint32_t backend, long domid,
		    long devid);

/*
 * Appends name=value (printf-style) to set. Returns 0 or -ENOSPC.
 */
int vgpu_nodeset_add(struct vgpu_nodeset *set, const char *name,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Value of name in set, or NULL. */
const char *vgpu_nodeset_get(const struct vgpu_nodeset *set,
			     const char *name);

/*
 * The nodes the toolstack writes for dev, state Initialising included:
 * frontend: backend, backend-id, state;
 * backend:  frontend, frontend-id, online, state, max-mapped-pages,
 *           weight, cap, scanout-width, scanout-height, and with vnc=1
 *           vnc, vnclisten and vncdisplay (if given). The VNC password
 *           is not among them: devices.c writes it where only the
 *           backend reads (VGPU_XS_PRIVATE_DIR).
 * Return 0 or -ENOSPC.
 */
int vgpu_nodes_front(const struct vgpu_dev *dev, struct vgpu_nodeset *set);
int vgpu_nodes_back(const struct vgpu_dev *dev, struct vgpu_nodeset *set);

#endif /* XENVGPU_NODES_H */
