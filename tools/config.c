/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the guest config with libxlutil: name= and vgpu=. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libxlutil.h>

#include "config.h"

static int read_name(XLU_Config *xlu, const char *path,
		     struct vgpu_config *cfg)
{
	const char *name = NULL;

	if (xlu_cfg_get_string(xlu, "name", &name, 0) || !name || !*name) {
		fprintf(stderr, "%s: no name= in the config: xl create needs "
			"one, and xenvgpu finds the new domain by it\n", path);
		return -EINVAL;
	}
	if (strlen(name) >= sizeof(cfg->name)) {
		fprintf(stderr, "%s: name= is longer than %zu bytes\n", path,
			sizeof(cfg->name) - 1);
		return -EINVAL;
	}
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	return 0;
}

static int read_specs(XLU_Config *xlu, const char *path,
		      struct vgpu_config *cfg)
{
	XLU_ConfigList *list = NULL;
	char err[512];
	int i, n = 0, ret;

	ret = xlu_cfg_get_list(xlu, "vgpu", &list, &n, 0);
	if (ret == ESRCH) {
		return 0;       /* no vgpu= at all: no devices */
	}
	if (ret) {
		fprintf(stderr, "%s: vgpu= must be a list: vgpu = [ 'spec', "
			"... ]\n", path);
		return -EINVAL;
	}
	if (n > VGPU_DEVS_MAX) {
		fprintf(stderr, "%s: %d vgpu devices; at most %d are "
			"supported\n", path, n, VGPU_DEVS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		const char *text = xlu_cfg_get_listitem(list, i);

		if (!text) {
			fprintf(stderr, "%s: vgpu device %d: not a string; "
				"write vgpu = [ 'spec', ... ]\n", path, i);
			return -EINVAL;
		}
		ret = vgpu_spec_parse(text, &cfg->spec[i], err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s: vgpu device %d: %s\n", path, i,
				err);
			return ret;
		}
	}
	cfg->count = (size_t)n;
	return 0;
}

static int read_extra(XLU_Config *xlu, const char *const *extra, int nextra)
{
	int i, ret;

	for (i = 0; i < nextra; i++) {
		ret = xlu_cfg_readdata(xlu, extra[i], (int)strlen(extra[i]));
		if (ret) {
			fprintf(stderr, "Failed to parse config option \"%s\": "
				"%s\n", extra[i], strerror(ret));
			return -EINVAL;
		}
	}
	return 0;
}

int vgpu_config_read(const char *path, const char *const *extra,
		     int nextra, struct vgpu_config *cfg)
{
	XLU_Config *xlu;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	xlu = xlu_cfg_init(stderr, path);
	if (!xlu) {
		fprintf(stderr, "Failed to allocate for configuration\n");
		return -ENOMEM;
	}
	ret = xlu_cfg_readfile(xlu, path);
	if (ret) {
		fprintf(stderr, "Failed to parse config: %s\n", strerror(ret));
		ret = -EINVAL;
		goto out;
	}
	ret = read_extra(xlu, extra, nextra);
	if (!ret) {
		ret = read_name(xlu, path, cfg);
	}
	if (!ret) {
		ret = read_specs(xlu, path, cfg);
	}
out:
	xlu_cfg_destroy(xlu);
	return ret;
}
