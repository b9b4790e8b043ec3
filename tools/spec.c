/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing of the vgpu= spec: key=value items, strict numbers, ranges. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "spec.h"
#include "vgpu_util.h"

#define SPEC_WHAT "in vgpu spec"

struct spec_key {
	const char *name;
	int (*parse)(const char *value, struct vgpu_spec *spec);
	const char *expect;     /* the valid range, for the error message */
	bool secret;            /* never repeat the value in a message */
};

void vgpu_spec_defaults(struct vgpu_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	snprintf(spec->backend, sizeof(spec->backend), "0");
	spec->backend_is_id = true;
	spec->backend_id = 0;
	spec->weight = VGPU_SPEC_WEIGHT_DEF;
	spec->cap = VGPU_SPEC_CAP_DEF;
	spec->vram = VGPU_SPEC_VRAM_DEF;
	spec->width = VGPU_SPEC_WIDTH_DEF;
	spec->height = VGPU_SPEC_HEIGHT_DEF;
	snprintf(spec->vnclisten, sizeof(spec->vnclisten), "%s",
		 VGPU_SPEC_VNCLISTEN_DEF);
	spec->vncdisplay = -1;
}

uint32_t vgpu_spec_pages(const struct vgpu_spec *spec)
{
	return (uint32_t)(spec->vram / VGPU_PAGE_SIZE);
}

static int size_shift(char suffix)
{
	switch (toupper((unsigned char)suffix)) {
	case 'K':
		return 10;
	case 'M':
		return 20;
	case 'G':
		return 30;
	default:
		return -1;
	}
}

int vgpu_spec_parse_size(const char *s, uint64_t *out)
{
	uint64_t value = 0;
	const char *p;
	int shift = 0;

	if (!s || !isdigit((unsigned char)*s)) {
		return -EINVAL;
	}
	for (p = s; isdigit((unsigned char)*p); p++) {
		uint64_t digit = (uint64_t)(*p - '0');

		if (value > (UINT64_MAX - digit) / 10) {
			return -ERANGE;
		}
		value = value * 10 + digit;
	}
	if (*p) {
		shift = size_shift(*p);
		if (shift < 0 || p[1]) {
			return -EINVAL;
		}
	}
	if (value > (UINT64_MAX >> shift)) {
		return -ERANGE;
	}
	*out = value << shift;
	return 0;
}

void vgpu_spec_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char suffix[] = "GMK";
	int i;

	for (i = 0; i < 3; i++) {
		int shift = 30 - 10 * i;

		if (bytes && !(bytes & ((1ull << shift) - 1))) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(bytes >> shift),
				 suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
}

static bool valid_name(const char *s)
{
	const char *p;

	if (!*s || strlen(s) >= VGPU_SPEC_NAME_MAX) {
		return false;
	}
	for (p = s; *p; p++) {
		if (!isgraph((unsigned char)*p) || *p == '/') {
			return false;
		}
	}
	return true;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int parse_backend(const char *value, struct vgpu_spec *spec)
{
	uint32_t id = 0;

	if (!valid_name(value)) {
		return -EINVAL;
	}
	if (all_digits(value) &&
	    vgpu_parse_u32(value, 0, VGPU_DOMID_MAX, &id)) {
		return -EINVAL;
	}
	snprintf(spec->backend, sizeof(spec->backend), "%s", value);
	spec->backend_is_id = all_digits(value);
	spec->backend_id = id;
	return 0;
}

static int parse_weight(const char *value, struct vgpu_spec *spec)
{
	return vgpu_parse_u32(value, VGPU_SPEC_WEIGHT_MIN,
			      VGPU_SPEC_WEIGHT_MAX, &spec->weight);
}

static int parse_cap(const char *value, struct vgpu_spec *spec)
{
	return vgpu_parse_u32(value, 0, VGPU_SPEC_CAP_MAX, &spec->cap);
}

static int parse_vram(const char *value, struct vgpu_spec *spec)
{
	uint64_t bytes;

	if (vgpu_spec_parse_size(value, &bytes) ||
	    bytes < VGPU_SPEC_VRAM_MIN || bytes > VGPU_SPEC_VRAM_MAX ||
	    bytes % VGPU_PAGE_SIZE) {
		return -EINVAL;
	}
	spec->vram = bytes;
	return 0;
}

static int parse_width(const char *value, struct vgpu_spec *spec)
{
	return vgpu_parse_u32(value, 1, VGPU_SPEC_DIM_MAX, &spec->width);
}

static int parse_height(const char *value, struct vgpu_spec *spec)
{
	return vgpu_parse_u32(value, 1, VGPU_SPEC_DIM_MAX, &spec->height);
}

static int parse_vnc(const char *value, struct vgpu_spec *spec)
{
	uint32_t on;

	if (vgpu_parse_u32(value, 0, 1, &on)) {
		return -EINVAL;
	}
	spec->vnc = on;
	return 0;
}

static int parse_vnclisten(const char *value, struct vgpu_spec *spec)
{
	struct in_addr addr;

	if (strlen(value) >= sizeof(spec->vnclisten) ||
	    inet_pton(AF_INET, value, &addr) != 1) {
		return -EINVAL;
	}
	snprintf(spec->vnclisten, sizeof(spec->vnclisten), "%s", value);
	return 0;
}

static int parse_vncdisplay(const char *value, struct vgpu_spec *spec)
{
	uint32_t display;

	if (vgpu_parse_u32(value, 0, VGPU_SPEC_VNCDISPLAY_MAX, &display)) {
		return -EINVAL;
	}
	spec->vncdisplay = (int32_t)display;
	return 0;
}

static int parse_vncpasswd(const char *value, struct vgpu_spec *spec)
{
	const char *p;

	if (!*value || strlen(value) > VGPU_SPEC_VNCPASSWD_MAX) {
		return -EINVAL;
	}
	for (p = value; *p; p++) {
		if (!isgraph((unsigned char)*p)) {
			return -EINVAL;
		}
	}
	snprintf(spec->vncpasswd, sizeof(spec->vncpasswd), "%s", value);
	return 0;
}

static const struct spec_key keys[] = {
	{ "backend", parse_backend,
	  "a domain name or a domain id from 0 to 32751 (default 0)" },
	{ "weight", parse_weight,
	  "an integer from 1 to 65535 (default 256)" },
	{ "cap", parse_cap,
	  "a percentage from 0 to 100, 0 meaning uncapped (default 0)" },
	{ "vram", parse_vram,
	  "a size from 16M to 64G in whole 4K pages, with an optional K, M "
	  "or G suffix (default 256M)" },
	{ "width", parse_width,
	  "the screen's width in pixels, 1 to 8192 (default 1024)" },
	{ "height", parse_height,
	  "the screen's height in pixels, 1 to 8192 (default 768)" },
	{ "vnc", parse_vnc,
	  "0 or 1: show the screen over VNC in dom0 (default 0)" },
	{ "vnclisten", parse_vnclisten,
	  "an IPv4 address such as 127.0.0.1 (the default)" },
	{ "vncdisplay", parse_vncdisplay,
	  "a display from 0 to 99, port 5900 + N (default: the first free)" },
	{ "vncpasswd", parse_vncpasswd,
	  "1 to 8 printable characters, no spaces or commas", true },
};

/* Keys that mean nothing without vnc=1. */
static const char *const vnc_only[] = { "vnclisten", "vncdisplay",
					"vncpasswd" };

/* Strips leading and trailing blanks in place; returns the new start. */
static char *trim(char *s)
{
	char *end;

	while (isblank((unsigned char)*s)) {
		s++;
	}
	end = s + strlen(s);
	while (end > s && isblank((unsigned char)end[-1])) {
		*--end = '\0';
	}
	return s;
}

static const struct spec_key *find_key(const char *item, size_t len)
{
	size_t i;

	for (i = 0; i < VGPU_ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i].name) == len &&
		    !strncmp(keys[i].name, item, len)) {
			return &keys[i];
		}
	}
	return NULL;
}

