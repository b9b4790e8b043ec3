/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched_worker: a "worker" for the scheduler's own tests, a child process
 * attached to a real table and driven over a pipe, one command at a time,
 * with no GPU. The parent reads the table's figures, as xenvgpu does.
 */
#ifndef VGPU_TESTS_SCHED_WORKER_H
#define VGPU_TESTS_SCHED_WORKER_H

#include <stdint.h>
#include <sys/types.h>

#include "vgpu_sched.h"

/*
 * A table made with cfg in a new directory (named after tag) under the
 * test's temporary directory; sched_table_destroy() removes both.
 */
struct sched_table_dir {
	char dir[128];
	struct vgpu_sched *s;
};

void sched_table_create(struct sched_table_dir *td, const char *tag,
			const struct vgpu_sched_config *cfg);
void sched_table_destroy(struct sched_table_dir *td);

struct sched_worker {
	pid_t pid;              /* 0: not running */
	int cmd;                /* the parent writes commands */
	int reply;              /* and reads the replies */
};

/* Runs a command the worker does not know; returns the reply. */
typedef char (*sched_worker_extra)(struct vgpu_sched *s, int idx, char cmd);

/*
 * Forks a worker attached to s as (domid, 0). Commands, and replies:
 * q acquire ('g' once it holds), c charge ('1': give up, '0': keep),
 * n contended ('1'/'0'), l out of work: linger, then release ('l'),
 * r release ('r'), x detach and exit. Others go to extra.
 */
void sched_worker_start(struct sched_worker *w, struct vgpu_sched *s,
			uint32_t domid, sched_worker_extra extra);
void sched_worker_send(struct sched_worker *w, char cmd);
/* The next reply; fails the test after 5 s (scaled) without one. */
char sched_worker_reply(struct sched_worker *w);
char sched_worker_ask(struct sched_worker *w, char cmd);
/*
 * Asks the worker to exit and reaps it; one still blocked is killed, and
 * that fails the test, as does a worker that did not exit with 0.
 */
void sched_worker_stop(struct sched_worker *w);

#endif /* VGPU_TESTS_SCHED_WORKER_H */
