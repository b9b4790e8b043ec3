/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenvgpu's Xen-facing parts: the handles every command uses, domain
 * lookups and running xl (domain.c), device nodes in xenstore
 * (devices.c), and the list and check commands (list.c, check.c).
 * Internal functions return 0 or negative errno and print what went
 * wrong, with what to do about it, to stderr.
 */
#ifndef XENVGPU_H
#define XENVGPU_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "nodes.h"
#include "vgpu_sched.h"

/* libxl and devices both wait this long for a backend. */
#define XENVGPU_TIMEOUT_MS 10000

/* The handles a command uses; the tool opens them once, in main. */
struct xenvgpu {
	struct xs_handle *xs;
	libxl_ctx *ctx;                 /* NULL until xenvgpu_open_libxl */
	xentoollog_logger_stdiostream *logger;
	bool verbose;
	sigset_t old_mask;              /* the mask before xenvgpu_guard */
};

/* domain.c */
int xenvgpu_open_xs(struct xenvgpu *xv);
int xenvgpu_open_libxl(struct xenvgpu *xv);
void xenvgpu_close(struct xenvgpu *xv);
/* A domain given as a name or id (like xl's qualifier), which must exist. */
int xenvgpu_domid(struct xenvgpu *xv, const char *qualifier,
		  uint32_t *domid);
/* Resolves and checks the spec's backend= into dev->backend_id. */
int xenvgpu_backend(struct xenvgpu *xv, struct vgpu_dev *dev);
/*
 * Runs xl (or $XENVGPU_XL) with args, stdio inherited, and waits for it.
 * Returns its exit status, or negative errno if it could not run.
 */
int xenvgpu_xl(struct xenvgpu *xv, const char *const *args);
/*
 * Defers SIGINT, SIGTERM and SIGHUP while a domain is half built, so
 * that an interrupt cleans up instead of leaving it behind.
 */
void xenvgpu_guard(struct xenvgpu *xv);
bool xenvgpu_interrupted(void);
double xenvgpu_ms_since(uint64_t start_ns);

/* devices.c */
/*
 * Writes the front and back directories of devs[0..n) in one
 * transaction. pick_ids: give them the next free devids of their domain
 * (all devs of one domain); otherwise their devids are used as they are.
 */
int xenvgpu_devices_add(struct xenvgpu *xv, struct vgpu_dev *devs, size_t n,
			bool pick_ids);
/* Waits (one shared deadline) for every backend to reach InitWait. */
int xenvgpu_devices_wait(struct xenvgpu *xv, const struct vgpu_dev *devs,
			 size_t n, int timeout_ms);
/* Removes both directories of devs[0..n) in one transaction. */
int xenvgpu_devices_remove(struct xenvgpu *xv, const struct vgpu_dev *devs,
			   size_t n);
/* Closing, wait for Closed, remove: what libxl does to a device. */
int xenvgpu_device_detach(struct xenvgpu *xv, uint32_t domid, uint32_t devid);
/*
 * The devids of domain's vgpu devices, found under the frontend directory
 * and the backend directory of backend_id. Returns how many (at most
 * max, sorted) or negative errno.
 */
int xenvgpu_device_ids(struct xenvgpu *xv, uint32_t domid,
		       uint32_t backend_id, uint32_t *ids, int max);
/*
 * Finds which domain serves domid's device devid: the frontend's
 * backend-id if a backend directory for (domid, devid) exists there,
 * else the first domain that has one. Paths are always built from the
 * ids, never taken from the guest-owned frontend directory.
 * Returns 0 or -ENOENT.
 */
int xenvgpu_device_backend(struct xenvgpu *xv, uint32_t domid,
			   uint32_t devid, uint32_t *backend_id);
/* The domain ids under /local/domain, sorted. Returns how many. */
int xenvgpu_domains(struct xenvgpu *xv, uint32_t *ids, int max);
/* Reads every node of dir into set (names relative to dir). */
int xenvgpu_read_dir(struct xenvgpu *xv, const char *dir,
		     struct vgpu_nodeset *set);

/* list.c, check.c */
int xenvgpu_list(struct xenvgpu *xv, int argc, char **argv);
int xenvgpu_check(struct xenvgpu *xv, int argc, char **argv);
int xenvgpu_sched(struct xenvgpu *xv, int argc, char **argv);
int xenvgpu_top(struct xenvgpu *xv, int argc, char **argv);

/* screen.c: xenvgpu screenshot, xenvgpu resize (argv[0] is the command). */
int xenvgpu_screenshot(struct xenvgpu *xv, int argc, char **argv);
int xenvgpu_resize(struct xenvgpu *xv, int argc, char **argv);

/* sched.c: what the GPU scheduler's table holds, at one moment. */
struct xenvgpu_snapshot {
	struct vgpu_sched_config cfg;
	uint64_t taken_ns;
	size_t count;
	struct vgpu_sched_stat stat[VGPU_SCHED_MAX_ENTRIES];
};

/*
 * Reads the table at path (NULL: the default). Returns 0 or negative
 * errno; xenvgpu_sched_why() says what such an error means.
 */
int xenvgpu_sched_snapshot(const char *path, struct xenvgpu_snapshot *snap);
const char *xenvgpu_sched_why(int err);

#endif /* XENVGPU_H */
