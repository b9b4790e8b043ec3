/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The library's private header: the layout of the shared table and the
 * helpers its files share. Only libvgpusched/ includes it (and
 * tests/test_sched_trust.c, which writes the table as a rogue worker
 * would); everyone else goes through vgpu_sched.h. The helpers its files
 * share carry the library's prefix too, then what they work on
 * (vgpu_sched_table_lock(), vgpu_sched_policy_pick(),
 * vgpu_sched_witness_of()): `make symcheck` fails on any symbol the
 * library defines without it. Static helpers are short and unprefixed.
 */
#ifndef VGPU_SCHED_TABLE_H
#define VGPU_SCHED_TABLE_H

#include "vgpu_sched.h"

#define VGPU_SCHED_MAGIC        0x76677363u     /* "vgsc" */
#define VGPU_SCHED_VERSION      3

enum entry_state {
	ENTRY_FREE,             /* slot unused */
	ENTRY_IDLE,             /* configured or attached, wants nothing */
	ENTRY_WAITING,          /* wants the GPU */
	ENTRY_RUNNING,          /* holds the GPU */
};

struct sched_entry {
	uint32_t state;         /* enum entry_state */
	uint32_t domid;
	uint32_t devid;
	uint32_t weight;
	uint32_t cap;
	int32_t pid;            /* attached worker, 0 if none */
	uint32_t grant;         /* futex word: bumped when given the GPU */
	uint32_t active;        /* ran or waited in this period */
	uint32_t boost;         /* woke with credit: goes ahead (DOC: policy) */
	uint32_t preempted;     /* last gave the GPU up with work left */
	int64_t credit_ns;
	uint64_t cap_used_ns;   /* GPU time in this period */
	uint64_t hold_start_ns;
	uint64_t charged_ns;    /* charged up to here */
	uint64_t progress_ns;   /* last completed work, for the watchdog */
	uint64_t wait_start_ns;
	/* Figures for xenvgpu. */
	uint64_t gpu_ns;
	uint64_t grants;
	uint64_t wait_ns;
	uint64_t submissions;
	uint64_t resets;
	uint64_t mapped_pages;
	uint64_t max_mapped_pages;
};

struct sched_table {
	uint32_t magic;
	uint32_t version;
	int32_t owner_pid;      /* the process that made the table */
	struct vgpu_sched_config cfg;   /* as made; each process uses its copy */
	uint32_t lock;          /* futex word: owner pid | SCHED_LOCK_WAITERS */
	int32_t holder;         /* entry index, -1: the GPU is free */
	uint64_t period_start_ns;
	struct sched_entry e[VGPU_SCHED_MAX_ENTRIES];
};

/*
 * A worker's word on itself (DOC: trust): a page of its own, which only
 * it and the parent map. The worker writes it; the watchdog blames a
 * worker only when its page agrees with what the table says of it, as
 * the table is written by every worker and this page by one.
 */
struct sched_witness {
	uint64_t lock_since_ns; /* took the table's lock then; 0: not held */
	uint64_t held_since_ns; /* holds the GPU since; 0: does not */
	uint64_t progress_ns;   /* its GPU work last moved */
};

/* The parent's record of a worker it forked: its pid and its page. */
struct sched_witness_ref {
	pid_t pid;
	struct sched_witness *w;
};

struct vgpu_sched {
	struct sched_table *t;
	char *path;             /* set in the creator only */
	pid_t pid;              /* the creator or tool: this process */
	pid_t self;             /* the attached worker: this process */
	/*
	 * The configuration, fixed when the table is made. Every worker can
	 * write the table, so this process's copy is the one that counts.
	 */
	struct vgpu_sched_config cfg;
	/*
	 * Watchdog: the lock's owner when vgpu_sched_table_lock_timed()
	 * first failed.
	 */
	uint32_t lock_denied_owner;
	uint64_t lock_denied_ns;
	/*
	 * Watchdog: when vgpu_sched_table_lock_timed() last failed (a holder
	 * waited).
	 */
	uint64_t lock_kept_ns;
	/*
	 * In the parent, the pages of the workers it forked; in a worker,
	 * its own (own), the others unmapped. pending: made for the next
	 * fork.
	 */
	struct sched_witness_ref witnesses[VGPU_SCHED_MAX_ENTRIES];
	size_t nwitnesses;
	struct sched_witness *pending;
	struct sched_witness *own;
};