/* Parses one non-empty item; seen[] marks the keys already given. */
static int parse_item(char *item, struct vgpu_spec *spec, bool *seen,
		      char *err, size_t errlen)
{
	char *eq = strchr(item, '=');
	const struct spec_key *key;
	size_t idx;

	key = eq ? find_key(item, (size_t)(eq - item)) : NULL;
	if (!key) {
		snprintf(err, errlen, "Unknown string \"%s\" " SPEC_WHAT, item);
		return -EINVAL;
	}
	idx = (size_t)(key - keys);
	if (seen[idx]) {
		snprintf(err, errlen, "Duplicate key \"%s\" " SPEC_WHAT
			 ": give each key at most once", key->name);
		return -EINVAL;
	}
	seen[idx] = true;
	if (key->parse(eq + 1, spec)) {
		snprintf(err, errlen, "Invalid %s \"%s\" " SPEC_WHAT
			 ": expected %s", key->name,
			 key->secret ? "(not shown)" : eq + 1, key->expect);
		return -EINVAL;
	}
	return 0;
}

/* The VNC keys given without vnc=1 would silently do nothing. */
static int check_vnc_keys(const struct vgpu_spec *spec, const bool *seen,
			  char *err, size_t errlen)
{
	size_t i, j;

	if (spec->vnc) {
		return 0;
	}
	for (i = 0; i < VGPU_ARRAY_SIZE(vnc_only); i++) {
		for (j = 0; j < VGPU_ARRAY_SIZE(keys); j++) {
			if (seen[j] && !strcmp(keys[j].name, vnc_only[i])) {
				snprintf(err, errlen, "%s= " SPEC_WHAT
					 " needs vnc=1: add vnc=1 to show "
					 "the screen over VNC", vnc_only[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int vgpu_spec_parse(const char *text, struct vgpu_spec *spec, char *err,
		    size_t errlen)
{
	bool seen[VGPU_ARRAY_SIZE(keys)] = { false };
	char buf[VGPU_SPEC_MAX_LEN + 1];
	char *item, *next;
	int ret;

	vgpu_spec_defaults(spec);
	if (strlen(text) > VGPU_SPEC_MAX_LEN) {
		snprintf(err, errlen, "vgpu spec is longer than %d bytes",
			 VGPU_SPEC_MAX_LEN);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (item = buf; item; item = next) {
		next = strchr(item, ',');
		if (next) {
			*next++ = '\0';
		}
		item = trim(item);
		if (!*item) {
			continue;
		}
		ret = parse_item(item, spec, seen, err, errlen);
		if (ret) {
			return ret;
		}
	}
	return check_vnc_keys(spec, seen, err, errlen);
}
