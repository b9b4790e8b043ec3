/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenvgpu screenshot's VNC client (libvncclient) and PNG writer
 * (libpng's simplified API). The client asks only for lossless
 * encodings, so the PNG holds exactly what the guest shows.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <rfb/rfbclient.h>

#include "vgpu_util.h"
#include "vnc_grab.h"

#define BYTES_PER_PIXEL 4
/* rfbClientSetClientData's keys: any distinct addresses. */
static const char passwd_tag, frame_tag;

/* What has come of the first full frame. */
struct frame {
	uint64_t pixels;        /* received, counted per rectangle */
	bool done;              /* an update brought the whole screen */
};

/* NULL, not "", for none: libvncclient frees only a non-empty one. */
static char *give_passwd(rfbClient *c)
{
	const char *passwd = rfbClientGetClientData(c, (void *)&passwd_tag);

	return passwd && passwd[0] ? strdup(passwd) : NULL;
}

static void got_rect(rfbClient *c, int x, int y, int w, int h)
{
	struct frame *f = rfbClientGetClientData(c, (void *)&frame_tag);

	(void)x;
	(void)y;
	f->pixels += (uint64_t)w * h;
}

/* Updates may carry only pseudo-rectangles: wait for one with pixels. */
static void update_done(rfbClient *c)
{
	struct frame *f = rfbClientGetClientData(c, (void *)&frame_tag);

	f->done |= f->pixels >= (uint64_t)c->width * c->height;
	f->pixels = 0;
}

/* libvncclient's chatter stays out of the tool's output. */
static void quiet(const char *fmt, ...)
{
	(void)fmt;
}

static rfbClient *connect_to(const char *host, int port, const char *passwd,
			     struct frame *f)
{
	rfbClient *c = rfbGetClient(8, 3, BYTES_PER_PIXEL);

	if (!c) {
		return NULL;
	}
	rfbClientLog = quiet;
	free(c->serverHost);
	c->serverHost = strdup(host);
	c->serverPort = port;
	c->appData.encodingsString = "zrle hextile raw";
	c->appData.enableJPEG = FALSE;
	c->GetPassword = give_passwd;
	c->GotFrameBufferUpdate = got_rect;
	c->FinishedFrameBufferUpdate = update_done;
	rfbClientSetClientData(c, (void *)&passwd_tag, (void *)passwd);
	rfbClientSetClientData(c, (void *)&frame_tag, f);
	/* rfbInitClient asks for the whole screen, and frees c on failure. */
	return rfbInitClient(c, NULL, NULL) ? c : NULL;
}

/* Reads updates until the first whole frame is in. */
static int wait_frame(rfbClient *c, const struct frame *f, int timeout_ms)
{
	uint64_t deadline = vgpu_now_ns() + (uint64_t)timeout_ms * 1000000;

	while (!f->done && vgpu_now_ns() < deadline) {
		if (WaitForMessage(c, 100000) > 0 &&
		    !HandleRFBServerMessage(c)) {
			return -ECONNRESET;
		}
	}
	return f->done ? 0 : -ETIMEDOUT;
}

/* The client's pixels (R, G, B, pad in memory) as RGB rows, to path. */
static int write_png(const rfbClient *c, const char *path)
{
	png_image image = { .version = PNG_IMAGE_VERSION,
			    .width = (png_uint_32)c->width,
			    .height = (png_uint_32)c->height,
			    .format = PNG_FORMAT_RGB };
	size_t n = (size_t)c->width * c->height;
	uint8_t *rgb = malloc(n * 3);
	size_t i;
	int ok;

	if (!rgb) {
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		memcpy(rgb + i * 3, c->frameBuffer + i * BYTES_PER_PIXEL, 3);
	}
	ok = png_image_write_to_file(&image, path, 0, rgb, 0, NULL);
	free(rgb);
	if (!ok) {
		fprintf(stderr, "xenvgpu screenshot: cannot write %s: %s\n",
			path, image.message);
		return -EIO;
	}
	return 0;
}

int xenvgpu_vnc_grab(const char *host, int port, const char *passwd,
		     const char *path, int timeout_ms)
{
	struct frame f = { 0 };
	rfbClient *c;
	int ret;

	c = connect_to(host, port, passwd, &f);
	if (!c) {
		fprintf(stderr, "xenvgpu screenshot: cannot connect to the VNC "
			"display at %s%s%.0d (or it refused the password)\n",
			host, port ? ":" : "", port);
		return -ECONNREFUSED;
	}
	ret = wait_frame(c, &f, timeout_ms);
	if (ret) {
		fprintf(stderr, "xenvgpu screenshot: no whole frame from %s%s%.0d "
			"within %d ms: %s\n", host, port ? ":" : "", port,
			timeout_ms, strerror(-ret));
	} else {
		ret = write_png(c, path);
	}
	/* rfbClientCleanup leaves the frame buffer to its allocator. */
	free(c->frameBuffer);
	c->frameBuffer = NULL;
	rfbClientCleanup(c);
	return ret;
}
