/* SPDX-License-Identifier: GPL-2.0 */
/* The xenstore schema: parsing vgpu.schema, checking a device's nodes. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schema.h"
#include "vgpu_util.h"

#ifndef VGPU_SCHEMA_INSTALLED
#define VGPU_SCHEMA_INSTALLED "/usr/local/share/xen-vgpu/vgpu.schema"
#endif
#ifndef VGPU_SCHEMA_SRC
#define VGPU_SCHEMA_SRC "xenstore-schema/vgpu.schema"
#endif

#define SCHEMA_MAX_BYTES (64 * 1024)

const char vgpu_schema_src_path[] = VGPU_SCHEMA_SRC;

static const char *const type_names[] = {
	[VGPU_TYPE_PATH] = "path",       [VGPU_TYPE_DOMID] = "domid",
	[VGPU_TYPE_STATE] = "state",     [VGPU_TYPE_U32] = "u32",
	[VGPU_TYPE_U32LIST] = "u32list", [VGPU_TYPE_BOOL] = "bool",
	[VGPU_TYPE_STRING] = "string",
};

static const char *const presence_names[] = {
	[VGPU_PRESENT_ALWAYS] = "always",
	[VGPU_PRESENT_CONNECT] = "connect",
	[VGPU_PRESENT_OPTIONAL] = "optional",
};

const char *vgpu_side_name(enum vgpu_side side)
{
	return side == VGPU_SIDE_FRONT ? "front" : "back";
}

static int lookup(const char *const *names, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], word)) {
			return (int)i;
		}
	}
	return -1;
}

static int parse_range(const char *word, struct vgpu_schema_row *row)
{
	char min[16], max[16];
	const char *dots;

	if (!strcmp(word, "-")) {
		row->has_range = 0;
		return 0;
	}
	dots = strstr(word, "..");
	if (!dots || dots - word >= (long)sizeof(min) ||
	    strlen(dots + 2) >= sizeof(max)) {
		return -EINVAL;
	}
	snprintf(min, sizeof(min), "%.*s", (int)(dots - word), word);
	snprintf(max, sizeof(max), "%s", dots + 2);
	if (vgpu_parse_u32(min, 0, UINT32_MAX, &row->min) ||
	    vgpu_parse_u32(max, row->min, UINT32_MAX, &row->max)) {
		return -EINVAL;
	}
	row->has_range = 1;
	return 0;
}

/* Fills row from the six words of one line; returns a reason or NULL. */
static const char *parse_row(char **w, struct vgpu_schema_row *row)
{
	int v;

	if (!strcmp(w[0], "front") || !strcmp(w[0], "back")) {
		row->side = w[0][0] == 'f' ? VGPU_SIDE_FRONT : VGPU_SIDE_BACK;
	} else {
		return "side is neither front nor back";
	}
	if (strlen(w[1]) >= sizeof(row->node)) {
		return "node name too long";
	}
	snprintf(row->node, sizeof(row->node), "%s", w[1]);
	v = lookup(type_names, VGPU_ARRAY_SIZE(type_names), w[2]);
	if (v < 0) {
		return "unknown type";
	}
	row->type = (enum vgpu_node_type)v;
	if (parse_range(w[3], row)) {
		return "range is neither - nor MIN..MAX";
	}
	v = lookup(presence_names, VGPU_ARRAY_SIZE(presence_names), w[4]);
	if (v < 0) {
		return "unknown presence";
	}
	row->presence = (enum vgpu_presence)v;
	snprintf(row->writer, sizeof(row->writer), "%s", w[5]);
	return NULL;
}

/* Splits line into at most max words; returns how many there were. */
static int split(char *line, char **words, int max)
{
	char *save = NULL, *word;
	int n = 0;

	for (word = strtok_r(line, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save)) {
		if (n < max) {
			words[n] = word;
		}
		n++;
	}
	return n;
}

