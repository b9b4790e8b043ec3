/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenvgpu: the administrator's command for vgpu devices. Command line
 * and dispatch, and the create/attach/detach commands, which combine
 * config parsing (config.c, spec.c), xl, and the device nodes
 * (devices.c). list and check live in list.c and check.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "vgpu_util.h"
#include "xenvgpu.h"

struct create_args {
	const char *cfg;
	const char *xl_args[48];        /* "create", "-p", cfg, opts... */
	int nxl;
	const char *extra[32];          /* key=value overrides */
	int nextra;
	bool dry_run;
	bool paused;                    /* -p: leave it paused */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xenvgpu [-v] COMMAND [ARGS]\n"
		"\n"
		"  create CFG [xl create options] [key=value...]\n"
		"                          xl create CFG with its vgpu= devices\n"
		"  attach DOMAIN SPEC      add a vgpu device to a running domain\n"
		"  detach DOMAIN DEVID     remove a vgpu device\n"
		"  list [DOMAIN] [--json]  list vgpu devices\n"
		"  check DOMAIN [DEVID]    check a domain's vgpu nodes against "
		"the xenstore schema\n"
		"  sched [--table=PATH] DOMAIN [DEVID] [weight=N] [cap=N]\n"
		"                          show or change GPU weight and cap, "
		"live\n"
		"  top [--table=PATH] [-d SECONDS] [-b] [-i N]\n"
		"                          GPU time, submissions, waits and "
		"resets, live\n"
		"  screenshot DOMAIN [DEVID] FILE.png\n"
		"                          save what the guest's screen shows\n"
		"  resize DOMAIN [DEVID] WxH\n"
		"                          offer the guest a new screen mode\n"
		"\n"
		"SPEC: backend=DOMAIN,weight=1..65535,cap=0..100,vram=16M..64G,\n"
		"      width=1..8192,height=1..8192,vnc=0|1,vnclisten=IPV4,\n"
		"      vncdisplay=0..99,vncpasswd=PASSWORD\n"
		"      (defaults: backend=0,weight=256,cap=0,vram=256M,\n"
		"      width=1024,height=768,vnc=0)\n"
		"See xenvgpu(1).\n");
}

/* Sorts one create argument into xl's options, overrides or ours. */
static int create_arg(struct create_args *a, const char *arg, bool *verbose)
{
	static const char *const refused[] = { "-c", "-F", "-f" };
	size_t i;

	if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) {
		*verbose = true;
		return 0;
	}
	if (!strcmp(arg, "-n") || !strcmp(arg, "--dryrun")) {
		a->dry_run = true;
		return 0;
	}
	if (!strcmp(arg, "-p")) {
		a->paused = true;
		return 0;
	}
	if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
		fprintf(stderr, "Usage: xenvgpu create CFG [xl create "
			"options] [key=value...]\n");
		return -EINVAL;
	}
	for (i = 0; i < VGPU_ARRAY_SIZE(refused); i++) {
		if (!strncmp(arg, refused[i], 2)) {
			fprintf(stderr, "xenvgpu create: xl create option %s "
				"is not supported here (-c: run xl console "
				"afterwards; -F: use xl create directly; -f: "
				"give the config as CFG)\n", arg);
			return -EINVAL;
		}
	}
	if (arg[0] != '-' && strchr(arg, '=')) {
		if (a->nextra == (int)VGPU_ARRAY_SIZE(a->extra)) {
			return -E2BIG;
		}
		a->extra[a->nextra++] = arg;
	} else if (arg[0] != '-' && !a->cfg) {
		a->cfg = arg;
		return 0;
	} else if (arg[0] != '-') {
		fprintf(stderr, "xenvgpu create: more than one config file "
			"(%s and %s)\n", a->cfg, arg);
		return -EINVAL;
	}
	if (a->nxl >= (int)VGPU_ARRAY_SIZE(a->xl_args) - 2) {
		return -E2BIG;
	}
	a->xl_args[a->nxl++] = arg;
	return 0;
}

static int parse_create(struct create_args *a, int argc, char **argv,
			bool *verbose)
{
	int i, ret;

	memset(a, 0, sizeof(*a));
	a->xl_args[a->nxl++] = "create";
	a->xl_args[a->nxl++] = "-p";
	a->xl_args[a->nxl++] = NULL;    /* the config, filled below */
	for (i = 1; i < argc; i++) {
		ret = create_arg(a, argv[i], verbose);
		if (ret) {
			return ret;
		}
	}
	if (!a->cfg) {
		fprintf(stderr, "Usage: xenvgpu create CFG [xl create options] "
			"[key=value...]\n");
		return -EINVAL;
	}
	a->xl_args[2] = a->cfg;
	/* Read back by vgpu-backend --xen: these devices are ours. */
	a->xl_args[a->nxl++] = VGPU_CONFIG_MARK "=1";
	a->xl_args[a->nxl] = NULL;
	return 0;
}

