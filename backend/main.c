/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgpu-backend: the dom0 backend's command line and process model. It
 * listens on a UNIX socket (loopback transport) and serves each accepted
 * connection in a forked worker process, one per guest device, so that a
 * crash takes down that device only. virglrenderer is initialised in the
 * workers, after fork, never here.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <epoxy/gl.h>

#include "llvmpipe_affinity.h"
#include "cpu_bound.h"
#include "parent.h"
#include "shader_cache.h"
#include "supervisor.h"
#include "vgpu_sched.h"
#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "worker.h"

struct options {
	const char *loopback;
	bool xen;
	bool daemonize;
	bool no_pin_llvmpipe;
	bool watchdog_set;              /* --watchdog-ms given */
	struct vgpuback_config cfg;
	/* The GPU scheduler's table; NULL with --no-sched. */
	const char *sched_path;
	char sched_path_buf[PATH_MAX];
	struct vgpu_sched_config sched;
	uint32_t worker_cpu;            /* % of one CPU; 0: unbounded */
	bool worker_cpu_set;
	struct vgpuback_cpu_bound cpu;
};

/* One CPU a guest device: dom0 keeps the rest for other guests. */
#define DEF_WORKER_CPU_XEN      100

/* The loopback listener: one worker per accepted connection. */
struct server {
	int listen_fd;
	const struct vgpuback_config *cfg;
	struct vgpuback_parent parent;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vgpu-backend --xen | --loopback=PATH [options]\n"
		"  --xen                    serve every vgpu device in "
		"xenstore (dom0 daemon)\n"
		"  --loopback=PATH          listen on the UNIX socket PATH\n"
		"  --render-node=DEV        GPU render node (default: EGL "
		"surfaceless, llvmpipe)\n"
		"  --poll-us=N              spin on the ring up to N us before "
		"sleeping (default 20;\n"
		"                           less while waits run longer)\n"
		"  --max-mapped-pages=N     per-device limits, as published "
		"to the frontend;\n"
		"                           under --xen, N pages cap every "
		"guest's vram=\n"
		"  --max-contexts=N\n"
		"  --max-resources=N\n"
		"  --max-cmd-pages=N\n"
		"  --max-submit-size=N\n"
		"  --sched-table=PATH       the GPU scheduler's table (default "
		"%s,\n"
		"                           or the loopback PATH + \".sched\")\n"
		"  --no-sched               no GPU scheduling: workers submit "
		"at will\n"
		"  --sched-slice-us=N       GPU time slice (default %u)\n"
		"  --sched-period-us=N      credit refill period (default %u)\n"
		"  --sched-linger-us=N      keep the GPU N us for a guest with "
		"credit left\n"
		"                           whose work ran out (default %u)\n"
		"  --watchdog-ms=N          a submission running longer resets "
		"its guest\n"
		"                           (default %u; %u on llvmpipe)\n"
		"  --worker-cpu=PCT         a worker may use PCT%% of one CPU "
		"(default %u\n"
		"                           under --xen, unbounded on "
		"loopback; 0: unbounded)\n"
		"  --start-burst=N          --xen: a device's worker starts N "
		"times at once,\n"
		"                           then once every %u s (default %u)\n"
		"  --mem-overhead=MiB       a worker may hold its vram plus "
		"this much memory\n"
		"                           (default %u; 0: no limit)\n"
		"  --shader-cache=DIR       each guest's compiled shaders, in "
		"DIR/dom-NAME\n"
		"                           (default %s)\n"
		"  --shader-cache-mib=N     a guest's cache is emptied past N "
		"MiB (default %u)\n"
		"  --no-shader-cache        compile every guest's shaders anew\n"
		"  --no-pin-llvmpipe        leave llvmpipe's rasterizer threads "
		"unpinned\n"
		"                           (by default thread N runs on CPU N "
		"while\n"
		"                           several devices take turns on the GPU)\n"
		"  --foreground             stay in the foreground, log to "
		"stderr (default)\n"
		"  --daemon                 detach and log to syslog\n"
		"  --user=NAME              workers drop to NAME once connected "
		"(default:\n"
		"                           " VGPUBACK_PRIVSEP_USER " if it "
		"exists, else " VGPUBACK_PRIVSEP_FALLBACK_USER ")\n"
		"  --no-privdrop            workers keep root, as --user= does "
		"(debugging)\n"
		"  --no-seccomp             workers run without the seccomp "
		"allowlist\n"
		"                           (debugging)\n"
		"  --vnc-listen=ADDR        loopback: show each device's "
		"screen over VNC on\n"
		"                           the IPv4 address ADDR (under --xen "
		"the vgpu= spec's\n"
		"                           vnc= keys decide)\n"
		"  --vnc-display=N          loopback: on port 5900+N, 0-99 "
		"(default: the first\n"
		"                           free from 5900)\n"
		"  --vnc-passwd-file=FILE   loopback: the displays' password, "
		"the first line of\n"
		"                           FILE (1 to 8 characters)\n"
		"  --screen-dir=DIR         loopback: each worker's screen also "
		"on a UNIX socket\n"
		"                           in DIR, for xenvgpu screenshot "
		"(under --xen: " VGPU_SCREEN_DIR ")\n"
		"  --help\n", VGPU_SCHED_PATH, VGPU_SCHED_DEF_SLICE_US,
		VGPU_SCHED_DEF_PERIOD_US, VGPU_SCHED_DEF_LINGER_US,
		VGPU_SCHED_DEF_TIMEOUT_MS, VGPU_SCHED_DEF_TIMEOUT_SW_MS,
		DEF_WORKER_CPU_XEN, VGPUBACK_START_INTERVAL_MS / 1000,
		VGPUBACK_RESTART_BURST, VGPUBACK_DEF_MEM_OVERHEAD_MIB, VGPUBACK_DEF_SHADER_CACHE,
		VGPUBACK_DEF_SHADER_CACHE_MIB);
}

