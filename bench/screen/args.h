/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The options both guest workloads take:
 *   --fbdev=PATH | --kms=PATH [--seconds=N]
 */
#ifndef VGPU_BENCH_SCREEN_ARGS_H
#define VGPU_BENCH_SCREEN_ARGS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct screen_args {
	const char *fbdev;      /* exactly one of fbdev and kms is set */
	const char *kms;
	unsigned int seconds;
};

/* Fills args (seconds defaults to 20); on anything else prints usage. */
static inline int screen_args_parse(const char *prog, int argc, char **argv,
				    struct screen_args *args)
{
	*args = (struct screen_args){ .seconds = 20 };
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--fbdev=", 8)) {
			args->fbdev = argv[i] + 8;
		} else if (!strncmp(argv[i], "--kms=", 6)) {
			args->kms = argv[i] + 6;
		} else if (!strncmp(argv[i], "--seconds=", 10)) {
			args->seconds = strtoul(argv[i] + 10, NULL, 10);
		} else {
			goto usage;
		}
	}
	if (!args->fbdev != !args->kms && args->seconds) {
		return 0;
	}
usage:
	fprintf(stderr, "usage: %s --fbdev=PATH | --kms=PATH [--seconds=N (1 or more)]\n",
		prog);
	return -1;
}

#endif /* VGPU_BENCH_SCREEN_ARGS_H */
