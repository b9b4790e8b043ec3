/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One guest device: the connect handshake, the ring (copy each request
 * out, dispatch, answer), the event loop with optional spin polling, and
 * teardown.
 *
 * DOC: polling
 * With --poll-us=N the worker keeps watching the ring for N microseconds
 * after its last request before it sleeps. While it watches, it sets
 * req_event so that the frontend does not kick it; before sleeping it
 * re-arms req_event with RING_FINAL_CHECK_FOR_REQUESTS, so no request is
 * ever left unseen.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "gref.h"
#include "scanout.h"
#include "shader_cache.h"
#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "worker.h"

/* Requests handled before the worker looks at its other fds. */
#define RING_BUDGET             (4 * VGPUIF_RING_SIZE)
/* Requests handled while spinning before the fds are polled anyway. */
#define SPIN_POLL_EVERY         64
#define NODES_MAX               1024
/* The transport's event and control fds, the renderer's, the refresh. */
#define CORE_FDS                4
#define WHY_MAX                 128

void vgpuback_config_defaults(struct vgpuback_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lim.max_mapped_pages = VGPUBACK_DEF_MAX_MAPPED_PAGES;
	cfg->lim.max_contexts = VGPUBACK_DEF_MAX_CONTEXTS;
	cfg->lim.max_resources = VGPUBACK_DEF_MAX_RESOURCES;
	cfg->lim.max_cmd_pages = VGPUBACK_DEF_MAX_CMD_PAGES;
	cfg->lim.max_submit_size = VGPUBACK_DEF_MAX_SUBMIT_SIZE;
	cfg->poll_us = VGPUBACK_DEF_POLL_US;
	cfg->mem_overhead_mib = VGPUBACK_DEF_MEM_OVERHEAD_MIB;
	cfg->shader_cache = VGPUBACK_DEF_SHADER_CACHE;
	cfg->shader_cache_mib = VGPUBACK_DEF_SHADER_CACHE_MIB;
	cfg->scanout_width = VGPUBACK_SCANOUT_DEF_WIDTH;
	cfg->scanout_height = VGPUBACK_SCANOUT_DEF_HEIGHT;
	cfg->vnc.display = -1;
}

static void sink(void *opaque, const struct vgpuif_resp *resp)
{
	vgpuback_worker_respond(opaque, resp);
}

struct vgpu_worker *vgpuback_worker_create(struct vgpuback_transport *t,
					   struct vgpuback_renderer *r,
					   const struct vgpuback_config *cfg)
{
	struct vgpu_worker *w;

	if (!cfg->lim.max_submit_size || !cfg->lim.max_cmd_pages) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		return NULL;
	}
	w->t = t;
	w->r = r;
	w->cfg = *cfg;
	w->sched_idx = -1;
	pthread_mutex_init(&w->resp_lock, NULL);
	vgpu_spin_window_init(&w->spin, cfg->poll_us * 1000ull);
	w->submit_buf = malloc(cfg->lim.max_submit_size);
	if (!w->submit_buf || vgpuback_objects_init(&w->objs, &cfg->lim)) {
		goto fail;
	}
	/* The display listens before the sandbox, which forbids bind. */
	w->vnc = vgpuback_vnc_create(&cfg->vnc, cfg->scanout_width,
				     cfg->scanout_height, t->domid, t->devid);
	w->scanout = vgpuback_scanout_create(cfg->scanout_width,
					     cfg->scanout_height, w->vnc);
	if (!w->scanout) {
		goto fail_objects;
	}
	vgpuback_renderer_set_sink(r, sink, w);
	return w;

fail_objects:
	vgpuback_vnc_destroy(w->vnc);
	vgpuback_objects_fini(&w->objs);
fail:
	free(w->submit_buf);
	free(w);
	errno = ENOMEM;
	return NULL;
}

