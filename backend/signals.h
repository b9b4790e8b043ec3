/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's signals, taken through a signalfd in its poll loop. */
#ifndef VGPUBACK_SIGNALS_H
#define VGPUBACK_SIGNALS_H

#include <signal.h>

/*
 * Blocks SIGCHLD, SIGINT and SIGTERM and returns a signalfd for them, or
 * -1 with errno set. *old gets the previous mask, for forked workers to
 * restore.
 */
int vgpuback_signals_open(sigset_t *old);

/*
 * Reads one signal. Returns SIGCHLD (reap), 0 (nothing to do) or
 * another number: SIGINT or SIGTERM, logged as the reason to stop.
 */
int vgpuback_signals_read(int fd);

#endif /* VGPUBACK_SIGNALS_H */
