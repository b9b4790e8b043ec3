// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: the command region, pages granted read-only once at
 * connect and used as a byte ring. An EXECBUFFER reserves room, copies
 * the user's commands into it and sends SUBMIT_3D naming it; the bytes
 * are the backend's until the response, which releases them. Responses
 * come in any order (fences are per context), so releases are marked
 * and the space is reused in reservation order.
 */

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "xen_vgpu_front.h"

static void vgpu_front_cmd_reset(struct vgpu_front_cmd *cmd)
{
	cmd->head = 0;
	cmd->tail = 0;
	cmd->used = 0;
	cmd->first = 0;
	cmd->count = 0;
}

static void vgpu_front_cmd_free_pages(struct vgpu_front_cmd *cmd)
{
	unsigned int i;

	if (cmd->vaddr)
		vunmap(cmd->vaddr);
	cmd->vaddr = NULL;
	if (cmd->pages)
		for (i = 0; i < cmd->num_pages; i++)
			if (cmd->pages[i])
				put_page(cmd->pages[i]);
	kvfree(cmd->pages);
	cmd->pages = NULL;
	cmd->num_pages = 0;
	cmd->size = 0;
}

/* Allocates, maps and grants the region. conn_sem is write-held. */
int vgpu_front_cmd_setup(struct vgpu_front *front, unsigned int num_pages)
{
	struct vgpu_front_cmd *cmd = &front->cmd;
	unsigned int i;
	int ret = -ENOMEM;

	cmd->pages = kvcalloc(num_pages, sizeof(*cmd->pages), GFP_KERNEL);
	if (!cmd->pages)
		return -ENOMEM;
	cmd->num_pages = num_pages;
	for (i = 0; i < num_pages; i++) {
		cmd->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!cmd->pages[i])
			goto fail;
	}
	cmd->vaddr = vmap(cmd->pages, num_pages, VM_MAP, PAGE_KERNEL);
	if (!cmd->vaddr)
		goto fail;
	ret = vgpu_front_shbuf_grant(&cmd->shbuf, front->xb_dev->otherend_id,
				     cmd->pages, num_pages, true);
	if (ret)
		goto fail;
	cmd->size = num_pages * PAGE_SIZE;
	vgpu_front_cmd_reset(cmd);
	return 0;

fail:
	vgpu_front_cmd_free_pages(cmd);
	return ret;
}

/* The backend is gone and conn_sem is write-held. */
void vgpu_front_cmd_teardown(struct vgpu_front *front)
{
	struct vgpu_front_cmd *cmd = &front->cmd;

	if (!cmd->pages)
		return;
	vgpu_front_shbuf_end(&cmd->shbuf);
	spin_lock_irq(&front->lock);
	vgpu_front_cmd_reset(cmd);
	spin_unlock_irq(&front->lock);
	vgpu_front_cmd_free_pages(cmd);
}

/*
 * Where size bytes would go: at the head, or at offset 0 when the end of
 * the region is too short (that end is then skipped). False if they do
 * not fit now. Called with front->lock held.
 */
static bool vgpu_front_cmd_place(const struct vgpu_front_cmd *cmd, u32 size,
				 u32 *offset, u32 *skipped)
{
	u32 head = cmd->used ? cmd->head : 0;
	u32 tail = cmd->used ? cmd->tail : 0;
	bool wrapped = head < tail || (head == tail && cmd->used);

	*skipped = 0;
	*offset = head;
	if (cmd->count == VGPU_FRONT_CMD_FIFO)
		return false;
	if (wrapped)
		return tail - head >= size;
	if (cmd->size - head >= size)
		return true;
	*skipped = cmd->size - head;
	*offset = 0;
	return tail >= size;
}

static bool vgpu_front_cmd_fits(struct vgpu_front *front, u32 size)
{
	u32 offset, skipped;
	bool ret;

	spin_lock_irq(&front->lock);
	ret = !front->connected ||
	      vgpu_front_cmd_place(&front->cmd, size, &offset, &skipped);
	spin_unlock_irq(&front->lock);
	return ret;
}

/*
 * Reserves size bytes (a multiple of 4), waiting for earlier submits to
 * be answered if need be. Returns a ticket for vgpu_front_send_fenced()
 * or vgpu_front_cmd_cancel(), and the bytes' offset in the region.
 */
int vgpu_front_cmd_reserve(struct vgpu_front *front, u32 size, u32 *offset)
{
	struct vgpu_front_cmd *cmd = &front->cmd;
	struct vgpu_front_cmd_alloc *a;
	u32 skipped;
	int ticket, ret;

	if (!size || size > cmd->size || size > front->lim.max_submit_size)
		return -E2BIG;
	for (;;) {
		spin_lock_irq(&front->lock);
		if (!front->connected) {
			spin_unlock_irq(&front->lock);
			return -EIO;
		}
		if (vgpu_front_cmd_place(cmd, size, offset, &skipped))
			break;
		spin_unlock_irq(&front->lock);
		ret = wait_event_killable(front->wq,
					  vgpu_front_cmd_fits(front, size));
		if (ret)
			return ret;
	}
	if (!cmd->used)
		cmd->tail = 0;
	ticket = (cmd->first + cmd->count++) % VGPU_FRONT_CMD_FIFO;
	a = &cmd->fifo[ticket];
	a->offset = *offset;
	a->end = *offset + size;
	a->bytes = size + skipped;
	a->done = false;
	cmd->head = a->end;
	cmd->used += a->bytes;
	spin_unlock_irq(&front->lock);
	return ticket;
}

/* Called with front->lock held, from the response or a failed send. */
void vgpu_front_cmd_release(struct vgpu_front *front, int ticket)
{
	struct vgpu_front_cmd *cmd = &front->cmd;
	struct vgpu_front_cmd_alloc *a;

	if (!cmd->count || ticket < 0 || ticket >= VGPU_FRONT_CMD_FIFO)
		return;
	cmd->fifo[ticket].done = true;
	while (cmd->count) {
		a = &cmd->fifo[cmd->first];
		if (!a->done)
			break;
		cmd->used -= a->bytes;
		cmd->tail = a->end;
		cmd->first = (cmd->first + 1) % VGPU_FRONT_CMD_FIFO;
		cmd->count--;
	}
}

void vgpu_front_cmd_cancel(struct vgpu_front *front, int ticket)
{
	spin_lock_irq(&front->lock);
	vgpu_front_cmd_release(front, ticket);
	spin_unlock_irq(&front->lock);
	wake_up_all(&front->wq);
}