/*
 * The table's lock is a futex word of its own, not a pthread mutex: a
 * worker can write every byte of the table, and glibc's mutexes keep
 * pointers in theirs that it follows on unlock. The word holds the
 * owner's pid, and SCHED_LOCK_WAITERS while others sleep on it.
 */
#define SCHED_LOCK_WAITERS      0x80000000u
#define SCHED_LOCK_OWNER        0x7fffffffu

/*
 * The parent and the tools wait this long for the lock at most: a worker
 * taken over by its guest may hold it for ever.
 */
#define SCHED_LOCK_WAIT_MS      100
/* A lock waiter looks at the word again at least this often. */
#define SCHED_LOCK_RECHECK_NS   (10 * 1000000ull)

/*
 * Takes the table's lock and returns the time it got it, the "now" of
 * what the caller does under it. Workers wait as long as it takes (the
 * parent frees a lock its dead or foreign owner left); the parent and
 * the tools use vgpu_sched_table_lock_timed(), which frees a lock whose
 * owner has exited and otherwise returns false after SCHED_LOCK_WAIT_MS
 * without it.
 */
uint64_t vgpu_sched_table_lock(struct vgpu_sched *s);
bool vgpu_sched_table_lock_timed(struct vgpu_sched *s);
void vgpu_sched_table_unlock(struct vgpu_sched *s);
/* Frees the lock if owner still holds it and wakes its waiters. */
void vgpu_sched_table_lock_break(struct vgpu_sched *s, uint32_t owner);

/* FUTEX_WAIT on a shared word for at most ns (0: for ever); FUTEX_WAKE. */
void vgpu_sched_futex_wait(uint32_t *word, uint32_t seen, uint64_t ns);
void vgpu_sched_futex_wake(uint32_t *word, int n);

/*
 * The holder, read once and checked: a worker may write any value there,
 * at any time, so whoever indexes with it reads it through this.
 */
static inline int vgpu_sched_holder(const struct sched_table *t)
{
	int32_t h = __atomic_load_n(&t->holder, __ATOMIC_RELAXED);

	return h >= 0 && h < VGPU_SCHED_MAX_ENTRIES ? h : -1;
}

/*
 * witness.c. The parent: the page of worker pid, NULL if pid is no
 * worker it forked (or one it has reaped). A worker, on its own page
 * (none in the parent and the tools): it holds the table's lock since
 * then (0: no longer), it holds the GPU or not, its GPU work moved.
 */
const struct sched_witness *vgpu_sched_witness_of(const struct vgpu_sched *s,
						  pid_t pid);
void vgpu_sched_witness_lock(struct vgpu_sched *s, uint64_t since);
void vgpu_sched_witness_hold(struct vgpu_sched *s, bool held, uint64_t now);
void vgpu_sched_witness_progress(struct vgpu_sched *s, uint64_t now);
/* Forgets a reaped worker's page; unmaps every page this process has. */
void vgpu_sched_witness_reaped(struct vgpu_sched *s, pid_t pid);
void vgpu_sched_witnesses_unmap(struct vgpu_sched *s);

/*
 * Lock held. vgpu_sched_entry_take_gpu() takes the GPU back from entry
 * idx if it holds it and leaves the entry idle; vgpu_sched_entry_drop()
 * also detaches it from its worker.
 */
void vgpu_sched_entry_take_gpu(struct vgpu_sched *s, int idx, uint64_t now);
void vgpu_sched_entry_drop(struct vgpu_sched *s, int idx, uint64_t now);

/* policy.c, called with the lock held. */
void vgpu_sched_policy_advance(struct vgpu_sched *s, uint64_t now);
void vgpu_sched_policy_charge(struct sched_entry *e, uint64_t now);
int vgpu_sched_policy_pick(const struct vgpu_sched *s);
/*
 * Entry next goes ahead of entry e: boosted before not boosted, then by
 * credit (a tie goes to next only if ties_lose).
 */
bool vgpu_sched_policy_ahead(const struct sched_entry *next,
			     const struct sched_entry *e, bool ties_lose);
bool vgpu_sched_policy_eligible(const struct vgpu_sched *s,
				const struct sched_entry *e);
/* Gives a free GPU to the best waiter, if any, and wakes it. */
void vgpu_sched_policy_grant_next(struct vgpu_sched *s, uint64_t now);
/* Time until the next period begins. */
uint64_t vgpu_sched_policy_next_period_ns(const struct vgpu_sched *s,
					  uint64_t now);

#endif /* VGPU_SCHED_TABLE_H */
