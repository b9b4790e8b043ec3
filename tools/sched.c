/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenvgpu sched: a device's GPU weight and cap, changed live. On Xen they
 * go to the device's backend nodes, which the backend daemon watches and
 * hands to its scheduler; with --table=PATH (a loopback backend's table,
 * where there is no xenstore) they go straight into the table. Also the
 * snapshot of the scheduler's table that top and list read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "xenvgpu.h"

#define SCHED_USAGE "Usage: xenvgpu sched [--table=PATH] DOMAIN [DEVID] " \
		    "[weight=1..65535] [cap=0..100]\n"

struct sched_args {
	const char *table;      /* NULL: Xen */
	const char *domain;
	long devid;             /* -1: every device of the domain */
	long weight, cap;       /* -1: leave as it is */
};

int xenvgpu_sched_snapshot(const char *path, struct xenvgpu_snapshot *snap)
{
	struct vgpu_sched *s = vgpu_sched_open(path ? path : VGPU_SCHED_PATH);
	ssize_t n;

	memset(snap, 0, sizeof(*snap));
	if (!s) {
		return -errno;
	}
	vgpu_sched_get_config(s, &snap->cfg);
	n = vgpu_sched_stats(s, snap->stat, VGPU_ARRAY_SIZE(snap->stat));
	vgpu_sched_close(s);
	if (n < 0) {
		return (int)n;
	}
	snap->count = (size_t)n < VGPU_ARRAY_SIZE(snap->stat) ?
		      (size_t)n : VGPU_ARRAY_SIZE(snap->stat);
	snap->taken_ns = vgpu_now_ns();
	return 0;
}

const char *xenvgpu_sched_why(int err)
{
	switch (err) {
	case -ENOENT:
		return "no scheduler table: is vgpu-backend running (without "
		       "--no-sched)?";
	case -ESRCH:
		return "the backend that made the scheduler table is gone";
	case -EPROTO:
		return "not a scheduler table of this version";
	case -EBUSY:
		return "a backend worker keeps the scheduler table locked (the "
		       "backend's watchdog resets it within its timeout): try "
		       "again";
	default:
		return strerror(-err);
	}
}

