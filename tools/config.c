/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the guest config with libxlutil: name= and vgpu=. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libxlutil.h>

#include "config.h"

static int read_name(XLU_Config *xlu, const char *origin,
		     struct vgpu_config *cfg, char *err, size_t errlen)
{
	const char *name = NULL;

	if (xlu_cfg_get_string(xlu, "name", &name, 0) || !name || !*name) {
		snprintf(err, errlen, "%s: no name= in the config: xl create "
			 "needs one, and xenvgpu finds the new domain by it",
			 origin);
		return -EINVAL;
	}
	if (strlen(name) >= sizeof(cfg->name)) {
		snprintf(err, errlen, "%s: name= is longer than %zu bytes",
			 origin, sizeof(cfg->name) - 1);
		return -EINVAL;
	}
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	return 0;
}

static int read_specs(XLU_Config *xlu, const char *origin,
		      struct vgpu_config *cfg, char *err, size_t errlen)
{
	XLU_ConfigList *list = NULL;
	char why[400];
	int i, n = 0, ret;

	ret = xlu_cfg_get_list(xlu, "vgpu", &list, &n, 0);
	if (ret == ESRCH) {
		return 0;       /* no vgpu= at all: no devices */
	}
	if (ret) {
		snprintf(err, errlen, "%s: vgpu= must be a list: vgpu = "
			 "[ 'spec', ... ]", origin);
		return -EINVAL;
	}
	if (n > VGPU_DEVS_MAX) {
		snprintf(err, errlen, "%s: %d vgpu devices; at most %d are "
			 "supported", origin, n, VGPU_DEVS_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		const char *text = xlu_cfg_get_listitem(list, i);

		if (!text) {
			snprintf(err, errlen, "%s: vgpu device %d: not a "
				 "string; write vgpu = [ 'spec', ... ]",
				 origin, i);
			return -EINVAL;
		}
		ret = vgpu_spec_parse(text, &cfg->spec[i], why, sizeof(why));
		if (ret) {
			snprintf(err, errlen, "%s: vgpu device %d: %s", origin,
				 i, why);
			return ret;
		}
	}
	cfg->count = (size_t)n;
	return 0;
}

static int read_extra(XLU_Config *xlu, const char *const *extra, int nextra,
		      char *err, size_t errlen)
{
	int i, ret;

	for (i = 0; i < nextra; i++) {
		ret = xlu_cfg_readdata(xlu, extra[i], (int)strlen(extra[i]));
		if (ret) {
			snprintf(err, errlen, "Failed to parse config option "
				 "\"%s\": %s", extra[i], strerror(ret));
			return -EINVAL;
		}
	}
	return 0;
}

static int read_all(XLU_Config *xlu, const char *origin,
		    const char *const *extra, int nextra,
		    struct vgpu_config *cfg, char *err, size_t errlen)
{
	long marked = 0;
	int ret;

	ret = read_extra(xlu, extra, nextra, err, errlen);
	if (!ret) {
		ret = read_name(xlu, origin, cfg, err, errlen);
	}
	if (!ret) {
		ret = read_specs(xlu, origin, cfg, err, errlen);
	}
	cfg->by_xenvgpu = !xlu_cfg_get_long(xlu, VGPU_CONFIG_MARK, &marked,
					    1) && marked;
	return ret;
}

int vgpu_config_read(const char *path, const char *const *extra,
		     int nextra, struct vgpu_config *cfg)
{
	char err[512] = "";
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
	ret = read_all(xlu, path, extra, nextra, cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
	}
out:
	xlu_cfg_destroy(xlu);
	return ret;
}

int vgpu_config_parse(const char *origin, const char *data, size_t len,
		      struct vgpu_config *cfg, char *err, size_t errlen)
{
	XLU_Config *xlu;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	/* Its syntax errors go to stderr: the daemon's journal. */
	xlu = xlu_cfg_init(stderr, origin);
	if (!xlu) {
		snprintf(err, errlen, "%s: out of memory", origin);
		return -ENOMEM;
	}
	ret = xlu_cfg_readdata(xlu, data, (int)len);
	if (ret) {
		snprintf(err, errlen, "%s: the config does not parse: %s",
			 origin, strerror(ret));
		ret = -EINVAL;
	} else {
		ret = read_all(xlu, origin, NULL, 0, cfg, err, errlen);
	}
	xlu_cfg_destroy(xlu);
	return ret;
}
