/* SPDX-License-Identifier: GPL-2.0 */
/* vgpu-vtest's protocol layer: one vtest client as one vgpu context. */
#ifndef VTEST_H
#define VTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vgpufront;
struct vtest_dev;
struct vtest_client;

/*
 * DOC: input and output
 *
 * The protocol layer never touches a socket itself. It reads and writes
 * through these hooks, so the same dispatcher serves a UNIX socket
 * (server.c) or a test's or fuzzer's buffer.
 *
 * read:    fills exactly len bytes; 0, -EPIPE if the input ends first,
 *          or another negative errno.
 * write:   sends exactly len bytes; 0 or a negative errno.
 * send_fd: sends one byte carrying fd (SCM_RIGHTS); the caller keeps fd.
 *          fd < 0: the byte alone, which fails the client's create.
 */
struct vtest_io {
	int (*read)(struct vtest_io *io, void *buf, size_t len);
	int (*write)(struct vtest_io *io, const void *buf, size_t len);
	int (*send_fd)(struct vtest_io *io, int fd);
};

/*
 * Wraps an open device for all clients of one server: context ids, the
 * cached capsets. front may be NULL (tests): every device call then
 * fails with -ENODEV. Returns NULL with errno set.
 */
struct vtest_dev *vtest_dev_create(struct vgpufront *front);

/* Frees dev, not its vgpufront. vtest_dev_destroy(NULL) is a no-op. */
void vtest_dev_destroy(struct vtest_dev *dev);

/* Offers clients at most this protocol version (0 or 2; default 2). */
void vtest_dev_set_max_version(struct vtest_dev *dev, uint32_t version);

/* Bytes that vtest copied itself (protocol v0/v1 transfer data). */
uint64_t vtest_dev_bytes_copied(const struct vtest_dev *dev);

/*
 * A new client reading and writing through io; name labels its log
 * lines. The device context is created when a command first needs it.
 * Returns NULL with errno set.
 */
struct vtest_client *vtest_client_create(struct vtest_dev *dev,
					 struct vtest_io *io,
					 const char *name);

/*
 * Reads and executes one command. Returns 0, -EPIPE when the client
 * closed the connection between commands, or a negative errno after
 * which the client must be dropped (the reason is logged).
 */
int vtest_client_dispatch(struct vtest_client *c);

/*
 * Waits for the client's outstanding work, frees its resources and
 * destroys its device context. vtest_client_destroy(NULL) is a no-op.
 */
void vtest_client_destroy(struct vtest_client *c);

/* The protocol version the client negotiated (0 until it asks). */
uint32_t vtest_client_version(const struct vtest_client *c);

#endif /* VTEST_H */