static int parse_line(char *line, struct vgpu_schema *schema,
		      const char **why)
{
	char *words[6];
	char *hash = strchr(line, '#');
	int n;

	if (hash) {
		*hash = '\0';
	}
	n = split(line, words, 6);
	if (n == 0) {
		return 0;
	}
	if (n != 6) {
		*why = "expected 6 columns: side node type range presence writer";
		return -EINVAL;
	}
	if (schema->count == VGPU_ARRAY_SIZE(schema->row)) {
		*why = "too many rows";
		return -EINVAL;
	}
	*why = parse_row(words, &schema->row[schema->count]);
	if (*why) {
		return -EINVAL;
	}
	schema->count++;
	return 0;
}

int vgpu_schema_parse(const char *text, struct vgpu_schema *schema,
		      char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *next;
	const char *why = NULL;
	int lineno = 0, ret = 0;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memset(schema, 0, sizeof(*schema));
	for (line = copy; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next) {
			*next++ = '\0';
		}
		lineno++;
		ret = parse_line(line, schema, &why);
	}
	if (ret) {
		snprintf(err, errlen, "line %d: %s", lineno, why);
	}
	free(copy);
	return ret;
}

const char *vgpu_schema_default_path(void)
{
	const char *env = getenv("VGPU_SCHEMA");

	if (env && *env) {
		return env;
	}
	if (!access(VGPU_SCHEMA_INSTALLED, R_OK)) {
		return VGPU_SCHEMA_INSTALLED;
	}
	if (!access(VGPU_SCHEMA_SRC, R_OK)) {
		return VGPU_SCHEMA_SRC;
	}
	return NULL;
}

static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t got;
	int ret = 0;

	if (!f) {
		return -errno;
	}
	got = fread(buf, 1, len - 1, f);
	if (ferror(f)) {
		ret = -EIO;
	} else if (!feof(f)) {
		ret = -EFBIG;
	}
	buf[got] = '\0';
	fclose(f);
	return ret;
}

int vgpu_schema_load(const char *path, struct vgpu_schema *schema,
		     char *err, size_t errlen)
{
	char *text;
	char why[128];
	int ret;

	if (!path) {
		path = vgpu_schema_default_path();
	}
	if (!path) {
		snprintf(err, errlen, "cannot find vgpu.schema in %s or %s; "
			 "set VGPU_SCHEMA to its path", VGPU_SCHEMA_INSTALLED,
			 VGPU_SCHEMA_SRC);
		return -ENOENT;
	}
	text = malloc(SCHEMA_MAX_BYTES);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = read_text(path, text, SCHEMA_MAX_BYTES);
	if (ret) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(-ret));
		goto out;
	}
	ret = vgpu_schema_parse(text, schema, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, why);
	}
out:
	free(text);
	return ret;
}

/* ---- checking a directory against the schema ---- */

struct check {
	const struct vgpu_schema *schema;
	enum vgpu_side side;
	vgpu_violation_fn *report;
	void *opaque;
	int violations;
};

static void violation(struct check *c, const char *node, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));

static void violation(struct check *c, const char *node, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	c->violations++;
	if (c->report) {
		c->report(c->opaque, c->side, node, why);
	}
}

static bool valid_path(const char *s)
{
	const char *p;

	if (s[0] != '/' || !s[1] || s[strlen(s) - 1] == '/' ||
	    strstr(s, "//")) {
		return false;
	}
	for (p = s; *p; p++) {
		if (!isgraph((unsigned char)*p)) {
			return false;
		}
	}
	return true;
}

/* A space-separated list of numbers in [min, max]: -EINVAL or -ERANGE. */
static int parse_list(const char *s, uint32_t min, uint32_t max)
{
	char word[16];
	const char *p = s, *end;
	uint32_t v;
	int ret;

	do {
		end = p + strcspn(p, " ");
		if (end == p || end - p >= (long)sizeof(word)) {
			return -EINVAL;
		}
		snprintf(word, sizeof(word), "%.*s", (int)(end - p), p);
		ret = vgpu_parse_u32(word, min, max, &v);
		if (ret) {
			return ret;
		}
		p = *end ? end + 1 : end;
	} while (*end);
	return 0;
}

