/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One frame of a VNC display, saved as PNG: what xenvgpu screenshot does
 * once it knows where the guest's screen is served. Needs no Xen, so
 * that tests run it against a loopback backend.
 */
#ifndef XENVGPU_VNC_GRAB_H
#define XENVGPU_VNC_GRAB_H

/*
 * Connects to the VNC server at host:port, or on the UNIX socket host
 * (port 0; passwd NULL or "": none),
 * waits up to timeout_ms for a whole frame, and writes it to path as an
 * 8-bit RGB PNG. Returns 0, or a negative errno after printing why.
 */
int xenvgpu_vnc_grab(const char *host, int port, const char *passwd,
		     const char *path, int timeout_ms);

#endif /* XENVGPU_VNC_GRAB_H */