void vgpuback_worker_destroy(struct vgpu_worker *w)
{
	if (!w) {
		return;
	}
	vgpuback_renderer_drop_deferred(w->r);
	vgpuback_renderer_set_sink(w->r, NULL, NULL);
	/* Destroying contexts is GPU work too. */
	vgpuback_sched_hold(w);
	/*
	 * A fence whose context dies before it signals never does
	 * (ops_ctx.c), and virglrenderer's sync thread would wait on it
	 * when it stops.
	 */
	vgpuback_renderer_wait_idle(w->r);
	vgpuback_dispatch_release_all(w);
	/* The display may point into the screen's shadow: it goes first. */
	vgpuback_vnc_destroy(w->vnc);
	vgpuback_scanout_destroy(w->scanout);
	vgpuback_sched_detach(w);
	vgpuback_gref_unmap(w->t, &w->objs, (void *)w->cmd, w->cmd_pages);
	if (w->ring_page) {
		vgpuback_transport_unmap(w->t, w->ring_page, 1);
		vgpuback_pages_release(&w->objs, 1);
	}
	vgpuback_objects_fini(&w->objs);
	pthread_mutex_destroy(&w->resp_lock);
	free(w->submit_buf);
	free(w);
}

uint64_t vgpuback_worker_bytes_copied(const struct vgpu_worker *w)
{
	return w->bytes_copied;
}

static int publish(struct vgpu_worker *w)
{
	const struct vgpuback_limits *l = &w->cfg.lim;
	const struct {
		const char *key;
		uint32_t value;
	} nodes[] = {
		{ "protocol-versions", VGPUIF_PROTOCOL_VERSION },
		{ "max-mapped-pages", l->max_mapped_pages },
		{ "max-contexts", l->max_contexts },
		{ "max-resources", l->max_resources },
		{ "max-cmd-pages", l->max_cmd_pages },
		{ "max-submit-size", l->max_submit_size },
		{ "feature-scanout", 1 },
		{ "feature-blob", 0 },
		/* For the toolstack (xenvgpu list); 0: no VNC display. */
		{ "vnc-port", (uint32_t)vgpuback_vnc_port(w->vnc) },
	};
	char text[NODES_MAX] = "";
	size_t i;
	int ret;

	for (i = 0; i < VGPU_ARRAY_SIZE(nodes); i++) {
		ret = vgpu_kv_add(text, sizeof(text), nodes[i].key, "%u",
				  nodes[i].value);
		if (ret) {
			return ret;
		}
	}
	return vgpuback_transport_publish(w->t, text);
}

/* Reads one frontend node as a uint32 in [min, max]; why says what failed. */
static int read_node(struct vgpu_worker *w, const char *key, uint32_t min,
		     uint32_t max, uint32_t *out, char *why)
{
	char buf[32];
	int ret;

	ret = vgpuback_transport_read_front(w->t, key, buf, sizeof(buf));
	if (ret) {
		snprintf(why, WHY_MAX, "%s: %s", key,
			 ret == -ENOENT ? "missing" : "unreadable");
		return -EINVAL;
	}
	ret = vgpu_parse_u32(buf, min, max, out);
	if (ret) {
		snprintf(why, WHY_MAX, "%s: %s", key,
			 ret == -ERANGE ? "out of range" : "not a number");
		return -EINVAL;
	}
	return 0;
}

struct front_nodes {
	uint32_t version;
	uint32_t ring_ref;
	uint32_t cmd_dir_ref;
	uint32_t cmd_pages;
};

static int read_front(struct vgpu_worker *w, struct front_nodes *f, char *why)
{
	int ret;

	ret = read_node(w, "protocol-version", 0, UINT32_MAX, &f->version,
			why);
	if (!ret && f->version != VGPUIF_PROTOCOL_VERSION) {
		snprintf(why, WHY_MAX, "protocol-version: %u not supported",
			 f->version);
		ret = -EINVAL;
	}
	if (!ret) {
		ret = read_node(w, "ring-ref", 0, UINT32_MAX, &f->ring_ref,
				why);
	}
	if (!ret) {
		ret = read_node(w, "cmd-dir-ref", 0, UINT32_MAX,
				&f->cmd_dir_ref, why);
	}
	if (!ret) {
		ret = read_node(w, "cmd-pages", 1, w->cfg.lim.max_cmd_pages,
				&f->cmd_pages, why);
	}
	return ret;
}

