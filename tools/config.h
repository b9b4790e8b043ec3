/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest config, read with xl's own parser (libxlutil): the domain's
 * name and its vgpu= list, each spec parsed before anything starts.
 */
#ifndef XENVGPU_CONFIG_H
#define XENVGPU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "spec.h"

#define VGPU_DEVS_MAX 16

/*
 * xenvgpu create adds this key to the config xl stores for the domain,
 * so that vgpu-backend --xen, which adds the devices of every domain xl
 * creates, leaves those it sets up itself alone.
 */
#define VGPU_CONFIG_MARK "xenvgpu_create"

struct vgpu_config {
	char name[128];
	size_t count;
	struct vgpu_spec spec[VGPU_DEVS_MAX];
	bool by_xenvgpu;        /* VGPU_CONFIG_MARK is set */
};

/*
 * Reads path, then the "key=value" overrides in extra[0..nextra) as xl
 * create does, and parses every vgpu spec. Returns 0 or -EINVAL after
 * printing what is wrong.
 */
int vgpu_config_read(const char *path, const char *const *extra,
		     int nextra, struct vgpu_config *cfg);

/*
 * The same from config text (origin names it in messages). Returns 0,
 * or a negative errno with the reason in err; cfg->name is filled even
 * when a vgpu= spec is refused.
 */
int vgpu_config_parse(const char *origin, const char *data, size_t len,
		      struct vgpu_config *cfg, char *err, size_t errlen);

#endif /* XENVGPU_CONFIG_H */
