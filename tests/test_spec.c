/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of xenvgpu's pure parts: the vgpu= spec parser (spec.c),
 * the config text xl stores for a domain (config.c, as vgpu-backend
 * --xen reads it), the device nodes it leads to (nodes.c), and the
 * xenstore schema checker (schema.c) fed synthetic trees. No Xen needed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "nodes.h"
#include "xlcmd.h"
#include "schema.h"
#include "spec.h"

/* ---- the config xl stored, as the daemon reads it ---- */

static int parse_config(const char *text, struct vgpu_config *cfg, char *err)
{
	err[0] = '\0';
	return vgpu_config_parse("domain 7's xl config", text, strlen(text),
				 cfg, err, 512);
}

/* What xl stores: the file, then its key=value arguments on new lines. */
static void test_config_text(void **state)
{
	struct vgpu_config cfg;
	char err[512];

	(void)state;
	assert_int_equal(parse_config("name = \"g\"\nmemory = 512\nvgpu = "
				      "[ 'backend=0,vram=64M', 'weight=512' ]"
				      "\n", &cfg, err), 0);
	assert_string_equal(cfg.name, "g");
	assert_int_equal(cfg.count, 2);
	assert_int_equal(cfg.spec[0].vram, 64ull << 20);
	assert_int_equal(cfg.spec[1].weight, 512);
	assert_false(cfg.by_xenvgpu);
	/* xenvgpu create's mark: the daemon leaves the domain alone. */
	assert_int_equal(parse_config("name = \"g\"\nvgpu = [ '' ]\n\n"
				      VGPU_CONFIG_MARK "=1\n", &cfg, err), 0);
	assert_true(cfg.by_xenvgpu);
	assert_int_equal(cfg.count, 1);
	/* No vgpu= at all: no devices, no error. */
	assert_int_equal(parse_config("name = \"g\"\n", &cfg, err), 0);
	assert_int_equal(cfg.count, 0);
}

/* A bad line is refused with a reason that names the device and key. */
static void test_config_text_refused(void **state)
{
	struct vgpu_config cfg;
	char err[512];

	(void)state;
	assert_int_equal(parse_config("name = \"g\"\nvgpu = [ 'vram=1M' ]\n",
				      &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "domain 7's xl config: vgpu device 0"));
	assert_non_null(strstr(err, "vram"));
	/* The daemon still finds which domain the refused config is for. */
	assert_string_equal(cfg.name, "g");
	assert_int_equal(parse_config("name = \"g\"\nvgpu = 'backend=0'\n",
				      &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "must be a list"));
	assert_int_equal(parse_config("name = \"g\"\nvgpu = [ 'x'\n", &cfg,
				      err), -EINVAL);
	assert_non_null(strstr(err, "does not parse"));
}

/* ---- the config an xl command line names ---- */

static int xl_cmd(struct vgpu_xl_cmd *cmd, ...)
{
	char *argv[16];
	va_list ap;
	int argc = 0;

	va_start(ap, cmd);
	while (argc < 16 && (argv[argc] = va_arg(ap, char *))) {
		argc++;
	}
	va_end(ap);
	return vgpu_xl_cmd_parse(argc, argv, cmd);
}

