/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dom0 GPU scheduler: which backend worker may submit to the GPU now.
 *
 * DOC: the table
 * The backend's parent process (the loopback server or the --xen
 * supervisor) creates one table, a file mapped MAP_SHARED (default
 * /run/xen-vgpu/sched), before it forks any worker. Workers inherit the
 * mapping; xenvgpu maps the same file to show the figures (top, list
 * --json) and to change weights live (sched). Every change is made under
 * one lock, a futex word in the table holding its owner's pid; the
 * parent frees it when it reaps a worker that died holding it.
 *
 * An entry is one guest device, keyed by (domid, devid). It is made when
 * the device is configured (its weight and cap) or when a worker attaches
 * to it, and outlives its workers, so reset counts survive restarts.
 *
 * DOC: policy
 * Credit scheduling, after Xen's credit scheduler and Intel GVT-g:
 *
 * - Every period (default 100 ms, as GVT-g) each active entry (one that ran or
 *   waited during the last period) earns period * weight / (sum of the
 *   active weights) nanoseconds of credit.
 * - Credit is bounded by plus or minus one period's share (at least one
 *   slice): an idle guest cannot hoard it, and a guest that had the GPU
 *   to itself owes no debt for that once others come.
 * - The holder is charged its GPU time at every request it completes and
 *   every fence that retires, not only when it gives the GPU up.
 * - An entry that queues for the GPU with credit left, having last given
 *   it up for lack of work (not because it was made to), is boosted, as
 *   a waking vCPU is in Xen's credit scheduler: a guest that waits for
 *   each frame gets the GPU at the holder's next request boundary rather
 *   than at the end of its slice. Boost changes the order only, not the
 *   share: credit still bounds what the entry gets, and its boost ends
 *   when it gives the GPU up or uses up a slice.
 * - When the GPU is free, a boosted waiter gets it before the others,
 *   then the one with the most credit (the longest waiting among
 *   equals). The holder keeps it until it has nothing left to do, a
 *   boosted waiter comes while it is not boosted itself, or its slice
 *   (default 1 ms) is used up and a waiter has more credit than it.
 * - A cap (percent) bounds an entry's GPU time in each period even when
 *   the GPU would otherwise be idle; a capped-out entry waits for the next
 *   period.
 *
 * Submissions cannot be preempted, so a holder gives the GPU up only at a
 * request boundary and only once its fences have retired: the GPU time of
 * its work is charged to it, not to the next guest. For the same reason
 * a holder with a waiter behind it keeps at most one fenced batch in
 * flight, as drm_sched bounds its hardware queue: before it starts more
 * GPU work it lets the last batch retire and is charged for it, so it
 * stops at its slice and its waiter waits for one batch, not for all the
 * work a pipelining guest had queued.
 *
 * A guest that waits for each frame before it sends the next one is
 * never queued when its frame ends, so plain work conservation would
 * hand the GPU to whoever waits, whatever the weights. A holder that
 * runs out of work while it has more credit than every waiter therefore
 * keeps the GPU for up to linger_us (default 500 us, charged to it), as
 * anticipatory I/O schedulers do; if no work comes, it lets go.
 *
 * DOC: watchdog
 * The parent calls vgpu_sched_watchdog() a few times a second. A holder
 * that has made no progress (completed a request with no GPU work left
 * in flight, or retired a fence) for timeout_ms is guilty, once its
 * worker's own page agrees (DOC: trust): its entry counts a reset, the
 * GPU goes to the next waiter, and the parent kills the worker. Its
 * guest sees the device lost; no other guest is touched.
 *
 * DOC: trust
 * A worker reads its guest's requests, so a guest may take it over (the
 * sandbox in docs/security.md bounds what it can do then), and every
 * worker can write every byte of the table, at any time. Such a worker
 * has a GPU context of its own and can take more than its share of the
 * GPU whatever the table says, or keep others off it, so the table does
 * not try to stop that. What it must not let the worker do is harm the
 * parent, the tools, or another worker's process:
 * - The parent kills only its own children, whatever pid the table names.
 * - It kills a worker only on that worker's own word. Each worker has a
 *   page of its own, its witness, mapped before the fork by the parent
 *   (vgpu_sched_before_fork()) and by no other worker: the new worker
 *   unmaps the others' pages before it reads from its guest
 *   (vgpu_sched_after_fork()). There it says whether it holds the GPU
 *   and since when its work last moved, and since when it holds the
 *   table's lock. The table says whom to suspect; a suspect whose page
 *   does not agree (a worker named the other one in the table) is not
 *   harmed: the GPU is taken back from it, or the lock broken.
 * - No pointer lives in the table: the lock is a futex word of its own
 *   (glibc's mutexes keep list pointers in themselves and write through
 *   them on unlock).
 * - Nothing indexes with or divides by what the table holds without a
 *   check where it is used: the holder is read once and range-checked,
 *   every process takes the settings (fixed when the table is made) from
 *   its own copy, credit saturates, and weights that add up to 0 earn
 *   nothing.
 * - The parent and the tools wait for the lock for a bounded time
 *   (SCHED_LOCK_WAIT_MS), then free it if its owner has exited (a tool
 *   killed while it held it): the watchdog's next pass at the latest.
 *   If one live owner keeps it for the timeout, the watchdog resets that
 *   worker if its page says it holds the lock, and frees the lock
 *   otherwise.
 * A taken-over worker that lies on its own page escapes the reset, not
 * the watchdog: the GPU or the lock is taken back from it each timeout.
 */
