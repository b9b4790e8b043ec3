/* SPDX-License-Identifier: GPL-2.0 */
/* A device's xenstore paths and the nodes the toolstack writes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "nodes.h"

void vgpu_front_path(char *buf, size_t len, uint32_t domid, long devid)
{
	if (devid < 0) {
		snprintf(buf, len, "/local/domain/%u/device/vgpu", domid);
	} else {
		snprintf(buf, len, "/local/domain/%u/device/vgpu/%ld", domid,
			 devid);
	}
}

void vgpu_back_path(char *buf, size_t len, uint32_t backend, long domid,
		    long devid)
{
	int n = snprintf(buf, len, "/local/domain/%u/backend/vgpu", backend);

	if (n < 0 || (size_t)n >= len || domid < 0) {
		return;
	}
	n += snprintf(buf + n, len - (size_t)n, "/%ld", domid);
	if (n < 0 || (size_t)n >= len || devid < 0) {
		return;
	}
	snprintf(buf + n, len - (size_t)n, "/%ld", devid);
}

static int store(struct vgpu_nodeset *set, const char *s, const char **out)
{
	size_t len = strlen(s) + 1;

	if (set->used + len > sizeof(set->buf)) {
		return -ENOSPC;
	}
	memcpy(set->buf + set->used, s, len);
	*out = set->buf + set->used;
	set->used += len;
	return 0;
}

int vgpu_nodeset_add(struct vgpu_nodeset *set, const char *name,
		     const char *fmt, ...)
{
	struct vgpu_node *node = &set->node[set->count];
	char value[256];
	va_list ap;
	int n;

	if (set->count == VGPU_NODES_MAX) {
		return -ENOSPC;
	}
	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value)) {
		return -ENOSPC;
	}
	if (store(set, name, &node->name) || store(set, value, &node->value)) {
		return -ENOSPC;
	}
	set->count++;
	return 0;
}

const char *vgpu_nodeset_get(const struct vgpu_nodeset *set,
			     const char *name)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		if (!strcmp(set->node[i].name, name)) {
			return set->node[i].value;
		}
	}
	return NULL;
}

int vgpu_nodes_front(const struct vgpu_dev *dev, struct vgpu_nodeset *set)
{
	char back[VGPU_PATH_MAX];

	memset(set, 0, sizeof(*set));
	vgpu_back_path(back, sizeof(back), dev->backend_id, dev->domid,
		       dev->devid);
	if (vgpu_nodeset_add(set, "backend", "%s", back) ||
	    vgpu_nodeset_add(set, "backend-id", "%u", dev->backend_id) ||
	    vgpu_nodeset_add(set, "state", "%d", XenbusStateInitialising)) {
		return -ENOSPC;
	}
	return 0;
}

/* vnc, vnclisten, vncdisplay: never the password, which the guest reads. */
static int add_vnc_nodes(const struct vgpu_spec *s, struct vgpu_nodeset *set)
{
	if (!s->vnc) {
		return 0;
	}
	if (vgpu_nodeset_add(set, "vnc", "1") ||
	    vgpu_nodeset_add(set, "vnclisten", "%s", s->vnclisten) ||
	    (s->vncdisplay >= 0 &&
	     vgpu_nodeset_add(set, "vncdisplay", "%d", s->vncdisplay))) {
		return -ENOSPC;
	}
	return 0;
}

int vgpu_nodes_back(const struct vgpu_dev *dev, struct vgpu_nodeset *set)
{
	const struct vgpu_spec *s = &dev->spec;
	char front[VGPU_PATH_MAX];

	memset(set, 0, sizeof(*set));
	vgpu_front_path(front, sizeof(front), dev->domid, dev->devid);
	if (vgpu_nodeset_add(set, "frontend", "%s", front) ||
	    vgpu_nodeset_add(set, "frontend-id", "%u", dev->domid) ||
	    vgpu_nodeset_add(set, "online", "1") ||
	    vgpu_nodeset_add(set, "state", "%d", XenbusStateInitialising) ||
	    vgpu_nodeset_add(set, "max-mapped-pages", "%u",
			     vgpu_spec_pages(s)) ||
	    vgpu_nodeset_add(set, "weight", "%u", s->weight) ||
	    vgpu_nodeset_add(set, "cap", "%u", s->cap) ||
	    vgpu_nodeset_add(set, "scanout-width", "%u", s->width) ||
	    vgpu_nodeset_add(set, "scanout-height", "%u", s->height)) {
		return -ENOSPC;
	}
	return add_vnc_nodes(s, set);
}
