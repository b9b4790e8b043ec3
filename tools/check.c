/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenvgpu check: reads the live frontend and backend directories of a
 * domain's vgpu devices and hands them to the schema checker (schema.c),
 * plus the links between the two ends that only the pair can show.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "xenvgpu.h"

struct report {
	uint32_t domid, devid;
	const char *front, *back;
};

static void print_violation(void *opaque, enum vgpu_side side,
			    const char *node, const char *why)
{
	const struct report *r = opaque;

	printf(VGPU_DEV_FMT "%s/%s: %s\n", r->domid, r->devid,
	       side == VGPU_SIDE_FRONT ? r->front : r->back, node, why);
}

/* The nodes that name the other end must name this very device. */
static int check_links(const struct report *r, uint32_t backend,
		       const struct vgpu_nodeset *fe,
		       const struct vgpu_nodeset *be)
{
	const char *v;
	char want[16];
	int bad = 0;

	snprintf(want, sizeof(want), "%u", backend);
	v = vgpu_nodeset_get(fe, "backend");
	if (v && strcmp(v, r->back)) {
		print_violation((void *)r, VGPU_SIDE_FRONT, "backend",
				"does not name the backend directory");
		bad++;
	}
	v = vgpu_nodeset_get(fe, "backend-id");
	if (v && strcmp(v, want)) {
		print_violation((void *)r, VGPU_SIDE_FRONT, "backend-id",
				"is not the domain the backend directory is in");
		bad++;
	}
	v = vgpu_nodeset_get(be, "frontend");
	if (v && strcmp(v, r->front)) {
		print_violation((void *)r, VGPU_SIDE_BACK, "frontend",
				"does not name the frontend directory");
		bad++;
	}
	snprintf(want, sizeof(want), "%u", r->domid);
	v = vgpu_nodeset_get(be, "frontend-id");
	if (v && strcmp(v, want)) {
		print_violation((void *)r, VGPU_SIDE_BACK, "frontend-id",
				"is not the guest's domain id");
		bad++;
	}
	return bad;
}

static int check_side(const struct vgpu_schema *schema, struct report *r,
		      enum vgpu_side side, const struct vgpu_nodeset *set,
		      int found)
{
	if (found) {
		print_violation(r, side, "", found == -ENOENT
			? "directory missing" : "too many nodes to check");
		return 1;
	}
	return vgpu_schema_check(schema, side, set->node, set->count,
				 print_violation, r);
}

/* Checks one device; returns the number of violations. */
static int check_device(struct xenvgpu *xv, const struct vgpu_schema *schema,
			uint32_t domid, uint32_t devid)
{
	char front[VGPU_PATH_MAX], back[VGPU_PATH_MAX];
	struct report r = { domid, devid, front, back };
	struct vgpu_nodeset *fe, *be;
	uint32_t backend = 0;
	int bad = 0, ret;

	fe = calloc(2, sizeof(*fe));
	if (!fe) {
		return 1;
	}
	be = fe + 1;
	vgpu_front_path(front, sizeof(front), domid, devid);
	if (xenvgpu_device_backend(xv, domid, devid, &backend)) {
		snprintf(back, sizeof(back), "(no backend directory found "
			 "for this device in any domain)");
		print_violation(&r, VGPU_SIDE_BACK, "", "directory missing");
		bad++;
	} else {
		vgpu_back_path(back, sizeof(back), backend, domid, devid);
		ret = xenvgpu_read_dir(xv, back, be);
		bad += check_side(schema, &r, VGPU_SIDE_BACK, be, ret);
	}
	ret = xenvgpu_read_dir(xv, front, fe);
	bad += check_side(schema, &r, VGPU_SIDE_FRONT, fe, ret);
	if (be->count) {
		bad += check_links(&r, backend, fe, be);
	}
	free(fe);
	return bad;
}

static int parse_args(struct xenvgpu *xv, int argc, char **argv,
		      uint32_t *domid, long *devid)
{
	uint32_t id;

	*devid = -1;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "Usage: xenvgpu check DOMAIN [DEVID]\n");
		return -EINVAL;
	}
	if (xenvgpu_domid(xv, argv[1], domid)) {
		return -ENOENT;
	}
	if (argc == 3) {
		if (vgpu_parse_u32(argv[2], 0, INT32_MAX, &id)) {
			fprintf(stderr, "xenvgpu: invalid DEVID \"%s\": "
				"expected a device index as shown by "
				"xenvgpu list\n", argv[2]);
			return -EINVAL;
		}
		*devid = id;
	}
	return 0;
}

/* dom0's daemon refused the domain's vgpu= line: one violation. */
static int check_config_error(struct xenvgpu *xv, uint32_t domid)
{
	char dir[VGPU_PATH_MAX], error[512];

	vgpu_back_path(dir, sizeof(dir), 0, domid, -1);
	if (vgpu_xs_read(xv->xs, dir, "config-error", error, sizeof(error))) {
		return 0;
	}
	printf("vgpu-backend added no device to domain %u: %s\n", domid,
	       error);
	return 1;
}

static int check_all(struct xenvgpu *xv, const struct vgpu_schema *schema,
		     uint32_t domid, long devid)
{
	uint32_t ids[256];
	int i, n, bad;

	if (devid >= 0) {
		return check_device(xv, schema, domid, (uint32_t)devid);
	}
	bad = check_config_error(xv, domid);
	/* Devices under the frontend dir and dom0's backend dir. */
	n = xenvgpu_device_ids(xv, domid, 0, ids, (int)VGPU_ARRAY_SIZE(ids));
	if (n == 0) {
		printf("domain %u has no vgpu device\n", domid);
	}
	for (i = 0; i < n; i++) {
		bad += check_device(xv, schema, domid, ids[i]);
	}
	return bad;
}

int xenvgpu_check(struct xenvgpu *xv, int argc, char **argv)
{
	struct vgpu_schema *schema;
	char err[512];
	uint32_t domid;
	long devid;
	int bad, ret;

	ret = parse_args(xv, argc, argv, &domid, &devid);
	if (ret) {
		return ret;
	}
	schema = malloc(sizeof(*schema));
	if (!schema) {
		return -ENOMEM;
	}
	ret = vgpu_schema_load(NULL, schema, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "xenvgpu: %s\n", err);
		goto out;
	}
	bad = check_all(xv, schema, domid, devid);
	if (bad) {
		printf("%d violation%s of %s\n", bad, bad == 1 ? "" : "s",
		       vgpu_schema_default_path());
		ret = -EPROTO;
	}
out:
	free(schema);
	return ret;
}
