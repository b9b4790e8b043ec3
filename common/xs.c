/* SPDX-License-Identifier: GPL-2.0 */
/* xenstore helpers: strict reads, one-transaction writes, state waits. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgpu_util.h"
#include "vgpu_xs.h"

int vgpu_xs_read(struct xs_handle *xs, const char *dir, const char *key,
		 char *buf, size_t len)
{
	char path[256];
	unsigned int got;
	char *value;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	value = xs_read(xs, XBT_NULL, path, &got);
	if (!value) {
		return -ENOENT;
	}
	if (got >= len) {
		ret = -ENAMETOOLONG;
	} else {
		memcpy(buf, value, got + 1);
	}
	free(value);
	return ret;
}

int vgpu_xs_read_u32(struct xs_handle *xs, const char *dir, const char *key,
		     uint32_t min, uint32_t max, uint32_t *out)
{
	char value[16];
	int ret;

	ret = vgpu_xs_read(xs, dir, key, value, sizeof(value));
	return ret ? ret : vgpu_parse_u32(value, min, max, out);
}

static bool write_one(struct xs_handle *xs, xs_transaction_t t,
		      const char *dir, const char *key, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, t, path, value, strlen(value));
}

static bool write_kv(struct xs_handle *xs, xs_transaction_t t,
		     const char *dir, const char *nodes)
{
	char key[64], value[256];
	const char *line, *eq, *end;

	for (line = nodes; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		eq = memchr(line, '=', (size_t)(end - line));
		if (!eq || eq - line >= (long)sizeof(key) ||
		    end - eq > (long)sizeof(value)) {
			return false;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - line), line);
		snprintf(value, sizeof(value), "%.*s", (int)(end - eq - 1),
			 eq + 1);
		if (!write_one(xs, t, dir, key, value)) {
			return false;
		}
	}
	return true;
}

int vgpu_xs_write_nodes(struct xs_handle *xs, const char *dir,
			const char *nodes, enum xenbus_state state)
{
	char value[4];
	xs_transaction_t t;
	bool ok;

	snprintf(value, sizeof(value), "%d", state);
	for (;;) {
		t = xs_transaction_start(xs);
		if (t == XBT_NULL) {
			return -errno;
		}
		ok = write_kv(xs, t, dir, nodes) &&
		     (state == XenbusStateUnknown ||
		      write_one(xs, t, dir, "state", value));
		if (!ok) {
			xs_transaction_end(xs, t, true);
			return -EIO;
		}
		if (xs_transaction_end(xs, t, false)) {
			return 0;
		}
		if (errno != EAGAIN) {
			return -errno;
		}
	}
}

int vgpu_xs_set_state(struct xs_handle *xs, const char *dir,
		      enum xenbus_state state)
{
	char value[4];

	snprintf(value, sizeof(value), "%d", state);
	return write_one(xs, XBT_NULL, dir, "state", value) ? 0 : -errno;
}

enum xenbus_state vgpu_xs_state(struct xs_handle *xs, const char *dir)
{
	uint32_t state;

	if (vgpu_xs_read_u32(xs, dir, "state", 0, XenbusStateReconfigured,
			     &state)) {
		return XenbusStateUnknown;
	}
	return (enum xenbus_state)state;
}

/* Drops the watch events queued so far; they only mean "look again". */
static void drain_watches(struct xs_handle *xs)
{
	char **event;

	while ((event = xs_check_watch(xs))) {
		free(event);
	}
}

/*
 * Waits up to timeout_ms (-1: forever) for done(arg) to hold, looking
 * again whenever path changes. Returns 0 or -ETIMEDOUT.
 */
static int wait_watch(struct xs_handle *xs, const char *path, int timeout_ms,
		      bool (*done)(void *arg), void *arg)
{
	uint64_t deadline = vgpu_now_ns() + (uint64_t)timeout_ms * 1000000;
	struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
	char token[] = "vgpu-wait";
	int left = timeout_ms, ret = 0;

	if (!xs_watch(xs, path, token)) {
		return -errno;
	}
	while (!done(arg)) {
		if (timeout_ms >= 0) {
			left = (int)(((int64_t)deadline -
				      (int64_t)vgpu_now_ns()) / 1000000);
			if (left <= 0) {
				ret = -ETIMEDOUT;
				break;
			}
		}
		if (poll(&pfd, 1, left) > 0) {
			drain_watches(xs);
		}
	}
	xs_unwatch(xs, path, token);
	return ret;
}

struct state_wait {
	struct xs_handle *xs;
	const char *dir;
	uint32_t mask;
	enum xenbus_state state;
};

static bool state_reached(void *arg)
{
	struct state_wait *w = arg;

	w->state = vgpu_xs_state(w->xs, w->dir);
	return w->mask & VGPU_XS_STATE(w->state);
}

int vgpu_xs_wait_state(struct xs_handle *xs, const char *dir, uint32_t mask,
		       int timeout_ms)
{
	struct state_wait w = { .xs = xs, .dir = dir, .mask = mask };
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/state", dir);
	ret = wait_watch(xs, path, timeout_ms, state_reached, &w);
	return ret ? ret : (int)w.state;
}

struct node_wait {
	struct xs_handle *xs;
	const char *path;
};

static bool node_exists(void *arg)
{
	struct node_wait *w = arg;
	unsigned int len;
	void *value = xs_read(w->xs, XBT_NULL, w->path, &len);

	free(value);
	return value != NULL;
}

int vgpu_xs_wait_node(struct xs_handle *xs, const char *path, int timeout_ms)
{
	struct node_wait w = { .xs = xs, .path = path };

	return wait_watch(xs, path, timeout_ms, node_exists, &w);
}
