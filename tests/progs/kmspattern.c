/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmspattern: a KMS client of the guest kernel driver, with libdrm only.
 * Finds the connected connector of DEVICE (default /dev/dri/card0) and its
 * preferred mode, makes two dumb buffers of that size with known
 * patterns, sets the mode on the first, page-flips between them FLIPS
 * times (each flip waits for its event) and reports the flip rate; then
 * draws a white square into the buffer on the screen and flushes it with
 * DIRTYFB (front-buffer rendering), writes what the screen should show as
 * a PPM, and holds the screen for a while. --seconds stops the flips
 * after that long. --no-device WxH writes the PPM the screen should show
 * after FLIPS flips at that size, without any device (for comparing a
 * screenshot taken elsewhere).
 *
 *   kmspattern [--device PATH] [--flips N] [--seconds S] [--expect WxH]
 *              [--ppm FILE] [--hold SECONDS] [--no-device WxH]
 *
 * Exit status: 0 done, 1 failed, 2 usage, 3 the device has no KMS.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms_target.h"

#define FLIP_TIMEOUT_MS	5000
#define SQUARE_X	16
#define SQUARE_Y	16
#define SQUARE_SIZE	64

struct buffer {
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
	uint32_t fb;
	uint32_t *pixels;
};

struct flip_state {
	int pending;
	double done_at;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Buffer b's pattern: red grows left to right, green top to bottom, blue
 * tells the buffers apart, and a dark band sits in a different place in
 * each, so a frame of one is never mistaken for the other.
 */
static uint32_t pattern(int b, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	uint32_t r = w > 1 ? x * 255 / (w - 1) : 0;
	uint32_t g = h > 1 ? y * 255 / (h - 1) : 0;
	uint32_t blue = b ? 0xc0 : 0x40;
	uint32_t band = (b ? 3 : 1) * h / 5;

	if (y >= band && y < band + h / 10) {
		r = g = blue = 0x10;
	}
	return 0xff000000u | r << 16 | g << 8 | blue;
}

static int make_buffer(int fd, int b, uint32_t w, uint32_t h,
		       struct buffer *buf)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h,
					       .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint32_t x, y;
	void *p;

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create)) {
		perror("kmspattern: create dumb");
		return -1;
	}
	buf->handle = create.handle;
	buf->pitch = create.pitch;
	buf->size = create.size;
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		perror("kmspattern: map dumb");
		return -1;
	}
	p = mmap(NULL, buf->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 map.offset);
	if (p == MAP_FAILED) {
		perror("kmspattern: mmap");
		return -1;
	}
	buf->pixels = p;
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			buf->pixels[y * (buf->pitch / 4) + x] =
				pattern(b, x, y, w, h);
		}
	}
	handles[0] = buf->handle;
	pitches[0] = buf->pitch;
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches,
			  offsets, &buf->fb, 0)) {
		perror("kmspattern: addfb2");
		return -1;
	}
	return 0;
}

static void flip_handler(int fd, unsigned int seq, unsigned int sec,
			 unsigned int usec, void *data)
{
	struct flip_state *st = data;

	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	st->pending = 0;
	st->done_at = now();
}

/* Waits for the pending flip's event. */
static int wait_flip(int fd, struct flip_state *st)
{
	drmEventContext ev = { .version = 2,
			       .page_flip_handler = flip_handler };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	while (st->pending) {
		n = poll(&pfd, 1, FLIP_TIMEOUT_MS);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "kmspattern: no flip event in %d ms\n",
				FLIP_TIMEOUT_MS);
			return -1;
		}
		if (drmHandleEvent(fd, &ev)) {
			perror("kmspattern: drmHandleEvent");
			return -1;
		}
	}
	return 0;
}

/* What the screen shows last: buffer flips & 1 with a white square. */
static void draw_square(struct buffer *buf, uint32_t w, uint32_t h)
{
	uint32_t x, y;

	for (y = SQUARE_Y; y < SQUARE_Y + SQUARE_SIZE && y < h; y++) {
		for (x = SQUARE_X; x < SQUARE_X + SQUARE_SIZE && x < w; x++) {
			buf->pixels[y * (buf->pitch / 4) + x] = 0xffffffff;
		}
	}
}

static int write_ppm(const char *path, const struct buffer *buf, uint32_t w,
		     uint32_t h)
{
	FILE *f = fopen(path, "wb");
	uint32_t x, y, p;

	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "P6\n%u %u\n255\n", w, h);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			p = buf->pixels[y * (buf->pitch / 4) + x];
			fputc(p >> 16 & 0xff, f);
			fputc(p >> 8 & 0xff, f);
			fputc(p & 0xff, f);
		}
	}
	return fclose(f) ? -1 : 0;
}

/* Dumb buffers the driver must refuse: not 32 bpp, empty, too big. */
static int bad_dumb_refused(int fd)
{
	static const struct drm_mode_create_dumb bad[] = {
		{ .width = 64, .height = 64, .bpp = 16 },
		{ .width = 0, .height = 64, .bpp = 32 },
		{ .width = 8193, .height = 64, .bpp = 32 },
		{ .width = 64, .height = 8193, .bpp = 32 },
	};
	struct drm_mode_create_dumb c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = bad[i];
		if (!drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c)) {
			fprintf(stderr, "kmspattern: a %ux%u %u bpp dumb "
				"buffer was made\n", c.width, c.height, c.bpp);
			return 0;
		}
	}
	return 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: kmspattern [--device PATH] [--flips N] "
		"[--seconds S] [--expect WxH] [--ppm FILE] [--hold SECONDS] "
		"[--no-device WxH]\n");
	exit(2);
}

