/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The screen commands: xenvgpu screenshot (one frame of a device's VNC
 * display, TCP or its worker's root-only socket, as PNG) and xenvgpu resize (the mode the guest is offered:
 * scanout-width and scanout-height).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgpu_util.h"
#include "vgpu_xs.h"
#include "vnc_grab.h"
#include "xenvgpu.h"

#define SCREENSHOT_TIMEOUT_MS   10000

struct screen_dev {
	uint32_t domid, devid, backend;
	char back[VGPU_PATH_MAX];       /* its backend directory */
};

/*
 * Finds DOMAIN's device devid (< 0: its first) and its backend
 * directory. cmd names the command in messages.
 */
static int find_device(struct xenvgpu *xv, const char *cmd,
		       const char *domain, long devid, struct screen_dev *d)
{
	uint32_t ids[1];
	int ret = xenvgpu_open_xs(xv);

	if (!ret) {
		ret = xenvgpu_open_libxl(xv);
	}
	if (!ret) {
		ret = xenvgpu_domid(xv, domain, &d->domid);
	}
	if (ret) {
		return ret;
	}
	if (devid < 0 && xenvgpu_device_ids(xv, d->domid, 0, ids, 1) == 1) {
		devid = ids[0];
	}
	if (devid < 0 ||
	    xenvgpu_device_backend(xv, d->domid, (uint32_t)devid,
				   &d->backend)) {
		fprintf(stderr, "xenvgpu %s: domain %s has no vgpu device%s "
			"(see xenvgpu list)\n", cmd, domain,
			devid < 0 ? "" : " of that id");
		return -ENOENT;
	}
	d->devid = (uint32_t)devid;
	vgpu_back_path(d->back, sizeof(d->back), d->backend, d->domid,
		       d->devid);
	return 0;
}

/*
 * Where the device's worker serves its screen: its VNC port (vnc=1), else
 * its root-only screen socket, which libvncclient takes for a host name.
 */
static int find_display(struct xenvgpu *xv, const struct screen_dev *d,
			char *host, size_t len, uint32_t *port)
{
	if (vgpu_xs_read_u32(xv->xs, d->back, "vnc-port", 1, 65535, port)) {
		*port = 0;
		snprintf(host, len, VGPU_SCREEN_DIR "/%u.%u.sock", d->domid,
			 d->devid);
		if (access(host, F_OK)) {
			fprintf(stderr, "xenvgpu screenshot: " VGPU_DEV_FMT
				"no screen: neither a VNC port nor %s (is its "
				"backend in this domain, and connected?)\n",
				d->domid, d->devid, host);
			return -ENOENT;
		}
		return 0;
	}
	if (vgpu_xs_read(xv->xs, d->back, "vnclisten", host, len)) {
		snprintf(host, len, "%s", VGPU_SPEC_VNCLISTEN_DEF);
	}
	/* A display on every address is reached on this host's loopback. */
	if (!strcmp(host, "0.0.0.0")) {
		snprintf(host, len, "127.0.0.1");
	}
	return 0;
}

/* The device's VNC password, from dom0's own node; "" if none. */
static void find_passwd(struct xenvgpu *xv, const struct screen_dev *d,
			char *passwd, size_t len)
{
	char secret[VGPU_PATH_MAX];

	snprintf(secret, sizeof(secret), "/local/domain/%u/"
		 VGPU_XS_PRIVATE_DIR "/%u/%u", d->backend, d->domid, d->devid);
	if (vgpu_xs_read(xv->xs, secret, "vncpasswd", passwd, len)) {
		passwd[0] = '\0';
	}
}

/*
 * --vnc=HOST:PORT, or --vnc=PATH of a screen socket: a display given
 * directly (tests, loopback).
 */
static int parse_vnc(const char *arg, char *host, size_t len, uint32_t *port)
{
	const char *colon = strrchr(arg, ':');

	if (strchr(arg, '/') && strlen(arg) < len) {
		snprintf(host, len, "%s", arg);
		*port = 0;
		return 0;
	}
	if (!colon || colon == arg || (size_t)(colon - arg) >= len ||
	    vgpu_parse_u32(colon + 1, 1, 65535, port)) {
		fprintf(stderr, "xenvgpu screenshot: --vnc=%s: expected "
			"HOST:PORT, such as 127.0.0.1:5900, or the path of a "
			"screen socket\n", arg);
		return -EINVAL;
	}
	snprintf(host, len, "%.*s", (int)(colon - arg), arg);
	return 0;
}