static void print_plan(const struct vgpu_config *cfg)
{
	char size[32];
	size_t i;

	printf("domain %s: %zu vgpu device%s\n", cfg->name, cfg->count,
	       cfg->count == 1 ? "" : "s");
	for (i = 0; i < cfg->count; i++) {
		const struct vgpu_spec *s = &cfg->spec[i];

		vgpu_spec_format_size(s->vram, size, sizeof(size));
		printf("vgpu %zu: backend=%s weight=%u cap=%u vram=%s "
		       "max-mapped-pages=%u\n", i, s->backend, s->weight,
		       s->cap, size, vgpu_spec_pages(s));
	}
}

static int open_xen(struct xenvgpu *xv)
{
	int ret = xenvgpu_open_xs(xv);

	return ret ? ret : xenvgpu_open_libxl(xv);
}

/* Resolves every backend= before anything starts. */
static int resolve(struct xenvgpu *xv, const struct vgpu_config *cfg,
		   struct vgpu_dev *devs)
{
	size_t i;
	int ret;

	for (i = 0; i < cfg->count; i++) {
		devs[i] = (struct vgpu_dev){ .devid = (uint32_t)i,
					     .spec = cfg->spec[i] };
		ret = xenvgpu_backend(xv, &devs[i]);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

static int xl_domid(struct xenvgpu *xv, const char *verb, uint32_t domid)
{
	char id[16];
	const char *args[] = { verb, id, NULL };

	snprintf(id, sizeof(id), "%u", domid);
	return xenvgpu_xl(xv, args);
}

/* After xl create: nodes, backends up; on failure nothing is left. */
static int setup_devices(struct xenvgpu *xv, struct vgpu_dev *devs, size_t n,
			 uint64_t *t_nodes, uint64_t *t_wait)
{
	uint64_t t0 = vgpu_now_ns();
	int ret;

	ret = xenvgpu_devices_add(xv, devs, n, false);
	*t_nodes = vgpu_now_ns() - t0;
	if (ret) {
		return ret;
	}
	t0 = vgpu_now_ns();
	ret = xenvgpu_devices_wait(xv, devs, n, XENVGPU_TIMEOUT_MS);
	*t_wait = vgpu_now_ns() - t0;
	if (!ret && xenvgpu_interrupted()) {
		fprintf(stderr, "xenvgpu: interrupted\n");
		ret = -EINTR;
	}
	if (ret) {
		xenvgpu_devices_remove(xv, devs, n);
	}
	return ret;
}

static int find_new_domain(struct xenvgpu *xv, const char *name,
			   uint32_t *domid)
{
	const char *args[] = { "destroy", name, NULL };

	if (!libxl_name_to_domid(xv->ctx, name, domid)) {
		return 0;
	}
	fprintf(stderr, "xenvgpu: xl create succeeded but domain %s cannot "
		"be found; destroying it\n", name);
	xenvgpu_xl(xv, args);
	return -ENOENT;
}

static void print_timing(const struct vgpu_config *cfg, uint32_t domid,
			 double parse_ms, uint64_t nodes_ns, uint64_t wait_ns,
			 double unpause_ms)
{
	fprintf(stderr, "xenvgpu: domain %s (id %u): %zu vgpu device%s; "
		"xenvgpu took %.1f ms (parse+checks %.1f, nodes %.1f, "
		"InitWait %.1f, unpause %.1f), xl create excluded\n",
		cfg->name, domid, cfg->count, cfg->count == 1 ? "" : "s",
		parse_ms + (double)(nodes_ns + wait_ns) / 1e6 + unpause_ms,
		parse_ms, (double)nodes_ns / 1e6, (double)wait_ns / 1e6,
		unpause_ms);
}

/* xl create -p, devices, then unpause; xl destroy if anything fails. */
static int start(struct xenvgpu *xv, const struct create_args *a,
		 const struct vgpu_config *cfg, struct vgpu_dev *devs,
		 double parse_ms)
{
	uint64_t nodes_ns = 0, wait_ns = 0, t0;
	uint32_t domid;
	size_t i;
	int ret;

	xenvgpu_guard(xv);
	ret = xenvgpu_xl(xv, a->xl_args);
	if (ret) {
		fprintf(stderr, "xenvgpu: xl create failed (exit status %d); "
			"no vgpu device was set up\n", ret);
		return ret < 0 ? ret : -EIO;
	}
	ret = find_new_domain(xv, cfg->name, &domid);
	if (ret) {
		return ret;
	}
	if (xenvgpu_interrupted()) {
		fprintf(stderr, "xenvgpu: interrupted\n");
		ret = -EINTR;
		goto fail_destroy;
	}
	for (i = 0; i < cfg->count; i++) {
		devs[i].domid = domid;
	}
	ret = setup_devices(xv, devs, cfg->count, &nodes_ns, &wait_ns);
	if (ret) {
		goto fail_destroy;
	}
	t0 = vgpu_now_ns();
	if (!a->paused && xl_domid(xv, "unpause", domid)) {
		fprintf(stderr, "xenvgpu: xl unpause %u failed\n", domid);
		ret = -EIO;
		goto fail_remove;
	}
	if (xv->verbose) {
		print_timing(cfg, domid, parse_ms, nodes_ns, wait_ns,
			     xenvgpu_ms_since(t0));
	}
	return 0;

fail_remove:
	xenvgpu_devices_remove(xv, devs, cfg->count);
fail_destroy:
	fprintf(stderr, "xenvgpu: destroying domain %s (id %u) so that "
		"nothing is left half-created\n", cfg->name, domid);
	xl_domid(xv, "destroy", domid);
	return ret;
}

static int cmd_create(struct xenvgpu *xv, int argc, char **argv)
{
	struct vgpu_dev devs[VGPU_DEVS_MAX];
	struct vgpu_config *cfg;
	struct create_args a;
	uint64_t t0 = vgpu_now_ns();
	int ret;

	ret = parse_create(&a, argc, argv, &xv->verbose);
	if (ret) {
		return ret;
	}
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		return -ENOMEM;
	}
	ret = vgpu_config_read(a.cfg, a.extra, a.nextra, cfg);
	if (ret) {
		goto out;
	}
	if (a.dry_run) {
		print_plan(cfg);
		goto out;
	}
	ret = open_xen(xv);
	if (!ret) {
		ret = resolve(xv, cfg, devs);
	}
	if (!ret) {
		ret = start(xv, &a, cfg, devs, xenvgpu_ms_since(t0));
	}
out:
	free(cfg);
	return ret;
}

static int cmd_attach(struct xenvgpu *xv, int argc, char **argv)
{
	struct vgpu_dev dev = { 0 };
	char err[512];
	int ret;

	if (argc != 3) {
		fprintf(stderr, "Usage: xenvgpu attach DOMAIN SPEC\n");
		return -EINVAL;
	}
	if (vgpu_spec_parse(argv[2], &dev.spec, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -EINVAL;
	}
	ret = open_xen(xv);
	if (!ret) {
		ret = xenvgpu_domid(xv, argv[1], &dev.domid);
	}
	if (!ret) {
		ret = xenvgpu_backend(xv, &dev);
	}
	if (!ret) {
		ret = xenvgpu_devices_add(xv, &dev, 1, true);
	}
	if (ret) {
		return ret;
	}
	ret = xenvgpu_devices_wait(xv, &dev, 1, XENVGPU_TIMEOUT_MS);
	if (ret) {
		xenvgpu_devices_remove(xv, &dev, 1);
		return ret;
	}
	if (xv->verbose) {
		fprintf(stderr, "xenvgpu: domain %u: vgpu device %u attached "
			"(backend domain %u)\n", dev.domid, dev.devid,
			dev.backend_id);
	}
	return 0;
}

static int cmd_detach(struct xenvgpu *xv, int argc, char **argv)
{
	uint32_t domid, devid;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "Usage: xenvgpu detach DOMAIN DEVID\n");
		return -EINVAL;
	}
	if (vgpu_parse_u32(argv[2], 0, INT32_MAX, &devid)) {
		fprintf(stderr, "xenvgpu: invalid DEVID \"%s\": expected a "
			"device index as shown by xenvgpu list\n", argv[2]);
		return -EINVAL;
	}
	ret = open_xen(xv);
	if (!ret) {
		ret = xenvgpu_domid(xv, argv[1], &domid);
	}
	return ret ? ret : xenvgpu_device_detach(xv, domid, devid);
}

