/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command region: a byte ring in pages granted once at connect. A
 * submit's bytes are reserved, filled in place by the caller (vgpu-vtest
 * reads Mesa's socket straight into them) and released when the backend
 * answers the submit. Releases come in any order; space is reused in
 * order.
 */
#include <errno.h>

#include "front.h"
#include "vgpu_util.h"

void front_cmd_init(struct vgpufront *dev)
{
	dev->cmd_first = 0;
	dev->cmd_count = 0;
	dev->cmd_head = 0;
	dev->cmd_tail = 0;
	dev->cmd_used = 0;
}

static uint32_t region_size(const struct vgpufront *dev)
{
	return (uint32_t)dev->cmd_region->size;
}

/*
 * Where size bytes would go: at the head, or at offset 0 when the end of
 * the region is too short (the rest of the end is skipped). Returns false
 * if they do not fit now.
 */
static bool place(const struct vgpufront *dev, uint32_t size,
		  uint32_t *offset, uint32_t *skipped)
{
	uint32_t head = dev->cmd_used ? dev->cmd_head : 0;
	uint32_t tail = dev->cmd_used ? dev->cmd_tail : 0;
	bool wrapped = head < tail || (head == tail && dev->cmd_used);

	*skipped = 0;
	*offset = head;
	if (dev->cmd_count == CMD_FIFO_LEN) {
		return false;
	}
	if (wrapped) {
		return tail - head >= size;
	}
	if (region_size(dev) - head >= size) {
		return true;
	}
	*skipped = region_size(dev) - head;
	*offset = 0;
	return tail >= size;
}

static bool fits(struct vgpufront *dev, const void *arg)
{
	uint32_t offset, skipped;

	return place(dev, *(const uint32_t *)arg, &offset, &skipped);
}

int vgpufront_cmd_reserve(struct vgpufront *dev, uint32_t size,
			  struct vgpufront_cmd *cmd)
{
	uint32_t offset, skipped;
	struct cmd_alloc *a;
	int ret;

	size = (size + 3) & ~3u;
	if (!size || size > region_size(dev) ||
	    size > dev->limits.max_submit_size) {
		return -E2BIG;
	}
	pthread_mutex_lock(&dev->lock);
	ret = front_wait_until(dev, fits, &size);
	if (ret) {
		goto out;
	}
	place(dev, size, &offset, &skipped);
	if (!dev->cmd_used) {
		dev->cmd_tail = 0;
	}
	a = &dev->cmd_fifo[(dev->cmd_first + dev->cmd_count++) % CMD_FIFO_LEN];
	*a = (struct cmd_alloc){ .offset = offset, .end = offset + size,
				 .bytes = size + skipped };
	dev->cmd_head = a->end;
	dev->cmd_used += a->bytes;
	cmd->ptr = (char *)dev->cmd_region->addr + offset;
	cmd->offset = offset;
	cmd->size = size;
out:
	pthread_mutex_unlock(&dev->lock);
	return ret;
}

void front_cmd_release(struct vgpufront *dev, uint32_t offset)
{
	struct cmd_alloc *a;
	uint32_t i;

	for (i = 0; i < dev->cmd_count; i++) {
		a = &dev->cmd_fifo[(dev->cmd_first + i) % CMD_FIFO_LEN];
		if (a->offset == offset && !a->done) {
			break;
		}
	}
	if (i == dev->cmd_count) {
		return;
	}
	a->done = true;
	while (dev->cmd_count) {
		a = &dev->cmd_fifo[dev->cmd_first];
		if (!a->done) {
			break;
		}
		dev->cmd_used -= a->bytes;
		dev->cmd_tail = a->end;
		dev->cmd_first = (dev->cmd_first + 1) % CMD_FIFO_LEN;
		dev->cmd_count--;
	}
	front_wake(dev);
}

void vgpufront_cmd_cancel(struct vgpufront *dev, struct vgpufront_cmd *cmd)
{
	pthread_mutex_lock(&dev->lock);
	front_cmd_release(dev, cmd->offset);
	pthread_mutex_unlock(&dev->lock);
}

int vgpufront_cmd_submit(struct vgpufront *dev, uint32_t ctx_id,
			 struct vgpufront_cmd *cmd, uint64_t fence_id,
			 uint32_t *id)
{
	struct vgpuif_req req = {
		.operation = VGPUIF_OP_SUBMIT_3D,
		.ctx_id = ctx_id,
		.fence_id = fence_id,
		.flags = fence_id ? VGPUIF_FLAG_FENCE : 0,
		.op.submit_3d = { .cmd_offset = cmd->offset,
				  .cmd_size = cmd->size },
	};
	int ret;

	pthread_mutex_lock(&dev->lock);
	ret = front_send(dev, &req, cmd, id == NULL, false);
	if (ret) {
		front_cmd_release(dev, cmd->offset);
	} else if (id) {
		*id = req.id;
	}
	pthread_mutex_unlock(&dev->lock);
	return ret;
}