static const char screenshot_usage[] =
	"Usage: xenvgpu screenshot DOMAIN [DEVID] FILE.png\n"
	"       xenvgpu screenshot --vnc=HOST:PORT|SOCKET FILE.png\n";

int xenvgpu_screenshot(struct xenvgpu *xv, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vnc", required_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char host[PATH_MAX] = "", passwd[16] = "";
	struct screen_dev d;
	uint32_t port = 0, devid;
	int opt, left, ret = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'V' || parse_vnc(optarg, host, sizeof(host), &port)) {
			fputs(screenshot_usage, stderr);
			return -EINVAL;
		}
	}
	left = argc - optind;
	if (host[0] ? left != 1 : left < 2 || left > 3) {
		fputs(screenshot_usage, stderr);
		return -EINVAL;
	}
	if (left == 3 && vgpu_parse_u32(argv[optind + 1], 0, INT32_MAX,
					&devid)) {
		fprintf(stderr, "xenvgpu screenshot: DEVID \"%s\" is not a "
			"device id\n", argv[optind + 1]);
		return -EINVAL;
	}
	if (!host[0]) {
		ret = find_device(xv, "screenshot", argv[optind],
				  left == 3 ? (long)devid : -1, &d);
		if (!ret) {
			ret = find_display(xv, &d, host, sizeof(host), &port);
		}
		if (!ret) {
			find_passwd(xv, &d, passwd, sizeof(passwd));
		}
	}
	if (!ret) {
		ret = xenvgpu_vnc_grab(host, (int)port, passwd, argv[argc - 1],
				       SCREENSHOT_TIMEOUT_MS);
	}
	memset(passwd, 0, sizeof(passwd));
	return ret;
}

/* "WxH", each 1 to VGPU_SPEC_DIM_MAX. */
static int parse_size(const char *arg, uint32_t *width, uint32_t *height)
{
	char w[16];
	const char *x = strchr(arg, 'x');

	if (!x || (size_t)(x - arg) >= sizeof(w)) {
		return -EINVAL;
	}
	snprintf(w, sizeof(w), "%.*s", (int)(x - arg), arg);
	if (vgpu_parse_u32(w, 1, VGPU_SPEC_DIM_MAX, width) ||
	    vgpu_parse_u32(x + 1, 1, VGPU_SPEC_DIM_MAX, height)) {
		return -EINVAL;
	}
	return 0;
}

int xenvgpu_resize(struct xenvgpu *xv, int argc, char **argv)
{
	char nodes[64] = "";
	uint32_t width, height, devid = 0;
	struct screen_dev d;
	int ret;

	if (argc < 3 || argc > 4 ||
	    (argc == 4 && vgpu_parse_u32(argv[2], 0, INT32_MAX, &devid))) {
		fprintf(stderr, "Usage: xenvgpu resize DOMAIN [DEVID] WxH\n");
		return -EINVAL;
	}
	if (parse_size(argv[argc - 1], &width, &height)) {
		fprintf(stderr, "xenvgpu resize: \"%s\": expected WIDTHxHEIGHT, "
			"each from 1 to %u, such as 1280x720\n",
			argv[argc - 1], VGPU_SPEC_DIM_MAX);
		return -EINVAL;
	}
	ret = find_device(xv, "resize", argv[1], argc == 4 ? (long)devid : -1,
			  &d);
	if (ret) {
		return ret;
	}
	/* One write of both: the frontend sees the new mode whole. */
	vgpu_kv_add(nodes, sizeof(nodes), "scanout-width", "%u", width);
	vgpu_kv_add(nodes, sizeof(nodes), "scanout-height", "%u", height);
	ret = vgpu_xs_write_nodes(xv->xs, d.back, nodes, XenbusStateUnknown);
	if (ret) {
		fprintf(stderr, "xenvgpu resize: cannot write %s: %s\n", d.back,
			strerror(-ret));
	}
	return ret;
}
