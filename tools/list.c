/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenvgpu list: every vgpu device found in xenstore, from both ends
 * (frontend dirs of every domain, backend dirs of every backend domain),
 * as a table like xl's *-list commands or as a JSON array. A domain whose
 * vgpu= line the daemon refused (config-error) is listed with no device.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "xenvgpu.h"

#define LIST_MAX 4096
#define NO_DEVICE UINT32_MAX    /* a row for a domain's config error */

/* One device as listed. Numbers are -1 where the node is absent or bad. */
struct row {
	uint32_t domid, devid;
	long backend_id;
	long fe_state, be_state;
	long weight, cap, pages;
	int online;
	const struct vgpu_sched_stat *sched;    /* NULL: not scheduled */
	char name[64];
	char vnc[40];                   /* "ADDR:PORT"; "": no VNC display */
	char error[512];
};

struct rows {
	size_t count;
	struct row *row;
};

static const char *state_name(long state)
{
	static const char *const names[] = {
		"Unknown", "Initialising", "InitWait", "Initialised",
		"Connected", "Closing", "Closed", "Reconfiguring",
		"Reconfigured",
	};

	return state >= 0 && state < (long)VGPU_ARRAY_SIZE(names)
		       ? names[state] : "-";
}

static struct row *find_or_add(struct rows *rows, uint32_t domid,
			       uint32_t devid)
{
	size_t i;

	for (i = 0; i < rows->count; i++) {
		if (rows->row[i].domid == domid &&
		    rows->row[i].devid == devid) {
			return &rows->row[i];
		}
	}
	if (rows->count == LIST_MAX) {
		return NULL;
	}
	rows->row[rows->count] = (struct row){ .domid = domid, .devid = devid };
	return &rows->row[rows->count++];
}

static void collect_dir(struct xenvgpu *xv, struct rows *rows,
			uint32_t domid, const char *dir)
{
	unsigned int i, num = 0;
	char **names = xs_directory(xv->xs, XBT_NULL, dir, &num);
	uint32_t devid;

	for (i = 0; names && i < num; i++) {
		if (!vgpu_parse_u32(names[i], 0, INT32_MAX, &devid)) {
			find_or_add(rows, domid, devid);
		}
	}
	free(names);
}

/* Backend dirs under backend domain be: .../backend/vgpu/<domid>/<devid>. */
static void collect_backend(struct xenvgpu *xv, struct rows *rows,
			    uint32_t be, long want)
{
	char base[VGPU_PATH_MAX], dir[VGPU_PATH_MAX], path[8];
	unsigned int i, num = 0;
	char **names;
	uint32_t domid;

	vgpu_back_path(base, sizeof(base), be, -1, -1);
	names = xs_directory(xv->xs, XBT_NULL, base, &num);
	for (i = 0; names && i < num; i++) {
		if (vgpu_parse_u32(names[i], 0, VGPU_DOMID_MAX, &domid) ||
		    (want >= 0 && domid != (uint32_t)want)) {
			continue;
		}
		vgpu_back_path(dir, sizeof(dir), be, domid, -1);
		collect_dir(xv, rows, domid, dir);
		/* Only dom0's daemon writes it: xl's configs are dom0's. */
		if (vgpu_xs_read(xv->xs, dir, "config-error", path,
				 sizeof(path)) != -ENOENT) {
			find_or_add(rows, domid, NO_DEVICE);
		}
	}
	free(names);
}

/* Devices of domid (or every domain when want < 0), from both ends. */
static void collect(struct xenvgpu *xv, struct rows *rows, long want)
{
	uint32_t doms[1024];
	char dir[VGPU_PATH_MAX];
	int i, n;

	n = xenvgpu_domains(xv, doms, (int)VGPU_ARRAY_SIZE(doms));
	for (i = 0; i < n; i++) {
		if (want < 0 || doms[i] == (uint32_t)want) {
			vgpu_front_path(dir, sizeof(dir), doms[i], -1);
			collect_dir(xv, rows, doms[i], dir);
		}
		collect_backend(xv, rows, doms[i], want);
	}
}

static long read_num(struct xenvgpu *xv, const char *dir, const char *key,
		     uint32_t max)
{
	uint32_t v;

	if (vgpu_xs_read_u32(xv->xs, dir, key, 0, max, &v)) {
		return -1;
	}
	return v;
}

