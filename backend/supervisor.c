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
 * device is left Closed with an error node. Every start is paced (DOC:
 * start pacing in parent.h), whatever ended the worker before it.
 * @releaseDomain does not say which domain died, so every known domain
 * is checked with libxenctrl.
 *
 * DOC: watch events
 * A watch event is only a hint of what changed: it names a path, and the
 * supervisor looks again at the one device under it (or the devices of a
 * domain, or all of them for backend/vgpu itself). Events are read in a
 * batch first, so a guest rewriting its frontend's state many times costs
 * one look at its own device, and never a walk over every guest's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <xenctrl.h>

#include "parent.h"
#include "supervisor.h"
#include "vgpu_sched.h"
#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "xl_devices.h"

#define BACKEND_DIR             "backend/vgpu"

struct device {
	uint32_t domid;
	uint32_t devid;
	pid_t pid;              /* 0: no worker running */
	bool dirty;             /* to look at once the pending events are read */
	bool gone;              /* its directory was removed: forget it */
	bool failed;            /* crashed too often: left Closed */
	bool refused;           /* frontend sent bad nodes: wait for it */
	bool sched_set;         /* weight and cap below are the scheduler's */
	uint32_t weight, cap;
	char frontend[128];     /* the frontend dir whose state is watched */
	uint64_t start_at_ns;   /* a start held back by pacing; 0: none */
	struct vgpuback_restarts crashes;
	struct vgpuback_pacing starts;
};

struct supervisor {
	struct xs_handle *xs;
	xc_interface *xc;
	struct vgpuback_parent parent;
	const struct vgpuback_config *cfg;
	struct vgpuback_xl_devices xl;
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
	grown[s->ndevs] = (struct device){
		.domid = domid, .devid = devid,
		.starts.burst = s->cfg->start_burst,
	};
	return &grown[s->ndevs++];
}

/* The device named by an event, known or not (a new one is added). */
static void mark_device(struct supervisor *s, uint32_t domid, uint32_t devid)
{
	struct device *d = find_device(s, domid, devid);

	if (!d) {
		d = add_device(s, domid, devid);
	}
	if (d) {
		d->dirty = true;
	}
}

static void unwatch_frontend(struct supervisor *s, struct device *d)
{
	char path[160];

	if (d->frontend[0]) {
		snprintf(path, sizeof(path), "%s/state", d->frontend);
		xs_unwatch(s->xs, path, "frontend");
		d->frontend[0] = '\0';
	}
}

/* Drops the devices whose directory is gone and whose worker has exited. */
static void sweep_devices(struct supervisor *s)
{
	size_t k = 0;

	while (k < s->ndevs) {
		struct device *d = &s->devs[k];

		if (!d->gone || d->pid) {
			k++;
			continue;
		}
		unwatch_frontend(s, d);
		if (s->cfg->sched) {
			vgpu_sched_remove(s->cfg->sched, d->domid, d->devid);
		}
		*d = s->devs[--s->ndevs];
	}
}

static void start_worker(struct supervisor *s, struct device *d)
{
	pid_t pid = vgpuback_parent_fork(&s->parent, d->weight);

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
	if (d->frontend[0] || vgpu_xs_read(s->xs, dir, "frontend", frontend,
					   sizeof(frontend))) {
		return;
	}
	snprintf(path, sizeof(path), "%s/state", frontend);
	if (xs_watch(s->xs, path, "frontend")) {
		snprintf(d->frontend, sizeof(d->frontend), "%s", frontend);
	}
}

static bool frontend_restarted(struct supervisor *s, const struct device *d)
{
	enum xenbus_state state;

	if (!d->frontend[0]) {
		return false;
	}
	state = vgpu_xs_state(s->xs, d->frontend);
	return state == XenbusStateInitialising || state == XenbusStateClosed;
}

/*
 * Hands the device's weight and cap nodes to the GPU scheduler (and the
 * weight to its worker's CPU share) when they change: `xenvgpu sched`
 * writing them takes effect at once, and nothing else costs the
 * scheduler's lock.
 */
