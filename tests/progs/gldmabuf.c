/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gldmabuf: two processes share one buffer by dma-buf, through GL.
 *
 *   gldmabuf [OUT.ppm]
 *
 * The exporter renders a known pattern into a GL texture, makes an
 * EGLImage of it and exports that as a dma-buf fd
 * (EGL_MESA_image_dma_buf_export); it passes the fd over a UNIX socket
 * (SCM_RIGHTS) to the importer, a second process with its own EGL
 * display and context, which imports it (EGL_EXT_image_dma_buf_import),
 * reads its pixels back through an FBO and compares them with the
 * pattern worked out on the CPU. On a DRM device both processes reach
 * the same GEM object, so this is PRIME export and import between two
 * files of the driver. Exit status 0 only if every pixel matches (within
 * the render tests' tolerance of 2 per channel). Each process prints
 * "GL_RENDERER: ..." on stderr; OUT.ppm is the importer's readback.
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl3.h>
#include <GLES2/gl2ext.h> /* after gl3.h, whose types it uses */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gl_offscreen.h"

#define SIDE 128
#define TOLERANCE 2

/* What the importer needs besides the fd. */
struct layout {
	int fourcc;
	EGLint stride;
	EGLint offset;
};

static const char *prog = "gldmabuf";

static void die(const char *msg)
{
	gl_offscreen_die(prog, msg);
}

static void *proc(const char *name)
{
	void *p = (void *)eglGetProcAddress(name);

	if (!p) {
		fprintf(stderr, "%s: %s is missing\n", prog, name);
		exit(1);
	}
	return p;
}

static void need_extension(const char *ext)
{
	const char *all = eglQueryString(eglGetCurrentDisplay(),
					 EGL_EXTENSIONS);

	if (!all || !strstr(all, ext)) {
		fprintf(stderr, "%s: EGL lacks %s\n", prog, ext);
		exit(1);
	}
}

static const char quad_vs[] =
	"attribute vec2 pos;\n"
	"void main() { gl_Position = vec4(pos, 0.0, 1.0); }\n";
/* Each pixel's colour says where it is: a lost or shifted row shows. */
static const char quad_fs[] =
	"precision highp float;\n"
	"void main() {\n"
	"  gl_FragColor = vec4(floor(gl_FragCoord.xy) / 255.0, 0.25, 1.0);\n"
	"}\n";

/* The pattern at (x, y), y from the bottom as GL counts. */
static void expected(int x, int y, unsigned char px[4])
{
	px[0] = (unsigned char)x;
	px[1] = (unsigned char)y;
	px[2] = 64;
	px[3] = 255;
	if (x >= 16 && x < 48 && y >= 16 && y < 48) {
		px[0] = 255, px[1] = 0, px[2] = 0;
	} else if (x >= 80 && x < 112 && y >= 80 && y < 96) {
		px[0] = 0, px[1] = 0, px[2] = 255;
	}
}

static void scissored_clear(int x, int y, int w, int h, float r, float b)
{
	glScissor(x, y, w, h);
	glClearColor(r, 0.0f, b, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
}

static void draw_pattern(void)
{
	static const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, 1, 1 };

	glUseProgram(gl_offscreen_program(prog, quad_vs, quad_fs));
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glEnable(GL_SCISSOR_TEST);
	scissored_clear(16, 16, 32, 32, 1.0f, 0.0f);
	scissored_clear(80, 80, 32, 16, 0.0f, 1.0f);
	glDisable(GL_SCISSOR_TEST);
}

/* A texture as the colour attachment of a new FBO. */
static void attach(GLuint tex)
{
	GLuint fbo;

	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0,
			       GL_TEXTURE_2D, tex, 0);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) !=
	    GL_FRAMEBUFFER_COMPLETE) {
		die("the FBO is incomplete");
	}
	glViewport(0, 0, SIDE, SIDE);
}

static void send_fd(int sock, int fd, const struct layout *l)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)l, .iov_len = sizeof(*l) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sendmsg(sock, &msg, 0) != (ssize_t)sizeof(*l)) {
		die("cannot send the dma-buf fd");
	}
}

static int recv_fd(int sock, struct layout *l)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = l, .iov_len = sizeof(*l) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(*l)) {
		die("no layout from the exporter");
	}
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		die("no dma-buf fd from the exporter");
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static long compare(const char *role, const unsigned char *rgba);

static void print_renderer(const char *role)
{
	fprintf(stderr, "%s: GL_RENDERER: %s\n", role,
		(const char *)glGetString(GL_RENDERER));
}