/* Where the worker's VNC display listens: its vnc-port, our vnclisten. */
static void fill_vnc(struct xenvgpu *xv, const char *back, struct row *r)
{
	char addr[16];
	uint32_t port;

	if (vgpu_xs_read_u32(xv->xs, back, "vnc-port", 1, 65535, &port)) {
		return;
	}
	if (vgpu_xs_read(xv->xs, back, "vnclisten", addr, sizeof(addr))) {
		snprintf(addr, sizeof(addr), "%s", VGPU_SPEC_VNCLISTEN_DEF);
	}
	snprintf(r->vnc, sizeof(r->vnc), "%s:%u", addr, port);
}

static void fill(struct xenvgpu *xv, struct row *r)
{
	char front[VGPU_PATH_MAX], back[VGPU_PATH_MAX], path[64];
	uint32_t backend;

	snprintf(path, sizeof(path), "/local/domain/%u", r->domid);
	if (vgpu_xs_read(xv->xs, path, "name", r->name, sizeof(r->name))) {
		snprintf(r->name, sizeof(r->name), "-");
	}
	r->fe_state = r->backend_id = r->be_state = -1;
	r->weight = r->cap = r->pages = -1;
	r->online = -1;
	if (r->devid == NO_DEVICE) {
		vgpu_back_path(back, sizeof(back), 0, r->domid, -1);
		vgpu_xs_read(xv->xs, back, "config-error", r->error,
			     sizeof(r->error));
		return;
	}
	vgpu_front_path(front, sizeof(front), r->domid, r->devid);
	r->fe_state = read_num(xv, front, "state", 8);
	if (xenvgpu_device_backend(xv, r->domid, r->devid, &backend)) {
		return;
	}
	r->backend_id = backend;
	vgpu_back_path(back, sizeof(back), backend, r->domid, r->devid);
	r->be_state = read_num(xv, back, "state", 8);
	r->weight = read_num(xv, back, "weight", UINT32_MAX);
	r->cap = read_num(xv, back, "cap", UINT32_MAX);
	r->pages = read_num(xv, back, "max-mapped-pages", UINT32_MAX);
	r->online = (int)read_num(xv, back, "online", 1);
	vgpu_xs_read(xv->xs, back, "error", r->error, sizeof(r->error));
	fill_vnc(xv, back, r);
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->domid != y->domid) {
		return x->domid < y->domid ? -1 : 1;
	}
	return x->devid < y->devid ? -1 : x->devid > y->devid;
}

static void print_num(long v, int width)
{
	if (v < 0) {
		printf("%-*s ", width, "-");
	} else {
		printf("%-*ld ", width, v);
	}
}

static void print_state(long state)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld:%s", state, state_name(state));
	printf("%-15s ", state < 0 ? "-" : buf);
}

/* The scheduler's entry of the row's device, if the table has one. */
static void find_sched(struct row *r, const struct xenvgpu_snapshot *snap)
{
	size_t i;

	for (i = 0; i < snap->count; i++) {
		if (snap->stat[i].domid == r->domid &&
		    snap->stat[i].devid == r->devid) {
			r->sched = &snap->stat[i];
		}
	}
}

static void print_table(const struct rows *rows)
{
	size_t i;

	printf("%-20s %-5s %-3s %-5s %-15s %-15s %-6s %-3s %-9s %-6s %-21s "
	       "%s\n", "Name", "Dom", "Idx", "BE", "FE-state", "BE-state",
	       "Weight", "Cap", "VRAM(MiB)", "Resets", "VNC", "Error");
	for (i = 0; i < rows->count; i++) {
		const struct row *r = &rows->row[i];

		printf("%-20s %-5u ", r->name, r->domid);
		print_num(r->devid == NO_DEVICE ? -1 : (long)r->devid, 3);
		print_num(r->backend_id, 5);
		print_state(r->fe_state);
		print_state(r->be_state);
		print_num(r->weight, 6);
		print_num(r->cap, 3);
		print_num(r->pages < 0 ? -1 : r->pages / 256, 9);
		print_num(r->sched ? (long)r->sched->resets : -1, 6);
		printf("%-21s ", r->vnc[0] ? r->vnc : "-");
		printf("%s\n", r->error[0] ? r->error : "-");
	}
}

static void json_string(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			printf("\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p);
		} else {
			putchar(*p);
		}
	}
	putchar('"');
}