/* As Xen 4.17's xl reads its create and restore command lines. */
static void test_xl_command_lines(void **state)
{
	struct vgpu_xl_cmd c;

	(void)state;
	assert_int_equal(xl_cmd(&c, "xl", "create", "g.cfg", NULL), 0);
	assert_string_equal(c.config, "g.cfg");
	assert_false(c.restore);
	assert_int_equal(xl_cmd(&c, "/usr/sbin/xl", "-v", "create", "-q", "-p",
				"/etc/xen/g.cfg", "memory=256",
				"vgpu=['vram=64M']", NULL), 0);
	assert_string_equal(c.config, "/etc/xen/g.cfg");
	assert_int_equal(c.nextra, 2);
	assert_string_equal(c.extra[1], "vgpu=['vram=64M']");
	assert_int_equal(xl_cmd(&c, "xl", "create", "-f", "a.cfg", "-c", NULL),
			 0);
	assert_string_equal(c.config, "a.cfg");
	assert_int_equal(xl_cmd(&c, "xl", "create", "-qfb.cfg", NULL), 0);
	assert_string_equal(c.config, "b.cfg");
	assert_int_equal(xl_cmd(&c, "xl", "create", "--defconfig=d.cfg",
				NULL), 0);
	assert_string_equal(c.config, "d.cfg");
	/* restore: [CONFIG] CHECKPOINT; without CONFIG, the saved one. */
	assert_int_equal(xl_cmd(&c, "xl", "restore", "-p", "g.cfg", "g.save",
				NULL), 0);
	assert_true(c.restore);
	assert_string_equal(c.config, "g.cfg");
	assert_int_equal(xl_cmd(&c, "xl", "restore", "g.save", NULL), -ENOENT);
	/* Not ours: other commands, other programs, xl's refusals. */
	assert_int_equal(xl_cmd(&c, "xl", "list", NULL), -ENOENT);
	assert_int_equal(xl_cmd(&c, "xlx", "create", "g.cfg", NULL), -ENOENT);
	assert_int_equal(xl_cmd(&c, "xl", "create", "a.cfg", "b.cfg", NULL),
			 -EINVAL);
	assert_int_equal(xl_cmd(&c, "xl", "create", "-f", NULL), -EINVAL);
	assert_int_equal(xl_cmd(&c, "xl", "create", NULL), -ENOENT);
}

/* ---- spec ---- */

static int parse(const char *text, struct vgpu_spec *spec, char *err,
		 size_t len)
{
	err[0] = '\0';
	return vgpu_spec_parse(text, spec, err, len);
}

static void assert_defaults(const struct vgpu_spec *s)
{
	assert_string_equal(s->backend, "0");
	assert_true(s->backend_is_id);
	assert_int_equal(s->backend_id, 0);
	assert_int_equal(s->weight, 256);
	assert_int_equal(s->cap, 0);
	assert_int_equal(s->vram, 256ull << 20);
	assert_int_equal(vgpu_spec_pages(s), 65536);
}

static void test_defaults(void **state)
{
	static const char *const empty[] = { "", " ", ",", ",,,", " , ," };
	struct vgpu_spec s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		assert_int_equal(parse(empty[i], &s, err, sizeof(err)), 0);
		assert_defaults(&s);
	}
}

static void test_every_key(void **state)
{
	struct vgpu_spec s;
	char err[256];

	(void)state;
	assert_int_equal(parse("backend=3,weight=1000,cap=25,vram=512M", &s,
			       err, sizeof(err)), 0);
	assert_string_equal(s.backend, "3");
	assert_true(s.backend_is_id);
	assert_int_equal(s.backend_id, 3);
	assert_int_equal(s.weight, 1000);
	assert_int_equal(s.cap, 25);
	assert_int_equal(s.vram, 512ull << 20);
	assert_int_equal(vgpu_spec_pages(&s), 131072);

	/* Order does not matter; blanks around items are dropped. */
	assert_int_equal(parse(" cap=100 , backend=Domain-0 ", &s, err,
			       sizeof(err)), 0);
	assert_string_equal(s.backend, "Domain-0");
	assert_false(s.backend_is_id);
	assert_int_equal(s.cap, 100);
	assert_int_equal(s.weight, 256);

	assert_int_equal(parse("backend=drv-dom.1", &s, err, sizeof(err)), 0);
	assert_string_equal(s.backend, "drv-dom.1");
	assert_int_equal(parse("backend=32751", &s, err, sizeof(err)), 0);
	assert_int_equal(s.backend_id, 32751);
}

