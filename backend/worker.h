/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One backend worker: the state of one guest device (ring, command
 * region, objects, counters) and its event loop. A worker runs in its own
 * process, so a crash takes down that device only.
 */
#ifndef VGPUBACK_WORKER_H
#define VGPUBACK_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "objects.h"
#include "worker_sched.h"
#include "memlimit.h"
#include "privsep.h"
#include "renderer.h"
#include "back_transport.h"
#include "vnc.h"
#include "vgpuif.h"
#include "vgpu_util.h"

struct vgpuback_scanout;

/* Defaults of the per-guest limits (the backend nodes). */
#define VGPUBACK_DEF_MAX_MAPPED_PAGES   65536
#define VGPUBACK_DEF_MAX_CONTEXTS       64
#define VGPUBACK_DEF_MAX_RESOURCES      4096
#define VGPUBACK_DEF_MAX_CMD_PAGES      1024
#define VGPUBACK_DEF_MAX_SUBMIT_SIZE    (1024 * 1024)
/*
 * Spin at most this long on the ring after the last request before
 * sleeping: a sleeping wake-up costs tens of microseconds on an idle
 * host, and a frame makes several round trips. The spin adapts within
 * it (vgpu_spin_window), and yields after 5 us.
 */
#define VGPUBACK_DEF_POLL_US            20

struct vgpuback_cpu_bound;

struct vgpuback_config {
	struct vgpuback_limits lim;
	unsigned int poll_us;           /* spin on the ring before sleeping */
	const char *render_node;        /* NULL: EGL surfaceless */
	struct vgpu_sched *sched;       /* the GPU scheduler; NULL: off */
	struct vgpuback_cpu_bound *cpu; /* cpu_bound.h; NULL: unbounded */
	uint32_t start_burst;           /* --xen: starts before pacing */
	struct vgpuback_privsep privsep; /* after connect; zero: default */
	uint32_t mem_overhead_mib;      /* memlimit.h; 0: no limit */
	const char *shader_cache;       /* shader_cache.h; NULL: none */
	uint32_t shader_cache_mib;      /* each guest's cache at most */
	bool max_mapped_pages_set;      /* --xen: lim's is a ceiling on vram= */
	/* The screen: its mode until the guest sets one, its display. */
	uint32_t scanout_width;
	uint32_t scanout_height;
	struct vgpuback_vnc_config vnc;
	/* Loopback: each worker's screen socket in DIR; NULL: none. */
	const char *screen_dir;
};

/* Fills cfg with the defaults. */
void vgpuback_config_defaults(struct vgpuback_config *cfg);

struct vgpu_worker {
	struct vgpuback_transport *t;
	struct vgpuback_renderer *r;
	struct vgpuback_config cfg;
	struct vgpuback_objects objs;

	struct vgpuif_back_ring ring;
	/*
	 * The ring's answering side: the renderer's sync thread answers
	 * too. Held to push a response and to move req_cons; the request
	 * side reads rsp_prod_pvt without it, as Linux's blkback does (it
	 * only grows).
	 */
	pthread_mutex_t resp_lock;
	void *ring_page;                /* NULL until connected */
	const uint8_t *cmd;             /* the command region, read-only */
	uint32_t cmd_pages;
	uint8_t *submit_buf;            /* max-submit-size bytes */
	struct vgpu_spin_window spin;
	uint64_t spin_missed_at;        /* a spin that ran out; 0: none */

	/* The GPU scheduler (worker_sched.c). */
	int sched_idx;                  /* our entry, -1 if none */
	bool gpu_held;
	uint64_t linger_until;          /* 0: not lingering */
	uint64_t sched_seen_done;       /* newest retired fence seen */

	struct vgpuback_scanout *scanout;       /* scanout.h */
	struct vgpuback_vnc *vnc;               /* vnc.h; NULL: no display */

	uint64_t bytes_copied;          /* submit bytes copied out */
	uint64_t nr_requests;
	uint64_t nr_rejects;
	/* Rate limit of rejection log lines (dispatch.c). */
	uint32_t log_tokens;
	uint64_t log_refill_ns;
	uint64_t nr_unlogged;
};

/*
 * Creates a worker for transport t and renderer r (initialised, in this
 * process). Takes no ownership. Returns NULL with errno set.
 */
struct vgpu_worker *vgpuback_worker_create(struct vgpuback_transport *t,
					   struct vgpuback_renderer *r,
					   const struct vgpuback_config *cfg);

/*
 * The connect handshake in two halves. publish() puts the backend nodes
 * out (InitWait) and returns. accept() waits for the frontend's nodes,
 * checks them, maps ring and command region, and reports the outcome
 * through the transport; the renderer must be running by then.
 * connect() does both. Each returns 0 or -errno.
 */
int vgpuback_worker_publish(struct vgpu_worker *w);
int vgpuback_worker_accept(struct vgpu_worker *w);
int vgpuback_worker_connect(struct vgpu_worker *w);

/*
 * Serves the ring until the frontend goes away (returns 0) or misbehaves
 * beyond recovery (returns -EPROTO), or on an error (-errno).
 */
int vgpuback_worker_run(struct vgpu_worker *w);

/*
 * Destroys the guest's contexts and resources, unmaps everything and
 * frees w. vgpuback_worker_destroy(NULL) is a no-op.
 */
void vgpuback_worker_destroy(struct vgpu_worker *w);

/* Bytes of command stream copied out of shared memory so far. */
uint64_t vgpuback_worker_bytes_copied(const struct vgpu_worker *w);

/*
 * The whole life of a worker process serving one loopback connection:
 * renderer init, transport, connect, run, teardown. Takes conn_fd.
 * Returns the process exit status.
 */
int vgpuback_worker_serve_loopback(int conn_fd,
				   const struct vgpuback_config *cfg);

/* Exit status of a worker that refused its frontend's nodes. */
#define VGPUBACK_EXIT_REFUSED 2

/*
 * Logs how a worker ended, as waitpid() gave status, when that was not
 * a clean exit, a refusal (which the worker logged itself) or SIGTERM
 * (the daemon's own stop). who names it ("worker 123", "domain 1 device
 * 0: worker").
 */
void vgpuback_worker_log_exit(const char *who, int status);

/*
 * The same for device <devid> of guest <domid> over Xen, in a worker
 * process forked by the supervisor.
 */
int vgpuback_worker_serve_xen(uint32_t domid, uint32_t devid,
			      const struct vgpuback_config *cfg);

/* Puts resp on the ring and signals the frontend if it asked to be. */
void vgpuback_worker_respond(struct vgpu_worker *w,
			     const struct vgpuif_resp *resp);

#endif /* VGPUBACK_WORKER_H */
