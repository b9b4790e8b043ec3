/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz target: how node values from the other end are read. xenstore and
 * the loopback setup message carry the same "key=value" strings; the
 * backend and frontend read them with vgpu_kv_get and vgpu_parse_u32
 * (common/parse.c), and xenvgpu check validates whole directories with
 * the schema checker (tools/schema.c, its pure core).
 *
 * The first input byte picks the function (% 4), the rest feeds it:
 *   0  vgpu_parse_u32: min (u32), max (u32), then the value text. The
 *      result must agree with a plain reading of the digits.
 *   1  vgpu_kv_get: buffer length (1 + u8 % 64), the key up to a NUL,
 *      then the "key=value\n" text. The value must fit the buffer, hold
 *      no newline and come from a "key=" line of the text.
 *   2  vgpu_schema_parse of the text; a refusal names its line.
 *   3  vgpu_schema_check against xenstore-schema/vgpu.schema: side (bit
 *      0 of a byte), then "name=value" lines as the directory's nodes.
 *      The count returned must match the violations reported.
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz_common.h"
#include "schema.h"
#include "vgpu_util.h"

#define KV_BUF_MAX      64
#define NODES_MAX       64

enum mode {
	MODE_U32,
	MODE_KV,
	MODE_SCHEMA,
	MODE_CHECK,
};

static struct vgpu_schema real_schema;

/* The rest of the input as a string; a NUL in it ends the string. */
static char *rest_text(struct fuzz_in *in)
{
	size_t n = fuzz_left(in);
	char *s = malloc(n + 1);

	FUZZ_CHECK(s);
	fuzz_take(in, s, n);
	s[n] = '\0';
	return s;
}

static void fuzz_u32(struct fuzz_in *in)
{
	uint32_t min, max, out = 0;
	uint64_t value = 0;
	bool digits = true;
	char *s, *p;
	int ret;

	fuzz_take(in, &min, sizeof(min));
	fuzz_take(in, &max, sizeof(max));
	s = rest_text(in);
	ret = vgpu_parse_u32(s, min, max, &out);
	for (p = s; *p; p++) {
		digits = digits && *p >= '0' && *p <= '9';
		value = digits ? value * 10 + (uint64_t)(*p - '0') : value;
	}
	if (!*s || !digits || strlen(s) > 10) {
		FUZZ_CHECK(ret == -EINVAL);
	} else if (value < min || value > max) {
		FUZZ_CHECK(ret == -ERANGE);
	} else {
		FUZZ_CHECK(ret == 0 && out == value);
	}
	free(s);
}

/* Whether a line of text starts with want and ends right after it. */
static bool has_line(const char *text, const char *want)
{
	size_t n = strlen(want);
	const char *line;

	for (line = text; line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!strncmp(line, want, n) &&
		    (line[n] == '\n' || line[n] == '\0')) {
			return true;
		}
	}
	return false;
}

static void fuzz_kv(struct fuzz_in *in)
{
	size_t len = 1 + fuzz_u8(in) % KV_BUF_MAX;
	size_t n = fuzz_left(in);
	char *key, *text, *buf, *line;
	int ret;

	/* key, NUL, text: two NULs at the end make both strings. */
	key = calloc(1, n + 2);
	buf = malloc(len);
	FUZZ_CHECK(key && buf);
	fuzz_take(in, key, n);
	text = key + strlen(key) + 1;
	ret = vgpu_kv_get(text, key, buf, len);
	if (!ret) {
		FUZZ_CHECK(strlen(buf) < len && !strchr(buf, '\n'));
		line = malloc(strlen(key) + strlen(buf) + 2);
		FUZZ_CHECK(line);
		sprintf(line, "%s=%s", key, buf);
		FUZZ_CHECK(has_line(text, line));
		free(line);
	} else {
		FUZZ_CHECK(ret == -ENOENT || ret == -ENAMETOOLONG);
	}
	free(buf);
	free(key);
}

static void fuzz_schema(struct fuzz_in *in)
{
	struct vgpu_schema *schema = malloc(sizeof(*schema));
	char err[128] = "";
	char *s = rest_text(in);
	int ret;

	FUZZ_CHECK(schema);
	ret = vgpu_schema_parse(s, schema, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(!strncmp(err, "line ", 5));
	} else {
		FUZZ_CHECK(schema->count <= VGPU_ARRAY_SIZE(schema->row));
	}
	free(schema);
	free(s);
}

static void count_violation(void *opaque, enum vgpu_side side,
			    const char *node, const char *why)
{
	(void)side;
	FUZZ_CHECK(node && why && *why);
	(*(int *)opaque)++;
}

/* Splits "name=value" lines into nodes, in place. */
static size_t split_nodes(char *s, struct vgpu_node *nodes)
{
	size_t n = 0;
	char *line, *next, *eq;

	for (line = s; line && n < NODES_MAX; line = next) {
		next = strchr(line, '\n');
		if (next) {
			*next++ = '\0';
		}
		eq = strchr(line, '=');
		if (!eq) {
			continue;
		}
		*eq = '\0';
		nodes[n].name = line;
		nodes[n].value = eq + 1;
		n++;
	}
	return n;
}

static void fuzz_check(struct fuzz_in *in)
{
	enum vgpu_side side = fuzz_u8(in) & 1 ? VGPU_SIDE_BACK
					      : VGPU_SIDE_FRONT;
	struct vgpu_node nodes[NODES_MAX];
	char *s = rest_text(in);
	int reported = 0;
	size_t n;
	int ret;

	n = split_nodes(s, nodes);
	ret = vgpu_schema_check(&real_schema, side, nodes, n,
				count_violation, &reported);
	FUZZ_CHECK(ret == reported);
	free(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	if (vgpu_schema_load(vgpu_schema_src_path, &real_schema, err,
			     sizeof(err))) {
		dprintf(2, "fuzz_nodes: %s: %s\n", vgpu_schema_src_path, err);
		abort();
	}
	fuzz_quiet_logs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };

	switch (fuzz_u8(&in) % 4) {
	case MODE_U32:
		fuzz_u32(&in);
		break;
	case MODE_KV:
		fuzz_kv(&in);
		break;
	case MODE_SCHEMA:
		fuzz_schema(&in);
		break;
	case MODE_CHECK:
		fuzz_check(&in);
		break;
	}
	return 0;
}
