/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared table: making, mapping and locking it, the configuration,
 * entries and their life (configure, attach, detach, reaped), and the
 * snapshot the tools read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "table.h"
#include "vgpu_util.h"

void vgpu_sched_config_defaults(struct vgpu_sched_config *cfg)
{
	cfg->slice_us = VGPU_SCHED_DEF_SLICE_US;
	cfg->period_us = VGPU_SCHED_DEF_PERIOD_US;
	cfg->timeout_ms = VGPU_SCHED_DEF_TIMEOUT_MS;
	cfg->linger_us = VGPU_SCHED_DEF_LINGER_US;
}

int vgpu_sched_config_check(const struct vgpu_sched_config *cfg,
			    const char **why)
{
	if (cfg->slice_us < 100 || cfg->slice_us > 1000000) {
		*why = "the slice must be 100 us to 1 s";
	} else if (cfg->period_us < cfg->slice_us ||
		   cfg->period_us > 10000000) {
		*why = "the period must be one slice to 10 s";
	} else if (cfg->timeout_ms < 10 || cfg->timeout_ms > 3600000) {
		*why = "the watchdog timeout must be 10 ms to 1 h";
	} else if (cfg->linger_us > cfg->slice_us) {
		*why = "the linger time must be 0 to one slice";
	} else {
		return 0;
	}
	return -ERANGE;
}

void vgpu_sched_get_config(const struct vgpu_sched *s,
			   struct vgpu_sched_config *cfg)
{
	*cfg = s->cfg;
}

void vgpu_sched_futex_wait(uint32_t *word, uint32_t seen, uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000),
		.tv_nsec = (long)(ns % 1000000000),
	};

	/* Shared, not private: the other side is another process. */
	syscall(SYS_futex, word, FUTEX_WAIT, seen, ns ? &ts : NULL, NULL, 0);
}

void vgpu_sched_futex_wake(uint32_t *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0);
}

static uint32_t lock_id(const struct vgpu_sched *s)
{
	return (uint32_t)(s->self ? s->self : s->pid) & SCHED_LOCK_OWNER;
}

/*
 * Takes the lock by the deadline (0: none). A waiter marks the word
 * before it sleeps, so the unlocker knows to wake one; whoever takes the
 * lock from a sleeper keeps the mark, as others may still sleep. Every
 * sleep is bounded and the word looked at again: a worker taken over by
 * its guest may free the lock without waking anyone.
 */