enum {
	OPT_LOOPBACK = 256, OPT_RENDER_NODE, OPT_POLL_US, OPT_MAX_PAGES,
	OPT_MAX_CTX, OPT_MAX_RES, OPT_MAX_CMD, OPT_MAX_SUBMIT, OPT_MEM_OVERHEAD,
	OPT_FG,
	OPT_DAEMON, OPT_HELP, OPT_XEN,
	OPT_SCHED_TABLE = 512, OPT_NO_SCHED, OPT_SLICE, OPT_PERIOD,
	OPT_WATCHDOG, OPT_LINGER, OPT_NO_PIN,
	OPT_USER = 768, OPT_NO_PRIVDROP, OPT_NO_SECCOMP,
	OPT_SHADER_CACHE = 1024, OPT_SHADER_CACHE_MIB, OPT_NO_SHADER_CACHE,
	OPT_WORKER_CPU, OPT_START_BURST,
	OPT_VNC_LISTEN = 2048, OPT_VNC_DISPLAY, OPT_SCREEN_DIR,
	OPT_VNC_PASSWD_FILE,
};

static const struct option long_opts[] = {
	{ "loopback", required_argument, NULL, OPT_LOOPBACK },
	{ "xen", no_argument, NULL, OPT_XEN },
	{ "render-node", required_argument, NULL, OPT_RENDER_NODE },
	{ "poll-us", required_argument, NULL, OPT_POLL_US },
	{ "max-mapped-pages", required_argument, NULL, OPT_MAX_PAGES },
	{ "max-contexts", required_argument, NULL, OPT_MAX_CTX },
	{ "max-resources", required_argument, NULL, OPT_MAX_RES },
	{ "max-cmd-pages", required_argument, NULL, OPT_MAX_CMD },
	{ "max-submit-size", required_argument, NULL, OPT_MAX_SUBMIT },
	{ "mem-overhead", required_argument, NULL, OPT_MEM_OVERHEAD },
	{ "foreground", no_argument, NULL, OPT_FG },
	{ "daemon", no_argument, NULL, OPT_DAEMON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "sched-table", required_argument, NULL, OPT_SCHED_TABLE },
	{ "no-sched", no_argument, NULL, OPT_NO_SCHED },
	{ "sched-slice-us", required_argument, NULL, OPT_SLICE },
	{ "sched-period-us", required_argument, NULL, OPT_PERIOD },
	{ "watchdog-ms", required_argument, NULL, OPT_WATCHDOG },
	{ "sched-linger-us", required_argument, NULL, OPT_LINGER },
	{ "no-pin-llvmpipe", no_argument, NULL, OPT_NO_PIN },
	{ "user", required_argument, NULL, OPT_USER },
	{ "no-privdrop", no_argument, NULL, OPT_NO_PRIVDROP },
	{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
	{ "shader-cache", required_argument, NULL, OPT_SHADER_CACHE },
	{ "shader-cache-mib", required_argument, NULL, OPT_SHADER_CACHE_MIB },
	{ "no-shader-cache", no_argument, NULL, OPT_NO_SHADER_CACHE },
	{ "worker-cpu", required_argument, NULL, OPT_WORKER_CPU },
	{ "start-burst", required_argument, NULL, OPT_START_BURST },
	{ "vnc-listen", required_argument, NULL, OPT_VNC_LISTEN },
	{ "vnc-display", required_argument, NULL, OPT_VNC_DISPLAY },
	{ "screen-dir", required_argument, NULL, OPT_SCREEN_DIR },
	{ "vnc-passwd-file", required_argument, NULL, OPT_VNC_PASSWD_FILE },
	{ NULL, 0, NULL, 0 },
};

static int parse_number(const char *name, const char *arg, uint32_t min,
			uint32_t max, uint32_t *out)
{
	if (vgpu_parse_u32(arg, min, max, out)) {
		fprintf(stderr, "vgpu-backend: --%s=%s: expected a number "
			"from %u to %u\n", name, arg, min, max);
		return -EINVAL;
	}
	return 0;
}

/* Returns the place an option's number goes, or NULL. */
static uint32_t *number_slot(struct options *o, int opt, uint32_t *min)
{
	*min = 1;
	switch (opt) {
	case OPT_POLL_US:
		*min = 0;
		return &o->cfg.poll_us;
	case OPT_MAX_PAGES:
		return &o->cfg.lim.max_mapped_pages;
	case OPT_MAX_CTX:
		return &o->cfg.lim.max_contexts;
	case OPT_MAX_RES:
		return &o->cfg.lim.max_resources;
	case OPT_MAX_CMD:
		return &o->cfg.lim.max_cmd_pages;
	case OPT_MAX_SUBMIT:
		return &o->cfg.lim.max_submit_size;
	case OPT_SHADER_CACHE_MIB:
		/* Mesa's index alone takes over a MiB. */
		*min = 16;
		return &o->cfg.shader_cache_mib;
	case OPT_MEM_OVERHEAD:
		*min = 0;
		return &o->cfg.mem_overhead_mib;
	case OPT_WORKER_CPU:
		*min = 0;
		return &o->worker_cpu;
	case OPT_START_BURST:
		return &o->cfg.start_burst;
	case OPT_SLICE:
		return &o->sched.slice_us;
	case OPT_PERIOD:
		return &o->sched.period_us;
	case OPT_WATCHDOG:
		return &o->sched.timeout_ms;
	case OPT_LINGER:
		*min = 0;
		return &o->sched.linger_us;
	default:
		return NULL;
	}
}

/* Checks the scheduler's options and picks the table's default path. */
static int check_sched_options(struct options *o)
{
	const char *why;

	if (vgpu_sched_config_check(&o->sched, &why)) {
		fprintf(stderr, "vgpu-backend: %s\n", why);
		return 2;
	}
	if (o->sched_path && !*o->sched_path) {
		if (o->xen) {
			o->sched_path = VGPU_SCHED_PATH;
		} else {
			snprintf(o->sched_path_buf, sizeof(o->sched_path_buf),
				 "%s.sched", o->loopback);
			o->sched_path = o->sched_path_buf;
		}
	}
	return 0;
}

/* --user=NAME, --no-privdrop, --no-seccomp; an empty NAME keeps root. */
static void set_privsep_option(struct vgpuback_privsep *p, int opt,
			       const char *arg)
{
	if (opt == OPT_USER) {
		p->user = *arg ? arg : NULL;
		p->keep_root = !*arg;
	} else if (opt == OPT_NO_PRIVDROP) {
		p->keep_root = true;
	} else {
		p->no_seccomp = true;
	}
}

/* --vnc-listen=ADDR, --vnc-display=N: the loopback workers' display. */
static int set_vnc_option(struct vgpuback_vnc_config *vnc, int opt,
			  const char *arg)
{
	uint32_t display;

	vnc->enabled = true;
	if (opt == OPT_VNC_LISTEN) {
		if (strlen(arg) >= sizeof(vnc->listen)) {
			fprintf(stderr, "vgpu-backend: --vnc-listen=%s: expected "
				"an IPv4 address\n", arg);
			return -EINVAL;
		}
		snprintf(vnc->listen, sizeof(vnc->listen), "%s", arg);
		return 0;
	}
	if (parse_number("vnc-display", arg, 0,
			 VGPUBACK_VNC_AUTO_DISPLAYS - 1, &display)) {
		return -EINVAL;
	}
	vnc->display = (int)display;
	return 0;
}

/*
 * --vnc-passwd-file=FILE: a file, not the command line, which every user
 * of the host can read in /proc.
 */
static int read_vnc_passwd(struct vgpuback_vnc_config *vnc, const char *path)
{
	char line[64] = "";
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "vgpu-backend: --vnc-passwd-file=%s: cannot "
			"read it\n", path);
		if (f) {
			fclose(f);
		}
		return -EINVAL;
	}
	fclose(f);
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (!len || len > VGPUBACK_VNC_PASSWD_MAX) {
		fprintf(stderr, "vgpu-backend: --vnc-passwd-file=%s: its first "
			"line must hold 1 to %d characters\n", path,
			VGPUBACK_VNC_PASSWD_MAX);
		return -EINVAL;
	}
	memcpy(vnc->passwd, line, len + 1);
	memset(line, 0, sizeof(line));
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	uint32_t *slot, min;
	int opt, idx;

	vgpuback_config_defaults(&o->cfg);
	vgpu_sched_config_defaults(&o->sched);
	o->sched_path = "";
	while ((opt = getopt_long(argc, argv, "", long_opts, &idx)) != -1) {
		slot = number_slot(o, opt, &min);
		o->cfg.max_mapped_pages_set |= opt == OPT_MAX_PAGES;
		o->watchdog_set |= opt == OPT_WATCHDOG;
		o->worker_cpu_set |= opt == OPT_WORKER_CPU;
		if (slot) {
			if (parse_number(long_opts[idx].name, optarg, min,
					 slot == &o->cfg.poll_us ? 10000000 :
					 UINT32_MAX, slot)) {
				return 2;
			}
		} else if (opt == OPT_LOOPBACK) {
			o->loopback = optarg;
		} else if (opt == OPT_XEN) {
			o->xen = true;
		} else if (opt == OPT_SCHED_TABLE || opt == OPT_NO_SCHED) {
			o->sched_path = opt == OPT_NO_SCHED ? NULL : optarg;
		} else if (opt == OPT_USER || opt == OPT_NO_PRIVDROP ||
			   opt == OPT_NO_SECCOMP) {
			set_privsep_option(&o->cfg.privsep, opt, optarg);
		} else if (opt == OPT_RENDER_NODE) {
			o->cfg.render_node = optarg;
		} else if (opt == OPT_SHADER_CACHE ||
			   opt == OPT_NO_SHADER_CACHE) {
			o->cfg.shader_cache = opt == OPT_SHADER_CACHE ? optarg
								     : NULL;
		} else if (opt == OPT_VNC_PASSWD_FILE) {
			if (read_vnc_passwd(&o->cfg.vnc, optarg)) {
				return 2;
			}
		} else if (opt == OPT_VNC_LISTEN || opt == OPT_VNC_DISPLAY) {
			if (set_vnc_option(&o->cfg.vnc, opt, optarg)) {
				return 2;
			}
		} else if (opt == OPT_SCREEN_DIR) {
			o->cfg.screen_dir = optarg;
		} else if (opt == OPT_NO_PIN) {
			o->no_pin_llvmpipe = true;
		} else if (opt == OPT_FG || opt == OPT_DAEMON) {
			o->daemonize = opt == OPT_DAEMON;
		} else if (opt == OPT_HELP) {
			usage(stdout);
			exit(0);
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !o->loopback == !o->xen) {
		usage(stderr);
		return 2;
	}
	if (!o->worker_cpu_set && o->xen) {
		o->worker_cpu = DEF_WORKER_CPU_XEN;
	}
	if (!o->cfg.start_burst) {
		o->cfg.start_burst = VGPUBACK_RESTART_BURST;
	}
	return check_sched_options(o);
}

