/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The credit policy (see DOC: policy in vgpu_sched.h): refilling credit
 * each period, charging the holder, and choosing who gets the GPU next.
 * Every function here runs with the table's lock held. Settings come
 * from this process's copy, and credit saturates: a worker can write any
 * value into the table (DOC: trust).
 */
#include <limits.h>

#include "table.h"

static uint64_t period_ns(const struct vgpu_sched *s)
{
	return (uint64_t)s->cfg.period_us * 1000;
}

static int64_t clamp(int64_t v, int64_t bound)
{
	return v > bound ? bound : v < -bound ? -bound : v;
}

static bool in_play(const struct sched_entry *e)
{
	return e->state != ENTRY_FREE &&
	       (e->active || e->state == ENTRY_WAITING ||
		e->state == ENTRY_RUNNING);
}

/*
 * One period's credit for the entries in play, shared by weight. Credit
 * stays within plus or minus that share (at least a slice): an entry
 * that did not use its credit loses the rest, and one that ran alone on
 * an otherwise idle GPU does not owe the others for it later.
 */
static void refill(struct vgpu_sched *s)
{
	struct sched_table *t = s->t;
	int64_t period = (int64_t)period_ns(s);
	int64_t slice = (int64_t)s->cfg.slice_us * 1000;
	uint64_t total = 0;
	struct sched_entry *e;
	int64_t share, bound;
	int i;

	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		if (in_play(&t->e[i])) {
			total += t->e[i].weight;
		}
	}
	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		e = &t->e[i];
		if (in_play(e) && total) {  /* 0 only if a worker wrote it */
			share = (int64_t)((uint64_t)period * e->weight / total);
			share = clamp(share, period);
			bound = share > slice ? share : slice;
			e->credit_ns = clamp(clamp(e->credit_ns, bound) + share,
					     bound);
		}
		e->cap_used_ns = 0;
		e->active = e->state == ENTRY_WAITING ||
			    e->state == ENTRY_RUNNING;
	}
}

void vgpu_sched_policy_advance(struct vgpu_sched *s, uint64_t now)
{
	struct sched_table *t = s->t;
	uint64_t period = period_ns(s);

	if (now < t->period_start_ns + period) {
		return;
	}
	refill(s);
	/* After an idle spell one refill is enough: the bounds clamp it. */
	t->period_start_ns = now - (now - t->period_start_ns) % period;
}

uint64_t vgpu_sched_policy_next_period_ns(const struct vgpu_sched *s,
					  uint64_t now)
{
	uint64_t period = period_ns(s), end = s->t->period_start_ns + period;

	return end <= now ? 0 : end - now < period ? end - now : period;
}

void vgpu_sched_policy_charge(struct sched_entry *e, uint64_t now)
{
	uint64_t used = now > e->charged_ns ? now - e->charged_ns : 0;

	/* Saturating: a worker may have written any credit or stamp. */
	e->credit_ns = clamp(e->credit_ns, INT64_MAX / 2) -
		       (int64_t)(used < INT64_MAX / 2 ? used : INT64_MAX / 2);
	e->cap_used_ns += used;
	e->gpu_ns += used;
	e->charged_ns = now;
}

bool vgpu_sched_policy_eligible(const struct vgpu_sched *s,
				const struct sched_entry *e)
{
	return !e->cap ||
	       e->cap_used_ns < period_ns(s) * e->cap / VGPU_SCHED_CAP_MAX;
}

bool vgpu_sched_policy_ahead(const struct sched_entry *next,
			     const struct sched_entry *e, bool ties_lose)
{
	if (next->boost != e->boost) {
		return next->boost;
	}
	return ties_lose ? next->credit_ns >= e->credit_ns :
			   next->credit_ns > e->credit_ns;
}

int vgpu_sched_policy_pick(const struct vgpu_sched *s)
{
	const struct sched_table *t = s->t;
	const struct sched_entry *e, *best = NULL;
	int i, pick = -1;

	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		e = &t->e[i];
		if (e->state != ENTRY_WAITING ||
		    !vgpu_sched_policy_eligible(s, e)) {
			continue;
		}
		/* Ahead, or level and waiting longer. */
		if (!best || vgpu_sched_policy_ahead(e, best, false) ||
		    (vgpu_sched_policy_ahead(e, best, true) &&
		     e->wait_start_ns < best->wait_start_ns)) {
			best = e;
			pick = i;
		}
	}
	return pick;
}

void vgpu_sched_policy_grant_next(struct vgpu_sched *s, uint64_t now)
{
	struct sched_table *t = s->t;
	struct sched_entry *e;
	int next;

	if (vgpu_sched_holder(t) >= 0) {
		return;
	}
	next = vgpu_sched_policy_pick(s);
	if (next < 0) {
		return;
	}
	e = &t->e[next];
	e->state = ENTRY_RUNNING;
	e->active = 1;
	e->hold_start_ns = now;
	e->charged_ns = now;
	e->progress_ns = now;
	e->wait_ns += now - e->wait_start_ns;
	e->grants++;
	t->holder = next;
	__atomic_add_fetch(&e->grant, 1, __ATOMIC_RELEASE);
	vgpu_sched_futex_wake(&e->grant, INT_MAX);
}