#ifndef VGPU_SCHED_H
#define VGPU_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VGPU_SCHED_PATH            "/run/xen-vgpu/sched"

#define VGPU_SCHED_WEIGHT_MIN      1u
#define VGPU_SCHED_WEIGHT_MAX      65535u
#define VGPU_SCHED_WEIGHT_DEF      256u
#define VGPU_SCHED_CAP_MAX         100u    /* percent; 0: no cap */

#define VGPU_SCHED_DEF_SLICE_US    1000
#define VGPU_SCHED_DEF_PERIOD_US   100000
#define VGPU_SCHED_DEF_TIMEOUT_MS  2000
/* On a CPU rasterizer (llvmpipe), whose batches wait for dom0's CPUs. */
#define VGPU_SCHED_DEF_TIMEOUT_SW_MS 10000
#define VGPU_SCHED_DEF_LINGER_US   500

#define VGPU_SCHED_MAX_ENTRIES     256

struct vgpu_sched_config {
	uint32_t slice_us;      /* 100 .. 1000000 */
	uint32_t period_us;     /* slice_us .. 10000000 */
	uint32_t timeout_ms;    /* 10 .. 3600000 */
	uint32_t linger_us;     /* 0 .. slice_us */
};

/* What xenvgpu shows of one entry. Times are in nanoseconds. */
struct vgpu_sched_stat {
	uint32_t slot;          /* with the key, names the entry across snapshots */
	uint32_t domid;
	uint32_t devid;
	uint32_t weight;
	uint32_t cap;
	pid_t pid;              /* attached worker, 0 if none */
	bool running;           /* holds the GPU now */
	bool waiting;
	int64_t credit_ns;
	uint64_t gpu_ns;        /* GPU time charged since the entry was made */
	uint64_t grants;        /* times it got the GPU */
	uint64_t wait_ns;       /* total time spent waiting for the GPU */
	uint64_t submissions;   /* SUBMIT_3D requests */
	uint64_t resets;        /* workers killed by the watchdog */
	uint64_t mapped_pages;
	uint64_t max_mapped_pages;
};

struct vgpu_sched;

/*
 * Parent: creates (or truncates) the table file at path with mode 0600
 * and maps it. Returns NULL with errno set. vgpu_sched_destroy() unmaps it
 * and removes the file.
 */
struct vgpu_sched *vgpu_sched_create(const char *path,
				     const struct vgpu_sched_config *cfg);
void vgpu_sched_destroy(struct vgpu_sched *s);

/*
 * Tools: maps an existing table. Returns NULL with errno set: ENOENT
 * (no backend made one), EPROTO (not a table of this version), ESRCH
 * (the backend that made it is gone).
 */
struct vgpu_sched *vgpu_sched_open(const char *path);
/* Unmaps a table opened or created here, leaving the file. */
void vgpu_sched_close(struct vgpu_sched *s);

/* Fills cfg with the defaults; checks one. */
void vgpu_sched_config_defaults(struct vgpu_sched_config *cfg);
int vgpu_sched_config_check(const struct vgpu_sched_config *cfg,
			    const char **why);
void vgpu_sched_get_config(const struct vgpu_sched *s,
			   struct vgpu_sched_config *cfg);

/*
 * Sets the weight and cap of every entry keyed (domid, devid), making
 * one if there is none. Returns 0, -ERANGE for a value out of range,
 * -ENOSPC when the table is full, or -EBUSY when it stayed locked.
 */
