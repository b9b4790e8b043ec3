/* SPDX-License-Identifier: GPL-2.0 */
/* The vgpu device shared by all vtest clients: calls, context ids, caps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vtest_int.h"
#include "vtest_protocol.h"

/* Capsets are few; a device listing more than this is not believed. */
#define MAX_CAPSETS     16

static void set_limits(struct vtest_dev *dev)
{
	const struct vgpufront_limits *lim;

	dev->max_submit = VTEST_DEFAULT_SUBMIT;
	dev->max_backing = VTEST_DEFAULT_BACKING;
	if (!dev->front) {
		return;
	}
	lim = vgpufront_limits(dev->front);
	vtest_budget_init(&dev->budget, lim, vgpufront_cmd_pages(dev->front));
	if (lim && lim->max_submit_size) {
		dev->max_submit = lim->max_submit_size;
	}
	if (lim && lim->max_mapped_pages) {
		dev->max_backing = (uint64_t)lim->max_mapped_pages *
				   VGPUIF_PAGE_SIZE;
	}
}

/*
 * Protocol v2 hands each backing to the client as an fd. A transport
 * without fds (Xen grants) limits clients to v0, data over the socket.
 */
static void probe_fds(struct vtest_dev *dev)
{
	struct vgpufront_buf *buf;

	if (!dev->front) {
		return;
	}
	buf = vgpufront_buf_alloc(dev->front, VGPUIF_PAGE_SIZE, false);
	dev->no_fds = !buf || buf->fd < 0;
	vgpufront_buf_free(dev->front, buf);
}

struct vtest_dev *vtest_dev_create(struct vgpufront *front)
{
	struct vtest_dev *dev;

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		return NULL;
	}
	dev->front = front;
	dev->next_ctx_id = 1;
	dev->next_res_id = 1;
	dev->max_version = VTEST_VERSION_MAX;
	pthread_mutex_init(&dev->lock, NULL);
	set_limits(dev);
	probe_fds(dev);
	return dev;
}

void vtest_dev_destroy(struct vtest_dev *dev)
{
	struct vtest_id *id;
	unsigned int i;

	if (!dev) {
		return;
	}
	for (i = 0; i < VGPU_ARRAY_SIZE(dev->caps); i++) {
		free(dev->caps[i].data);
	}
	for (i = 0; i < VTEST_RES_BUCKETS; i++) {
		while ((id = dev->res_ids[i])) {
			dev->res_ids[i] = id->next;
			free(id);
		}
	}
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

void vtest_dev_set_max_version(struct vtest_dev *dev, uint32_t version)
{
	dev->max_version = version < VTEST_VERSION_MAX ? version
						       : VTEST_VERSION_MAX;
}

uint64_t vtest_dev_bytes_copied(const struct vtest_dev *dev)
{
	return __atomic_load_n(&dev->bytes_copied, __ATOMIC_RELAXED);
}

void vtest_dev_count_copy(struct vtest_dev *dev, uint64_t bytes)
{
	__atomic_fetch_add(&dev->bytes_copied, bytes, __ATOMIC_RELAXED);
}

int vtest_dev_call(struct vtest_dev *dev, struct vgpuif_req *req,
		   struct vgpuif_resp *resp)
{
	if (!dev->front) {
		return -ENODEV;
	}
	return vgpufront_call(dev->front, req, resp);
}

/*
 * Sends n requests back to back, then collects their responses: the
 * backend works on them in ring order while we wait once. st[i] gets
 * each status (-ECANCELED for requests never sent). Returns the first
 * failure's status.
 */
int vtest_dev_call_n(struct vtest_dev *dev, struct vgpuif_req *reqs,
		     int *st, unsigned int n)
{
	unsigned int sent, i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		st[i] = dev->front ? -ECANCELED : -ENODEV;
	}
	if (!dev->front) {
		return -ENODEV;
	}
	for (sent = 0; sent < n; sent++) {
		ret = vgpufront_send(dev->front, &reqs[sent]);
		if (ret < 0) {
			st[sent] = ret;
			break;
		}
	}
	for (i = 0; i < sent; i++) {
		st[i] = vgpufront_wait(dev->front, reqs[i].id, NULL);
		if (st[i] < 0 && ret == 0) {
			ret = st[i];
		}
	}
	return ret;
}

uint32_t vtest_dev_new_ctx_id(struct vtest_dev *dev)
{
	uint32_t id;

	pthread_mutex_lock(&dev->lock);
	id = dev->next_ctx_id++;
	if (dev->next_ctx_id > INT32_MAX) {
		dev->next_ctx_id = 1;
	}
	pthread_mutex_unlock(&dev->lock);
	return id;
}

/*
 * DOC: resource handles
 * Up to protocol version 2 each client picks its own resource handles
 * (Mesa counts from 1 in every process), and its command stream names
 * resources by them. On the device, resource ids are one namespace for
 * all clients, so every resource gets a device id of its own here, as a
 * kernel driver allocates them, and each client's handles are translated
 * to its own resources' ids: in its requests, and in its command stream
 * (vtest_cmds.c). A handle a client did not create names nothing.
 */
