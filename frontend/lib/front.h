/* SPDX-License-Identifier: GPL-2.0 */
/* The frontend library's internal state, shared by its files. */
#ifndef VGPUFRONT_FRONT_H
#define VGPUFRONT_FRONT_H

#include <pthread.h>

#include "front_transport.h"
#include "vgpufront.h"
#include "vgpu_util.h"

#define CMD_FIFO_LEN    64
#define CMD_DEFAULT_PAGES 256

/* One request in flight, indexed by the low bits of its id. */
struct slot {
	bool busy;              /* sent, response not yet taken */
	bool done;              /* response arrived */
	bool detached;          /* nobody waits: drop the response */
	bool has_cmd;           /* a SUBMIT_3D: release cmd_offset */
	uint32_t id;
	uint32_t cmd_offset;
	struct vgpuif_resp resp;
};

/* A live stretch of the command region; freed in any order. */
struct cmd_alloc {
	uint32_t offset;
	uint32_t end;           /* region head after this allocation */
	uint32_t bytes;         /* size plus bytes skipped at wrap-around */
	bool done;
};

struct vgpufront {
	struct vgpufront_transport *t;
	struct vgpufront_limits limits;
	struct vgpu_spin_window spin;   /* the polling waiter's only */

	struct vgpufront_share ring_share;
	vgpuif_front_ring_t ring;
	struct vgpufront_buf *cmd_region;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool polling;           /* one waiter reads the ring for all */
	bool lost;              /* backend gone: everything fails ENODEV */
	bool kick_owed;         /* a lazy push skipped the backend's kick */
	int wake_fd;            /* kicks the polling waiter */

	struct slot slots[VGPUIF_RING_SIZE];
	uint32_t generation;

	struct cmd_alloc cmd_fifo[CMD_FIFO_LEN];
	uint32_t cmd_first, cmd_count;
	uint32_t cmd_head, cmd_tail, cmd_used;

};

/*
 * front_ring.c; front_send and front_wait_until are called with dev->lock
 * held.
 */
int front_send(struct vgpufront *dev, struct vgpuif_req *req,
	       const struct vgpufront_cmd *cmd, bool detached, bool lazy);
void front_wake(struct vgpufront *dev);
typedef bool (*front_cond_fn)(struct vgpufront *dev, const void *arg);
int front_wait_until(struct vgpufront *dev, front_cond_fn cond,
		     const void *arg);

/* front_cmd.c; called with dev->lock held. */
void front_cmd_init(struct vgpufront *dev);
void front_cmd_release(struct vgpufront *dev, uint32_t offset);

#endif /* VGPUFRONT_FRONT_H */
