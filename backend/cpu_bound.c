/* SPDX-License-Identifier: GPL-2.0 */
/* Each worker's dom0 CPU, bounded with a cgroup of its own (DOC above). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu_bound.h"
#include "vgpu_util.h"

#define CFS_PERIOD_US   100000u
#define V1_SHARES_DEF   1024u   /* v1's default, for weight 256 */
#define V2_WEIGHT_DEF   100u    /* v2's default, for weight 256 */
#define V2_WEIGHT_MAX   10000u
#define SCHED_WEIGHT_DEF 256u

static int write_file(const char *dir, const char *name, const char *value)
{
	char path[PATH_MAX];
	ssize_t len = (ssize_t)strlen(value);
	int fd, ret = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		return -ENAMETOOLONG;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		return -errno;
	}
	if (write(fd, value, len) != len) {
		ret = -errno;
	}
	close(fd);
	return ret;
}

static bool has_word(const char *list, const char *word, char sep)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == sep) &&
		    (p[len] == sep || p[len] == '\0' || p[len] == '\n')) {
			return true;
		}
		p += len;
	}
	return false;
}

/*
 * The mount of the hierarchy: cgroup2, or the v1 one that has the cpu
 * controller. Gives its mount point and the cgroup path it shows as /.
 */
static int find_mount(bool v2, char *point, char *root, size_t len)
{
	char line[1024], fmt[64], *dash;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char type[32], opts[512];
	int ret = -ENOENT;

	if (!f) {
		return -errno;
	}
	snprintf(fmt, sizeof(fmt), "%%*s %%*s %%*s %%%zus %%%zus", len - 1,
		 len - 1);
	while (ret && fgets(line, sizeof(line), f)) {
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash, " - %31s %*s %511s", type, opts) != 2 ||
		    sscanf(line, fmt, root, point) != 2) {
			continue;
		}
		if (v2 ? !strcmp(type, "cgroup2")
		       : !strcmp(type, "cgroup") && has_word(opts, "cpu", ',')) {
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/*
 * This process's cgroup path in the hierarchy, from /proc/self/cgroup's
 * "ID:CONTROLLERS:PATH" lines: v2's is "0::PATH", v1's names cpu.
 */
static int own_path(bool v2, char *path, size_t len)
{
	char line[1024], *ctrl, *p;
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool mine;
	int ret = -ENOENT;

	if (!f) {
		return -errno;
	}
	while (ret && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		ctrl = strchr(line, ':');
		p = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!p) {
			continue;
		}
		*p++ = '\0';
		*ctrl++ = '\0';
		mine = v2 ? !strcmp(line, "0") && !*ctrl
			  : has_word(ctrl, "cpu", ',');
		if (mine) {
			ret = snprintf(path, len, "%s", p) < (int)len ?
			      0 : -ENAMETOOLONG;
		}
	}
	fclose(f);
	return ret;
}

static int find_home(struct vgpuback_cpu_bound *b, bool v2)
{
	char point[PATH_MAX / 4], root[PATH_MAX / 8], own[PATH_MAX / 8];
	size_t root_len;
	int ret;

	ret = find_mount(v2, point, root, sizeof(root));
	if (!ret) {
		ret = own_path(v2, own, sizeof(own));
	}
	if (ret) {
		return ret;
	}
	/* A mount of a subtree shows its own paths below its root. */
	root_len = strcmp(root, "/") ? strlen(root) : 0;
	if (strncmp(own, root, root_len)) {
		return -ENOENT;
	}
	/* own is "/" at the top: no trailing slash on home then */
	snprintf(b->home, sizeof(b->home), "%s%s", point,
		 strcmp(own + root_len, "/") ? own + root_len : "");
	b->v2 = v2;
	return 0;
}

