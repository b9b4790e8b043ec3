/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-array transport of the decoder's tests and fuzzer: map() hands
 * out pointers into one array, so the "guest" can rewrite what the
 * backend mapped, as a real guest can.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "page_tp.h"
#include "vgpu_util.h"

static struct page_tp *to_tp(struct vgpuback_transport *t)
{
	return (struct page_tp *)t;
}

static int tp_publish(struct vgpuback_transport *t, const char *nodes)
{
	(void)t;
	return strstr(nodes, "max-submit-size=") ? 0 : -EINVAL;
}

static int tp_read_front(struct vgpuback_transport *t, const char *key,
			 char *buf, size_t len)
{
	return vgpu_kv_get(to_tp(t)->front, key, buf, len);
}

static int tp_connected(struct vgpuback_transport *t, int status,
			const char *message)
{
	to_tp(t)->connected_status = status;
	snprintf(to_tp(t)->connected_msg, sizeof(to_tp(t)->connected_msg),
		 "%s", message ? message : "");
	return 0;
}

/* Consecutive grefs only: the range is one stretch of the array. */
static void *tp_map(struct vgpuback_transport *t, const grant_ref_t *grefs,
		    uint32_t count, bool writable)
{
	struct page_tp *tp = to_tp(t);
	uint32_t i;

	(void)writable;
	for (i = 0; i < count; i++) {
		if (!grefs[i] || grefs[i] >= tp->npages ||
		    grefs[i] != grefs[0] + i) {
			errno = EFAULT;
			return NULL;
		}
	}
	tp->mapped += count;
	return page_tp_page(tp, grefs[0]);
}

static void tp_unmap(struct vgpuback_transport *t, void *addr, uint32_t n)
{
	(void)addr;
	to_tp(t)->mapped -= n;
}

static int tp_notify(struct vgpuback_transport *t)
{
	(void)t;
	return 0;
}

static int tp_event_fd(struct vgpuback_transport *t)
{
	(void)t;
	return -1;
}

static void tp_ack_event(struct vgpuback_transport *t)
{
	(void)t;
}

static int tp_control_fd(struct vgpuback_transport *t)
{
	return to_tp(t)->pipe[0];
}

static int tp_control(struct vgpuback_transport *t)
{
	(void)t;
	return -EPIPE;
}

static void tp_destroy(struct vgpuback_transport *t)
{
	(void)t;
}

static const struct vgpuback_transport_impl tp_impl = {
	.name = "pages",
	.publish = tp_publish,
	.read_front = tp_read_front,
	.connected = tp_connected,
	.map = tp_map,
	.unmap = tp_unmap,
	.notify = tp_notify,
	.event_fd = tp_event_fd,
	.ack_event = tp_ack_event,
	.control_fd = tp_control_fd,
	.control = tp_control,
	.destroy = tp_destroy,
};

static size_t array_bytes(uint32_t npages)
{
	return (size_t)npages * VGPUIF_PAGE_SIZE;
}

/* The array, between two PROT_NONE guard pages. */
int page_tp_init(struct page_tp *tp, uint32_t npages)
{
	size_t len = array_bytes(npages + 2);
	uint8_t *base;

	memset(tp, 0, sizeof(*tp));
	tp->base.impl = &tp_impl;
	tp->pipe[0] = tp->pipe[1] = -1;
	base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		return -ENOMEM;
	}
	tp->pages = base + VGPUIF_PAGE_SIZE;
	if (mprotect(tp->pages, array_bytes(npages),
		     PROT_READ | PROT_WRITE)) {
		munmap(base, len);
		tp->pages = NULL;
		return -ENOMEM;
	}
	tp->npages = npages;
	return 0;
}

void page_tp_clear(struct page_tp *tp)
{
	/* Private anonymous pages read back as zeros once dropped. */
	madvise(tp->pages, array_bytes(tp->npages), MADV_DONTNEED);
}

void page_tp_fini(struct page_tp *tp)
{
	if (tp->pipe[0] >= 0) {
		close(tp->pipe[0]);
		close(tp->pipe[1]);
	}
	if (tp->pages) {
		munmap(tp->pages - VGPUIF_PAGE_SIZE,
		       array_bytes(tp->npages + 2));
	}
	tp->pages = NULL;
}

uint8_t *page_tp_page(struct page_tp *tp, uint32_t gref)
{
	return tp->pages + (size_t)gref * VGPUIF_PAGE_SIZE;
}

void page_tp_write_dir(struct page_tp *tp, uint32_t dir, uint32_t first,
		       uint32_t n, uint32_t next)
{
	struct vgpuif_gref_directory *d = (void *)page_tp_page(tp, dir);
	uint32_t i;

	d->gref_dir_next_page = next;
	for (i = 0; i < n; i++) {
		d->gref[i] = first + i;
	}
}
