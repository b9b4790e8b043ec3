/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VNC display of one device's screen: a libvncserver screen in the
 * worker process, served from the worker's own poll loop (no threads).
 * See backend/vnc.c.
 */
#ifndef VGPUBACK_VNC_H
#define VGPUBACK_VNC_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#define VGPUBACK_VNC_PORT_BASE          5900
/* Displays probed when none is named: 5900 to 5999, as QEMU's vncunused. */
#define VGPUBACK_VNC_AUTO_DISPLAYS      100
#define VGPUBACK_VNC_LISTEN_DEF         "127.0.0.1"
/* VNC authentication uses the first 8 characters of a password. */
#define VGPUBACK_VNC_PASSWD_MAX         8
/* Clients served at once; more are turned away at accept. */
#define VGPUBACK_VNC_MAX_CLIENTS        8
/* Fds the worker polls for the display: two listeners and each client. */
#define VGPUBACK_VNC_MAX_FDS            (2 + VGPUBACK_VNC_MAX_CLIENTS)

struct vgpuback_vnc_config {
	bool enabled;           /* the TCP display (vnc=1) */
	char listen[16];        /* dotted IPv4; "": VGPUBACK_VNC_LISTEN_DEF */
	int display;            /* port 5900 + display; -1: first free */
	char passwd[VGPUBACK_VNC_PASSWD_MAX + 1]; /* "": no password */
	/* The same display on a UNIX socket only root reaches; "": none. */
	char local[108];
};

struct vgpuback_vnc;

/*
 * Opens the listeners (TCP when cfg->enabled, the UNIX socket cfg->local)
 * and a blank screen of width x height. Call it before the worker enters
 * its sandbox. Returns NULL when cfg asks for neither, or (logged) when
 * neither could be opened: the device then works without a display.
 */
struct vgpuback_vnc *vgpuback_vnc_create(const struct vgpuback_vnc_config *cfg,
					 uint32_t width, uint32_t height,
					 uint32_t domid, uint32_t devid);
/* Closes every client and the listener. NULL is a no-op. */
void vgpuback_vnc_destroy(struct vgpuback_vnc *v);

/* The TCP port listened on, or 0 for NULL. */
int vgpuback_vnc_port(const struct vgpuback_vnc *v);

/*
 * Shows pixels (B8G8R8X8, rows stride bytes apart, width x height) from
 * now on, read in place whenever a client is sent an update: they must
 * stay mapped until the next show. Marks the whole screen changed.
 */
void vgpuback_vnc_show(struct vgpuback_vnc *v, const void *pixels,
		       uint32_t width, uint32_t height, uint32_t stride);

/* The rectangle changed (screen coordinates, already clipped). */
void vgpuback_vnc_damage(struct vgpuback_vnc *v, uint32_t x, uint32_t y,
			 uint32_t width, uint32_t height);

/* Fills fds (at most max) with what to poll for; returns how many. */
int vgpuback_vnc_poll_fds(const struct vgpuback_vnc *v, struct pollfd *fds,
			  int max);

/*
 * Accepts, reads clients' messages and sends the updates they asked
 * for, without waiting. fds are those of vgpuback_vnc_poll_fds() after
 * poll() (NULL, 0: only send updates).
 */
void vgpuback_vnc_serve(struct vgpuback_vnc *v, const struct pollfd *fds,
			int nfds);

#endif /* VGPUBACK_VNC_H */