/*
 * After vgpuback_renderer_init() virglrenderer's own GL context is
 * current on this thread; its renderer string names the driver.
 */
static bool renderer_is_software(void)
{
	const char *name = (const char *)glGetString(GL_RENDERER);

	return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe"));
}

/* The probe child's exit status: on a GPU, or on a CPU rasterizer. */
#define PROBE_GPU       0
#define PROBE_FAILED    1
#define PROBE_SOFTWARE  2

/*
 * Brings virglrenderer up once in a throwaway child, so that a missing
 * EGL is reported at startup rather than on the first connection.
 * Returns PROBE_GPU or PROBE_SOFTWARE, or a negative errno.
 */
static int probe_renderer(const struct vgpuback_config *cfg)
{
	struct vgpuback_renderer r;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		vgpu_err("fork: %s", strerror(errno));
		return -errno;
	}
	if (!pid) {
		if (vgpuback_renderer_init(&r, cfg->render_node)) {
			_exit(PROBE_FAILED);
		}
		status = renderer_is_software() ? PROBE_SOFTWARE : PROBE_GPU;
		vgpuback_renderer_fini(&r);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) < 0) {
		return -errno;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != PROBE_FAILED) {
		return WEXITSTATUS(status);
	}
	if (WIFSIGNALED(status)) {
		vgpu_err("the renderer probe died of signal %d",
			 WTERMSIG(status));
	}
	return -ENODEV;
}