static void test_bounds(void **state)
{
	struct vgpu_spec s;
	char err[256];

	(void)state;
	assert_int_equal(parse("weight=1", &s, err, sizeof(err)), 0);
	assert_int_equal(s.weight, 1);
	assert_int_equal(parse("weight=65535", &s, err, sizeof(err)), 0);
	assert_int_equal(s.weight, 65535);
	assert_int_equal(parse("cap=0", &s, err, sizeof(err)), 0);
	assert_int_equal(parse("cap=100", &s, err, sizeof(err)), 0);
	assert_int_equal(parse("vram=16M", &s, err, sizeof(err)), 0);
	assert_int_equal(vgpu_spec_pages(&s), 4096);
	assert_int_equal(parse("vram=64G", &s, err, sizeof(err)), 0);
	assert_int_equal(vgpu_spec_pages(&s), 16777216);
}

static void test_suffixes(void **state)
{
	static const struct {
		const char *spec;
		uint64_t bytes;
	} ok[] = {
		{ "vram=16384K", 16ull << 20 },   { "vram=16384k", 16ull << 20 },
		{ "vram=32M", 32ull << 20 },      { "vram=32m", 32ull << 20 },
		{ "vram=2G", 2ull << 30 },        { "vram=2g", 2ull << 30 },
		{ "vram=16777216", 16ull << 20 }, { "vram=20000K", 20000ull << 10 },
	};
	struct vgpu_spec s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(ok[i].spec, &s, err, sizeof(err)), 0);
		assert_int_equal(s.vram, ok[i].bytes);
	}
}

/* text must fail, and the message must contain every one of want[]. */
static void assert_fails(const char *text, ...)
{
	struct vgpu_spec s;
	char err[512];
	const char *want;
	va_list ap;

	if (parse(text, &s, err, sizeof(err)) != -EINVAL) {
		fail_msg("spec \"%s\" was accepted", text);
	}
	va_start(ap, text);
	while ((want = va_arg(ap, const char *))) {
		if (!strstr(err, want)) {
			fail_msg("spec \"%s\": message \"%s\" lacks \"%s\"",
				 text, err, want);
		}
	}
	va_end(ap);
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_fails("vram=8M", "vram", "\"8M\"", "16M to 64G", NULL);
	assert_fails("vram=16383K", "vram", "16M to 64G", NULL);
	assert_fails("vram=16777215", "vram", NULL);
	assert_fails("vram=65G", "vram", "16M to 64G", NULL);
	assert_fails("vram=16777217", "whole 4K pages", NULL);
	assert_fails("weight=0", "weight", "\"0\"", "1 to 65535", NULL);
	assert_fails("weight=65536", "weight", "1 to 65535", NULL);
	assert_fails("cap=101", "cap", "\"101\"", "0 to 100", NULL);
	assert_fails("backend=32752", "backend", "0 to 32751", NULL);
}

/* The screen: width=, height=, and the VNC keys of vfb=. */
static void test_screen_keys(void **state)
{
	struct vgpu_spec s;
	char err[256];

	(void)state;
	assert_int_equal(parse("", &s, err, sizeof(err)), 0);
	assert_int_equal(s.width, 1024);
	assert_int_equal(s.height, 768);
	assert_false(s.vnc);
	assert_int_equal(s.vncdisplay, -1);
	assert_int_equal(parse("vnc=1,vnclisten=0.0.0.0,vncdisplay=99,"
			       "vncpasswd=s3cr3t!,width=1920,height=1080", &s,
			       err, sizeof(err)), 0);
	assert_true(s.vnc);
	assert_string_equal(s.vnclisten, "0.0.0.0");
	assert_int_equal(s.vncdisplay, 99);
	assert_string_equal(s.vncpasswd, "s3cr3t!");
	assert_int_equal(s.width, 1920);
	assert_int_equal(s.height, 1080);
	assert_fails("width=0", "width", "1 to 8192", NULL);
	assert_fails("height=8193", "height", "1 to 8192", NULL);
	assert_fails("vnc=2", "vnc", "0 or 1", NULL);
	assert_fails("vnc=1,vnclisten=localhost", "vnclisten", "IPv4", NULL);
	assert_fails("vnc=1,vncdisplay=100", "vncdisplay", "0 to 99", NULL);
	assert_fails("vncdisplay=1", "needs vnc=1", NULL);
	assert_fails("vnc=0,vncpasswd=x", "needs vnc=1", NULL);
	/* A bad password is never repeated in the message. */
	assert_int_equal(parse("vnc=1,vncpasswd=toolongpass", &s, err,
			       sizeof(err)), -EINVAL);
	assert_null(strstr(err, "toolongpass"));
	assert_non_null(strstr(err, "1 to 8 printable"));
}