/* Whether v2's cpu controller is available in home. */
static bool v2_has_cpu(const struct vgpuback_cpu_bound *b)
{
	char path[PATH_MAX], list[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", b->home);
	f = fopen(path, "re");
	if (f) {
		found = fgets(list, sizeof(list), f) &&
			has_word(list, "cpu", ' ');
		fclose(f);
	}
	return found;
}

/*
 * v2 lets a cgroup hand controllers to children only while it holds no
 * process (the root excepted): the daemon moves to a leaf of its own.
 */
static int v2_delegate(struct vgpuback_cpu_bound *b, const char **why)
{
	char leaf[PATH_MAX];
	int ret;

	if (snprintf(leaf, sizeof(leaf), "%s/daemon", b->home) >=
	    (int)sizeof(leaf)) {
		return -ENAMETOOLONG;
	}
	if (mkdir(leaf, 0755) && errno != EEXIST) {
		*why = "cannot make a cgroup in the daemon's own (under "
		       "systemd, set Delegate=yes)";
		return -errno;
	}
	ret = write_file(leaf, "cgroup.procs", "0");
	if (!ret) {
		ret = write_file(b->home, "cgroup.subtree_control", "+cpu");
	}
	if (ret) {
		*why = "cannot enable the cpu controller for the daemon's "
		       "cgroup (under systemd, set Delegate=yes)";
	}
	return ret;
}

int vgpuback_cpu_bound_init(struct vgpuback_cpu_bound *b, uint32_t max_pct,
			    const char **why)
{
	int ret;

	memset(b, 0, sizeof(*b));
	b->max_pct = max_pct;
	*why = "no cgroup hierarchy with the cpu controller is mounted";
	b->owner = getpid();
	if (!find_home(b, true) && v2_has_cpu(b)) {
		return v2_delegate(b, why);
	}
	ret = find_home(b, false);
	if (!ret && access(b->home, W_OK)) {
		*why = "the daemon's cgroup (cpu controller) is not writable";
		ret = -errno;
	}
	return ret;
}

static void group_dir(const struct vgpuback_cpu_bound *b, int id, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/vgpu-%d.%d", b->home, (int)b->owner, id);
}

static int write_weight(const struct vgpuback_cpu_bound *b, const char *dir,
			uint32_t weight)
{
	uint64_t value;
	char text[32];

	if (b->v2) {
		value = (uint64_t)weight * V2_WEIGHT_DEF / SCHED_WEIGHT_DEF;
		value = value < 1 ? 1 : value > V2_WEIGHT_MAX ? V2_WEIGHT_MAX
							      : value;
	} else {
		value = (uint64_t)weight * V1_SHARES_DEF / SCHED_WEIGHT_DEF;
		value = value < 2 ? 2 : value;
	}
	snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
	return write_file(dir, b->v2 ? "cpu.weight" : "cpu.shares", text);
}

static int write_cap(const struct vgpuback_cpu_bound *b, const char *dir)
{
	char text[48];
	unsigned long long quota = (unsigned long long)b->max_pct *
				   CFS_PERIOD_US / 100;
	int ret;

	if (b->v2) {
		snprintf(text, sizeof(text), "%llu %u", quota, CFS_PERIOD_US);
		return write_file(dir, "cpu.max", text);
	}
	snprintf(text, sizeof(text), "%u", CFS_PERIOD_US);
	ret = write_file(dir, "cpu.cfs_period_us", text);
	snprintf(text, sizeof(text), "%llu", quota);
	return ret ? ret : write_file(dir, "cpu.cfs_quota_us", text);
}

int vgpuback_cpu_bound_make(struct vgpuback_cpu_bound *b, uint32_t weight)
{
	int id = (int)(++b->next_id & INT32_MAX);
	char dir[PATH_MAX];
	int ret;

	group_dir(b, id, dir, sizeof(dir));
	if (mkdir(dir, 0755)) {
		return -errno;
	}
	ret = write_cap(b, dir);
	if (!ret) {
		ret = write_weight(b, dir, weight);
	}
	if (ret) {
		rmdir(dir);
		return ret;
	}
	return id;
}

int vgpuback_cpu_bound_enter(const struct vgpuback_cpu_bound *b, int id)
{
	char dir[PATH_MAX];

	group_dir(b, id, dir, sizeof(dir));
	return write_file(dir, "cgroup.procs", "0");
}

void vgpuback_cpu_bound_set_weight(const struct vgpuback_cpu_bound *b, int id,
				   uint32_t weight)
{
	char dir[PATH_MAX];

	group_dir(b, id, dir, sizeof(dir));
	write_weight(b, dir, weight);
}

void vgpuback_cpu_bound_remove(const struct vgpuback_cpu_bound *b, int id)
{
	char dir[PATH_MAX];

	group_dir(b, id, dir, sizeof(dir));
	if (rmdir(dir) && errno != ENOENT) {
		vgpu_warn("cannot remove the worker's cgroup %s: %s", dir,
			  strerror(errno));
	}
}
