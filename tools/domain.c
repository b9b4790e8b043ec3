/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handles xenvgpu works with (xenstore, libxl), domain names and
 * ids, and running xl itself for what only xl does (create, destroy,
 * unpause).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vgpu_util.h"
#include "xenvgpu.h"

int xenvgpu_open_xs(struct xenvgpu *xv)
{
	xv->xs = xs_open(0);
	if (!xv->xs) {
		fprintf(stderr, "xenvgpu: cannot open xenstore: %s; run this "
			"as root in dom0, with xenstored running "
			"(systemctl start xenstored)\n", strerror(errno));
		return -ENOENT;
	}
	return 0;
}

int xenvgpu_open_libxl(struct xenvgpu *xv)
{
	xv->logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
	if (!xv->logger) {
		return -ENOMEM;
	}
	if (libxl_ctx_alloc(&xv->ctx, LIBXL_VERSION, 0,
			    (xentoollog_logger *)xv->logger)) {
		fprintf(stderr, "xenvgpu: cannot open libxl: run this as "
			"root in dom0 of a running Xen\n");
		xv->ctx = NULL;
		return -ENODEV;
	}
	return 0;
}

void xenvgpu_close(struct xenvgpu *xv)
{
	libxl_ctx_free(xv->ctx);
	xtl_logger_destroy((xentoollog_logger *)xv->logger);
	if (xv->xs) {
		xs_close(xv->xs);
	}
	xv->ctx = NULL;
	xv->logger = NULL;
	xv->xs = NULL;
}

/* Whether the domain exists: it has a name in xenstore. */
static bool domain_exists(struct xenvgpu *xv, uint32_t domid)
{
	char *name = libxl_domid_to_name(xv->ctx, domid);

	free(name);
	return name != NULL;
}

/* Like libxl_domain_qualifier_to_domid, but numbers are range checked. */
static int qualifier_to_domid(struct xenvgpu *xv, const char *qualifier,
			      uint32_t *domid)
{
	int ret = vgpu_parse_u32(qualifier, 0, VGPU_DOMID_MAX, domid);

	if (ret != -EINVAL) {
		return ret;     /* digits: in range or not */
	}
	return libxl_name_to_domid(xv->ctx, qualifier, domid) ? -ENOENT : 0;
}

int xenvgpu_domid(struct xenvgpu *xv, const char *qualifier,
		  uint32_t *domid)
{
	if (qualifier_to_domid(xv, qualifier, domid) ||
	    !domain_exists(xv, *domid)) {
		fprintf(stderr, "%s is an invalid domain identifier "
			"(see xl list)\n", qualifier);
		return -ENOENT;
	}
	return 0;
}

int xenvgpu_backend(struct xenvgpu *xv, struct vgpu_dev *dev)
{
	const struct vgpu_spec *s = &dev->spec;
	uint32_t id = s->backend_id;

	if (!s->backend_is_id &&
	    libxl_name_to_domid(xv->ctx, s->backend, &id)) {
		fprintf(stderr, "xenvgpu: vgpu backend domain \"%s\" does not "
			"exist (see xl list)\n", s->backend);
		return -ENOENT;
	}
	if (!domain_exists(xv, id)) {
		fprintf(stderr, "xenvgpu: vgpu backend domain %u does not "
			"exist (see xl list)\n", id);
		return -ENOENT;
	}
	dev->backend_id = id;
	return 0;
}

static const char *xl_path(void)
{
	const char *xl = getenv("XENVGPU_XL");

	return xl && *xl ? xl : "xl";
}

/* In the child: signals back to normal, then xl. */
static void exec_xl(struct xenvgpu *xv, const char *const *args)
{
	const char *argv[64];
	size_t i;

	sigprocmask(SIG_SETMASK, &xv->old_mask, NULL);
	argv[0] = xl_path();
	for (i = 0; args[i] && i < VGPU_ARRAY_SIZE(argv) - 2; i++) {
		argv[i + 1] = args[i];
	}
	argv[i + 1] = NULL;
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "xenvgpu: cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

int xenvgpu_xl(struct xenvgpu *xv, const char *const *args)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "xenvgpu: cannot fork: %s\n", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		exec_xl(xv, args);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			return -errno;
		}
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "xenvgpu: xl %s was killed by signal %d\n",
			args[0], WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

static sigset_t guarded(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	return set;
}

void xenvgpu_guard(struct xenvgpu *xv)
{
	sigset_t set = guarded();

	sigprocmask(SIG_BLOCK, &set, &xv->old_mask);
}

bool xenvgpu_interrupted(void)
{
	sigset_t pending, set = guarded();
	int sig;

	if (sigpending(&pending)) {
		return false;
	}
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(&set, sig) && sigismember(&pending, sig)) {
			return true;
		}
	}
	return false;
}

double xenvgpu_ms_since(uint64_t start_ns)
{
	return (double)(vgpu_now_ns() - start_ns) / 1e6;
}