static void test_unknown_key(void **state)
{
	struct vgpu_spec s;
	char err[256];

	(void)state;
	assert_int_equal(parse("weight=5,foo=1", &s, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "Unknown string \"foo=1\" in vgpu spec");
	assert_int_equal(parse("vram", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "Unknown string \"vram\" in vgpu spec");
	assert_int_equal(parse("Weight=5", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "Unknown string \"Weight=5\" in vgpu spec");
	assert_int_equal(parse("=5", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "Unknown string \"=5\" in vgpu spec");
}

static void test_duplicates(void **state)
{
	(void)state;
	assert_fails("weight=1,weight=2", "Duplicate key \"weight\"", NULL);
	assert_fails("vram=1G,cap=1,vram=1G", "Duplicate key \"vram\"", NULL);
	assert_fails("backend=0,backend=0", "Duplicate key \"backend\"", NULL);
}

static void test_trailing_comma(void **state)
{
	struct vgpu_spec s;
	char err[256];

	(void)state;
	assert_int_equal(parse("weight=7,", &s, err, sizeof(err)), 0);
	assert_int_equal(s.weight, 7);
	assert_int_equal(parse(",cap=3,,vram=1G,", &s, err, sizeof(err)), 0);
	assert_int_equal(s.cap, 3);
	assert_int_equal(s.vram, 1ull << 30);
}

static void test_garbage_numbers(void **state)
{
	static const char *const bad[] = {
		"weight=12abc", "weight=-1", "weight=+5", "weight= 5",
		"weight=", "weight=0x10", "weight=99999999999999999999",
		"weight=4294967297", "cap=1.5", "cap=-0",
		"vram=12abc", "vram=-1", "vram=", "vram=M", "vram=16MB",
		"vram=16 M", "vram=1T", "vram=1.5G", "vram=0x1000000",
		"vram=99999999999999999999", "vram=99999999999999999999G",
		"vram=18014398509481984K", "backend=", "backend=a b",
		"backend=/local/domain/0",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *eq = strchr(bad[i], '=');
		char key[16];

		snprintf(key, sizeof(key), "Invalid %.*s ",
			 (int)(eq - bad[i]), bad[i]);
		assert_fails(bad[i], key, "in vgpu spec: expected", NULL);
	}
}

static void test_too_long(void **state)
{
	char text[VGPU_SPEC_MAX_LEN + 16];

	(void)state;
	memset(text, ',', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_fails(text, "longer than", NULL);
}

static void test_size_helpers(void **state)
{
	uint64_t v;
	char buf[32];

	(void)state;
	assert_int_equal(vgpu_spec_parse_size("1K", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(vgpu_spec_parse_size("18446744073709551615", &v), 0);
	assert_int_equal(vgpu_spec_parse_size("18446744073709551616", &v),
			 -ERANGE);
	assert_int_equal(vgpu_spec_parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(vgpu_spec_parse_size("1KK", &v), -EINVAL);
	assert_int_equal(vgpu_spec_parse_size("", &v), -EINVAL);
	vgpu_spec_format_size(256ull << 20, buf, sizeof(buf));
	assert_string_equal(buf, "256M");
	vgpu_spec_format_size(64ull << 30, buf, sizeof(buf));
	assert_string_equal(buf, "64G");
	vgpu_spec_format_size(20000ull << 10, buf, sizeof(buf));
	assert_string_equal(buf, "20000K");
	vgpu_spec_format_size(4097, buf, sizeof(buf));
	assert_string_equal(buf, "4097");
}

/* ---- nodes and schema ---- */

struct seen {
	int count;
	char text[2048];
};

static void collect(void *opaque, enum vgpu_side side, const char *node,
		    const char *why)
{
	struct seen *s = opaque;
	size_t used = strlen(s->text);

	s->count++;
	snprintf(s->text + used, sizeof(s->text) - used, "%s/%s: %s\n",
		 vgpu_side_name(side), node, why);
}

static struct vgpu_schema schema;

static int load_schema(void **state)
{
	char err[256];

	(void)state;
	if (vgpu_schema_load(vgpu_schema_src_path, &schema, err,
			     sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int check(enum vgpu_side side, const struct vgpu_node *nodes,
		 size_t count, struct seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	return vgpu_schema_check(&schema, side, nodes, count, collect, seen);
}

static void test_schema_parses(void **state)
{
	(void)state;
	assert_int_equal(schema.count, 29);
	assert_string_equal(schema.row[0].node, "backend");
	assert_int_equal(schema.row[0].side, VGPU_SIDE_FRONT);
	assert_int_equal(schema.row[0].type, VGPU_TYPE_PATH);
}

static void test_schema_bad_text(void **state)
{
	static const char *const bad[] = {
		"front state\n",
		"side node type range presence writer\n",
		"front a u32 1..x always toolstack\n",
		"front a u32 5..1 always toolstack\n",
		"front a float - always toolstack\n",
		"front a u32 - sometimes toolstack\n",
		"# ok\n\nfront a u32 1..2 always toolstack extra\n",
	};
	struct vgpu_schema s;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vgpu_schema_parse(bad[i], &s, err,
						   sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "line "));
	}
	assert_int_equal(vgpu_schema_parse("# only a comment\n", &s, err,
					   sizeof(err)), 0);
	assert_int_equal(s.count, 0);
}

/* What xenvgpu writes for a device must satisfy the schema. */
static void test_written_nodes_valid(void **state)
{
	struct vgpu_dev dev = { .domid = 7, .devid = 2, .backend_id = 0 };
	struct vgpu_nodeset set;
	struct seen seen;
	char err[64];

	(void)state;
	assert_int_equal(vgpu_spec_parse("weight=9,cap=10,vram=16M", &dev.spec,
					 err, sizeof(err)), 0);
	assert_int_equal(vgpu_nodes_front(&dev, &set), 0);
	assert_string_equal(vgpu_nodeset_get(&set, "backend"),
			    "/local/domain/0/backend/vgpu/7/2");
	assert_string_equal(vgpu_nodeset_get(&set, "backend-id"), "0");
	assert_string_equal(vgpu_nodeset_get(&set, "state"), "1");
	assert_int_equal(check(VGPU_SIDE_FRONT, set.node, set.count, &seen), 0);

	assert_int_equal(vgpu_nodes_back(&dev, &set), 0);
	assert_string_equal(vgpu_nodeset_get(&set, "frontend"),
			    "/local/domain/7/device/vgpu/2");
	assert_string_equal(vgpu_nodeset_get(&set, "frontend-id"), "7");
	assert_string_equal(vgpu_nodeset_get(&set, "online"), "1");
	assert_string_equal(vgpu_nodeset_get(&set, "max-mapped-pages"), "4096");
	assert_string_equal(vgpu_nodeset_get(&set, "weight"), "9");
	assert_string_equal(vgpu_nodeset_get(&set, "cap"), "10");
	assert_int_equal(check(VGPU_SIDE_BACK, set.node, set.count, &seen), 0);
	assert_string_equal(vgpu_nodeset_get(&set, "scanout-width"), "1024");
	assert_null(vgpu_nodeset_get(&set, "vnc"));

	/* With VNC: its nodes, but never the password. */
	assert_int_equal(vgpu_spec_parse("vnc=1,vncdisplay=3,vncpasswd=pw",
					 &dev.spec, err, sizeof(err)), 0);
	assert_int_equal(vgpu_nodes_back(&dev, &set), 0);
	assert_string_equal(vgpu_nodeset_get(&set, "vnc"), "1");
	assert_string_equal(vgpu_nodeset_get(&set, "vnclisten"), "127.0.0.1");
	assert_string_equal(vgpu_nodeset_get(&set, "vncdisplay"), "3");
	assert_null(vgpu_nodeset_get(&set, "vncpasswd"));
	assert_int_equal(check(VGPU_SIDE_BACK, set.node, set.count, &seen), 0);
}

/* The example tree of include/vgpuif.h, both ends Connected. */
static const struct vgpu_node front_ok[] = {
	{ "backend", "/local/domain/0/backend/vgpu/1/0" },
	{ "backend-id", "0" },
	{ "state", "4" },
	{ "protocol-version", "1" },
	{ "ring-ref", "8" },
	{ "cmd-dir-ref", "9" },
	{ "cmd-pages", "256" },
	{ "event-channel", "15" },
};

static const struct vgpu_node back_ok[] = {
	{ "frontend", "/local/domain/1/device/vgpu/0" },
	{ "frontend-id", "1" },
	{ "online", "1" },
	{ "state", "4" },
	{ "protocol-versions", "1" },
	{ "max-mapped-pages", "65536" },
	{ "weight", "256" },
	{ "cap", "0" },
	{ "max-contexts", "64" },
	{ "max-resources", "4096" },
	{ "max-cmd-pages", "1024" },
	{ "max-submit-size", "1048576" },
	{ "feature-scanout", "1" },
	{ "feature-blob", "0" },
	{ "scanout-width", "1024" },
	{ "scanout-height", "768" },
	{ "vnc", "1" },
	{ "vnc-port", "5900" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_example_tree_valid(void **state)
{
	struct vgpu_node back[N(back_ok) + 1];
	struct seen seen;

	(void)state;
	assert_int_equal(check(VGPU_SIDE_FRONT, front_ok, N(front_ok), &seen),
			 0);
	assert_int_equal(check(VGPU_SIDE_BACK, back_ok, N(back_ok), &seen), 0);
	/* error is optional, and any string. */
	memcpy(back, back_ok, sizeof(back_ok));
	back[N(back_ok)] = (struct vgpu_node){ "error", "ring-ref: bad\n" };
	assert_int_equal(check(VGPU_SIDE_BACK, back, N(back), &seen), 0);
}

/* Copies base with node name set to value (NULL: dropped). */
static size_t with(const struct vgpu_node *base, size_t n, const char *name,
		   const char *value, struct vgpu_node *out)
{
	size_t i, k = 0;
	bool found = false;

	for (i = 0; i < n; i++) {
		if (strcmp(base[i].name, name)) {
			out[k++] = base[i];
		} else if (value) {
			out[k++] = (struct vgpu_node){ name, value };
			found = true;
		} else {
			found = true;
		}
	}
	if (!found && value) {
		out[k++] = (struct vgpu_node){ name, value };
	}
	return k;
}

static void assert_one(enum vgpu_side side, const char *name,
		       const char *value, const char *want)
{
	const struct vgpu_node *base = side == VGPU_SIDE_FRONT ? front_ok
								: back_ok;
	size_t n = side == VGPU_SIDE_FRONT ? N(front_ok) : N(back_ok);
	struct vgpu_node nodes[32];
	struct seen seen;

	n = with(base, n, name, value, nodes);
	if (check(side, nodes, n, &seen) != 1 || !strstr(seen.text, want)) {
		fail_msg("%s=%s: expected one violation with \"%s\", got:\n%s",
			 name, value ? value : "(absent)", want, seen.text);
	}
}

static void test_violations(void **state)
{
	(void)state;
	assert_one(VGPU_SIDE_BACK, "weight", NULL, "back/weight: missing");
	assert_one(VGPU_SIDE_FRONT, "backend", NULL, "front/backend: missing");
	assert_one(VGPU_SIDE_FRONT, "ring-ref", "abc", "not a u32");
	assert_one(VGPU_SIDE_FRONT, "ring-ref", "0", "out of range");
	assert_one(VGPU_SIDE_FRONT, "event-channel", "-3", "not a u32");
	assert_one(VGPU_SIDE_BACK, "cap", "101", "out of range 0..100");
	assert_one(VGPU_SIDE_BACK, "max-mapped-pages", "4095", "out of range");
	assert_one(VGPU_SIDE_BACK, "online", "2", "out of range 0..1");
	assert_one(VGPU_SIDE_BACK, "state", "9", "out of range 0..8");
	assert_one(VGPU_SIDE_BACK, "frontend-id", "0", "out of range");
	assert_one(VGPU_SIDE_BACK, "protocol-versions", "1 2", "out of range");
	assert_one(VGPU_SIDE_BACK, "protocol-versions", "1  1", "not a u32list");
	assert_one(VGPU_SIDE_BACK, "protocol-versions", "", "not a u32list");
	assert_one(VGPU_SIDE_BACK, "frontend", "device/vgpu/0",
		   "not an absolute");
	assert_one(VGPU_SIDE_FRONT, "backend", "/local//domain", "absolute");
	assert_one(VGPU_SIDE_FRONT, "foo", "1", "front/foo: unknown node");
	/* A backend node in the frontend's directory is unknown there. */
	assert_one(VGPU_SIDE_FRONT, "weight", "1", "front/weight: unknown");
}

static void test_connect_presence(void **state)
{
	static const struct vgpu_node fresh_front[] = {
		{ "backend", "/local/domain/0/backend/vgpu/1/0" },
		{ "backend-id", "0" },
		{ "state", "1" },
	};
	struct vgpu_node nodes[32];
	struct seen seen;
	size_t n;

	(void)state;
	/* Initialising: connect nodes not due yet. */
	assert_int_equal(check(VGPU_SIDE_FRONT, fresh_front, N(fresh_front),
			       &seen), 0);
	/* Initialised without them: all five are missing. */
	n = with(fresh_front, N(fresh_front), "state", "3", nodes);
	assert_int_equal(check(VGPU_SIDE_FRONT, nodes, n, &seen), 5);
	assert_non_null(strstr(seen.text, "front/ring-ref: missing"));
	assert_non_null(strstr(seen.text, "front/protocol-version: missing"));

	/* Backend at InitWait must have published its eight nodes. */
	n = with(back_ok, 8, "state", "2", nodes);
	assert_int_equal(check(VGPU_SIDE_BACK, nodes, n, &seen), 7);
	n = with(back_ok, 8, "state", "1", nodes);
	assert_int_equal(check(VGPU_SIDE_BACK, nodes, n, &seen), 0);

	/* No state at all: that is the one violation. */
	n = with(front_ok, N(front_ok), "state", NULL, nodes);
	assert_int_equal(check(VGPU_SIDE_FRONT, nodes, n, &seen), 1);
	assert_non_null(strstr(seen.text, "front/state: missing"));
}

int main(void)
{
	const struct CMUnitTest spec_tests[] = {
		cmocka_unit_test(test_config_text),
		cmocka_unit_test(test_config_text_refused),
		cmocka_unit_test(test_xl_command_lines),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_trailing_comma),
		cmocka_unit_test(test_garbage_numbers),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_screen_keys),
		cmocka_unit_test(test_size_helpers),
	};
	const struct CMUnitTest schema_tests[] = {
		cmocka_unit_test(test_schema_parses),
		cmocka_unit_test(test_schema_bad_text),
		cmocka_unit_test(test_written_nodes_valid),
		cmocka_unit_test(test_example_tree_valid),
		cmocka_unit_test(test_violations),
		cmocka_unit_test(test_connect_presence),
	};
	int failed;

	failed = cmocka_run_group_tests_name("vgpu spec", spec_tests, NULL,
					     NULL);
	failed += cmocka_run_group_tests_name("xenstore schema", schema_tests,
					      load_schema, NULL);
	return failed ? 1 : 0;
}
