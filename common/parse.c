/* SPDX-License-Identifier: GPL-2.0 */
/* Strict parsing of node values, and the "key=value\n" text they travel in. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vgpu_util.h"

int vgpu_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t value = 0;
	const char *p;

	if (!s || !*s || strlen(s) > 10) {
		return -EINVAL;
	}
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			return -EINVAL;
		}
		value = value * 10 + (uint64_t)(*p - '0');
	}
	if (value < min || value > max) {
		return -ERANGE;
	}
	*out = (uint32_t)value;
	return 0;
}

int vgpu_kv_get(const char *text, const char *key, char *buf, size_t len)
{
	size_t key_len = strlen(key);
	const char *line, *end;
	size_t value_len;

	for (line = text; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (strncmp(line, key, key_len) || line[key_len] != '=') {
			continue;
		}
		line += key_len + 1;
		value_len = end ? (size_t)(end - line) : strlen(line);
		if (value_len >= len) {
			return -ENAMETOOLONG;
		}
		memcpy(buf, line, value_len);
		buf[value_len] = '\0';
		return 0;
	}
	return -ENOENT;
}

int vgpu_kv_add(char *text, size_t len, const char *key, const char *fmt, ...)
{
	size_t used = strnlen(text, len);
	char value[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value)) {
		return -ENOSPC;
	}
	n = snprintf(text + used, len - used, "%s=%s\n", key, value);
	if (n < 0 || (size_t)n >= len - used) {
		text[used] = '\0';
		return -ENOSPC;
	}
	return 0;
}
