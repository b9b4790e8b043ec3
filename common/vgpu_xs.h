/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenstore helpers shared by the Xen transports and the tools: reading
 * nodes strictly, writing a set of nodes in one transaction, waiting for
 * a XenbusState.
 */
#ifndef VGPU_XS_H
#define VGPU_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

/* Reads dir/key into buf. Returns 0, -ENOENT, or -ENAMETOOLONG. */
int vgpu_xs_read(struct xs_handle *xs, const char *dir, const char *key,
		 char *buf, size_t len);

/* Reads dir/key as a decimal uint32 in [min, max] (vgpu_parse_u32). */
int vgpu_xs_read_u32(struct xs_handle *xs, const char *dir, const char *key,
		     uint32_t min, uint32_t max, uint32_t *out);

/*
 * Writes every "key=value\n" of nodes under dir, then dir/state = state
 * unless state is XenbusStateUnknown, all in one transaction.
 */
int vgpu_xs_write_nodes(struct xs_handle *xs, const char *dir,
			const char *nodes, enum xenbus_state state);

/* Writes dir/state alone. */
int vgpu_xs_set_state(struct xs_handle *xs, const char *dir,
		      enum xenbus_state state);

/* Current dir/state, or XenbusStateUnknown if absent or garbage. */
enum xenbus_state vgpu_xs_state(struct xs_handle *xs, const char *dir);

/*
 * Waits up to timeout_ms (-1: forever) for dir/state to be one of the
 * states in the mask (bit n for state n). Returns the state reached, or
 * -ETIMEDOUT. vgpu_xs_wait_node: the same for path to exist; 0 or
 * -ETIMEDOUT.
 */
int vgpu_xs_wait_node(struct xs_handle *xs, const char *path, int timeout_ms);
int vgpu_xs_wait_state(struct xs_handle *xs, const char *dir, uint32_t mask,
		       int timeout_ms);

#define VGPU_XS_STATE(s) (1u << (s))

/*
 * A device's secrets (its VNC password) are kept in
 * <backend's home>/VGPU_XS_PRIVATE_DIR/<domid>/<devid>, a directory only
 * the backend's domain may read, unlike the backend directory, which
 * its guest reads.
 */
#define VGPU_XS_PRIVATE_DIR "vgpu-private"

/*
 * Not in xenstore, but dom0's alone too: each Xen worker's screen socket,
 * <dir>/<domid>.<devid>.sock, a VNC display only root reaches (xenvgpu
 * screenshot without vnc=1). The backend daemon makes the directory, 0700.
 */
#define VGPU_SCREEN_DIR "/run/xen-vgpu/screen"

#endif /* VGPU_XS_H */