static int cmd_list(struct xenvgpu *xv, int argc, char **argv)
{
	int ret = open_xen(xv);

	return ret ? ret : xenvgpu_list(xv, argc, argv);
}

static int cmd_check(struct xenvgpu *xv, int argc, char **argv)
{
	int ret = open_xen(xv);

	return ret ? ret : xenvgpu_check(xv, argc, argv);
}

static const struct {
	const char *name;
	int (*run)(struct xenvgpu *xv, int argc, char **argv);
} commands[] = {
	{ "create", cmd_create },
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "list", cmd_list },
	{ "check", cmd_check },
	{ "sched", xenvgpu_sched },
	{ "top", xenvgpu_top },
	{ "screenshot", xenvgpu_screenshot },
	{ "resize", xenvgpu_resize },
};

static int dispatch(struct xenvgpu *xv, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < VGPU_ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[0], commands[i].name)) {
			return commands[i].run(xv, argc, argv);
		}
	}
	fprintf(stderr, "xenvgpu: unknown command \"%s\"\n", argv[0]);
	usage(stderr);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct xenvgpu xv = { 0 };
	int i = 1, ret;

	vgpu_log_init("xenvgpu", false);
	sigprocmask(SIG_BLOCK, NULL, &xv.old_mask);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			xv.verbose = true;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 1;
		}
	}
	if (i == argc || !strcmp(argv[i], "help")) {
		usage(i == argc ? stderr : stdout);
		return i == argc ? 1 : 0;
	}
	ret = dispatch(&xv, argc - i, argv + i);
	xenvgpu_close(&xv);
	return ret ? 1 : 0;
}
