/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest config an xl command line builds a domain from: `xl create`
 * and `xl restore`, parsed as Xen 4.17's xl parses them. Pure: argv in,
 * names out, so that it can be tested without xl.
 *
 * Why: since Xen 4.5 xl keeps a domain's config only as libxl's JSON,
 * which drops keys libxl does not know (vgpu= among them), so the daemon
 * that adds the devices of a domain xl builds reads the config file the
 * xl process building it names (backend/xl_devices.c).
 */
#ifndef XENVGPU_XLCMD_H
#define XENVGPU_XLCMD_H

#include <stdbool.h>

#define VGPU_XL_EXTRA_MAX 32

struct vgpu_xl_cmd {
	bool restore;                   /* xl restore, else xl create */
	const char *config;             /* NULL: none named */
	const char *extra[VGPU_XL_EXTRA_MAX];   /* create's key=value lines */
	int nextra;
};

/*
 * Parses argv[0..argc) of an xl process. Returns 0 when it is `xl create`
 * or `xl restore` with a config file, -ENOENT when it is another command
 * or names no config (a restore that takes the saved one), -EINVAL when
 * xl itself would refuse it.
 */
int vgpu_xl_cmd_parse(int argc, char *const *argv, struct vgpu_xl_cmd *cmd);

#endif /* XENVGPU_XLCMD_H */