static bool lock_by(struct vgpu_sched *s, uint64_t deadline)
{
	uint32_t *word = &s->t->lock, me = lock_id(s), cur = 0;
	uint64_t now;

	if (__atomic_compare_exchange_n(word, &cur, me, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		return true;
	}
	for (;;) {
		cur = __atomic_load_n(word, __ATOMIC_RELAXED);
		if (!(cur & SCHED_LOCK_OWNER)) {
			if (__atomic_compare_exchange_n(word, &cur,
					me | SCHED_LOCK_WAITERS, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
				return true;
			}
			continue;
		}
		if (!(cur & SCHED_LOCK_WAITERS) &&
		    !__atomic_compare_exchange_n(word, &cur,
				cur | SCHED_LOCK_WAITERS, false,
				__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			continue;
		}
		now = vgpu_now_ns();
		if (deadline && now >= deadline) {
			return false;
		}
		vgpu_sched_futex_wait(word, cur | SCHED_LOCK_WAITERS,
				      deadline && deadline - now <
				      SCHED_LOCK_RECHECK_NS ? deadline - now :
				      SCHED_LOCK_RECHECK_NS);
	}
}

uint64_t vgpu_sched_table_lock(struct vgpu_sched *s)
{
	uint64_t now;

	lock_by(s, 0);
	now = vgpu_now_ns();
	vgpu_sched_witness_lock(s, now);
	return now;
}

/*
 * No process has this pid. A zombie still counts as alive, so a worker
 * that died holding the lock keeps it until its parent reaps it.
 */
static bool owner_gone(uint32_t owner)
{
	return owner && kill((pid_t)owner, 0) && errno == ESRCH;
}

bool vgpu_sched_table_lock_timed(struct vgpu_sched *s)
{
	uint32_t owner;

	if (lock_by(s, vgpu_now_ns() + SCHED_LOCK_WAIT_MS * 1000000ull)) {
		return true;
	}
	/* An xenvgpu killed while it held the lock left it. */
	owner = __atomic_load_n(&s->t->lock, __ATOMIC_RELAXED) &
		SCHED_LOCK_OWNER;
	if (!owner_gone(owner)) {
		return false;
	}
	vgpu_warn("the GPU scheduler's table was left locked by pid %u, "
		  "which has exited; freeing the lock", owner);
	vgpu_sched_table_lock_break(s, owner);
	return lock_by(s, vgpu_now_ns() + SCHED_LOCK_WAIT_MS * 1000000ull);
}

void vgpu_sched_table_unlock(struct vgpu_sched *s)
{
	vgpu_sched_witness_lock(s, 0);
	if (__atomic_exchange_n(&s->t->lock, 0, __ATOMIC_RELEASE) &
	    SCHED_LOCK_WAITERS) {
		vgpu_sched_futex_wake(&s->t->lock, 1);
	}
}

void vgpu_sched_table_lock_break(struct vgpu_sched *s, uint32_t owner)
{
	uint32_t cur = __atomic_load_n(&s->t->lock, __ATOMIC_RELAXED);

	if ((cur & SCHED_LOCK_OWNER) == (owner & SCHED_LOCK_OWNER) &&
	    __atomic_compare_exchange_n(&s->t->lock, &cur, 0, false,
					__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		vgpu_sched_futex_wake(&s->t->lock, INT_MAX);
	}
}

/* Maps the table file fd; returns NULL with errno set. */
static struct vgpu_sched *map_table(int fd)
{
	struct vgpu_sched *s = calloc(1, sizeof(*s));
	void *map;

	if (!s) {
		return NULL;
	}
	map = mmap(NULL, sizeof(struct sched_table), PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		free(s);
		return NULL;
	}
	s->t = map;
	return s;
}

static int make_parent_dir(const char *path)
{
	char *copy = strdup(path);
	int ret = 0;

	if (!copy) {
		return -ENOMEM;
	}
	if (mkdir(dirname(copy), 0755) && errno != EEXIST) {
		ret = -errno;
	}
	free(copy);
	return ret;
}

struct vgpu_sched *vgpu_sched_create(const char *path,
				     const struct vgpu_sched_config *cfg)
{
	struct vgpu_sched *s = NULL;
	const char *why;
	int fd, ret;

	ret = vgpu_sched_config_check(cfg, &why);
	if (!ret) {
		ret = make_parent_dir(path);
	}
	if (ret) {
		goto out;
	}
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (ftruncate(fd, sizeof(struct sched_table))) {
		ret = -errno;
		goto out_close;
	}
	s = map_table(fd);
	if (!s) {
		ret = -errno;
		goto out_close;
	}
	s->path = strdup(path);
	if (!s->path) {
		ret = -ENOMEM;
		goto out_unmap;
	}
	s->pid = getpid();
	s->cfg = *cfg;
	s->t->cfg = *cfg;
	s->t->holder = -1;
	s->t->owner_pid = s->pid;
	s->t->period_start_ns = vgpu_now_ns();
	s->t->version = VGPU_SCHED_VERSION;
	__atomic_store_n(&s->t->magic, VGPU_SCHED_MAGIC, __ATOMIC_RELEASE);
	close(fd);
	return s;

out_unmap:
	vgpu_sched_close(s);
	s = NULL;
	unlink(path);
out_close:
	close(fd);
out:
	errno = -ret;
	return s;
}

struct vgpu_sched *vgpu_sched_open(const char *path)
{
	struct vgpu_sched *s = NULL;
	const char *why;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	if (fstat(fd, &st) || st.st_size != sizeof(struct sched_table)) {
		err = EPROTO;
		goto out;
	}
	s = map_table(fd);
	err = s ? 0 : errno;
	if (s && (s->t->magic != VGPU_SCHED_MAGIC ||
		  s->t->version != VGPU_SCHED_VERSION)) {
		err = EPROTO;
	} else if (s && kill(s->t->owner_pid, 0) && errno == ESRCH) {
		err = ESRCH;
	} else if (s) {
		s->pid = getpid();
		s->cfg = s->t->cfg;
		if (vgpu_sched_config_check(&s->cfg, &why)) {
			vgpu_sched_config_defaults(&s->cfg);
		}
	}
out:
	close(fd);
	if (err) {
		vgpu_sched_close(s);
		s = NULL;
		errno = err;
	}
	return s;
}

void vgpu_sched_close(struct vgpu_sched *s)
{
	if (!s) {
		return;
	}
	vgpu_sched_witnesses_unmap(s);
	munmap(s->t, sizeof(struct sched_table));
	free(s->path);
	free(s);
}

void vgpu_sched_destroy(struct vgpu_sched *s)
{
	if (s && s->path) {
		unlink(s->path);
	}
	vgpu_sched_close(s);
}

static int alloc_entry(struct sched_table *t, uint32_t domid, uint32_t devid,
		       uint32_t weight, uint32_t cap)
{
	int i;

	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		if (t->e[i].state == ENTRY_FREE) {
			t->e[i] = (struct sched_entry){
				.state = ENTRY_IDLE, .domid = domid,
				.devid = devid, .weight = weight, .cap = cap,
			};
			return i;
		}
	}
	return -ENOSPC;
}

static bool keyed(const struct sched_entry *e, uint32_t domid,
		  uint32_t devid)
{
	return e->state != ENTRY_FREE && e->domid == domid &&
	       e->devid == devid;
}

int vgpu_sched_configure(struct vgpu_sched *s, uint32_t domid,
			 uint32_t devid, uint32_t weight, uint32_t cap)
{
	struct sched_table *t = s->t;
	int i, found = 0, ret = 0;

	if (weight < VGPU_SCHED_WEIGHT_MIN || weight > VGPU_SCHED_WEIGHT_MAX ||
	    cap > VGPU_SCHED_CAP_MAX) {
		return -ERANGE;
	}
	if (!vgpu_sched_table_lock_timed(s)) {
		return -EBUSY;
	}
	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		if (keyed(&t->e[i], domid, devid)) {
			t->e[i].weight = weight;
			t->e[i].cap = cap;
			found++;
		}
	}
	if (!found) {
		ret = alloc_entry(t, domid, devid, weight, cap);
		ret = ret < 0 ? ret : 0;
	}
	vgpu_sched_table_unlock(s);
	return ret;
}

void vgpu_sched_remove(struct vgpu_sched *s, uint32_t domid, uint32_t devid)
{
	struct sched_table *t = s->t;
	int i;

	if (!vgpu_sched_table_lock_timed(s)) {
		return;
	}
	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		if (keyed(&t->e[i], domid, devid) && !t->e[i].pid) {
			t->e[i].state = ENTRY_FREE;
		}
	}
	vgpu_sched_table_unlock(s);
}

int vgpu_sched_attach(struct vgpu_sched *s, uint32_t domid, uint32_t devid)
{
	struct sched_table *t = s->t;
	uint32_t weight = VGPU_SCHED_WEIGHT_DEF, cap = 0;
	int i, idx = -1;

	if (!s->own) {
		return -EPERM;  /* not forked by vgpu_sched_after_fork() */
	}
	s->self = getpid();     /* the lock's owner from now on */
	vgpu_sched_table_lock(s);
	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES && idx < 0; i++) {
		if (keyed(&t->e[i], domid, devid)) {
			weight = t->e[i].weight;
			cap = t->e[i].cap;
			idx = t->e[i].pid ? -1 : i;
		}
	}
	if (idx < 0) {
		/* Another connection of a loopback "domain": its own entry. */
		idx = alloc_entry(t, domid, devid, weight, cap);
	}
	if (idx >= 0) {
		t->e[idx].pid = s->self;
		t->e[idx].state = ENTRY_IDLE;
	}
	vgpu_sched_table_unlock(s);
	return idx;
}

