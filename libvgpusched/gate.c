/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The library's worker-facing API, as the library implements it
 * (vgpu_sched_acquire() to vgpu_sched_set_mapped() in vgpu_sched.h;
 * attach and detach are in table.c, with the rest of an entry's life):
 * waiting for the GPU, charging for it, giving it up, and reporting a
 * worker's figures. The backend's use of these calls is
 * backend/worker_sched.c. A worker may only touch its own entry, and
 * only while it is still attached: once the watchdog has taken the
 * entry from a hung worker, whatever that worker still does is ignored.
 * It keeps its own page (its witness: DOC: trust) true as it goes:
 * whether it holds the GPU, and when its work last moved.
 */
#include "table.h"
#include "vgpu_util.h"

static bool mine(const struct vgpu_sched *s, int idx)
{
	return idx >= 0 && idx < VGPU_SCHED_MAX_ENTRIES &&
	       s->t->e[idx].pid == s->self;
}

void vgpu_sched_acquire(struct vgpu_sched *s, int idx)
{
	struct sched_table *t = s->t;
	struct sched_entry *e = &t->e[idx];
	uint64_t now, timeout;
	uint32_t seen;

	now = vgpu_sched_table_lock(s);
	if (!mine(s, idx) || t->holder == idx) {
		goto out;
	}
	vgpu_sched_policy_advance(s, now);
	e->state = ENTRY_WAITING;
	e->wait_start_ns = now;
	e->active = 1;
	e->boost = !e->preempted && e->credit_ns > 0;
	vgpu_sched_policy_grant_next(s, now);
	while (t->holder != idx && mine(s, idx)) {
		seen = __atomic_load_n(&e->grant, __ATOMIC_ACQUIRE);
		/* Wake at the next period too: a capped entry may run then. */
		timeout = vgpu_sched_policy_next_period_ns(s, now) + 1000;
		vgpu_sched_table_unlock(s);
		vgpu_sched_futex_wait(&e->grant, seen, timeout);
		now = vgpu_sched_table_lock(s);
		vgpu_sched_policy_advance(s, now);
		vgpu_sched_policy_grant_next(s, now);
	}
out:
	vgpu_sched_witness_hold(s, t->holder == idx && mine(s, idx), now);
	vgpu_sched_table_unlock(s);
}

/*
 * Locks the table and, if entry idx holds the GPU, charges it up to now
 * and returns true. Otherwise changes nothing and returns false. The
 * lock is held either way.
 */
static bool lock_and_charge(struct vgpu_sched *s, int idx, uint64_t *now)
{
	struct sched_table *t = s->t;

	*now = vgpu_sched_table_lock(s);
	if (!mine(s, idx) || t->holder != idx) {
		return false;
	}
	vgpu_sched_policy_advance(s, *now);
	vgpu_sched_policy_charge(&t->e[idx], *now);
	return true;
}

/*
 * A waiter that may run goes ahead of entry e (or is level with it, if
 * ties_lose: a holder lingers only when it is strictly ahead).
 */
static bool outranked(const struct vgpu_sched *s,
		      const struct sched_entry *e, bool ties_lose)
{
	int next = vgpu_sched_policy_pick(s);

	return next >= 0 &&
	       vgpu_sched_policy_ahead(&s->t->e[next], e, ties_lose);
}

static bool slice_used(const struct vgpu_sched *s,
		       const struct sched_entry *e, uint64_t now)
{
	return now - e->hold_start_ns >= s->cfg.slice_us * 1000ull;
}

/*
 * The holder gives the GPU up at this request boundary: at its cap, to a
 * boosted waiter at once, or to one that outranks it once its slice is
 * used up.
 */
static bool must_give_up(const struct vgpu_sched *s,
			 const struct sched_entry *e, uint64_t now)
{
	int next;

	if (!vgpu_sched_policy_eligible(s, e)) {
		return true;
	}
	next = vgpu_sched_policy_pick(s);
	if (next < 0 || !vgpu_sched_policy_ahead(&s->t->e[next], e, false)) {
		return false;
	}
	return slice_used(s, e, now) || s->t->e[next].boost;
}

bool vgpu_sched_charge(struct vgpu_sched *s, int idx, bool progressed)
{
	struct sched_entry *e = &s->t->e[idx];
	bool holds, give_up = false;
	uint64_t now;

	holds = lock_and_charge(s, idx, &now);
	if (progressed) {
		vgpu_sched_witness_progress(s, now);
	}
	if (holds) {
		if (progressed) {
			e->progress_ns = now;
		}
		if (slice_used(s, e, now)) {
			e->boost = 0;   /* a boost lasts one slice */
		}
		give_up = must_give_up(s, e, now);
		e->preempted = give_up;
	}
	vgpu_sched_table_unlock(s);
	return give_up;
}

unsigned int vgpu_sched_workers(struct vgpu_sched *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		n += __atomic_load_n(&s->t->e[i].pid, __ATOMIC_RELAXED) != 0;
	}
	return n;
}

bool vgpu_sched_contended(struct vgpu_sched *s, int idx)
{
	bool waiter;

	vgpu_sched_table_lock(s);
	waiter = mine(s, idx) && s->t->holder == idx &&
		 vgpu_sched_policy_pick(s) >= 0;
	vgpu_sched_table_unlock(s);
	return waiter;
}

uint64_t vgpu_sched_linger(struct vgpu_sched *s, int idx)
{
	struct sched_table *t = s->t;
	struct sched_entry *e = &t->e[idx];
	uint64_t now, linger = 0;

	if (!lock_and_charge(s, idx, &now)) {
		goto out;
	}
	e->preempted = 0;       /* it ran out of work */
	if (vgpu_sched_policy_eligible(s, e) && !outranked(s, e, true)) {
		linger = s->cfg.linger_us * 1000ull;
	}
out:
	vgpu_sched_table_unlock(s);
	return linger;
}

void vgpu_sched_release(struct vgpu_sched *s, int idx)
{
	uint64_t now;

	if (lock_and_charge(s, idx, &now)) {
		vgpu_sched_entry_take_gpu(s, idx, now);
	}
	vgpu_sched_witness_hold(s, false, 0);
	vgpu_sched_table_unlock(s);
}

void vgpu_sched_count_submit(struct vgpu_sched *s, int idx)
{
	if (mine(s, idx)) {
		__atomic_add_fetch(&s->t->e[idx].submissions, 1,
				   __ATOMIC_RELAXED);
	}
}

void vgpu_sched_set_mapped(struct vgpu_sched *s, int idx, uint64_t pages,
			   uint64_t max_pages)
{
	if (mine(s, idx)) {
		__atomic_store_n(&s->t->e[idx].mapped_pages, pages,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&s->t->e[idx].max_mapped_pages, max_pages,
				 __ATOMIC_RELAXED);
	}
}
