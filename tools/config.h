/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest config, read with xl's own parser (libxlutil): the domain's
 * name and its vgpu= list, each spec parsed before anything starts.
 */
#ifndef XENVGPU_CONFIG_H
#define XENVGPU_CONFIG_H

#include <stddef.h>

#include "spec.h"

#define VGPU_DEVS_MAX 16

struct vgpu_config {
	char name[128];
	size_t count;
	struct vgpu_spec spec[VGPU_DEVS_MAX];
};

/*
 * Reads path, then the "key=value" overrides in extra[0..nextra) as xl
 * create does, and parses every vgpu spec. Returns 0 or -EINVAL after
 * printing what is wrong.
 */
int vgpu_config_read(const char *path, const char *const *extra,
		     int nextra, struct vgpu_config *cfg);

#endif /* XENVGPU_CONFIG_H */