static void apply_sched_nodes(struct supervisor *s, struct device *d)
{
	uint32_t weight = VGPU_SCHED_WEIGHT_DEF, cap = 0;
	char dir[128];

	device_dir(d, dir, sizeof(dir));
	vgpu_xs_read_u32(s->xs, dir, "weight", VGPU_SCHED_WEIGHT_MIN,
			 VGPU_SCHED_WEIGHT_MAX, &weight);
	vgpu_xs_read_u32(s->xs, dir, "cap", 0, VGPU_SCHED_CAP_MAX, &cap);
	if (d->sched_set && weight == d->weight && cap == d->cap) {
		return;
	}
	if (s->cfg->sched) {
		vgpu_sched_configure(s->cfg->sched, d->domid, d->devid,
				     weight, cap);
	}
	if (d->pid && weight != d->weight) {
		vgpuback_parent_set_weight(&s->parent, d->pid, weight);
	}
	d->weight = weight;
	d->cap = cap;
	d->sched_set = true;
}

/* Starts the device's worker now, or when pacing lets it (DOC above). */
static void start_paced(struct supervisor *s, struct device *d)
{
	uint64_t now = vgpu_now_ns();
	uint64_t wait = vgpuback_pace_delay_ns(&d->starts, now);

	if (wait) {
		if (!d->start_at_ns) {
			vgpu_warn(VGPU_DEV_FMT "worker restarted %u times in "
				  "quick succession; the next start waits %llu "
				  "ms", d->domid, d->devid, s->cfg->start_burst,
				  (unsigned long long)(wait / 1000000));
		}
		d->start_at_ns = now + wait;
		return;
	}
	d->start_at_ns = 0;
	vgpuback_pace_count(&d->starts, now);
	start_worker(s, d);
}

static bool device_exists(struct supervisor *s, const struct device *d)
{
	unsigned int len;
	char dir[128];
	void *value;

	device_dir(d, dir, sizeof(dir));
	value = xs_read(s->xs, XBT_NULL, dir, &len);
	free(value);
	return value != NULL;
}

/* Brings one device's worker in line with its nodes. */
static void look_at_device(struct supervisor *s, struct device *d)
{
	vgpu_dbg(VGPU_DEV_FMT "looking at its nodes", d->domid, d->devid);
	if (!device_exists(s, d)) {
		d->gone = true;
		d->start_at_ns = 0;
		if (d->pid) {
			vgpuback_parent_stop(&s->parent, d->pid);
		}
		return;
	}
	d->gone = false;
	apply_sched_nodes(s, d);
	if (!device_online(s, d)) {
		d->start_at_ns = 0;
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
		start_paced(s, d);
	}
}

static void look_at_marked(struct supervisor *s)
{
	size_t k;

	for (k = 0; k < s->ndevs; k++) {
		if (s->devs[k].dirty) {
			s->devs[k].dirty = false;
			look_at_device(s, &s->devs[k]);
		}
	}
	sweep_devices(s);
}

/* Marks a domain's listed devices, and its known ones that may be gone. */
static void mark_domain(struct supervisor *s, uint32_t domid)
{
	char path[64], **devids;
	unsigned int i, n;
	uint32_t devid;
	size_t k;

	for (k = 0; k < s->ndevs; k++) {
		s->devs[k].dirty |= s->devs[k].domid == domid;
	}
	snprintf(path, sizeof(path), BACKEND_DIR "/%u", domid);
	devids = xs_directory(s->xs, XBT_NULL, path, &n);
	for (i = 0; devids && i < n; i++) {
		if (!vgpu_parse_u32(devids[i], 0, INT32_MAX, &devid)) {
			mark_device(s, domid, devid);
		}
	}
	free(devids);
}

static void mark_all(struct supervisor *s)
{
	char **domids;
	unsigned int i, n;
	uint32_t domid;
	size_t k;

	for (k = 0; k < s->ndevs; k++) {
		s->devs[k].dirty = true;
	}
	domids = xs_directory(s->xs, XBT_NULL, BACKEND_DIR, &n);
	for (i = 0; domids && i < n; i++) {
		if (!vgpu_parse_u32(domids[i], 1, 0x7fef, &domid)) {
			mark_domain(s, domid);
		}
	}
	free(domids);
}

