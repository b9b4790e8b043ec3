/* SPDX-License-Identifier: GPL-2.0 */
/* vgpu-vtest's listening socket and its client threads. */
#ifndef VTEST_SERVER_H
#define VTEST_SERVER_H

struct vtest_dev;
struct vtest_server;

/*
 * Listens on the UNIX socket path, replacing a stale socket file but not
 * a live server. SIGINT and SIGTERM are blocked in the calling thread
 * (and so in every client thread) and taken by vtest_server_run().
 * Returns NULL with errno set; the reason is logged.
 */
struct vtest_server *vtest_server_create(const char *path,
					 struct vtest_dev *dev);

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

#endif /* VTEST_SERVER_H */