/* "key": "text", or null when text is empty; key NULL: the value only. */
static void json_text(const char *key, const char *text)
{
	if (key) {
		printf("\"%s\": ", key);
	}
	if (text[0]) {
		json_string(text);
	} else {
		printf("null");
	}
}

static void json_num(const char *key, long v, bool last)
{
	printf("\"%s\": ", key);
	if (v < 0) {
		printf("null");
	} else {
		printf("%ld", v);
	}
	printf(last ? "" : ", ");
}

/* The scheduler's figures since the device's entry was made. */
static void json_sched(const struct vgpu_sched_stat *st)
{
	if (!st) {
		printf("\"gpu\": null, ");
		return;
	}
	printf("\"gpu\": {\"worker_pid\": %d, \"gpu_time_ms\": %.3f, "
	       "\"submissions\": %llu, \"grants\": %llu, "
	       "\"queue_wait_ms\": %.3f, \"resets\": %llu, "
	       "\"mapped_pages\": %llu}, ", (int)st->pid,
	       (double)st->gpu_ns / 1e6, (unsigned long long)st->submissions,
	       (unsigned long long)st->grants, (double)st->wait_ns / 1e6,
	       (unsigned long long)st->resets,
	       (unsigned long long)st->mapped_pages);
}

static void json_row(const struct row *r)
{
	printf("  {\"domid\": %u, \"name\": ", r->domid);
	json_string(r->name);
	printf(", ");
	json_num("devid", r->devid == NO_DEVICE ? -1 : (long)r->devid, false);
	json_num("backend_id", r->backend_id, false);
	json_num("frontend_state", r->fe_state, false);
	json_num("backend_state", r->be_state, false);
	printf("\"online\": %s, ", r->online < 0 ? "null"
			      : r->online ? "true" : "false");
	json_num("weight", r->weight, false);
	json_num("cap", r->cap, false);
	json_num("max_mapped_pages", r->pages, false);
	json_num("vram_mib", r->pages < 0 ? -1 : r->pages / 256, false);
	json_sched(r->sched);
	json_text("vnc", r->vnc);
	printf(", \"error\": ");
	json_text(NULL, r->error);
	printf("}");
}

static void print_json(const struct rows *rows)
{
	size_t i;

	printf("[");
	for (i = 0; i < rows->count; i++) {
		printf(i ? ",\n" : "\n");
		json_row(&rows->row[i]);
	}
	printf(rows->count ? "\n]\n" : "]\n");
}

static int parse_args(struct xenvgpu *xv, int argc, char **argv, bool *json,
		      long *want)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint32_t domid;
	int opt;

	*json = false;
	*want = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (opt != 'j') {
			fprintf(stderr, "Usage: xenvgpu list [DOMAIN] "
				"[--json]\n");
			return -EINVAL;
		}
		*json = true;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "Usage: xenvgpu list [DOMAIN] [--json]\n");
		return -EINVAL;
	}
	if (optind < argc) {
		if (xenvgpu_domid(xv, argv[optind], &domid)) {
			return -ENOENT;
		}
		*want = domid;
	}
	return 0;
}

int xenvgpu_list(struct xenvgpu *xv, int argc, char **argv)
{
	struct xenvgpu_snapshot *snap;
	struct rows rows = { 0 };
	bool json;
	long want;
	size_t i;
	int ret;

	ret = parse_args(xv, argc, argv, &json, &want);
	if (ret) {
		return ret;
	}
	rows.row = calloc(LIST_MAX, sizeof(*rows.row));
	snap = malloc(sizeof(*snap));
	if (!rows.row || !snap) {
		free(rows.row);
		free(snap);
		return -ENOMEM;
	}
	collect(xv, &rows, want);
	/* No table (no backend, or --no-sched) leaves the figures out. */
	if (xenvgpu_sched_snapshot(NULL, snap) == -EBUSY) {
		fprintf(stderr, "xenvgpu list: no scheduler figures: %s\n",
			xenvgpu_sched_why(-EBUSY));
	}
	for (i = 0; i < rows.count; i++) {
		fill(xv, &rows.row[i]);
		find_sched(&rows.row[i], snap);
	}
	qsort(rows.row, rows.count, sizeof(*rows.row), cmp_row);
	if (json) {
		print_json(&rows);
	} else {
		print_table(&rows);
	}
	free(rows.row);
	free(snap);
	return 0;
}
