/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dom0 daemon's Xen mode: watches backend/vgpu, runs one worker
 * process per device, restarts crashed workers, and tidies up after dead
 * domains.
 *
 * DOC: worker life
 * A worker publishes InitWait, serves the device while the frontend is
 * Connected, and exits 0 when the frontend or the toolstack closes it.
 * The supervisor then starts a fresh worker, so a frontend that comes
 * back (a restarted vgpu-vtest, a rebooted guest driver) finds the
 * backend in InitWait again. A worker that crashes is restarted the same
 * way, at most VGPUBACK_RESTART_BURST times a minute; after that the
 * device is left Closed with an error node. @releaseDomain does not say
 * which domain died, so every known domain is checked with libxenctrl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <xenctrl.h>

#include "parent.h"
#include "supervisor.h"
#include "vgpu_sched.h"
#include "vgpu_util.h"
#include "vgpu_xs.h"

#define BACKEND_DIR             "backend/vgpu"

struct device {
	uint32_t domid;
	uint32_t devid;
	pid_t pid;              /* 0: no worker running */
	bool seen;              /* still in xenstore at the last scan */
	bool failed;            /* crashed too often: left Closed */
	bool refused;           /* frontend sent bad nodes: wait for it */
	bool watched;           /* its frontend's state is watched */
	struct vgpuback_restarts restarts;
};

struct supervisor {
	struct xs_handle *xs;
	xc_interface *xc;
	struct vgpuback_parent parent;
	const struct vgpuback_config *cfg;
	struct device *devs;
	size_t ndevs;
};

static void device_dir(const struct device *d, char *buf, size_t len)
{
	snprintf(buf, len, BACKEND_DIR "/%u/%u", d->domid, d->devid);
}

static struct device *find_device(struct supervisor *s, uint32_t domid,
				  uint32_t devid)
{
	size_t i;

	for (i = 0; i < s->ndevs; i++) {
		if (s->devs[i].domid == domid && s->devs[i].devid == devid) {
			return &s->devs[i];
		}
	}
	return NULL;
}

static struct device *add_device(struct supervisor *s, uint32_t domid,
				 uint32_t devid)
{
	struct device *grown;

	grown = realloc(s->devs, sizeof(*grown) * (s->ndevs + 1));
	if (!grown) {
		return NULL;
	}
	s->devs = grown;
	grown[s->ndevs] = (struct device){ .domid = domid, .devid = devid };
	return &grown[s->ndevs++];
}

static void start_worker(struct supervisor *s, struct device *d)
{
	pid_t pid = vgpuback_parent_fork(&s->parent);

	if (pid < 0) {
		vgpu_err("domain %u device %u: cannot start a worker: %s",
			 d->domid, d->devid, strerror(-pid));
		return;
	}
	if (!pid) {
		_exit(vgpuback_worker_serve_xen(d->domid, d->devid, s->cfg));
	}
	d->pid = pid;
	vgpu_info("domain %u device %u: worker %d", d->domid, d->devid,
		  (int)pid);
}

/*
 * In a new worker: the supervisor's xenstore connection and hypervisor
 * handle are not its to read (it opens its own), or a worker taken over
 * by its guest could steal the supervisor's replies. libxenstore does
 * not expose its socket (xs_fileno() is a pipe of its reader thread), so
 * every descriptor past stderr goes; syslog reconnects on the next line.
 */
static void close_in_child(void *opaque)
{
	(void)opaque;
	closelog();
	close_range(3, ~0U, 0);
}

static bool device_online(struct supervisor *s, const struct device *d)
{
	char dir[128];
	uint32_t online = 0;

	device_dir(d, dir, sizeof(dir));
	vgpu_xs_read_u32(s->xs, dir, "online", 0, 1, &online);
	return online == 1;
}

/* A refused frontend gets a new worker once it starts over. */
static void watch_frontend(struct supervisor *s, struct device *d)
{
	char dir[128], frontend[128], path[160];

	device_dir(d, dir, sizeof(dir));
	if (d->watched || vgpu_xs_read(s->xs, dir, "frontend", frontend,
				       sizeof(frontend))) {
		return;
	}
	snprintf(path, sizeof(path), "%s/state", frontend);
	d->watched = xs_watch(s->xs, path, "frontend");
}