static bool res_id_used(const struct vtest_dev *dev, uint32_t res_id)
{
	const struct vtest_id *id;

	for (id = dev->res_ids[res_id % VTEST_RES_BUCKETS]; id; id = id->next) {
		if (id->res_id == res_id) {
			return true;
		}
	}
	return false;
}

/* The next id after the last one given that is not in use. */
static uint32_t next_free_res_id(struct vtest_dev *dev)
{
	uint32_t res_id;

	do {
		res_id = dev->next_res_id++;
		if (dev->next_res_id > VTEST_MAX_RES_ID) {
			dev->next_res_id = 1;
		}
	} while (res_id_used(dev, res_id));
	return res_id;
}

int vtest_dev_alloc_res_id(struct vtest_dev *dev, uint32_t *res_id)
{
	struct vtest_id *id;
	int ret = 0;

	id = malloc(sizeof(*id));
	if (!id) {
		return -ENOMEM;
	}
	pthread_mutex_lock(&dev->lock);
	if (dev->nr_res_ids >= VTEST_MAX_RES_ID) {
		ret = -ENOSPC;
		free(id);
		goto out;
	}
	id->res_id = next_free_res_id(dev);
	id->next = dev->res_ids[id->res_id % VTEST_RES_BUCKETS];
	dev->res_ids[id->res_id % VTEST_RES_BUCKETS] = id;
	dev->nr_res_ids++;
	*res_id = id->res_id;
out:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

void vtest_dev_free_res_id(struct vtest_dev *dev, uint32_t res_id)
{
	struct vtest_id **p, *id;

	pthread_mutex_lock(&dev->lock);
	for (p = &dev->res_ids[res_id % VTEST_RES_BUCKETS]; (id = *p);
	     p = &id->next) {
		if (id->res_id == res_id) {
			*p = id->next;
			dev->nr_res_ids--;
			free(id);
			break;
		}
	}
	pthread_mutex_unlock(&dev->lock);
}

/* Asks the backend for one capset into a page buffer it may write. */
static int fetch_capset(struct vtest_dev *dev,
			const struct vgpuif_capset_info_resp *info)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_GET_CAPSET };
	struct vgpuif_resp resp;
	struct vgpufront_buf *buf;
	struct vtest_caps *caps = &dev->caps[info->capset_id];
	int ret;

	buf = vgpufront_buf_alloc(dev->front, info->capset_max_size, false);
	if (!buf) {
		return -errno;
	}
	req.op.capset.capset_id = info->capset_id;
	req.op.capset.capset_version = info->capset_max_version;
	req.op.capset.gref_directory = buf->dir_ref;
	req.op.capset.buf_size = info->capset_max_size;
	ret = vgpufront_call(dev->front, &req, &resp);
	if (ret < 0) {
		goto out;
	}
	if (resp.op.capset.capset_size > info->capset_max_size) {
		ret = -EPROTO;
		goto out;
	}
	caps->data = malloc(resp.op.capset.capset_size);
	if (!caps->data) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(caps->data, buf->addr, resp.op.capset.capset_size);
	caps->size = resp.op.capset.capset_size;
out:
	vgpufront_buf_free(dev->front, buf);
	return ret;
}

/* Walks the device's capsets and keeps virgl (1) and virgl2 (2). */
static int fetch_all_caps(struct vtest_dev *dev)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_GET_CAPSET_INFO };
	struct vgpuif_resp resp;
	const struct vgpuif_capset_info_resp *info = &resp.op.capset_info;
	uint32_t i;
	int ret;

	for (i = 0; i < MAX_CAPSETS; i++) {
		if (dev->caps[VTEST_CAPSET_VIRGL].data &&
		    dev->caps[VTEST_CAPSET_VIRGL2].data) {
			break;
		}
		req.op.capset_info.capset_index = i;
		ret = vgpufront_call(dev->front, &req, &resp);
		if (ret == VGPUIF_EINVAL) {
			break;
		}
		if (ret < 0) {
			return ret;
		}
		if (info->capset_id != VTEST_CAPSET_VIRGL &&
		    info->capset_id != VTEST_CAPSET_VIRGL2) {
			continue;
		}
		if (!info->capset_max_size ||
		    info->capset_max_size > VGPUIF_MAX_CAPSET_SIZE ||
		    dev->caps[info->capset_id].data) {
			continue;
		}
		ret = fetch_capset(dev, info);
		if (ret < 0) {
			return ret;
		}
	}
	return dev->caps[VTEST_CAPSET_VIRGL].data ? 0 : -ENOENT;
}

/*
 * The capset with id capset_id, fetched once per device. -ENOENT if the
 * device has none.
 */
int vtest_dev_get_caps(struct vtest_dev *dev, uint32_t capset_id,
		       const struct vtest_caps **caps)
{
	int ret = 0;

	if (!dev->front) {
		return -ENODEV;
	}
	if (capset_id >= VGPU_ARRAY_SIZE(dev->caps)) {
		return -ENOENT;
	}
	pthread_mutex_lock(&dev->lock);
	if (!dev->caps_fetched) {
		ret = fetch_all_caps(dev);
		dev->caps_fetched = ret == 0;
	}
	pthread_mutex_unlock(&dev->lock);
	if (ret < 0) {
		return ret;
	}
	if (!dev->caps[capset_id].data) {
		return -ENOENT;
	}
	*caps = &dev->caps[capset_id];
	return 0;
}