/*
 * A CPU rasterizer shares the CPUs with everything else in dom0, so one
 * batch (a shader compile under load) may take seconds without being
 * hung: unless told otherwise, the watchdog waits longer there.
 */
static int check_renderer(struct options *o)
{
	int ret = probe_renderer(&o->cfg);

	if (ret < 0) {
		return ret;
	}
	if (ret == PROBE_SOFTWARE && !o->watchdog_set) {
		o->sched.timeout_ms = VGPU_SCHED_DEF_TIMEOUT_SW_MS;
		vgpu_info("rendering on the CPU (llvmpipe): the GPU watchdog "
			  "allows %u ms per batch (--watchdog-ms to change)",
			  o->sched.timeout_ms);
	}
	return 0;
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		vgpu_err("socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, path);
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode)) {
		unlink(path); /* stale, from a backend that died */
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, 16)) {
		vgpu_err("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -errno;
	}
	return fd;
}

static void loopback_exited(void *opaque, pid_t pid, int status)
{
	char who[32];

	(void)opaque;
	snprintf(who, sizeof(who), "worker %d", (int)pid);
	vgpuback_worker_log_exit(who, status);
}

static void loopback_in_child(void *opaque)
{
	struct server *s = opaque;

	close(s->listen_fd);
}

/* A guest connected: its device gets a worker of its own. */
static void loopback_accept(void *opaque)
{
	struct server *s = opaque;
	pid_t pid;
	int conn;

	conn = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		if (errno != EINTR && errno != EAGAIN) {
			vgpu_warn("accept: %s", strerror(errno));
		}
		return;
	}
	pid = vgpuback_parent_fork(&s->parent, VGPU_SCHED_WEIGHT_DEF);
	if (!pid) {
		_exit(vgpuback_worker_serve_loopback(conn, s->cfg));
	}
	close(conn);
	if (pid < 0) {
		vgpu_err("cannot start a worker: %s", strerror(-pid));
	}
}