static bool frontend_restarted(struct supervisor *s, const struct device *d)
{
	char dir[128], frontend[128];
	enum xenbus_state state;

	device_dir(d, dir, sizeof(dir));
	if (vgpu_xs_read(s->xs, dir, "frontend", frontend, sizeof(frontend))) {
		return false;
	}
	state = vgpu_xs_state(s->xs, frontend);
	return state == XenbusStateInitialising || state == XenbusStateClosed;
}

/*
 * Hands the device's weight and cap nodes to the GPU scheduler; the scan
 * runs on every change under backend/vgpu, so `xenvgpu sched` writing
 * them takes effect at once.
 */
static void apply_sched_nodes(struct supervisor *s, const struct device *d)
{
	uint32_t weight = VGPU_SCHED_WEIGHT_DEF, cap = 0;
	char dir[128];

	if (!s->cfg->sched) {
		return;
	}
	device_dir(d, dir, sizeof(dir));
	vgpu_xs_read_u32(s->xs, dir, "weight", VGPU_SCHED_WEIGHT_MIN,
			 VGPU_SCHED_WEIGHT_MAX, &weight);
	vgpu_xs_read_u32(s->xs, dir, "cap", 0, VGPU_SCHED_CAP_MAX, &cap);
	vgpu_sched_configure(s->cfg->sched, d->domid, d->devid, weight, cap);
}

/* Looks at one backend/vgpu/<domid>/<devid> node found by the scan. */
static void scan_device(struct supervisor *s, uint32_t domid, uint32_t devid)
{
	struct device *d = find_device(s, domid, devid);

	if (!d) {
		d = add_device(s, domid, devid);
		if (!d) {
			return;
		}
	}
	d->seen = true;
	apply_sched_nodes(s, d);
	if (!device_online(s, d)) {
		if (d->pid) {
			/* detached by the toolstack */
			vgpuback_parent_stop(&s->parent, d->pid);
		}
		return;
	}
	watch_frontend(s, d);
	if (d->refused && frontend_restarted(s, d)) {
		d->refused = false;
	}
	if (!d->pid && !d->failed && !d->refused) {
		start_worker(s, d);
	}
}

static void scan_domain(struct supervisor *s, const char *domid_name)
{
	char path[64], **devids;
	uint32_t domid, devid;
	unsigned int i, n;

	if (vgpu_parse_u32(domid_name, 1, 0x7fef, &domid)) {
		return;
	}
	snprintf(path, sizeof(path), BACKEND_DIR "/%u", domid);
	devids = xs_directory(s->xs, XBT_NULL, path, &n);
	for (i = 0; devids && i < n; i++) {
		if (!vgpu_parse_u32(devids[i], 0, INT32_MAX, &devid)) {
			scan_device(s, domid, devid);
		}
	}
	free(devids);
}

/* Starts workers for new devices; forgets devices that were removed. */
static void scan(struct supervisor *s)
{
	char **domids;
	unsigned int i, n;
	size_t k;

	for (k = 0; k < s->ndevs; k++) {
		s->devs[k].seen = false;
	}
	domids = xs_directory(s->xs, XBT_NULL, BACKEND_DIR, &n);
	for (i = 0; domids && i < n; i++) {
		scan_domain(s, domids[i]);
	}
	free(domids);
	for (k = 0; k < s->ndevs; k++) {
		if (s->devs[k].seen) {
			continue;
		}
		if (s->devs[k].pid) {
			vgpuback_parent_stop(&s->parent, s->devs[k].pid);
		} else if (s->cfg->sched) {
			vgpu_sched_remove(s->cfg->sched, s->devs[k].domid,
					  s->devs[k].devid);
		}
	}
}

static bool domain_alive(struct supervisor *s, uint32_t domid)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(s->xc, domid, 1, &info) != 1) {
		return false;
	}
	return info.domid == domid && !info.dying;
}