int vgpu_sched_configure(struct vgpu_sched *s, uint32_t domid,
			 uint32_t devid, uint32_t weight, uint32_t cap);
/* Forgets the entries keyed (domid, devid) that no worker uses. */
void vgpu_sched_remove(struct vgpu_sched *s, uint32_t domid, uint32_t devid);

/*
 * Snapshot of up to max entries into out; returns how many there are, or
 * -EBUSY when the table stayed locked (a worker keeps the lock: the
 * watchdog resets it).
 */
ssize_t vgpu_sched_stats(struct vgpu_sched *s, struct vgpu_sched_stat *out,
			 size_t max);

/*
 * Worker side. attach() binds the calling process to a free entry keyed
 * (domid, devid), making one with the key's weight and cap (or the
 * defaults) when every such entry is in use, and returns its index,
 * -ENOSPC, or -EPERM (see vgpu_sched_after_fork()). A worker holds the
 * GPU between acquire() and release().
 */
int vgpu_sched_attach(struct vgpu_sched *s, uint32_t domid, uint32_t devid);
void vgpu_sched_detach(struct vgpu_sched *s, int idx);

/*
 * How many workers are attached now, the caller included: whether its
 * device shares the GPU (and, on llvmpipe, the CPUs) with others. A
 * hint, read without the lock.
 */
unsigned int vgpu_sched_workers(struct vgpu_sched *s);

/* Blocks until the entry holds the GPU. */
void vgpu_sched_acquire(struct vgpu_sched *s, int idx);
/*
 * Charges the holder's GPU time up to now; progressed says it completed
 * work (for the watchdog). Returns true when it should give the GPU up:
 * its cap is reached, a boosted waiter came while it is not boosted, or
 * its slice is over and a waiter has more credit.
 */
bool vgpu_sched_charge(struct vgpu_sched *s, int idx, bool progressed);
/*
 * True when the holder has a waiter behind it that could run now. The
 * holder then keeps at most one batch in flight (see DOC: policy).
 */
bool vgpu_sched_contended(struct vgpu_sched *s, int idx);
/*
 * The holder ran out of work: returns how long (ns) it should keep the
 * GPU in case more comes (see linger_us), or 0 to give it up now.
 */
uint64_t vgpu_sched_linger(struct vgpu_sched *s, int idx);
/* Gives the GPU up (the next acquire() queues again). */
void vgpu_sched_release(struct vgpu_sched *s, int idx);

/* Figures the worker reports: a submission, and its mapped memory. */
void vgpu_sched_count_submit(struct vgpu_sched *s, int idx);
void vgpu_sched_set_mapped(struct vgpu_sched *s, int idx, uint64_t pages,
			   uint64_t max_pages);

/*
 * Parent, around each fork() of a worker (both are no-ops for a NULL s):
 * before_fork() maps the new worker's witness page (DOC: trust) and
 * returns 0, or -ENOSPC (VGPU_SCHED_MAX_ENTRIES workers already) or
 * -ENOMEM, and then the worker is not to be forked. after_fork() is
 * called in both processes with fork()'s result: the parent keeps the
 * page for the watchdog, the child unmaps every other worker's page.
 * attach() refuses a worker forked without it (-EPERM).
 */
int vgpu_sched_before_fork(struct vgpu_sched *s);
void vgpu_sched_after_fork(struct vgpu_sched *s, pid_t pid);

/*
 * Parent: after reaping worker pid, detaches its entry, takes the GPU
 * back if it held it, and unmaps its witness page.
 */
void vgpu_sched_reaped(struct vgpu_sched *s, pid_t pid);

/* What the watchdog found. */
struct vgpu_sched_hang {
	pid_t pid;              /* the worker to kill: a child of the caller */
	uint32_t domid;         /* its entry's (not set if kept_lock) */
	uint32_t devid;
	uint64_t stalled_ms;    /* no progress, or the lock kept, this long */
	bool kept_lock;         /* it kept the table's lock, not the GPU */
};

/*
 * Parent: finds a holder that made no progress for the timeout, counts a
 * reset against it and gives the GPU to the next waiter; or a worker that
 * kept the table's lock for the timeout. Returns true and fills hang when
 * the caller should kill that worker, false if none is hung (or the one
 * the table names is not the caller's child, or says it is not hung: see
 * DOC: trust).
 */
bool vgpu_sched_watchdog(struct vgpu_sched *s, struct vgpu_sched_hang *hang);

#endif /* VGPU_SCHED_H */