static int map_shared(struct vgpu_worker *w, const struct front_nodes *f,
		      char *why)
{
	int ret;

	ret = vgpuback_pages_reserve(&w->objs, 1);
	if (ret) {
		snprintf(why, WHY_MAX, "ring-ref: over max-mapped-pages");
		return ret;
	}
	w->ring_page = vgpuback_transport_map(w->t, &f->ring_ref, 1, true);
	if (!w->ring_page) {
		vgpuback_pages_release(&w->objs, 1);
		snprintf(why, WHY_MAX, "ring-ref: cannot map %u", f->ring_ref);
		return -EFAULT;
	}
	w->cmd = vgpuback_gref_map_dir(w->t, &w->objs, f->cmd_dir_ref,
				       f->cmd_pages, false, &ret);
	if (!w->cmd) {
		snprintf(why, WHY_MAX, "cmd-dir-ref: cannot map %u pages: %s",
			 f->cmd_pages, strerror(-ret));
		return ret;
	}
	w->cmd_pages = f->cmd_pages;
	BACK_RING_INIT(&w->ring, (struct vgpuif_sring *)w->ring_page,
		       VGPUIF_PAGE_SIZE);
	return 0;
}

int vgpuback_worker_publish(struct vgpu_worker *w)
{
	int ret = publish(w);

	if (ret) {
		/* A peer that only checked we listen hangs up here: no error. */
		vgpu_log(ret == -EPIPE ? VGPU_LOG_DEBUG : VGPU_LOG_ERR,
			 VGPU_DEV_FMT "cannot publish the backend nodes: %s",
			 w->t->domid, w->t->devid, strerror(-ret));
	}
	return ret;
}

int vgpuback_worker_accept(struct vgpu_worker *w)
{
	struct vgpuback_transport *t = w->t;
	char why[WHY_MAX] = "";
	struct front_nodes f;
	int ret;

	ret = vgpuback_transport_wait_front(t);
	if (ret) {
		return ret;
	}
	ret = read_front(w, &f, why);
	if (!ret) {
		ret = map_shared(w, &f, why);
	}
	if (ret) {
		vgpu_err(VGPU_DEV_FMT "refusing the frontend: %s", t->domid,
			 t->devid, why);
		vgpuback_transport_connected(t, ret, why);
		return ret;
	}
	vgpu_info(VGPU_DEV_FMT "connected (%s): ring-ref %u, %u command "
		  "pages", t->domid, t->devid, vgpuback_transport_name(t),
		  f.ring_ref, f.cmd_pages);
	return vgpuback_transport_connected(t, 0, NULL);
}

int vgpuback_worker_connect(struct vgpu_worker *w)
{
	int ret = vgpuback_worker_publish(w);

	return ret ? ret : vgpuback_worker_accept(w);
}

void vgpuback_worker_respond(struct vgpu_worker *w,
			     const struct vgpuif_resp *resp)
{
	int notify;

	pthread_mutex_lock(&w->resp_lock);
	/* Only a consumed, unanswered request has a slot for its answer. */
	if (!w->ring_page || w->ring.rsp_prod_pvt == w->ring.req_cons) {
		pthread_mutex_unlock(&w->resp_lock);
		return;
	}
	memcpy(RING_GET_RESPONSE(&w->ring, w->ring.rsp_prod_pvt), resp,
	       sizeof(*resp));
	w->ring.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&w->ring, notify);
	pthread_mutex_unlock(&w->resp_lock);
	if (notify) {
		vgpuback_transport_notify(w->t);
	}
}