/* @releaseDomain fired: some domain died. Find which, and tidy up. */
static void release_domains(struct supervisor *s)
{
	char path[64];
	size_t k;

	for (k = 0; k < s->ndevs; k++) {
		struct device *d = &s->devs[k];

		if (domain_alive(s, d->domid)) {
			continue;
		}
		if (d->pid) {
			vgpuback_parent_stop(&s->parent, d->pid);
		}
		snprintf(path, sizeof(path), BACKEND_DIR "/%u", d->domid);
		if (xs_rm(s->xs, XBT_NULL, path)) {
			vgpu_info("domain %u is gone: removed %s", d->domid,
				  path);
		}
	}
}

static void give_up(struct supervisor *s, struct device *d)
{
	char dir[128], nodes[160] = "";

	d->failed = true;
	device_dir(d, dir, sizeof(dir));
	vgpu_kv_add(nodes, sizeof(nodes), "error",
		    "backend worker crashed %d times in a minute",
		    VGPUBACK_RESTART_BURST);
	vgpu_xs_write_nodes(s->xs, dir, nodes, XenbusStateClosed);
	vgpu_err("domain %u device %u: worker keeps crashing; giving up",
		 d->domid, d->devid);
}

static void worker_exited(struct supervisor *s, struct device *d, int status)
{
	char dir[128], who[64];
	bool refused = WIFEXITED(status) &&
		       WEXITSTATUS(status) == VGPUBACK_EXIT_REFUSED;
	bool crashed = !refused && (!WIFEXITED(status) || WEXITSTATUS(status));

	d->pid = 0;
	d->refused = refused;
	device_dir(d, dir, sizeof(dir));
	snprintf(who, sizeof(who), "domain %u device %u: worker", d->domid,
		 d->devid);
	vgpuback_worker_log_exit(who, status);
	/* A killed worker could not say Closed itself. */
	if (crashed && vgpu_xs_state(s->xs, dir) != XenbusStateUnknown) {
		vgpu_xs_set_state(s->xs, dir, XenbusStateClosed);
	}
	if (crashed && !vgpuback_restart_allowed(&d->restarts)) {
		give_up(s, d);
	}
}

static void supervisor_exited(void *opaque, pid_t pid, int status)
{
	struct supervisor *s = opaque;
	size_t k;

	for (k = 0; k < s->ndevs; k++) {
		if (s->devs[k].pid == pid) {
			worker_exited(s, &s->devs[k], status);
		}
	}
	/* Restart what should run: alive domains, online devices. */
	scan(s);
}

static void handle_watches(void *opaque)
{
	struct supervisor *s = opaque;
	bool released = false;
	char **event;

	while ((event = xs_check_watch(s->xs))) {
		released |= !strcmp(event[XS_WATCH_TOKEN], "release");
		free(event);
	}
	if (released) {
		release_domains(s);
	}
	scan(s);
}

static const struct vgpuback_parent_ops supervisor_ops = {
	.event = handle_watches,
	.exited = supervisor_exited,
	.in_child = close_in_child,
};

static int open_handles(struct supervisor *s)
{
	s->xs = xs_open(0);
	s->xc = xc_interface_open(NULL, NULL, 0);
	if (!s->xs || !s->xc) {
		vgpu_err("cannot open xenstore or the hypervisor interface: "
			 "%s (run in dom0 with xenstored running)",
			 strerror(errno));
		return -ENODEV;
	}
	if (!xs_watch(s->xs, BACKEND_DIR, "devices") ||
	    !xs_watch(s->xs, "@releaseDomain", "release")) {
		vgpu_err("cannot watch xenstore: %s", strerror(errno));
		return -errno;
	}
	return vgpuback_parent_init(&s->parent, s->cfg->sched,
				    &supervisor_ops, s);
}

int vgpuback_supervise(const struct vgpuback_config *cfg)
{
	struct supervisor s = { .cfg = cfg, .parent.sig_fd = -1 };
	int ret;

	ret = open_handles(&s);
	if (!ret) {
		vgpu_info("serving %s", BACKEND_DIR);
		scan(&s);
		ret = vgpuback_parent_run(&s.parent, xs_fileno(s.xs));
		vgpuback_parent_fini(&s.parent);
	}
	free(s.devs);
	if (s.xc) {
		xc_interface_close(s.xc);
	}
	if (s.xs) {
		xs_close(s.xs);
	}
	return ret ? 1 : 0;
}
