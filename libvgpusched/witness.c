/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Witnesses (DOC: trust in vgpu_sched.h): a page for each worker, which
 * the parent maps before it forks that worker. The new worker unmaps the
 * pages of the workers before it, inherited with the fork, before it
 * reads a byte from its guest: whatever its guest makes it do later, it
 * can write its own page and no other. Each page is a mapping of its
 * own, not a slot in one array, as growing a shared mapping with
 * mremap() reaches further into the object it maps.
 */
#include <errno.h>
#include <sys/mman.h>

#include "table.h"

static void witness_unmap(struct sched_witness *w)
{
	if (w) {
		munmap(w, sizeof(*w));
	}
}

int vgpu_sched_before_fork(struct vgpu_sched *s)
{
	void *page;

	if (!s || s->pending) {
		return 0;       /* a failed fork left one */
	}
	if (s->nwitnesses == VGPU_SCHED_MAX_ENTRIES) {
		return -ENOSPC;
	}
	page = mmap(NULL, sizeof(struct sched_witness), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		return -errno;
	}
	s->pending = page;
	return 0;
}

void vgpu_sched_after_fork(struct vgpu_sched *s, pid_t pid)
{
	struct sched_witness *w;

	if (!s) {
		return;
	}
	w = s->pending;
	s->pending = NULL;
	if (pid == 0) {
		vgpu_sched_witnesses_unmap(s);
		s->own = w;
	} else if (pid > 0 && w) {
		s->witnesses[s->nwitnesses++] = (struct sched_witness_ref){
			.pid = pid, .w = w,
		};
	} else {
		witness_unmap(w);
	}
}

const struct sched_witness *vgpu_sched_witness_of(const struct vgpu_sched *s,
						  pid_t pid)
{
	size_t i;

	for (i = 0; pid > 0 && i < s->nwitnesses; i++) {
		if (s->witnesses[i].pid == pid) {
			return s->witnesses[i].w;
		}
	}
	return NULL;
}

void vgpu_sched_witness_reaped(struct vgpu_sched *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->nwitnesses; i++) {
		if (s->witnesses[i].pid == pid) {
			witness_unmap(s->witnesses[i].w);
			s->witnesses[i] = s->witnesses[--s->nwitnesses];
			return;
		}
	}
}

void vgpu_sched_witnesses_unmap(struct vgpu_sched *s)
{
	while (s->nwitnesses) {
		witness_unmap(s->witnesses[--s->nwitnesses].w);
	}
	witness_unmap(s->pending);
	witness_unmap(s->own);
	s->pending = s->own = NULL;
}

static void stamp(uint64_t *field, uint64_t value)
{
	__atomic_store_n(field, value, __ATOMIC_RELAXED);
}

void vgpu_sched_witness_lock(struct vgpu_sched *s, uint64_t since)
{
	if (s->own) {
		stamp(&s->own->lock_since_ns, since);
	}
}

void vgpu_sched_witness_hold(struct vgpu_sched *s, bool held, uint64_t now)
{
	if (s->own) {
		stamp(&s->own->held_since_ns, held ? now : 0);
	}
}

void vgpu_sched_witness_progress(struct vgpu_sched *s, uint64_t now)
{
	if (s->own) {
		stamp(&s->own->progress_ns, now);
	}
}
