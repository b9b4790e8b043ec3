/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The animation's fbdev output: Xen's PV framebuffer (xen-fbfront) as a
 * vfb= guest has it. There is one buffer and no flip: the frame is shown
 * when the kernel's deferred I/O sends the pages written since its last
 * pass (every 50 ms in xen-fbfront), so present() has nothing to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "anim.h"

struct fbdev_out {
	struct anim_out base;
	int fd;
	void *map;
	size_t map_len;
};

static uint32_t *fbdev_back(struct anim_out *out)
{
	return ((struct fbdev_out *)out)->map;
}

static int fbdev_present(struct anim_out *out)
{
	(void)out;
	return 0;
}

static void fbdev_destroy(struct anim_out *out)
{
	struct fbdev_out *fb = (struct fbdev_out *)out;

	munmap(fb->map, fb->map_len);
	close(fb->fd);
	free(fb);
}

static const struct anim_out_impl fbdev_impl = {
	.back = fbdev_back,
	.present = fbdev_present,
	.destroy = fbdev_destroy,
};

struct anim_out *anim_fbdev_create(const char *path)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	struct fbdev_out *fb = calloc(1, sizeof(*fb));

	if (!fb) {
		return NULL;
	}
	fb->fd = open(path, O_RDWR | O_CLOEXEC);
	if (fb->fd < 0) {
		fprintf(stderr, "anim: %s: %s (is xen-fbfront loaded, and vfb= in the config?)\n",
			path, strerror(errno));
		goto err_free;
	}
	if (ioctl(fb->fd, FBIOGET_VSCREENINFO, &var) ||
	    ioctl(fb->fd, FBIOGET_FSCREENINFO, &fix)) {
		fprintf(stderr, "anim: %s: not a framebuffer: %s\n", path, strerror(errno));
		goto err_close;
	}
	if (var.bits_per_pixel != 32) {
		fprintf(stderr, "anim: %s has %u bits per pixel; only 32 is drawn\n",
			path, var.bits_per_pixel);
		goto err_close;
	}
	fb->map_len = fix.smem_len;
	fb->map = mmap(NULL, fb->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fb->fd, 0);
	if (fb->map == MAP_FAILED) {
		fprintf(stderr, "anim: mmap %s: %s\n", path, strerror(errno));
		goto err_close;
	}
	fb->base = (struct anim_out){ .impl = &fbdev_impl, .name = "fbdev",
		.width = var.xres, .height = var.yres, .stride = fix.line_length };
	return &fb->base;

err_close:
	close(fb->fd);
err_free:
	free(fb);
	return NULL;
}