/* weight=N or cap=N, checked against its range. */
static int parse_setting(const char *arg, struct sched_args *a)
{
	const char *eq = strchr(arg, '=');
	uint32_t v;

	if (!strncmp(arg, "weight=", 7)) {
		if (vgpu_parse_u32(eq + 1, VGPU_SCHED_WEIGHT_MIN,
				   VGPU_SCHED_WEIGHT_MAX, &v)) {
			fprintf(stderr, "xenvgpu sched: %s: the weight is a "
				"number from %u to %u (default %u)\n", arg,
				VGPU_SCHED_WEIGHT_MIN, VGPU_SCHED_WEIGHT_MAX,
				VGPU_SCHED_WEIGHT_DEF);
			return -ERANGE;
		}
		a->weight = v;
	} else if (!strncmp(arg, "cap=", 4)) {
		if (vgpu_parse_u32(eq + 1, 0, VGPU_SCHED_CAP_MAX, &v)) {
			fprintf(stderr, "xenvgpu sched: %s: the cap is a "
				"percentage from 0 to %u, 0 meaning uncapped\n",
				arg, VGPU_SCHED_CAP_MAX);
			return -ERANGE;
		}
		a->cap = v;
	} else {
		fprintf(stderr, "xenvgpu sched: unknown setting %s (weight= "
			"or cap=)\n" SCHED_USAGE, arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_sched(int argc, char **argv, struct sched_args *a)
{
	static const struct option opts[] = {
		{ "table", required_argument, NULL, 't' },
		{ 0 },
	};
	uint32_t devid;
	int opt, i, ret;

	*a = (struct sched_args){ .devid = -1, .weight = -1, .cap = -1 };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (opt != 't') {
			fprintf(stderr, SCHED_USAGE);
			return -EINVAL;
		}
		a->table = optarg;
	}
	for (i = optind; i < argc; i++) {
		if (strchr(argv[i], '=')) {
			ret = parse_setting(argv[i], a);
		} else if (!a->domain) {
			a->domain = argv[i];
			ret = 0;
		} else if (a->devid < 0 &&
			   !vgpu_parse_u32(argv[i], 0, INT32_MAX, &devid)) {
			a->devid = devid;
			ret = 0;
		} else {
			fprintf(stderr, SCHED_USAGE);
			ret = -EINVAL;
		}
		if (ret) {
			return ret;
		}
	}
	if (!a->domain) {
		fprintf(stderr, SCHED_USAGE);
		return -EINVAL;
	}
	return 0;
}

/* Loopback: the domain is the number the frontend said it was. */
static int set_in_table(const struct sched_args *a,
			const struct vgpu_sched_stat *now, uint32_t domid)
{
	struct vgpu_sched *s;
	int ret;

	s = vgpu_sched_open(a->table);
	if (!s) {
		fprintf(stderr, "xenvgpu sched: %s: %s\n", a->table,
			xenvgpu_sched_why(-errno));
		return -errno;
	}
	ret = vgpu_sched_configure(s, domid, a->devid < 0 ? 0 : a->devid,
				   a->weight < 0 ? now->weight : a->weight,
				   a->cap < 0 ? now->cap : a->cap);
	vgpu_sched_close(s);
	if (ret) {
		fprintf(stderr, "xenvgpu sched: %s\n", xenvgpu_sched_why(ret));
	}
	return ret;
}

static int set_in_xenstore(struct xenvgpu *xv, const struct sched_args *a,
			   uint32_t domid, uint32_t devid)
{
	char dir[VGPU_PATH_MAX], nodes[64] = "";
	uint32_t backend;
	int ret;

	ret = xenvgpu_device_backend(xv, domid, devid, &backend);
	if (ret) {
		fprintf(stderr, "xenvgpu sched: domain %u has no vgpu device "
			"%u (see xenvgpu list)\n", domid, devid);
		return ret;
	}
	vgpu_back_path(dir, sizeof(dir), backend, domid, devid);
	if (a->weight >= 0) {
		vgpu_kv_add(nodes, sizeof(nodes), "weight", "%ld", a->weight);
	}
	if (a->cap >= 0) {
		vgpu_kv_add(nodes, sizeof(nodes), "cap", "%ld", a->cap);
	}
	ret = vgpu_xs_write_nodes(xv->xs, dir, nodes, XenbusStateUnknown);
	if (ret) {
		fprintf(stderr, "xenvgpu sched: cannot write %s: %s\n", dir,
			strerror(-ret));
	}
	return ret;
}

static int resolve_xen(struct xenvgpu *xv, const char *domain,
		       uint32_t *domid)
{
	int ret = xenvgpu_open_xs(xv);

	if (!ret) {
		ret = xenvgpu_open_libxl(xv);
	}
	return ret ? ret : xenvgpu_domid(xv, domain, domid);
}

static int set_xen(struct xenvgpu *xv, const struct sched_args *a,
		   uint32_t domid)
{
	uint32_t ids[64];
	int i, n, ret = 0;

	if (a->devid >= 0) {
		return set_in_xenstore(xv, a, domid, (uint32_t)a->devid);
	}
	n = xenvgpu_device_ids(xv, domid, 0, ids, VGPU_ARRAY_SIZE(ids));
	if (n <= 0) {
		fprintf(stderr, "xenvgpu sched: domain %s has no vgpu device "
			"(see xenvgpu list)\n", a->domain);
		return n < 0 ? n : -ENOENT;
	}
	for (i = 0; i < n && !ret; i++) {
		ret = set_in_xenstore(xv, a, domid, ids[i]);
	}
	return ret;
}

static void print_settings(const struct xenvgpu_snapshot *snap,
			   uint32_t domid)
{
	size_t i;

	for (i = 0; i < snap->count; i++) {
		const struct vgpu_sched_stat *st = &snap->stat[i];

		if (st->domid == domid) {
			printf(VGPU_DEV_FMT "weight=%u cap=%u\n",
			       st->domid, st->devid, st->weight, st->cap);
		}
	}
}

int xenvgpu_sched(struct xenvgpu *xv, int argc, char **argv)
{
	struct vgpu_sched_stat cur = { .weight = VGPU_SCHED_WEIGHT_DEF };
	struct xenvgpu_snapshot *snap;
	struct sched_args a;
	uint32_t domid = 0;
	size_t i;
	int ret;

	ret = parse_sched(argc, argv, &a);
	if (ret) {
		return ret;
	}
	if (!a.table) {
		ret = resolve_xen(xv, a.domain, &domid);
	} else if (vgpu_parse_u32(a.domain, 1, VGPU_LB_MAX_DOMID, &domid)) {
		fprintf(stderr, "xenvgpu sched: with --table, DOMAIN is the "
			"number a loopback frontend gave (loopback@DOMID)\n");
		ret = -EINVAL;
	}
	if (ret) {
		return ret;
	}
	snap = malloc(sizeof(*snap));
	if (!snap) {
		return -ENOMEM;
	}
	xenvgpu_sched_snapshot(a.table, snap);
	for (i = 0; i < snap->count; i++) {
		if (snap->stat[i].domid == domid) {
			cur = snap->stat[i];
		}
	}
	if (a.weight < 0 && a.cap < 0) {
		print_settings(snap, domid);
	} else {
		ret = a.table ? set_in_table(&a, &cur, domid) :
				 set_xen(xv, &a, domid);
	}
	free(snap);
	return ret;
}
