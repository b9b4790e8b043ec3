/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xenstore schema (xenstore-schema/vgpu.schema) and the checker that
 * validates one device directory against it. The core is pure: it reads
 * schema text and a list of (node, value) pairs, so tests can feed it
 * synthetic trees; check.c reads the live tree from xenstore.
 */
#ifndef XENVGPU_SCHEMA_H
#define XENVGPU_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum vgpu_side {
	VGPU_SIDE_FRONT,
	VGPU_SIDE_BACK,
};

enum vgpu_node_type {
	VGPU_TYPE_PATH,
	VGPU_TYPE_DOMID,
	VGPU_TYPE_STATE,
	VGPU_TYPE_U32,
	VGPU_TYPE_U32LIST,
	VGPU_TYPE_BOOL,
	VGPU_TYPE_STRING,
};

enum vgpu_presence {
	VGPU_PRESENT_ALWAYS,
	VGPU_PRESENT_CONNECT,
	VGPU_PRESENT_OPTIONAL,
};

struct vgpu_schema_row {
	enum vgpu_side side;
	char node[48];
	enum vgpu_node_type type;
	int has_range;
	uint32_t min, max;
	enum vgpu_presence presence;
	char writer[16];
};

struct vgpu_schema {
	size_t count;
	struct vgpu_schema_row row[64];
};

/* One xenstore node of a device directory, as read. */
struct vgpu_node {
	const char *name;
	const char *value;
};

/*
 * Reports one violation: side, node name and a sentence saying what is
 * wrong. opaque is the checker's caller's.
 */
typedef void vgpu_violation_fn(void *opaque, enum vgpu_side side,
			       const char *node, const char *why);

/*
 * Parses schema text. Returns 0, or -EINVAL with "line N: reason" in err.
 */
int vgpu_schema_parse(const char *text, struct vgpu_schema *schema,
		      char *err, size_t errlen);

/*
 * Loads the schema from path, or when path is NULL from the first that
 * exists of $VGPU_SCHEMA, the installed copy and the source tree's copy.
 * Returns 0 or negative errno with the reason in err.
 */
int vgpu_schema_load(const char *path, struct vgpu_schema *schema,
		     char *err, size_t errlen);

/* Where vgpu_schema_load(NULL, ...) would read from (NULL if nowhere). */
const char *vgpu_schema_default_path(void);

/* The source tree's copy, for tests. */
extern const char vgpu_schema_src_path[];

/*
 * Checks one side's directory: every node must be in the schema for that
 * side, parse as its type and lie in its range; every "always" node must
 * be present, and every "connect" node too once the directory's state is
 * at least Initialised (front) or InitWait (back). Returns the number of
 * violations, each also passed to report (which may be NULL).
 */
int vgpu_schema_check(const struct vgpu_schema *schema, enum vgpu_side side,
		      const struct vgpu_node *nodes, size_t count,
		      vgpu_violation_fn *report, void *opaque);

const char *vgpu_side_name(enum vgpu_side side);

#endif /* XENVGPU_SCHEMA_H */