static void check_value(struct check *c, const struct vgpu_schema_row *row,
			const char *value)
{
	uint32_t min = row->has_range ? row->min : 0;
	uint32_t max = row->has_range ? row->max : UINT32_MAX;
	uint32_t v;
	int ret;

	switch (row->type) {
	case VGPU_TYPE_STRING:
		return;
	case VGPU_TYPE_PATH:
		if (!valid_path(value)) {
			violation(c, row->node, "\"%s\" is not an absolute "
				  "xenstore path", value);
		}
		return;
	case VGPU_TYPE_U32LIST:
		ret = parse_list(value, min, max);
		break;
	default:
		ret = vgpu_parse_u32(value, min, max, &v);
		break;
	}
	if (ret == -ERANGE) {
		violation(c, row->node, "%s \"%s\" out of range %u..%u",
			  type_names[row->type], value, min, max);
	} else if (ret) {
		violation(c, row->node, "\"%s\" is not a %s%s", value,
			  type_names[row->type],
			  row->type == VGPU_TYPE_U32LIST
				  ? " (decimal numbers, one space apart)"
				  : " (decimal digits only)");
	}
}

static const struct vgpu_schema_row *find_row(const struct check *c,
					      const char *name)
{
	size_t i;

	for (i = 0; i < c->schema->count; i++) {
		const struct vgpu_schema_row *row = &c->schema->row[i];

		if (row->side == c->side && !strcmp(row->node, name)) {
			return row;
		}
	}
	return NULL;
}

static const char *find_value(const struct vgpu_node *nodes, size_t count,
			      const char *name)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (!strcmp(nodes[i].name, name)) {
			return nodes[i].value;
		}
	}
	return NULL;
}

/* Whether "connect" nodes must be there: the side's state has passed
 * Initialising (front: >= Initialised 3) or reached InitWait (back: 2). */
static bool connect_due(const struct check *c, const struct vgpu_node *nodes,
			size_t count)
{
	const char *value = find_value(nodes, count, "state");
	uint32_t state;

	if (!value || vgpu_parse_u32(value, 0, 8, &state)) {
		return false;
	}
	return state >= (c->side == VGPU_SIDE_FRONT ? 3u : 2u);
}

static void check_presence(struct check *c, const struct vgpu_node *nodes,
			   size_t count)
{
	bool connect = connect_due(c, nodes, count);
	size_t i;

	for (i = 0; i < c->schema->count; i++) {
		const struct vgpu_schema_row *row = &c->schema->row[i];

		if (row->side != c->side ||
		    row->presence == VGPU_PRESENT_OPTIONAL ||
		    find_value(nodes, count, row->node)) {
			continue;
		}
		if (row->presence == VGPU_PRESENT_ALWAYS) {
			violation(c, row->node, "missing (written by the %s "
				  "when the device is created)", row->writer);
		} else if (connect) {
			violation(c, row->node, "missing (the %s writes it "
				  "together with state %s)", row->writer,
				  c->side == VGPU_SIDE_FRONT ? "Initialised"
							     : "InitWait");
		}
	}
}

int vgpu_schema_check(const struct vgpu_schema *schema, enum vgpu_side side,
		      const struct vgpu_node *nodes, size_t count,
		      vgpu_violation_fn *report, void *opaque)
{
	struct check c = {
		.schema = schema, .side = side,
		.report = report, .opaque = opaque,
	};
	const struct vgpu_schema_row *row;
	size_t i;

	for (i = 0; i < count; i++) {
		row = find_row(&c, nodes[i].name);
		if (!row) {
			violation(&c, nodes[i].name, "unknown node (not in "
				  "vgpu.schema for the %s directory)",
				  side == VGPU_SIDE_FRONT ? "frontend"
							  : "backend");
			continue;
		}
		check_value(&c, row, nodes[i].value);
	}
	check_presence(&c, nodes, count);
	return c.violations;
}
