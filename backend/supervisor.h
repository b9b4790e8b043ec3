/* SPDX-License-Identifier: GPL-2.0 */
/* The dom0 daemon's Xen mode: one worker process per vgpu device. */
#ifndef VGPUBACK_SUPERVISOR_H
#define VGPUBACK_SUPERVISOR_H

#include "worker.h"

/*
 * Serves every device under backend/vgpu until SIGINT or SIGTERM.
 * Returns the process exit status.
 */
int vgpuback_supervise(const struct vgpuback_config *cfg);

#endif /* VGPUBACK_SUPERVISOR_H */
