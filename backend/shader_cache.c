/* SPDX-License-Identifier: GPL-2.0 */
/* Each guest's own shader cache: see DOC: shader cache in shader_cache.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shader_cache.h"
#include "vgpu_util.h"

/* nftw() callbacks take no argument: the walk is single-threaded. */
static uint64_t walk_bytes;

static int add_size(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F) {
		walk_bytes += (uint64_t)st->st_size;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	/* The cache's own directory stays; everything below it goes. */
	if (ftw->level == 0) {
		return 0;
	}
	return (type == FTW_DP ? rmdir(path) : unlink(path)) ? -1 : 0;
}

/* mkdir -p with mode 0700 for the last component. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf)) {
		return -ENAMETOOLONG;
	}
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) && errno != EEXIST) {
				return -errno;
			}
			*p = '/';
		}
	}
	if (mkdir(buf, 0700) && errno != EEXIST) {
		return -errno;
	}
	return 0;
}

/*
 * Empties the cache if it has grown past max_bytes. Several workers may
 * start on one guest's cache at once (its devices, or loopback's
 * connections): the directory's lock makes one walk wait for the other
 * rather than meet files the other removes.
 */
static int trim(const char *path, uint64_t max_bytes)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		ret = -errno;
		goto out;
	}
	walk_bytes = 0;
	if (nftw(path, add_size, 16, FTW_PHYS)) {
		ret = -errno;
		goto out;
	}
	if (walk_bytes > max_bytes) {
		vgpu_info("shader cache %s: %llu MiB, over its %llu MiB: "
			  "emptied", path,
			  (unsigned long long)(walk_bytes >> 20),
			  (unsigned long long)(max_bytes >> 20));
		if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS)) {
			ret = -errno;
		}
	}
out:
	if (fd >= 0) {
		close(fd);
	}
	return ret;
}

/*
 * What Mesa writes is bounded by the limit on the size of any file the
 * process writes; a write past it fails (EFBIG) instead of killing.
 */
static int bound_writes(uint64_t max_bytes)
{
	struct rlimit rl = { .rlim_cur = max_bytes, .rlim_max = max_bytes };

	signal(SIGXFSZ, SIG_IGN);
	return setrlimit(RLIMIT_FSIZE, &rl) ? -errno : 0;
}

void vgpuback_shader_cache_enter(const char *dir, const char *key,
				 uint32_t max_mib)
{
	uint64_t max_bytes = (uint64_t)max_mib << 20;
	char path[PATH_MAX];
	int ret;

	if (!dir || !key) {
		if (dir) {
			vgpu_warn("no shader cache: the guest's name cannot "
				  "name a directory");
		}
		setenv("MESA_SHADER_CACHE_DISABLE", "true", 1);
		return;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, key) >=
	    sizeof(path)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	ret = make_dirs(path);
	if (!ret) {
		ret = trim(path, max_bytes);
	}
	if (!ret) {
		ret = bound_writes(max_bytes);
	}
	if (ret) {
		goto fail;
	}
	setenv("MESA_SHADER_CACHE_DIR", path, 1);
	setenv("MESA_DISK_CACHE_SINGLE_FILE", "1", 1);
	unsetenv("MESA_SHADER_CACHE_DISABLE");
	return;
fail:
	vgpu_warn("shader cache %s/%s: %s; this guest's shaders are compiled "
		  "anew each time (--shader-cache=DIR elsewhere, or "
		  "--no-shader-cache)", dir, key, strerror(-ret));
	setenv("MESA_SHADER_CACHE_DISABLE", "true", 1);
}

const char *vgpuback_shader_cache_key(const char *name, char *buf,
				      size_t len)
{
	size_t i;

	if (!name || !*name || strlen(name) + 5 > len || name[0] == '.') {
		return NULL;
	}
	for (i = 0; name[i]; i++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", name[i])) {
			return NULL;
		}
	}
	snprintf(buf, len, "dom-%s", name);
	return buf;
}
