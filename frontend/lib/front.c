/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Opening a device: choose the transport, read the backend's nodes,
 * grant the ring and the command region, publish ours, connect.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "front.h"
#include "vgpu_util.h"

/* "loopback@DOMID:PATH": a loopback device that names its domain. */
static struct vgpufront_transport *open_loopback_dom(const char *spec)
{
	const char *colon = strchr(spec, ':');
	char num[12];
	uint32_t domid;

	if (colon && colon - spec < (ptrdiff_t)sizeof(num)) {
		memcpy(num, spec, colon - spec);
		num[colon - spec] = '\0';
		if (!vgpu_parse_u32(num, 1, VGPU_LB_MAX_DOMID, &domid)) {
			return vgpufront_loopback_create(colon + 1, domid);
		}
	}
	vgpu_err("bad transport 'loopback@%s': DOMID is 1 to %u, then :PATH",
		 spec, VGPU_LB_MAX_DOMID);
	errno = EINVAL;
	return NULL;
}

static struct vgpufront_transport *open_transport(const char *spec)
{
	uint32_t devid;

	if (!spec) {
		spec = getenv("VGPU_TRANSPORT");
	}
	if (!spec) {
		spec = "xen";
	}
	if (!strncmp(spec, "loopback:", 9)) {
		return vgpufront_loopback_create(spec + 9, 0);
	}
	if (!strncmp(spec, "loopback@", 9)) {
		return open_loopback_dom(spec + 9);
	}
	if (!strcmp(spec, "xen")) {
		return vgpufront_xen_create(0);
	}
	if (!strncmp(spec, "xen:", 4) &&
	    !vgpu_parse_u32(spec + 4, 0, INT32_MAX, &devid)) {
		return vgpufront_xen_create(devid);
	}
	vgpu_err("unknown transport '%s': use loopback[@DOMID]:PATH or "
		 "xen[:DEVID]",
		 spec);
	errno = EINVAL;
	return NULL;
}

static int read_u32(struct vgpufront *dev, const char *key, uint32_t *out)
{
	char value[32];
	int ret;

	ret = vgpufront_transport_read_back(dev->t, key, value, sizeof(value));
	if (!ret) {
		ret = vgpu_parse_u32(value, 1, UINT32_MAX, out);
	}
	if (ret) {
		vgpu_err("backend node %s: %s", key, strerror(-ret));
	}
	return ret;
}

static bool version_supported(const char *list)
{
	char copy[128], *save = NULL, *word;
	uint32_t version;

	snprintf(copy, sizeof(copy), "%s", list);
	for (word = strtok_r(copy, " ", &save); word;
	     word = strtok_r(NULL, " ", &save)) {
		if (!vgpu_parse_u32(word, 0, UINT32_MAX, &version) &&
		    version == VGPUIF_PROTOCOL_VERSION) {
			return true;
		}
	}
	return false;
}

static int read_backend(struct vgpufront *dev)
{
	struct vgpufront_limits *l = &dev->limits;
	char versions[128];
	int ret;

	ret = vgpufront_transport_read_back(dev->t, "protocol-versions",
					    versions, sizeof(versions));
	if (ret || !version_supported(versions)) {
		vgpu_err("backend does not speak protocol version %d",
			 VGPUIF_PROTOCOL_VERSION);
		return -EPROTONOSUPPORT;
	}
	ret = read_u32(dev, "max-mapped-pages", &l->max_mapped_pages);
	ret = ret ? ret : read_u32(dev, "max-contexts", &l->max_contexts);
	ret = ret ? ret : read_u32(dev, "max-resources", &l->max_resources);
	ret = ret ? ret : read_u32(dev, "max-cmd-pages", &l->max_cmd_pages);
	ret = ret ? ret : read_u32(dev, "max-submit-size",
				   &l->max_submit_size);
	return ret;
}

static int share_ring(struct vgpufront *dev)
{
	vgpuif_sring_t *sring;
	int ret;

	ret = vgpufront_transport_share(dev->t, 1, false, &dev->ring_share);
	if (ret) {
		return ret;
	}
	sring = dev->ring_share.addr;
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&dev->ring, sring, VGPUIF_PAGE_SIZE);
	return 0;
}