static void handle_one(struct vgpu_worker *w, RING_IDX rc)
{
	struct vgpuif_resp resp;
	struct vgpuif_req req;
	bool deferred;

	/* One copy out of shared memory; only the copy is looked at. */
	RING_COPY_REQUEST(&w->ring, rc, &req);
	pthread_mutex_lock(&w->resp_lock);
	w->ring.req_cons = rc + 1;
	pthread_mutex_unlock(&w->resp_lock);
	vgpuback_dispatch(w, &req, &resp, &deferred);
	if (!deferred) {
		vgpuback_worker_respond(w, &resp);
	}
	vgpuback_sched_account(w);
}

/*
 * Handles the requests on the ring. Returns 0 when it is empty (and
 * req_event armed), 1 when the budget ran out first, or -EPROTO when the
 * frontend published an impossible producer index.
 */
static int ring_process(struct vgpu_worker *w)
{
	unsigned int budget = RING_BUDGET;
	RING_IDX rc, rp;
	int more;

	do {
		rp = *(volatile RING_IDX *)&w->ring.sring->req_prod;
		xen_rmb(); /* requests are read only after req_prod */
		if (RING_REQUEST_PROD_OVERFLOW(&w->ring, rp)) {
			vgpu_err(VGPU_DEV_FMT "req_prod %u is %u past our "
				 "answers (ring size %u): hostile frontend, "
				 "disconnecting", w->t->domid, w->t->devid, rp,
				 rp - w->ring.rsp_prod_pvt,
				 RING_SIZE(&w->ring));
			return -EPROTO;
		}
		for (rc = w->ring.req_cons; rc != rp; rc++) {
			if (RING_REQUEST_CONS_OVERFLOW(&w->ring, rc)) {
				break;
			}
			/* A guest that keeps the ring full gets no more. */
			if (!budget) {
				return 1;
			}
			budget--;
			handle_one(w, rc);
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&w->ring, more);
	} while (more);
	vgpuback_sched_idle(w);
	return 0;
}

static bool fd_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&p, 1, 0) > 0;
}

/*
 * Watches the ring for as long as the spin window says, without asking
 * for kicks. Returns 1 when requests came or a fence retired, 0 at the
 * deadline (req_event is then left unarmed: the caller must run
 * ring_process() before sleeping, and learn_wait() once it woke).
 */
static int spin(struct vgpu_worker *w)
{
	uint64_t start = vgpu_now_ns(), now = start;
	int rfd = vgpuback_renderer_poll_fd(w->r);

	w->ring.sring->req_event = w->ring.req_cons;
	while (now - start < w->spin.cur_ns) {
		if (RING_HAS_UNCONSUMED_REQUESTS(&w->ring) ||
		    (vgpuback_renderer_busy(w->r) && fd_ready(rfd))) {
			vgpu_spin_window_learn(&w->spin, now - start);
			return 1;
		}
		vgpu_spin_pause(now - start);
		now = vgpu_now_ns();
	}
	w->spin_missed_at = start;
	return 0;
}

/* Tells the spin window how long the wait its spin gave up on took. */
static void learn_wait(struct vgpu_worker *w)
{
	if (w->spin_missed_at) {
		vgpu_spin_window_learn(&w->spin,
				       vgpu_now_ns() - w->spin_missed_at);
		w->spin_missed_at = 0;
	}
}

/*
 * Waits up to timeout_ns (-1: forever) for a kick, a retired fence or
 * setup traffic, and handles them. Returns 0, -EPIPE when the frontend
 * has gone, or -errno.
 */
