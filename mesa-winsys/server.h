/* SPDX-License-Identifier: GPL-2.0 */
/* vgpu-vtest's listening socket and its client threads. */
#ifndef VTEST_SERVER_H
#define VTEST_SERVER_H

#include <stdint.h>

struct vtest_server;

/*
 * How the device is opened. All clients share one device, each as a
 * context of its own; their resource handles are translated to device
 * ids of their own (DOC: resource handles in vtest_dev.c).
 */
struct vtest_dev_params {
	const char *spec;       /* vgpufront_open() spec */
	long poll_us;           /* -1: library default */
	uint32_t max_version;   /* highest vtest protocol version offered */
};

/*
 * Listens on the UNIX socket path, replacing a stale socket file but not
 * a live server. SIGINT and SIGTERM are blocked in the calling thread
 * (and so in every client thread) and taken by vtest_server_run().
 * Returns NULL with errno set; the reason is logged.
 */
struct vtest_server *vtest_server_create(const char *path,
					 const struct vtest_dev_params *params);

/*
 * Accepts clients, one thread each, until SIGINT or SIGTERM. Returns 0,
 * or a negative errno if accepting failed.
 */
int vtest_server_run(struct vtest_server *srv);

/*
 * Drops the remaining clients (their contexts and resources are freed),
 * removes the socket file and frees srv. NULL is a no-op.
 */
void vtest_server_destroy(struct vtest_server *srv);

/*
 * Connects the device the clients will share, now rather than at the
 * first client, so that a missing device is reported at startup.
 * Returns 0 or a negative errno.
 */
int vtest_server_connect(struct vtest_server *srv);

/* Transfer bytes copied for protocol v0 clients, all clients so far. */
uint64_t vtest_server_bytes_copied(const struct vtest_server *srv);

#endif /* VTEST_SERVER_H */
