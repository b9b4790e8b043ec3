/* SPDX-License-Identifier: GPL-2.0 */
/* The config file of an `xl create` or `xl restore` command line. */
#include <errno.h>
#include <string.h>

#include "xlcmd.h"

/* xl's own options (xl.c: "+vftTN"), none of which takes a value. */
static int skip_global(int argc, char *const *argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--")) {
		i++;
	}
	return i < argc && !strcmp(argv[i], "--") ? i + 1 : i;
}

static bool is_xl(const char *arg0)
{
	const char *base = strrchr(arg0, '/');

	return !strcmp(base ? base + 1 : arg0, "xl");
}

/* create: "AFVcdef:inpq", -f/--defconfig FILE, then FILE and key=value. */
static int parse_create(int argc, char *const *argv, struct vgpu_xl_cmd *cmd)
{
	const char *f;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		/* -f FILE, -fFILE, a cluster ending in f ("-pf FILE") */
		f = a[0] == '-' && a[1] != '-' ? strchr(a, 'f') : NULL;
		if (f || !strcmp(a, "--defconfig")) {
			if (f && f[1]) {
				cmd->config = f + 1;
			} else if (++i < argc) {
				cmd->config = argv[i];
			} else {
				return -EINVAL;
			}
		} else if (!strncmp(a, "--defconfig=", 12)) {
			cmd->config = a + 12;
		} else if (a[0] == '-') {
			continue;       /* flags */
		} else if (strchr(a, '=')) {
			if (cmd->nextra == VGPU_XL_EXTRA_MAX) {
				return -EINVAL;
			}
			cmd->extra[cmd->nextra++] = a;
		} else if (!cmd->config) {
			cmd->config = a;
		} else {
			return -EINVAL;
		}
	}
	return cmd->config ? 0 : -ENOENT;
}

/* restore: flags only, then [CONFIG] CHECKPOINT. */
static int parse_restore(int argc, char *const *argv, struct vgpu_xl_cmd *cmd)
{
	const char *pos[2];
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '-') {
			continue;
		}
		if (n == 2) {
			return -EINVAL;
		}
		pos[n++] = argv[i];
	}
	if (!n) {
		return -EINVAL;
	}
	cmd->restore = true;
	cmd->config = n == 2 ? pos[0] : NULL;
	return cmd->config ? 0 : -ENOENT;
}

int vgpu_xl_cmd_parse(int argc, char *const *argv, struct vgpu_xl_cmd *cmd)
{
	int i;

	memset(cmd, 0, sizeof(*cmd));
	if (argc < 2 || !is_xl(argv[0])) {
		return -ENOENT;
	}
	i = skip_global(argc, argv);
	if (i == argc) {
		return -ENOENT;
	}
	if (!strcmp(argv[i], "create")) {
		return parse_create(argc - i - 1, argv + i + 1, cmd);
	}
	if (!strcmp(argv[i], "restore")) {
		return parse_restore(argc - i - 1, argv + i + 1, cmd);
	}
	return -ENOENT;
}