void vgpu_sched_entry_take_gpu(struct vgpu_sched *s, int idx, uint64_t now)
{
	struct sched_table *t = s->t;

	if (t->holder == idx) {
		vgpu_sched_policy_charge(&t->e[idx], now);
		t->holder = -1;
	}
	t->e[idx].state = ENTRY_IDLE;
	t->e[idx].boost = 0;
	vgpu_sched_policy_grant_next(s, now);
}

void vgpu_sched_entry_drop(struct vgpu_sched *s, int idx, uint64_t now)
{
	s->t->e[idx].pid = 0;
	vgpu_sched_entry_take_gpu(s, idx, now);
}

void vgpu_sched_detach(struct vgpu_sched *s, int idx)
{
	uint64_t now = vgpu_sched_table_lock(s);

	if (idx >= 0 && idx < VGPU_SCHED_MAX_ENTRIES &&
	    s->t->e[idx].pid == s->self) {
		vgpu_sched_entry_drop(s, idx, now);
	}
	vgpu_sched_witness_hold(s, false, 0);
	vgpu_sched_table_unlock(s);
}

void vgpu_sched_reaped(struct vgpu_sched *s, pid_t pid)
{
	int i;

	vgpu_sched_witness_reaped(s, pid);
	/* A worker killed holding the lock could not free it. */
	vgpu_sched_table_lock_break(s, (uint32_t)pid);
	/* Left undone, the watchdog takes the GPU back from a dead holder. */
	if (!vgpu_sched_table_lock_timed(s)) {
		return;
	}
	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		if (s->t->e[i].state != ENTRY_FREE && s->t->e[i].pid == pid) {
			vgpu_sched_entry_drop(s, i, vgpu_now_ns());
		}
	}
	vgpu_sched_table_unlock(s);
}

