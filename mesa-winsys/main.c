/* SPDX-License-Identifier: GPL-2.0 */
/* vgpu-vtest: command line; serves Mesa's vtest protocol on a vgpu device. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "server.h"
#include "vgpu_util.h"
#include "vgpufront.h"
#include "vtest.h"
#include "vtest_protocol.h"

struct options {
	const char *socket;
	const char *spec;               /* NULL: $VGPU_TRANSPORT, else xen */
	char spec_buf[512];
	const char *loopback;
	long poll_us;                   /* -1: library default */
	uint32_t max_version;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vgpu-vtest [--socket=PATH] [--loopback=PATH | --transport=SPEC]\n"
		"                  [--poll-us=N]\n"
		"Serves the vtest protocol (Mesa's GALLIUM_DRIVER=virpipe) on a vgpu device.\n"
		"  --socket=PATH     listen here (default %s, which Mesa 22.3 hard-codes)\n"
		"  --loopback=PATH   the backend of a loopback device listens on PATH\n"
		"  --transport=SPEC  \"loopback:PATH\", \"loopback@DOMID:PATH\", \"xen\" or\n"
		"                    \"xen:DEVID\" (default $VGPU_TRANSPORT, else xen)\n"
		"  --poll-us=N       spin up to N microseconds on the ring before\n"
		"                    sleeping (less while answers take longer)\n"
		"  --protocol=N      offer vtest protocol version N at most (0 or 2,\n"
		"                    default 2; 0 sends all data over the socket)\n",
		VTEST_SOCKET_DEFAULT);
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "loopback", required_argument, NULL, 'l' },
		{ "transport", required_argument, NULL, 't' },
		{ "poll-us", required_argument, NULL, 'p' },
		{ "protocol", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o->socket = optarg;
			break;
		case 'l':
			o->loopback = optarg;
			break;
		case 't':
			o->spec = optarg;
			break;
		case 'p':
			if (vgpu_parse_u32(optarg, 0, 1000000, &v) < 0) {
				fprintf(stderr, "vgpu-vtest: bad --poll-us=%s\n",
					optarg);
				return -EINVAL;
			}
			o->poll_us = v;
			break;
		case 'P':
			if (vgpu_parse_u32(optarg, 0, VTEST_VERSION_MAX,
					   &o->max_version) < 0) {
				fprintf(stderr, "vgpu-vtest: bad --protocol=%s\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

static int resolve_spec(struct options *o)
{
	if (o->loopback && o->spec) {
		fprintf(stderr, "vgpu-vtest: use --loopback or --transport, not both\n");
		return -EINVAL;
	}
	if (o->loopback) {
		snprintf(o->spec_buf, sizeof(o->spec_buf), "loopback:%s",
			 o->loopback);
		o->spec = o->spec_buf;
	}
	if (!o->spec) {
		o->spec = getenv("VGPU_TRANSPORT");
	}
	if (o->spec && !*o->spec) {
		o->spec = NULL;
	}
	return 0;
}

/* Says what is missing and how to get it. */
static void explain_open_failure(const char *spec, int err)
{
	const char *path;

	if (spec && strncmp(spec, "loopback:", 9) == 0) {
		path = spec + 9;
		fprintf(stderr,
			"vgpu-vtest: cannot reach the backend at %s: %s; start it with: vgpu-backend --loopback=%s\n",
			spec, strerror(err), path);
		return;
	}
	fprintf(stderr,
		"vgpu-vtest: cannot open the vgpu device %s: %s; the guest needs a vgpu device "
		"(vgpu=[...] in its config, see xenvgpu attach) with its backend running in dom0, "
		"or use --loopback=PATH with vgpu-backend --loopback=PATH on one host\n",
		spec ? spec : "xen", strerror(err));
}

static int serve(const struct options *o)
{
	struct vtest_dev_params params = {
		.spec = o->spec, .poll_us = o->poll_us,
		.max_version = o->max_version,
	};
	struct vtest_server *srv;
	int ret;

	srv = vtest_server_create(o->socket, &params);
	if (!srv) {
		ret = -errno;
		fprintf(stderr, "vgpu-vtest: cannot serve on %s: %s\n",
			o->socket, strerror(-ret));
		return ret;
	}
	/* Fail now, with a reason, rather than at Mesa's first connect. */
	ret = vtest_server_connect(srv);
	if (ret < 0) {
		explain_open_failure(o->spec, -ret);
		vtest_server_destroy(srv);
		return ret;
	}
	ret = vtest_server_run(srv);
	vgpu_info("copied %llu bytes of transfer data (protocol v0 clients)",
		  (unsigned long long)vtest_server_bytes_copied(srv));
	vtest_server_destroy(srv);
	return ret;
}

/* Every shared buffer holds an fd, and each client pools a few hundred. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct options o = { .socket = VTEST_SOCKET_DEFAULT, .poll_us = -1,
			     .max_version = VTEST_VERSION_MAX };
	int ret;

	vgpu_log_init("vgpu-vtest", false);
	if (parse_args(argc, argv, &o) < 0 || resolve_spec(&o) < 0) {
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	ret = serve(&o);
	return ret < 0 ? 1 : 0;
}