static const struct vgpuback_parent_ops loopback_ops = {
	.event = loopback_accept,
	.exited = loopback_exited,
	.in_child = loopback_in_child,
};

/*
 * Puts workers under a CPU bound when one is asked for. Without cgroups
 * a default bound is given up with a warning; an explicit one is an
 * error, since the admin relies on it.
 */
static int setup_cpu_bound(struct options *o)
{
	const char *why;
	int ret;

	if (!o->worker_cpu) {
		return 0;
	}
	ret = vgpuback_cpu_bound_init(&o->cpu, o->worker_cpu, &why);
	if (!ret) {
		vgpu_info("each worker may use %u%% of one CPU (cgroup v%d, "
			  "%s)", o->worker_cpu, o->cpu.v2 ? 2 : 1,
			  o->cpu.home);
		o->cfg.cpu = &o->cpu;
		return 0;
	}
	if (o->worker_cpu_set) {
		vgpu_err("cannot bound the workers' CPU (--worker-cpu=%u): %s: "
			 "%s; or pass --worker-cpu=0 to leave it unbounded",
			 o->worker_cpu, why, strerror(-ret));
		return 1;
	}
	vgpu_warn("workers' CPU is not bounded: %s: %s", why, strerror(-ret));
	return 0;
}

/* Keeps the cwd: PATH may be relative. Logs go to syslog from now on. */
static int detach(void)
{
	if (daemon(1, 0)) {
		vgpu_err("daemon: %s", strerror(errno));
		return -errno;
	}
	vgpu_log_init("vgpu-backend", true);
	return 0;
}

