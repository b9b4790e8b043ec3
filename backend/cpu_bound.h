/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Each worker's dom0 CPU, bounded with a control group of its own.
 *
 * DOC: CPU bound
 * A guest can keep its worker busy on purpose (a flood of cheap requests,
 * the ring's spin, endless shaders on llvmpipe), and the GPU scheduler
 * only shares the GPU. So every worker runs in its own cgroup under the
 * daemon's: a hard cap of --worker-cpu percent of one CPU (cgroup v2
 * cpu.max, v1 cpu.cfs_quota_us), and, under contention, a share by the
 * device's scheduler weight (cpu.weight, v1 cpu.shares). The groups are
 * made in the daemon's own cgroup, which on cgroup v2 needs a delegated
 * one (systemd's Delegate=yes); the daemon then moves itself into a
 * "daemon" leaf, as v2 allows processes only in leaves.
 *
 * The kernel's cgroup files are the interface: a handful of writes, for
 * which libcgroup would add a library and its own scan of every mount.
 */
#ifndef VGPUBACK_CPU_BOUND_H
#define VGPUBACK_CPU_BOUND_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct vgpuback_cpu_bound {
	char home[PATH_MAX / 2]; /* the daemon's cgroup directory */
	bool v2;
	uint32_t max_pct;       /* per worker, % of one CPU */
	uint32_t next_id;       /* of the next worker's group */
	pid_t owner;            /* the daemon: group names carry its pid */
};

/*
 * Finds the daemon's cgroup with a CPU controller it may write, and sets
 * it up for worker groups. Returns 0, or a negative errno with *why
 * saying what is missing.
 */
int vgpuback_cpu_bound_init(struct vgpuback_cpu_bound *b, uint32_t max_pct,
			    const char **why);

/*
 * Makes the group for the next worker, with the cap and weight (the GPU
 * scheduler's, 1 to 65535, 256 the default). Returns its id (> 0) or a
 * negative errno.
 */
int vgpuback_cpu_bound_make(struct vgpuback_cpu_bound *b, uint32_t weight);

/* In the new worker, before a byte from its guest: enters group id. */
int vgpuback_cpu_bound_enter(const struct vgpuback_cpu_bound *b, int id);

/* A running worker's weight changed. */
void vgpuback_cpu_bound_set_weight(const struct vgpuback_cpu_bound *b, int id,
				   uint32_t weight);

/* Removes group id once its worker has been reaped. */
void vgpuback_cpu_bound_remove(const struct vgpuback_cpu_bound *b, int id);

#endif /* VGPUBACK_CPU_BOUND_H */
