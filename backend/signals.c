/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's signals, taken through a signalfd in its poll loop. */
#include <sys/signalfd.h>
#include <unistd.h>

#include "signals.h"
#include "vgpu_util.h"

int vgpuback_signals_open(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, old)) {
		return -1;
	}
	return signalfd(-1, &set, SFD_CLOEXEC);
}

int vgpuback_signals_read(int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si)) {
		return 0;
	}
	if (si.ssi_signo != SIGCHLD) {
		vgpu_info("signal %u: shutting down", si.ssi_signo);
	}
	return (int)si.ssi_signo;
}