static int serve_loopback(struct server *s, const struct options *o,
			  struct vgpu_sched *sched)
{
	int ret;

	s->listen_fd = listen_on(o->loopback);
	if (s->listen_fd < 0) {
		return 1;
	}
	if (o->daemonize && detach()) {
		ret = 1;
		goto out;
	}
	ret = vgpuback_parent_init(&s->parent, sched, o->cfg.cpu,
				   &loopback_ops, s);
	if (ret) {
		vgpu_err("signalfd: %s", strerror(-ret));
		ret = 1;
		goto out;
	}
	vgpu_info("listening on %s", o->loopback);
	ret = vgpuback_parent_run(&s->parent, s->listen_fd) ? 1 : 0;
	vgpuback_parent_fini(&s->parent);
out:
	close(s->listen_fd);
	unlink(o->loopback);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct server s = { .listen_fd = -1, .cfg = &o.cfg };
	struct vgpu_sched *sched = NULL;
	int ret;

	ret = parse_options(argc, argv, &o);
	if (ret) {
		return ret;
	}
	vgpu_log_init("vgpu-backend", false);
	signal(SIGPIPE, SIG_IGN);
	vgpuback_llvmpipe_affinity_init(!o.no_pin_llvmpipe);
	if (vgpuback_privsep_check(&o.cfg.privsep) || check_renderer(&o) ||
	    setup_cpu_bound(&o)) {
		return 1;
	}
	if (o.sched_path) {
		sched = vgpu_sched_create(o.sched_path, &o.sched);
		if (!sched) {
			vgpu_err("cannot make the GPU scheduler's table %s: %s "
				 "(--sched-table=PATH to put it elsewhere)",
				 o.sched_path, strerror(errno));
			return 1;
		}
		o.cfg.sched = sched;
	}
	if (o.xen) {
		ret = o.daemonize && detach() ? 1 : vgpuback_supervise(&o.cfg);
	} else {
		ret = serve_loopback(&s, &o, sched);
	}
	vgpu_sched_destroy(sched);
	return ret;
}