static int connect_device(struct vgpufront *dev, uint32_t cmd_pages)
{
	char nodes[512] = "";
	int ret;

	if (!cmd_pages) {
		cmd_pages = CMD_DEFAULT_PAGES;
	}
	if (cmd_pages > dev->limits.max_cmd_pages) {
		cmd_pages = dev->limits.max_cmd_pages;
	}
	ret = share_ring(dev);
	if (ret) {
		return ret;
	}
	dev->cmd_region = vgpufront_buf_alloc(dev, (size_t)cmd_pages *
					      VGPUIF_PAGE_SIZE, true);
	if (!dev->cmd_region) {
		return -errno;
	}
	front_cmd_init(dev);
	vgpu_kv_add(nodes, sizeof(nodes), "protocol-version", "%d",
		    VGPUIF_PROTOCOL_VERSION);
	vgpu_kv_add(nodes, sizeof(nodes), "ring-ref", "%u",
		    dev->ring_share.grefs[0]);
	vgpu_kv_add(nodes, sizeof(nodes), "cmd-dir-ref", "%u",
		    dev->cmd_region->dir_ref);
	vgpu_kv_add(nodes, sizeof(nodes), "cmd-pages", "%u", cmd_pages);
	return vgpufront_transport_connect(dev->t, nodes);
}

static unsigned int poll_us_from_env(void)
{
	const char *env = getenv("VGPU_POLL_US");
	uint32_t us = VGPUFRONT_DEF_POLL_US;

	if (env && vgpu_parse_u32(env, 0, 1000000, &us)) {
		vgpu_warn("ignoring VGPU_POLL_US=%s: not 0..1000000", env);
		us = VGPUFRONT_DEF_POLL_US;
	}
	return us;
}

struct vgpufront *vgpufront_open(const char *spec, uint32_t cmd_pages)
{
	struct vgpufront *dev = calloc(1, sizeof(*dev));
	int ret = -ENOMEM;

	if (!dev) {
		goto fail;
	}
	pthread_mutex_init(&dev->lock, NULL);
	pthread_cond_init(&dev->cond, NULL);
	vgpu_spin_window_init(&dev->spin, poll_us_from_env() * 1000ull);
	dev->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dev->t = open_transport(spec);
	if (dev->wake_fd < 0 || !dev->t) {
		ret = -errno;
		goto fail_close;
	}
	ret = read_backend(dev);
	if (!ret) {
		ret = connect_device(dev, cmd_pages);
	}
	if (ret) {
		goto fail_close;
	}
	return dev;

fail_close:
	vgpufront_close(dev);
fail:
	errno = -ret;
	return NULL;
}

void vgpufront_close(struct vgpufront *dev)
{
	if (!dev) {
		return;
	}
	if (dev->t) {
		/*
		 * The backend lets go of the ring and the command region
		 * first: pages unshared while it still maps them stay
		 * granted, and Linux frees them later, behind our back.
		 */
		vgpufront_transport_disconnect(dev->t);
		vgpufront_buf_free(dev, dev->cmd_region);
		if (dev->ring_share.addr) {
			vgpufront_transport_unshare(dev->t, &dev->ring_share);
		}
		vgpufront_transport_destroy(dev->t);
	}
	if (dev->wake_fd >= 0) {
		close(dev->wake_fd);
	}
	pthread_cond_destroy(&dev->cond);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

const struct vgpufront_limits *vgpufront_limits(const struct vgpufront *dev)
{
	return &dev->limits;
}

uint32_t vgpufront_cmd_pages(const struct vgpufront *dev)
{
	return dev->cmd_region->num_pages;
}

bool vgpufront_lost(struct vgpufront *dev)
{
	bool lost;

	pthread_mutex_lock(&dev->lock);
	lost = dev->lost;
	pthread_mutex_unlock(&dev->lock);
	return lost;
}

void vgpufront_set_poll_us(struct vgpufront *dev, unsigned int poll_us)
{
	pthread_mutex_lock(&dev->lock);
	vgpu_spin_window_init(&dev->spin, poll_us * 1000ull);
	pthread_mutex_unlock(&dev->lock);
}