static int wait_events(struct vgpu_worker *w, int64_t timeout_ns)
{
	struct timespec ts;
	struct vgpuback_transport *t = w->t;
	int rfd = vgpuback_renderer_poll_fd(w->r);
	struct pollfd fds[CORE_FDS + VGPUBACK_VNC_MAX_FDS] = {
		{ .fd = vgpuback_transport_event_fd(t), .events = POLLIN },
		{ .fd = vgpuback_transport_control_fd(t), .events = POLLIN },
		{ .fd = rfd, .events = POLLIN },
		{ .fd = vgpuback_scanout_timer_fd(w->scanout),
		  .events = POLLIN },
	};
	int nvnc;

	/* Updates the last requests made go out before we sleep. */
	vgpuback_vnc_serve(w->vnc, NULL, 0);
	nvnc = vgpuback_vnc_poll_fds(w->vnc, fds + CORE_FDS,
				     VGPUBACK_VNC_MAX_FDS);
	/* Without the renderer's fd, retire fences on a 1 ms tick. */
	if (timeout_ns < 0 && rfd < 0 && vgpuback_renderer_busy(w->r)) {
		timeout_ns = 1000000;
	}
	ts.tv_sec = timeout_ns / 1000000000;
	ts.tv_nsec = timeout_ns % 1000000000;
	if (ppoll(fds, (nfds_t)(CORE_FDS + nvnc), timeout_ns < 0 ? NULL : &ts,
		  NULL) < 0) {
		return errno == EINTR ? 0 : -errno;
	}
	if (fds[0].revents) {
		vgpuback_transport_ack_event(t);
	}
	if (rfd >= 0 ? fds[2].revents : vgpuback_renderer_busy(w->r)) {
		vgpuback_renderer_poll(w->r);
		vgpuback_sched_account(w);
	}
	if (fds[3].revents) {
		vgpuback_scanout_refresh(w);
	}
	vgpuback_vnc_serve(w->vnc, fds + CORE_FDS, nvnc);
	if (fds[1].fd >= 0 && fds[1].revents) {
		return vgpuback_transport_control(t);
	}
	return 0;
}

int vgpuback_worker_run(struct vgpu_worker *w)
{
	unsigned int unpolled = 0;
	int ret;

	for (;;) {
		ret = ring_process(w);
		if (!ret && w->cfg.poll_us) {
			ret = spin(w) ? 1 : ring_process(w);
		}
		if (ret < 0) {
			return ret;
		}
		if (ret > 0 && !vgpuback_renderer_busy(w->r) &&
		    ++unpolled < SPIN_POLL_EVERY) {
			continue;
		}
		unpolled = 0;
		ret = wait_events(w, ret > 0 ? 0 :
				  vgpuback_sched_linger_left_ns(w));
		learn_wait(w);
		if (ret == -EPIPE) {
			vgpu_info(VGPU_DEV_FMT "frontend gone after %llu "
				  "requests; copied %llu command bytes",
				  w->t->domid, w->t->devid,
				  (unsigned long long)w->nr_requests,
				  (unsigned long long)w->bytes_copied);
			vgpuback_scanout_log(w);
			return 0;
		}
		if (ret < 0) {
			return ret;
		}
	}
}

/*
 * The whole life of a worker process on transport t: renderer init,
 * connect, run, teardown. Takes t. Returns the process exit status.
 */
static int serve(struct vgpuback_transport *t,
		 const struct vgpuback_config *cfg, const char *cache_key)
{
	struct vgpuback_renderer r = { 0 };
	struct vgpu_worker *w;
	int ret = 1;

	w = vgpuback_worker_create(t, &r, cfg);
	if (!w) {
		goto out_transport;
	}
	/*
	 * InitWait first, so the toolstack need not wait for EGL; the
	 * renderer starts while the frontend gets ready, and opens the
	 * guest's shader cache while the worker is still root.
	 */
	vgpuback_shader_cache_enter(cfg->shader_cache, cache_key,
				    cfg->shader_cache_mib);
	if (vgpuback_worker_publish(w) ||
	    vgpuback_renderer_init(&r, cfg->render_node)) {
		goto out_worker;
	}
	/* Initialising the renderer reset it: deferred answers go to w. */
	vgpuback_renderer_set_sink(&r, sink, w);
	if (vgpuback_worker_accept(w)) {
		ret = VGPUBACK_EXIT_REFUSED;
	} else if (vgpuback_memlimit_enter(vgpuback_vram_bytes(&cfg->lim),
					   cfg->mem_overhead_mib, t->domid,
					   t->devid) ||
		   vgpuback_privsep_enter(&cfg->privsep, t->domid, t->devid)) {
		ret = 1;
	} else {
		vgpuback_sched_attach(w);
		ret = vgpuback_worker_run(w);
		if (ret) {
			vgpu_err(VGPU_DEV_FMT "worker stopped: %s", t->domid, t->devid,
				 strerror(-ret));
		}
		ret = ret ? 1 : 0;
	}
out_worker:
	vgpuback_worker_destroy(w);
	vgpuback_renderer_fini(&r);
out_transport:
	vgpuback_transport_destroy(t);
	return ret;
}