/*
 * A change under backend/vgpu: only the device it names is looked at
 * again, or the devices of the domain, or (for backend/vgpu itself)
 * every one. So a guest's own writes cost its own device's reads.
 */
static void mark_backend_path(struct supervisor *s, const char *path)
{
	uint32_t domid, devid;
	char domid_name[16], devid_name[16];
	int n;

	if (strncmp(path, BACKEND_DIR, strlen(BACKEND_DIR))) {
		mark_all(s);
		return;
	}
	path += strlen(BACKEND_DIR);
	n = sscanf(path, "/%15[0-9]/%15[0-9]", domid_name, devid_name);
	if (n < 1 || vgpu_parse_u32(domid_name, 1, 0x7fef, &domid)) {
		mark_all(s);
	} else if (n < 2 || vgpu_parse_u32(devid_name, 0, INT32_MAX,
					   &devid)) {
		mark_domain(s, domid);
	} else {
		mark_device(s, domid, devid);
	}
}

static void mark_frontend_path(struct supervisor *s, const char *path)
{
	size_t k, len;

	for (k = 0; k < s->ndevs; k++) {
		struct device *d = &s->devs[k];

		len = strlen(d->frontend);
		if (len && !strncmp(path, d->frontend, len) &&
		    !strcmp(path + len, "/state")) {
			d->dirty = true;
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

/*
 * @releaseDomain fired: some domain died. Find which, and remove its
 * backend directory (devices, or only a config error); the watch on it
 * then stops the workers.
 */
/* A sandboxed worker cannot remove its screen socket: we do. */
static void remove_screen_socket(const struct device *d)
{
	char path[64];

	snprintf(path, sizeof(path), VGPU_SCREEN_DIR "/%u.%u.sock", d->domid,
		 d->devid);
	unlink(path);
}

static void release_domains(struct supervisor *s)
{
	char path[64], **domids;
	unsigned int i, n;
	uint32_t domid;
	size_t k;

	domids = xs_directory(s->xs, XBT_NULL, BACKEND_DIR, &n);
	for (i = 0; domids && i < n; i++) {
		if (vgpu_parse_u32(domids[i], 1, 0x7fef, &domid) ||
		    domain_alive(s, domid)) {
			continue;
		}
		for (k = 0; k < s->ndevs; k++) {
			if (s->devs[k].domid == domid && s->devs[k].pid) {
				vgpuback_parent_stop(&s->parent,
						     s->devs[k].pid);
			}
			if (s->devs[k].domid == domid) {
				remove_screen_socket(&s->devs[k]);
			}
		}
		snprintf(path, sizeof(path), BACKEND_DIR "/%u", domid);
		if (xs_rm(s->xs, XBT_NULL, path)) {
			vgpu_info("domain %u is gone: removed %s", domid, path);
		}
		/* Its VNC passwords, in our own home. */
		snprintf(path, sizeof(path), VGPU_XS_PRIVATE_DIR "/%u", domid);
		xs_rm(s->xs, XBT_NULL, path);
	}
	free(domids);
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
	d->dirty = true;        /* restart what should run */
	device_dir(d, dir, sizeof(dir));
	snprintf(who, sizeof(who), "domain %u device %u: worker", d->domid,
		 d->devid);
	vgpuback_worker_log_exit(who, status);
	/* A killed worker could not say Closed itself. */
	if (crashed && vgpu_xs_state(s->xs, dir) != XenbusStateUnknown) {
		vgpu_xs_set_state(s->xs, dir, XenbusStateClosed);
	}
	if (crashed && !vgpuback_restart_allowed(&d->crashes)) {
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
	look_at_marked(s);
}

static void handle_watches(void *opaque)
{
	struct supervisor *s = opaque;
	bool released = false, introduced = false;
	char **event;

	/* Marks first, so a burst of events costs one look per device. */
	while ((event = xs_check_watch(s->xs))) {
		const char *token = event[XS_WATCH_TOKEN];

		if (!strcmp(token, "release")) {
			released = true;
		} else if (!strcmp(token, "introduce")) {
			introduced = true;
		} else if (!strcmp(token, "frontend")) {
			mark_frontend_path(s, event[XS_WATCH_PATH]);
		} else {
			mark_backend_path(s, event[XS_WATCH_PATH]);
		}
		free(event);
	}
	if (released) {
		release_domains(s);
	}
	if (released || introduced) {
		vgpuback_xl_devices_scan(&s->xl);
		vgpuback_xl_devices_tick(&s->xl);
	}
	look_at_marked(s);
}

/* Runs the starts that pacing held back once they are due. */
static int start_due(struct supervisor *s)
{
	uint64_t now = vgpu_now_ns(), next = UINT64_MAX;
	size_t k;

	for (k = 0; k < s->ndevs; k++) {
		if (s->devs[k].start_at_ns && s->devs[k].start_at_ns <= now) {
			s->devs[k].dirty = true;
		}
	}
	look_at_marked(s);
	for (k = 0; k < s->ndevs; k++) {
		if (s->devs[k].start_at_ns && s->devs[k].start_at_ns < next) {
			next = s->devs[k].start_at_ns;
		}
	}
	if (next == UINT64_MAX) {
		return -1;
	}
	return next > now ? (int)((next - now) / 1000000) + 1 : 0;
}

static int supervisor_tick(void *opaque)
{
	struct supervisor *s = opaque;
	int starts = start_due(s), configs = vgpuback_xl_devices_tick(&s->xl);

	if (starts < 0) {
		return configs;
	}
	return configs < 0 || starts < configs ? starts : configs;
}

static const struct vgpuback_parent_ops supervisor_ops = {
	.event = handle_watches,
	.exited = supervisor_exited,
	.in_child = close_in_child,
	.tick = supervisor_tick,
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
	/* Without libxl, xenvgpu create still works: not fatal. */
	vgpuback_xl_devices_init(&s->xl, s->xs);
	if (!xs_watch(s->xs, BACKEND_DIR, "devices") ||
	    !xs_watch(s->xs, "@releaseDomain", "release") ||
	    !xs_watch(s->xs, "@introduceDomain", "introduce")) {
		vgpu_err("cannot watch xenstore: %s", strerror(errno));
		return -errno;
	}
	return vgpuback_parent_init(&s->parent, s->cfg->sched, s->cfg->cpu,
				    &supervisor_ops, s);
}

/* The workers' screen sockets: root's alone (vgpu_xs.h). */
static void make_screen_dir(void)
{
	char parent[] = VGPU_SCREEN_DIR;

	*strrchr(parent, '/') = '\0';
	if ((mkdir(parent, 0755) && errno != EEXIST) ||
	    (mkdir(VGPU_SCREEN_DIR, 0700) && errno != EEXIST) ||
	    chmod(VGPU_SCREEN_DIR, 0700)) {
		vgpu_warn("cannot make %s: %s; xenvgpu screenshot then needs "
			  "vnc=1", VGPU_SCREEN_DIR, strerror(errno));
	}
}

int vgpuback_supervise(const struct vgpuback_config *cfg)
{
	struct supervisor s = { .cfg = cfg, .parent.sig_fd = -1 };
	int ret;

	ret = open_handles(&s);
	if (!ret) {
		vgpu_info("serving %s", BACKEND_DIR);
		make_screen_dir();
		mark_all(&s);
		look_at_marked(&s);
		vgpuback_xl_devices_scan(&s.xl);
		ret = vgpuback_parent_run(&s.parent, xs_fileno(s.xs));
		vgpuback_parent_fini(&s.parent);
	}
	free(s.devs);
	vgpuback_xl_devices_fini(&s.xl);
	if (s.xc) {
		xc_interface_close(s.xc);
	}
	if (s.xs) {
		xs_close(s.xs);
	}
	return ret ? 1 : 0;
}
