/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgpu device nodes in xenstore, handled the way libxl handles its own
 * PV devices: libxl__device_generic_add's directories and permissions
 * in one transaction, a wait for the backend's InitWait, and on removal
 * Closing -> Closed -> both directories gone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "xenvgpu.h"

/* Where a device's VNC password goes: backend, domid, devid. */
#define PRIVATE_FMT "/local/domain/%u/" VGPU_XS_PRIVATE_DIR "/%u/%u"

typedef int fill_fn(struct xenvgpu *xv, xs_transaction_t t, void *arg);

/* Runs fill in a transaction, again while xenstore says EAGAIN. */
static int transact(struct xenvgpu *xv, fill_fn *fill, void *arg)
{
	xs_transaction_t t;
	int ret;

	for (;;) {
		t = xs_transaction_start(xv->xs);
		if (t == XBT_NULL) {
			return -errno;
		}
		ret = fill(xv, t, arg);
		if (ret) {
			xs_transaction_end(xv->xs, t, true);
			return ret;
		}
		if (xs_transaction_end(xv->xs, t, false)) {
			return 0;
		}
		if (errno != EAGAIN) {
			return -errno;
		}
	}
}

/* The numeric entries of dir, appended to ids (deduplicated). */
static int add_ids(struct xenvgpu *xv, xs_transaction_t t, const char *dir,
		   uint32_t *ids, int count, int max)
{
	unsigned int i, num = 0;
	char **names = xs_directory(xv->xs, t, dir, &num);
	uint32_t id;
	int j;

	for (i = 0; names && i < num; i++) {
		if (vgpu_parse_u32(names[i], 0, INT32_MAX, &id)) {
			continue;
		}
		for (j = 0; j < count && ids[j] != id; j++) {
		}
		if (j == count && count < max) {
			ids[count++] = id;
		}
	}
	free(names);
	return count;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int ids_in(struct xenvgpu *xv, xs_transaction_t t, uint32_t domid,
		  uint32_t backend_id, uint32_t *ids, int max)
{
	char dir[VGPU_PATH_MAX];
	int count;

	vgpu_front_path(dir, sizeof(dir), domid, -1);
	count = add_ids(xv, t, dir, ids, 0, max);
	vgpu_back_path(dir, sizeof(dir), backend_id, domid, -1);
	count = add_ids(xv, t, dir, ids, count, max);
	qsort(ids, (size_t)count, sizeof(*ids), cmp_u32);
	return count;
}

int xenvgpu_device_ids(struct xenvgpu *xv, uint32_t domid,
		       uint32_t backend_id, uint32_t *ids, int max)
{
	return ids_in(xv, XBT_NULL, domid, backend_id, ids, max);
}

/* mkdir dir, set its permissions, write its nodes with the same ones. */
static int write_dir(struct xenvgpu *xv, xs_transaction_t t, const char *dir,
		     struct xs_permissions *perms, unsigned int nperms,
		     const struct vgpu_nodeset *set)
{
	char path[VGPU_PATH_MAX + 64];
	size_t i;

	xs_rm(xv->xs, t, dir);
	if (!xs_mkdir(xv->xs, t, dir) ||
	    !xs_set_permissions(xv->xs, t, dir, perms, nperms)) {
		return -errno;
	}
	for (i = 0; i < set->count; i++) {
		const struct vgpu_node *n = &set->node[i];

		snprintf(path, sizeof(path), "%s/%s", dir, n->name);
		if (!xs_write(xv->xs, t, path, n->value, strlen(n->value)) ||
		    !xs_set_permissions(xv->xs, t, path, perms, nperms)) {
			return -errno;
		}
	}
	return 0;
}

/*
 * The VNC password, in a directory of the backend's own that no one else
 * may read (not even the guest, who reads the backend directory).
 */
static int write_private(struct xenvgpu *xv, xs_transaction_t t,
			 const struct vgpu_dev *dev)
{
	struct xs_permissions perms[1] = {
		{ .id = dev->backend_id, .perms = XS_PERM_NONE },
	};
	struct vgpu_nodeset set = { 0 };
	char dir[VGPU_PATH_MAX];

	snprintf(dir, sizeof(dir), PRIVATE_FMT, dev->backend_id,
		 dev->domid, dev->devid);
	xs_rm(xv->xs, t, dir);
	if (!dev->spec.vncpasswd[0]) {
		return 0;
	}
	if (vgpu_nodeset_add(&set, "vncpasswd", "%s", dev->spec.vncpasswd)) {
		return -ENOSPC;
	}
	return write_dir(xv, t, dir, perms, 1, &set);
}

/*
 * Frontend dir: owned by the guest, readable by the backend. Backend
 * dir: owned by the backend, readable by the guest.
 */
static int write_dev(struct xenvgpu *xv, xs_transaction_t t,
		     const struct vgpu_dev *dev)
{
	struct xs_permissions front_perms[2] = {
		{ .id = dev->domid, .perms = XS_PERM_NONE },
		{ .id = dev->backend_id, .perms = XS_PERM_READ },
	};
	struct xs_permissions back_perms[2] = {
		{ .id = dev->backend_id, .perms = XS_PERM_NONE },
		{ .id = dev->domid, .perms = XS_PERM_READ },
	};
	char front[VGPU_PATH_MAX], back[VGPU_PATH_MAX];
	struct vgpu_nodeset set;
	int ret;

	vgpu_front_path(front, sizeof(front), dev->domid, dev->devid);
	vgpu_back_path(back, sizeof(back), dev->backend_id, dev->domid,
		       dev->devid);
	ret = vgpu_nodes_front(dev, &set);
	if (!ret) {
		ret = write_dir(xv, t, front, front_perms, 2, &set);
	}
	if (!ret) {
		ret = vgpu_nodes_back(dev, &set);
	}
	if (!ret) {
		ret = write_dir(xv, t, back, back_perms, 2, &set);
	}
	if (!ret) {
		ret = write_private(xv, t, dev);
	}
	return ret;
}

struct add_args {
	struct vgpu_dev *devs;
	size_t n;
	bool pick_ids;
};

/* The first devid above every one in use by the domain. */
static uint32_t next_id(struct xenvgpu *xv, xs_transaction_t t,
			const struct vgpu_dev *dev)
{
	uint32_t ids[256];
	int count = ids_in(xv, t, dev->domid, dev->backend_id, ids,
			   (int)VGPU_ARRAY_SIZE(ids));

	return count > 0 ? ids[count - 1] + 1 : 0;
}

static int fill_add(struct xenvgpu *xv, xs_transaction_t t, void *arg)
{
	struct add_args *a = arg;
	uint32_t first = 0;
	size_t i;
	int ret;

	if (a->pick_ids) {
		first = next_id(xv, t, &a->devs[0]);
	}
	for (i = 0; i < a->n; i++) {
		if (a->pick_ids) {
			a->devs[i].devid = first + (uint32_t)i;
		}
		ret = write_dev(xv, t, &a->devs[i]);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

int xenvgpu_devices_add(struct xenvgpu *xv, struct vgpu_dev *devs, size_t n,
			bool pick_ids)
{
	struct add_args a = { .devs = devs, .n = n, .pick_ids = pick_ids };
	int ret;

	if (!n) {
		return 0;
	}
	ret = transact(xv, fill_add, &a);
	if (ret) {
		fprintf(stderr, "xenvgpu: cannot write the vgpu device nodes of "
			"domain %u to xenstore: %s\n", devs[0].domid,
			strerror(-ret));
	}
	return ret;
}

/* Why the backend closed, from its error node, for the message. */
static void closed_why(struct xenvgpu *xv, const char *dir, char *buf,
		       size_t len)
{
	if (vgpu_xs_read(xv->xs, dir, "error", buf, len)) {
		snprintf(buf, len, "no error node; see the backend's log "
			 "(journalctl -u vgpu-backend)");
	}
}

static int wait_one(struct xenvgpu *xv, const struct vgpu_dev *dev,
		    int timeout_ms)
{
	const uint32_t up = VGPU_XS_STATE(XenbusStateInitWait) |
			    VGPU_XS_STATE(XenbusStateInitialised) |
			    VGPU_XS_STATE(XenbusStateConnected);
	const uint32_t down = VGPU_XS_STATE(XenbusStateClosing) |
			      VGPU_XS_STATE(XenbusStateClosed);
	char dir[VGPU_PATH_MAX], why[256];
	int state;

	vgpu_back_path(dir, sizeof(dir), dev->backend_id, dev->domid,
		       dev->devid);
	state = vgpu_xs_wait_state(xv->xs, dir, up | down, timeout_ms);
	if (state == -ETIMEDOUT) {
		fprintf(stderr, "vgpu backend for domain %u device %u did not "
			"reach InitWait within %d s: is vgpu-backend --xen "
			"running in domain %u? (systemctl start vgpu-backend)\n",
			dev->domid, dev->devid, XENVGPU_TIMEOUT_MS / 1000,
			dev->backend_id);
		return -ETIMEDOUT;
	}
	if (state < 0) {
		fprintf(stderr, "xenvgpu: cannot watch %s/state: %s\n", dir,
			strerror(-state));
		return state;
	}
	if (VGPU_XS_STATE(state) & down) {
		closed_why(xv, dir, why, sizeof(why));
		fprintf(stderr, "vgpu backend for domain %u device %u refused "
			"the device: %s\n", dev->domid, dev->devid, why);
		return -ECONNREFUSED;
	}
	return 0;
}

int xenvgpu_devices_wait(struct xenvgpu *xv, const struct vgpu_dev *devs,
			 size_t n, int timeout_ms)
{
	uint64_t deadline = vgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
	int64_t left;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		left = ((int64_t)deadline - (int64_t)vgpu_now_ns()) / 1000000;
		ret = wait_one(xv, &devs[i], left > 0 ? (int)left : 0);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

/* Removes dir, then its parent if that is left empty. */
static int remove_dir(struct xenvgpu *xv, xs_transaction_t t,
		      const char *dir, const char *parent)
{
	unsigned int num = 0;
	char **left;

	if (!xs_rm(xv->xs, t, dir) && errno != ENOENT) {
		return -errno;
	}
	left = xs_directory(xv->xs, t, parent, &num);
	if (left && num == 0) {
		xs_rm(xv->xs, t, parent);
	}
	free(left);
	return 0;
}

struct remove_args {
	const struct vgpu_dev *devs;
	size_t n;
};

static int fill_remove(struct xenvgpu *xv, xs_transaction_t t, void *arg)
{
	const struct remove_args *a = arg;
	char dir[VGPU_PATH_MAX], parent[VGPU_PATH_MAX];
	size_t i;
	int ret;

	for (i = 0; i < a->n; i++) {
		const struct vgpu_dev *d = &a->devs[i];

		vgpu_front_path(dir, sizeof(dir), d->domid, d->devid);
		vgpu_front_path(parent, sizeof(parent), d->domid, -1);
		ret = remove_dir(xv, t, dir, parent);
		if (ret) {
			return ret;
		}
		vgpu_back_path(dir, sizeof(dir), d->backend_id, d->domid,
			       d->devid);
		vgpu_back_path(parent, sizeof(parent), d->backend_id, d->domid,
			       -1);
		ret = remove_dir(xv, t, dir, parent);
		if (ret) {
			return ret;
		}
		snprintf(dir, sizeof(dir), PRIVATE_FMT, d->backend_id,
			 d->domid, d->devid);
		snprintf(parent, sizeof(parent), "%.*s",
			 (int)(strrchr(dir, '/') - dir), dir);
		ret = remove_dir(xv, t, dir, parent);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

int xenvgpu_devices_remove(struct xenvgpu *xv, const struct vgpu_dev *devs,
			   size_t n)
{
	struct remove_args a = { .devs = devs, .n = n };
	int ret;

	if (!n) {
		return 0;
	}
	ret = transact(xv, fill_remove, &a);
	if (ret) {
		fprintf(stderr, "xenvgpu: cannot remove the vgpu device nodes "
			"of domain %u: %s\n", devs[0].domid, strerror(-ret));
	}
	return ret;
}

/* ---- finding a device's backend, reading a directory ---- */

static bool dir_exists(struct xenvgpu *xv, const char *dir)
{
	unsigned int num = 0;
	char **names = xs_directory(xv->xs, XBT_NULL, dir, &num);

	free(names);
	return names != NULL;
}

int xenvgpu_domains(struct xenvgpu *xv, uint32_t *ids, int max)
{
	int count = add_ids(xv, XBT_NULL, "/local/domain", ids, 0, max);

	qsort(ids, (size_t)count, sizeof(*ids), cmp_u32);
	return count;
}

static bool serves(struct xenvgpu *xv, uint32_t backend, uint32_t domid,
		   uint32_t devid)
{
	char dir[VGPU_PATH_MAX];

	vgpu_back_path(dir, sizeof(dir), backend, domid, devid);
	return dir_exists(xv, dir);
}

int xenvgpu_device_backend(struct xenvgpu *xv, uint32_t domid,
			   uint32_t devid, uint32_t *backend_id)
{
	char front[VGPU_PATH_MAX];
	uint32_t hint, doms[1024];
	int i, n;

	vgpu_front_path(front, sizeof(front), domid, devid);
	if (!vgpu_xs_read_u32(xv->xs, front, "backend-id", 0, VGPU_DOMID_MAX,
			      &hint) &&
	    serves(xv, hint, domid, devid)) {
		*backend_id = hint;
		return 0;
	}
	n = xenvgpu_domains(xv, doms, (int)VGPU_ARRAY_SIZE(doms));
	for (i = 0; i < n; i++) {
		if (serves(xv, doms[i], domid, devid)) {
			*backend_id = doms[i];
			return 0;
		}
	}
	return -ENOENT;
}

int xenvgpu_read_dir(struct xenvgpu *xv, const char *dir,
		     struct vgpu_nodeset *set)
{
	unsigned int i, num = 0, len;
	char **names = xs_directory(xv->xs, XBT_NULL, dir, &num);
	char path[VGPU_PATH_MAX + 256], *value;
	int ret = 0;

	memset(set, 0, sizeof(*set));
	if (!names) {
		return -ENOENT;
	}
	for (i = 0; i < num && !ret; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		value = xs_read(xv->xs, XBT_NULL, path, &len);
		ret = vgpu_nodeset_add(set, names[i], "%s",
				       value ? value : "");
		free(value);
	}
	free(names);
	return ret;
}

/* ---- detaching: what libxl__initiate_device_generic_remove does ---- */

static int fill_closing(struct xenvgpu *xv, xs_transaction_t t, void *arg)
{
	const char *dir = arg;
	char path[VGPU_PATH_MAX + 16], *state;
	char closing[4];
	bool closed;

	snprintf(path, sizeof(path), "%s/state", dir);
	state = xs_read(xv->xs, t, path, NULL);
	if (!state) {
		return 0;       /* already gone */
	}
	closed = !strcmp(state, "6");
	free(state);
	snprintf(closing, sizeof(closing), "%d", XenbusStateClosing);
	snprintf(path, sizeof(path), "%s/online", dir);
	if (!xs_write(xv->xs, t, path, "0", 1)) {
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	if (!closed && !xs_write(xv->xs, t, path, closing, strlen(closing))) {
		return -errno;
	}
	return 0;
}

/* online=0, state=Closing, then up to 10 s for Closed (or gone). */
static int close_backend(struct xenvgpu *xv, const struct vgpu_dev *dev)
{
	const uint32_t done = VGPU_XS_STATE(XenbusStateClosed) |
			      VGPU_XS_STATE(XenbusStateUnknown);
	char dir[VGPU_PATH_MAX];
	int ret;

	vgpu_back_path(dir, sizeof(dir), dev->backend_id, dev->domid,
		       dev->devid);
	ret = transact(xv, fill_closing, dir);
	if (ret) {
		fprintf(stderr, "xenvgpu: cannot set %s to Closing: %s\n", dir,
			strerror(-ret));
		return ret;
	}
	ret = vgpu_xs_wait_state(xv->xs, dir, done, XENVGPU_TIMEOUT_MS);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "xenvgpu: warning: vgpu backend for domain %u "
			"device %u did not reach Closed within %d s (is "
			"vgpu-backend --xen running in domain %u?); removing "
			"the device anyway\n", dev->domid, dev->devid,
			XENVGPU_TIMEOUT_MS / 1000, dev->backend_id);
	}
	return 0;
}

int xenvgpu_device_detach(struct xenvgpu *xv, uint32_t domid, uint32_t devid)
{
	struct vgpu_dev dev = { .domid = domid, .devid = devid };
	char front[VGPU_PATH_MAX];
	int ret;

	vgpu_front_path(front, sizeof(front), domid, devid);
	ret = xenvgpu_device_backend(xv, domid, devid, &dev.backend_id);
	if (ret == -ENOENT && dir_exists(xv, front)) {
		/* A frontend with no backend left: just tidy it away. */
		return xenvgpu_devices_remove(xv, &dev, 1) ? -EIO : 0;
	}
	if (ret) {
		fprintf(stderr, "Error: Device %u not connected.\n", devid);
		return ret;
	}
	ret = close_backend(xv, &dev);
	if (ret) {
		return ret;
	}
	return xenvgpu_devices_remove(xv, &dev, 1);
}
