/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices of domains that plain `xl create` (or `xl restore`, or
 * xendomains) builds: read from the config xl stores for each domain.
 *
 * DOC: xl's config
 * xl ignores vgpu= and, since Xen 4.5, keeps a domain's config only as
 * libxl's JSON, which drops the keys libxl does not know. So for every
 * domain it has not yet seen (at start, and on @introduceDomain) the
 * daemon looks for the config text where xl leaves it:
 *  1. libxl userdata "xl", which `xl config-update` writes;
 *  2. the config file named on the command line of the `xl create` or
 *     `xl restore CONFIG` process building the domain (with create's
 *     key=value lines), the one whose name= is the domain's; only a
 *     root process counts, as anyone can call a program xl;
 *  3. the config it kept, by the domain's UUID, when it gave an earlier
 *     domain of that UUID its devices: what `xl restore` of a saved
 *     domain (xendomains, migration) needs, as the saved JSON has none.
 * It parses vgpu= with xenvgpu's own code and writes the device nodes as
 * `xenvgpu create` does, in one transaction. A domain is asked again
 * every XL_DEVICES_RETRY_MS for XL_DEVICES_WAIT_MS, then left alone (one
 * no xl built, or one with no vgpu=).
 *
 * A domain is skipped when it already has vgpu devices, or when its
 * config carries xenvgpu's mark (`xenvgpu create` adds its devices
 * itself, with stricter checks, before the guest runs). A bad vgpu=
 * cannot stop a guest xl has already built: the daemon logs why,
 * writes it to backend/vgpu/<domid>/config-error (shown by `xenvgpu
 * list` and `xenvgpu check`), and adds no device.
 */
#ifndef VGPUBACK_XL_DEVICES_H
#define VGPUBACK_XL_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

#define XL_DEVICES_RETRY_MS     100
#define XL_DEVICES_WAIT_MS      30000
/* The kept configs, one file a domain UUID; root's alone. */
#define XL_DEVICES_STATE_DIR    "/var/lib/xen-vgpu"

struct xenvgpu;

struct vgpuback_xl_domain {
	uint32_t domid;
	uint64_t give_up_ns;    /* 0: done with it */
	bool kept;              /* its config is in XL_DEVICES_STATE_DIR */
};

struct vgpuback_xl_devices {
	struct xenvgpu *xv;             /* libxl and the daemon's xenstore */
	struct vgpuback_xl_domain *doms;
	size_t ndoms;
};

/* Opens libxl; xs stays the caller's. Returns 0 or a negative errno. */
int vgpuback_xl_devices_init(struct vgpuback_xl_devices *x,
			     struct xs_handle *xs);
void vgpuback_xl_devices_fini(struct vgpuback_xl_devices *x);

/* Domains came or went: starts on the new ones, forgets the gone. */
void vgpuback_xl_devices_scan(struct vgpuback_xl_devices *x);

/* Asks the domains still waiting; returns ms until it is due again, or -1. */
int vgpuback_xl_devices_tick(struct vgpuback_xl_devices *x);

#endif /* VGPUBACK_XL_DEVICES_H */
