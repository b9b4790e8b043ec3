/* SPDX-License-Identifier: GPL-2.0 */
/* vgpu-vtest's listening socket and its client threads. */
#ifndef VTEST_SERVER_H
#define VTEST_SERVER_H

#include <stdint.h>

struct vtest_server;

/*
 * How each client's device is opened. Every client gets a device of its
 * own: at vtest protocol v2 each Mesa process picks its resource handles
 * from 1, so two processes on one device would collide. On loopback that
 * also means a backend worker process per client, as virgl_test_server
 * forks one renderer per client.
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

/* Transfer bytes copied for protocol v0 clients, all clients so far. */
uint64_t vtest_server_bytes_copied(const struct vtest_server *srv);

#endif /* VTEST_SERVER_H */
