/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Privilege separation of a worker: once its device is connected, the
 * worker gives up root and confines itself to the system calls that
 * serving the device needs. See backend/privsep.c and docs/security.md.
 */
#ifndef VGPUBACK_PRIVSEP_H
#define VGPUBACK_PRIVSEP_H

#include <stdbool.h>
#include <stdint.h>

/* The default unprivileged user; "nobody" when it does not exist. */
#define VGPUBACK_PRIVSEP_USER           "vgpu-backend"
#define VGPUBACK_PRIVSEP_FALLBACK_USER  "nobody"

/* Zeroed, this is the default: drop to the default user, seccomp on. */
struct vgpuback_privsep {
	const char *user;       /* --user=NAME; NULL: the default user */
	bool keep_root;         /* --no-privdrop or --user= (debugging) */
	bool no_seccomp;        /* --no-seccomp (debugging) */
};

/*
 * Checks at startup that the user the workers will drop to exists, so
 * that a typo in --user fails now rather than at the first connect.
 * Logs and returns -ENOENT if not; 0 when running as non-root or with
 * keep_root.
 */
int vgpuback_privsep_check(const struct vgpuback_privsep *p);

/*
 * Sandboxes the calling worker for good: when root, drops to p's user
 * (all threads) and checks that root cannot be regained; then sets
 * no_new_privs, clears the dumpable flag and, unless p->no_seccomp,
 * installs the seccomp allowlist on every thread. Call it once the
 * device is connected and the renderer running, before serving the ring.
 * domid is for the log. Returns 0, or -errno (logged): the worker must
 * then exit, as it may be half sandboxed.
 */
int vgpuback_privsep_enter(const struct vgpuback_privsep *p, uint32_t domid,
			   uint32_t devid);

#endif /* VGPUBACK_PRIVSEP_H */