/* --no-device: the expected image, from memory. */
static int expected_ppm(const char *size, long flips, const char *ppm)
{
	struct buffer buf = { 0 };
	uint32_t w, h, x, y;
	int rc;

	if (!ppm || sscanf(size, "%ux%u", &w, &h) != 2 || !w || !h) {
		usage();
	}
	buf.pitch = w * 4;
	buf.pixels = malloc((size_t)buf.pitch * h);
	if (!buf.pixels) {
		return 1;
	}
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			buf.pixels[y * w + x] = pattern(flips & 1, x, y, w, h);
		}
	}
	draw_square(&buf, w, h);
	rc = write_ppm(ppm, &buf, w, h) ? 1 : 0;
	free(buf.pixels);
	return rc;
}

int main(int argc, char **argv)
{
	const char *device = "/dev/dri/card0", *ppm = NULL, *expect = NULL;
	const char *no_device = NULL;
	long flips = 120, hold = 0, seconds = 0, i;
	struct flip_state st = { 0 };
	struct buffer bufs[2] = { 0 };
	double t0, t, lat, lat_max = 0, lat_sum = 0;
	drmModeConnector *conn;
	drmModeModeInfo mode;
	drmModeClip clip;
	drmModeRes *res;
	uint64_t cap = 0;
	uint32_t w, h, crtc;
	char got[32];
	int fd, rc = 1;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc) {
			usage();
		}
		if (!strcmp(argv[i], "--device")) {
			device = argv[++i];
		} else if (!strcmp(argv[i], "--flips")) {
			flips = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--expect")) {
			expect = argv[++i];
		} else if (!strcmp(argv[i], "--ppm")) {
			ppm = argv[++i];
		} else if (!strcmp(argv[i], "--hold")) {
			hold = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--seconds")) {
			seconds = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--no-device")) {
			no_device = argv[++i];
		} else {
			usage();
		}
	}
	if (flips < 0 || hold < 0 || seconds < 0) {
		usage();
	}
	if (no_device) {
		return expected_ppm(no_device, flips, ppm);
	}

	fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(device);
		return 1;
	}
	res = drmModeGetResources(fd);
	if (!res || !res->count_crtcs || drmGetCap(fd, DRM_CAP_DUMB_BUFFER,
						   &cap) || !cap) {
		printf("kmspattern: %s has no KMS (no CRTC or dumb buffers)\n",
		       device);
		return 3;
	}
	conn = kms_first_connected(fd, res);
	if (!conn) {
		printf("kmspattern: no connected connector with modes\n");
		return 1;
	}
	mode = *kms_preferred_mode(conn);
	w = mode.hdisplay;
	h = mode.vdisplay;
	crtc = res->crtcs[0];
	snprintf(got, sizeof(got), "%ux%u", w, h);
	printf("kmspattern: connector %u (type %u) connected, %d modes, "
	       "preferred %s@%u\n", conn->connector_id, conn->connector_type,
	       conn->count_modes, got, mode.vrefresh);
	if (expect && strcmp(expect, got)) {
		printf("kmspattern: preferred mode %s, expected %s\n", got,
		       expect);
		return 1;
	}

	if (!bad_dumb_refused(fd)) {
		return 1;
	}
	if (make_buffer(fd, 0, w, h, &bufs[0]) ||
	    make_buffer(fd, 1, w, h, &bufs[1])) {
		return 1;
	}
	if (drmModeSetCrtc(fd, crtc, bufs[0].fb, 0, 0, &conn->connector_id, 1,
			   &mode)) {
		perror("kmspattern: set crtc");
		return 1;
	}

	t0 = now();
	for (i = 0; i < flips; i++) {
		st.pending = 1;
		t = now();
		if (drmModePageFlip(fd, crtc, bufs[(i + 1) & 1].fb,
				    DRM_MODE_PAGE_FLIP_EVENT, &st)) {
			perror("kmspattern: page flip");
			goto out;
		}
		if (wait_flip(fd, &st)) {
			goto out;
		}
		lat = st.done_at - t;
		lat_sum += lat;
		if (lat > lat_max) {
			lat_max = lat;
		}
		if (seconds && st.done_at - t0 >= seconds) {
			flips = i + 1;
			break;
		}
	}
	t = now() - t0;
	if (flips) {
		printf("kmspattern: %ld flips in %.2f s: %.1f flips/s, "
		       "flip to event avg %.2f ms, max %.2f ms\n", flips, t,
		       flips / t, 1e3 * lat_sum / flips, 1e3 * lat_max);
	}

	/* Front-buffer rendering: draw on the screen's buffer, flush it. */
	i = flips & 1;
	draw_square(&bufs[i], w, h);
	clip = (drmModeClip){ SQUARE_X, SQUARE_Y, SQUARE_X + SQUARE_SIZE,
			      SQUARE_Y + SQUARE_SIZE };
	if (drmModeDirtyFB(fd, bufs[i].fb, &clip, 1)) {
		perror("kmspattern: dirtyfb");
		goto out;
	}
	printf("kmspattern: dirtyfb ok\n");
	if (ppm && write_ppm(ppm, &bufs[i], w, h)) {
		goto out;
	}
	if (hold) {
		printf("kmspattern: holding the screen for %ld s\n", hold);
		fflush(stdout);
		sleep(hold);
	}
	rc = 0;
out:
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return rc;
}
