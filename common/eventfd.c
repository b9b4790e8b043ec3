/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Eventfds as kicks: the loopback transports' event channels, the
 * library's wake of its polling thread, the renderer's retired fences.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "vgpu_util.h"

int vgpu_eventfd_signal(int fd)
{
	uint64_t one = 1;

	/* EAGAIN: the count is at its limit, so the fd is readable anyway. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
		return -errno;
	}
	return 0;
}

int vgpu_eventfd_drain(int fd)
{
	uint64_t count;

	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN) {
		return -errno;
	}
	return 0;
}