void vgpuback_worker_log_exit(const char *who, int status)
{
	/* SIGTERM is how the daemon stops a worker whose guest is gone. */
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM) {
		vgpu_warn("%s died of signal %d", who, WTERMSIG(status));
	} else if (WEXITSTATUS(status) == VGPUBACK_EXIT_MEMORY) {
		vgpu_warn("%s stopped at its memory limit (vram + "
			  "--mem-overhead): its guest asked for more, and sees "
			  "the device lost", who);
	} else if (WEXITSTATUS(status) &&
		   WEXITSTATUS(status) != VGPUBACK_EXIT_REFUSED) {
		vgpu_warn("%s exited with status %d", who,
			  WEXITSTATUS(status));
	}
}

int vgpuback_worker_serve_loopback(int conn_fd,
				   const struct vgpuback_config *cfg)
{
	struct vgpuback_config local_cfg;
	struct vgpuback_transport *t;

	t = vgpuback_loopback_create(conn_fd);
	if (!t) {
		vgpu_err("cannot create the loopback transport: %s",
			 strerror(errno));
		return 1;
	}
	/* Loopback clients are the host's own processes: one cache. */
	if (!cfg->screen_dir) {
		return serve(t, cfg, "loopback");
	}
	/* Workers of one socket have no ids of their own: their pids. */
	local_cfg = *cfg;
	snprintf(local_cfg.vnc.local, sizeof(local_cfg.vnc.local),
		 "%s/loopback-%d.sock", cfg->screen_dir, (int)getpid());
	return serve(t, &local_cfg, "loopback");
}

int vgpuback_worker_serve_xen(uint32_t domid, uint32_t devid,
			      const struct vgpuback_config *cfg)
{
	struct vgpuback_config xen_cfg = *cfg;
	struct vgpuback_toolstack ts = {
		/*
		 * The toolstack's max-mapped-pages (vram=) wins over the
		 * default; an explicit --max-mapped-pages is the
		 * administrator's ceiling.
		 */
		.max_mapped_pages = VGPUBACK_DEF_MAX_MAPPED_PAGES,
		.scanout_width = cfg->scanout_width,
		.scanout_height = cfg->scanout_height,
		.vnc = cfg->vnc,
	};
	struct vgpuback_transport *t;
	char key[72];

	vgpuback_xen_read_toolstack(domid, devid, &ts);
	xen_cfg.lim.max_mapped_pages = ts.max_mapped_pages;
	xen_cfg.scanout_width = ts.scanout_width;
	xen_cfg.scanout_height = ts.scanout_height;
	xen_cfg.vnc = ts.vnc;
	snprintf(xen_cfg.vnc.local, sizeof(xen_cfg.vnc.local),
		 VGPU_SCREEN_DIR "/%u.%u.sock", domid, devid);
	if (cfg->max_mapped_pages_set &&
	    cfg->lim.max_mapped_pages < xen_cfg.lim.max_mapped_pages) {
		xen_cfg.lim.max_mapped_pages = cfg->lim.max_mapped_pages;
	}
	t = vgpuback_xen_create(domid, devid, xen_cfg.lim.max_mapped_pages);
	if (!t) {
		return 1;
	}
	return serve(t, &xen_cfg,
		     vgpuback_shader_cache_key(ts.name, key, sizeof(key)));
}