/* Renders, exports, sends; waits for the importer's verdict byte. */
static int exporter(int sock)
{
	static unsigned char rgba[SIDE * SIDE * 4];
	PFNEGLCREATEIMAGEKHRPROC create_image;
	PFNEGLEXPORTDMABUFIMAGEQUERYMESAPROC query;
	PFNEGLEXPORTDMABUFIMAGEMESAPROC export_image;
	EGLDisplay dpy;
	struct layout l;
	EGLImageKHR img;
	int planes, fd;
	char verdict = 1;
	GLuint tex;

	gl_offscreen_init(prog, 2);
	print_renderer("exporter");
	create_image = proc("eglCreateImageKHR");
	query = proc("eglExportDMABUFImageQueryMESA");
	export_image = proc("eglExportDMABUFImageMESA");
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, SIDE, SIDE, 0, GL_RGBA,
		     GL_UNSIGNED_BYTE, NULL);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	attach(tex);
	draw_pattern();
	/* The pattern must be right here first, or the importer proves nothing. */
	glReadPixels(0, 0, SIDE, SIDE, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
	if (compare("exporter", rgba)) {
		die("the exporter's own pixels differ from the pattern");
	}
	need_extension("EGL_MESA_image_dma_buf_export");
	dpy = eglGetCurrentDisplay();
	img = create_image(dpy, eglGetCurrentContext(), EGL_GL_TEXTURE_2D_KHR,
			   (EGLClientBuffer)(uintptr_t)tex, NULL);
	if (img == EGL_NO_IMAGE_KHR) {
		die("eglCreateImageKHR of the texture failed");
	}
	if (!query(dpy, img, &l.fourcc, &planes, NULL) || planes != 1) {
		die("eglExportDMABUFImageQueryMESA failed or not one plane");
	}
	if (!export_image(dpy, img, &fd, &l.stride, &l.offset)) {
		die("eglExportDMABUFImageMESA failed");
	}
	fprintf(stderr, "exporter: fourcc 0x%08x stride %d offset %d\n",
		l.fourcc, l.stride, l.offset);
	send_fd(sock, fd, &l);
	close(fd);
	/* Keep the texture until the importer has read it. */
	if (read(sock, &verdict, 1) != 1) {
		verdict = 1;
	}
	return verdict;
}

/* Imports fd as a texture and reads it back through an FBO. */
static void import_and_read(int fd, const struct layout *l,
			    unsigned char *rgba)
{
	PFNEGLCREATEIMAGEKHRPROC create_image;
	PFNGLEGLIMAGETARGETTEXTURE2DOESPROC target;
	const EGLint attrs[] = {
		EGL_WIDTH, SIDE, EGL_HEIGHT, SIDE,
		EGL_LINUX_DRM_FOURCC_EXT, l->fourcc,
		EGL_DMA_BUF_PLANE0_FD_EXT, fd,
		EGL_DMA_BUF_PLANE0_OFFSET_EXT, l->offset,
		EGL_DMA_BUF_PLANE0_PITCH_EXT, l->stride,
		EGL_NONE
	};
	EGLImageKHR img;
	GLuint tex;

	need_extension("EGL_EXT_image_dma_buf_import");
	create_image = proc("eglCreateImageKHR");
	target = proc("glEGLImageTargetTexture2DOES");
	img = create_image(eglGetCurrentDisplay(), EGL_NO_CONTEXT,
			   EGL_LINUX_DMA_BUF_EXT, NULL, attrs);
	if (img == EGL_NO_IMAGE_KHR) {
		die("eglCreateImageKHR of the dma-buf failed");
	}
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	target(GL_TEXTURE_2D, (GLeglImageOES)img);
	if (glGetError() != GL_NO_ERROR) {
		die("glEGLImageTargetTexture2DOES failed");
	}
	attach(tex);
	glReadPixels(0, 0, SIDE, SIDE, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
}

/* Pixels off the pattern by more than TOLERANCE in some channel. */
static long compare(const char *role, const unsigned char *rgba)
{
	unsigned char want[4];
	long bad = 0;
	int x, y, c, d;

	for (y = 0; y < SIDE; y++) {
		for (x = 0; x < SIDE; x++) {
			const unsigned char *got = rgba + (y * SIDE + x) * 4;

			expected(x, y, want);
			for (c = 0; c < 4; c++) {
				d = abs(got[c] - want[c]);
				if (d > TOLERANCE) {
					break;
				}
			}
			if (c < 4 && bad++ < 3) {
				fprintf(stderr, "%s: (%d,%d) is %u %u %u %u, "
					"not %u %u %u %u\n", role, x, y, got[0],
					got[1], got[2], got[3], want[0], want[1],
					want[2], want[3]);
			}
		}
	}
	return bad;
}

static int importer(int sock, const char *out)
{
	static unsigned char rgba[SIDE * SIDE * 4];
	struct layout l;
	char verdict;
	long bad;
	int fd;

	fd = recv_fd(sock, &l);
	gl_offscreen_init(prog, 2);
	print_renderer("importer");
	import_and_read(fd, &l, rgba);
	close(fd);
	bad = compare("importer", rgba);
	fprintf(stderr, "importer: %ld of %d pixels differ from the "
		"exporter's pattern\n", bad, SIDE * SIDE);
	if (out) {
		gl_offscreen_write_ppm(prog, out, SIDE, SIDE, rgba);
	}
	verdict = bad ? 1 : 0;
	if (write(sock, &verdict, 1) != 1) {
		die("cannot answer the exporter");
	}
	return verdict;
}

int main(int argc, char **argv)
{
	int sv[2], status, ret;
	pid_t pid;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: gldmabuf [OUT.ppm]\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		die("socketpair failed");
	}
	/* Fork before EGL: each process opens the device on its own. */
	pid = fork();
	if (pid < 0) {
		die("fork failed");
	}
	if (!pid) {
		close(sv[0]);
		return importer(sv[1], argc == 2 ? argv[1] : NULL);
	}
	close(sv[1]);
	ret = exporter(sv[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ret = 1;
	}
	fprintf(stderr, "gldmabuf: %s\n", ret ? "FAIL" : "PASS");
	return ret;
}