ssize_t vgpu_sched_stats(struct vgpu_sched *s, struct vgpu_sched_stat *out,
			 size_t max)
{
	struct sched_table *t = s->t;
	const struct sched_entry *e;
	int i, holder;
	uint64_t now;
	ssize_t n = 0;

	if (!vgpu_sched_table_lock_timed(s)) {
		return -EBUSY;
	}
	now = vgpu_now_ns();
	/* The holder's time so far counts, as xentop counts a running vcpu. */
	holder = vgpu_sched_holder(t);
	if (holder >= 0) {
		vgpu_sched_policy_charge(&t->e[holder], now);
	}
	for (i = 0; i < VGPU_SCHED_MAX_ENTRIES; i++) {
		e = &t->e[i];
		if (e->state == ENTRY_FREE) {
			continue;
		}
		if ((size_t)n < max) {
			out[n] = (struct vgpu_sched_stat){
				.slot = (uint32_t)i,
				.domid = e->domid, .devid = e->devid,
				.weight = e->weight, .cap = e->cap,
				.pid = e->pid,
				.running = e->state == ENTRY_RUNNING,
				.waiting = e->state == ENTRY_WAITING,
				.credit_ns = e->credit_ns,
				.gpu_ns = e->gpu_ns, .grants = e->grants,
				.wait_ns = e->wait_ns,
				.submissions = e->submissions,
				.resets = e->resets,
				.mapped_pages = e->mapped_pages,
				.max_mapped_pages = e->max_mapped_pages,
			};
		}
		n++;
	}
	vgpu_sched_table_unlock(s);
	return n;
}
