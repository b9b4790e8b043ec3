/* SPDX-License-Identifier: GPL-2.0 */
/* The devices of domains xl builds, from the config it stores (DOC above). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "vgpu_util.h"
#include "xenvgpu.h"
#include "xl_devices.h"
#include "xlcmd.h"

#define DOMAINS_MAX     4096
#define CONFIG_MAX      (1 << 20)       /* xl's own limit is larger; ours */
/* xl create and restore processes looked at in one tick. */
#define XL_SCAN_MAX     64

int vgpuback_xl_devices_init(struct vgpuback_xl_devices *x,
			     struct xs_handle *xs)
{
	int ret;

	memset(x, 0, sizeof(*x));
	x->xv = calloc(1, sizeof(*x->xv));
	if (!x->xv) {
		return -ENOMEM;
	}
	ret = xenvgpu_open_libxl(x->xv);
	if (ret) {
		vgpu_err("cannot open libxl (%s): the devices of domains "
			 "built by plain xl create will not be added",
			 strerror(-ret));
		xenvgpu_close(x->xv);
		free(x->xv);
		x->xv = NULL;
		return ret;
	}
	x->xv->xs = xs;
	return 0;
}

void vgpuback_xl_devices_fini(struct vgpuback_xl_devices *x)
{
	if (x->xv) {
		x->xv->xs = NULL;       /* the caller's */
		xenvgpu_close(x->xv);
		free(x->xv);
	}
	free(x->doms);
	memset(x, 0, sizeof(*x));
}

static struct vgpuback_xl_domain *find_domain(struct vgpuback_xl_devices *x,
					      uint32_t domid)
{
	size_t i;

	for (i = 0; i < x->ndoms; i++) {
		if (x->doms[i].domid == domid) {
			return &x->doms[i];
		}
	}
	return NULL;
}

static bool listed(const uint32_t *ids, int n, uint32_t domid)
{
	int i;

	for (i = 0; i < n; i++) {
		if (ids[i] == domid) {
			return true;
		}
	}
	return false;
}

static void forget(struct vgpuback_xl_devices *x, uint32_t domid);

void vgpuback_xl_devices_scan(struct vgpuback_xl_devices *x)
{
	static uint32_t ids[DOMAINS_MAX];
	uint64_t give_up = vgpu_now_ns() + XL_DEVICES_WAIT_MS * 1000000ull;
	struct vgpuback_xl_domain *grown;
	size_t k = 0;
	int i, n;

	if (!x->xv) {
		return;
	}
	n = xenvgpu_domains(x->xv, ids, DOMAINS_MAX);
	while (k < x->ndoms) {
		if (listed(ids, n, x->doms[k].domid)) {
			k++;
			continue;
		}
		if (x->doms[k].kept) {
			forget(x, x->doms[k].domid);
		}
		x->doms[k] = x->doms[--x->ndoms];   /* gone: its id may return */
	}
	for (i = 0; i < n; i++) {
		if (!ids[i] || find_domain(x, ids[i])) {
			continue;
		}
		grown = realloc(x->doms, (x->ndoms + 1) * sizeof(*grown));
		if (!grown) {
			return;
		}
		x->doms = grown;
		x->doms[x->ndoms++] = (struct vgpuback_xl_domain){
			.domid = ids[i], .give_up_ns = give_up,
		};
	}
}

/* Whether any vgpu device of the domain exists, at either end. */
static bool has_devices(struct vgpuback_xl_devices *x, uint32_t domid)
{
	uint32_t ids[1];

	return xenvgpu_device_ids(x->xv, domid, 0, ids, 1) > 0;
}

static void config_error(struct vgpuback_xl_devices *x, uint32_t domid,
			 const char *why)
{
	char path[64];

	vgpu_err("no vgpu device for domain %u: %s", domid, why);
	snprintf(path, sizeof(path), "backend/vgpu/%u/config-error", domid);
	if (!xs_write(x->xv->xs, XBT_NULL, path, why, strlen(why))) {
		vgpu_warn("cannot write %s for domain %u: %s", path, domid,
			  strerror(errno));
	}
}

/* Resolves backend= of each spec; returns 0 or -ENOENT with why. */
static int resolve(struct vgpuback_xl_devices *x, uint32_t domid,
		   const struct vgpu_config *cfg, struct vgpu_dev *devs,
		   char *why, size_t len)
{
	size_t i;

	for (i = 0; i < cfg->count; i++) {
		devs[i] = (struct vgpu_dev){ .domid = domid,
					     .devid = (uint32_t)i,
					     .spec = cfg->spec[i] };
		if (xenvgpu_backend(x->xv, &devs[i])) {
			snprintf(why, len, "vgpu device %zu: backend domain "
				 "\"%s\" does not exist (see xl list)", i,
				 cfg->spec[i].backend);
			return -ENOENT;
		}
	}
	return 0;
}

static int add_devices(struct vgpuback_xl_devices *x, uint32_t domid,
		       const struct vgpu_config *cfg, const char *source)
{
	struct vgpu_dev devs[VGPU_DEVS_MAX];
	char why[512];

	if (resolve(x, domid, cfg, devs, why, sizeof(why))) {
		config_error(x, domid, why);
		return -ENOENT;
	}
	if (xenvgpu_devices_add(x->xv, devs, cfg->count, false)) {
		config_error(x, domid, "cannot write its device nodes to "
			     "xenstore (see the daemon's log)");
		return -EIO;
	}
	vgpu_info("%zu vgpu device%s added to domain %u (%s) from %s",
		  cfg->count, cfg->count == 1 ? "" : "s", domid, cfg->name,
		  source);
	return 0;
}

/* A whole file (at most CONFIG_MAX bytes), NUL-terminated; NULL if not. */
static char *read_text(int dirfd, const char *path, size_t *len)
{
	char *text = NULL;
	ssize_t got;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return NULL;
	}
	text = malloc(CONFIG_MAX + 1);
	got = text ? read(fd, text, CONFIG_MAX + 1) : -1;
	close(fd);
	if (got < 0 || got > CONFIG_MAX) {
		free(text);
		return NULL;
	}
	text[got] = '\0';
	*len = (size_t)got;
	return text;
}

/* Appends xl's key=value arguments on lines of their own, as xl does. */
static char *with_extra(char *text, size_t *len, const struct vgpu_xl_cmd *cmd)
{
	size_t need = *len + 2;
	char *grown;
	int i;

	for (i = 0; i < cmd->nextra; i++) {
		need += strlen(cmd->extra[i]) + 1;
	}
	grown = realloc(text, need);
	if (!grown) {
		free(text);
		return NULL;
	}
	*len += (size_t)sprintf(grown + *len, "\n");
	for (i = 0; i < cmd->nextra; i++) {
		*len += (size_t)sprintf(grown + *len, "%s\n", cmd->extra[i]);
	}
	return grown;
}

/*
 * The config the xl process pid names, relative to its directory. Only
 * root's: anyone can name a program xl.
 */
static char *xl_process_config(pid_t pid, size_t *len)
{
	char path[64], *args, *argv[64], *text = NULL;
	struct vgpu_xl_cmd cmd;
	size_t args_len, off;
	int argc = 0, cwd;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) || st.st_uid) {
		return NULL;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	args = read_text(AT_FDCWD, path, &args_len);
	if (!args) {
		return NULL;
	}
	for (off = 0; off < args_len && argc < 64; off += strlen(args + off) + 1) {
		argv[argc++] = args + off;
	}
	if (!vgpu_xl_cmd_parse(argc, argv, &cmd)) {
		snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
		cwd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		text = cwd < 0 ? NULL : read_text(cwd, cmd.config, len);
		if (cwd >= 0) {
			close(cwd);
		}
		text = text ? with_extra(text, len, &cmd) : NULL;
	}
	free(args);
	return text;
}

/*
 * The name= of config text, into name (empty if none). Its vgpu= may be
 * bad: name= is read first, and a bad line is for the caller to report.
 */
static void config_name(const char *text, size_t len, char *name,
			size_t name_len)
{
	struct vgpu_config *cfg = malloc(sizeof(*cfg));
	char err[512];

	name[0] = '\0';
	if (!cfg) {
		return;
	}
	vgpu_config_parse("xl's config", text, len, cfg, err, sizeof(err));
	snprintf(name, name_len, "%s", cfg->name);
	free(cfg);
}

/*
 * The configs of the root `xl create` and `xl restore CONFIG` processes
 * running now, read from /proc at most once a tick, however many new
 * domains wait for theirs.
 */
struct xl_scan {
	bool done;
	size_t n;
	struct {
		char *text;
		size_t len;
		char name[128];
	} cmd[XL_SCAN_MAX];
};

static void xl_scan_fill(struct xl_scan *scan)
{
	struct dirent *e;
	uint32_t pid;
	DIR *proc;

	scan->done = true;
	proc = opendir("/proc");
	while (proc && scan->n < XL_SCAN_MAX && (e = readdir(proc))) {
		if (vgpu_parse_u32(e->d_name, 1, INT32_MAX, &pid)) {
			continue;
		}
		scan->cmd[scan->n].text = xl_process_config((pid_t)pid,
							   &scan->cmd[scan->n].len);
		if (scan->cmd[scan->n].text) {
			config_name(scan->cmd[scan->n].text,
				    scan->cmd[scan->n].len,
				    scan->cmd[scan->n].name,
				    sizeof(scan->cmd[scan->n].name));
			scan->n++;
		}
	}
	if (proc) {
		closedir(proc);
	}
}

static void xl_scan_free(struct xl_scan *scan)
{
	while (scan->n) {
		free(scan->cmd[--scan->n].text);
	}
}

/* The config of the `xl create` or `xl restore CONFIG` building domid. */
static char *xl_command_config(struct vgpuback_xl_devices *x,
			       struct xl_scan *scan, uint32_t domid,
			       size_t *len)
{
	char *name = libxl_domid_to_name(x->xv->ctx, domid), *text = NULL;
	size_t i;

	if (name && !scan->done) {
		xl_scan_fill(scan);
	}
	for (i = 0; name && i < scan->n && !text; i++) {
		if (!strcmp(scan->cmd[i].name, name)) {
			*len = scan->cmd[i].len;
			text = malloc(*len + 1);
			if (text) {
				memcpy(text, scan->cmd[i].text, *len + 1);
			}
		}
	}
	free(name);
	return text;
}

static int domain_uuid(struct vgpuback_xl_devices *x, uint32_t domid,
		       char *buf, size_t len)
{
	libxl_dominfo info;
	int ret;

	libxl_dominfo_init(&info);
	ret = libxl_domain_info(x->xv->ctx, &info, domid);
	if (!ret) {
		snprintf(buf, len, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(info.uuid));
	}
	libxl_dominfo_dispose(&info);
	return ret ? -ENOENT : 0;
}

/*
 * Keeps the config of a domain given devices, by its UUID, which xl
 * save, restore and migration keep: the restored domain comes from
 * libxl's JSON, which has no vgpu=.
 */
static int remember(struct vgpuback_xl_devices *x, uint32_t domid,
		    const char *text, size_t len)
{
	char uuid[40], path[128], tmp[160];
	bool written;
	FILE *f;

	if (domain_uuid(x, domid, uuid, sizeof(uuid)) ||
	    (mkdir(XL_DEVICES_STATE_DIR, 0700) && errno != EEXIST)) {
		return -ENOENT;
	}
	snprintf(path, sizeof(path), XL_DEVICES_STATE_DIR "/%s", uuid);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f) {
		goto fail;
	}
	written = fwrite(text, 1, len, f) == len;
	if (fclose(f) || !written || rename(tmp, path)) {
		unlink(tmp);
		goto fail;
	}
	return 0;

fail:
	vgpu_warn("cannot keep the config of domain %u in %s: %s (restored, "
		  "it would get no device)", domid, path, strerror(errno));
	return -EIO;
}

/*
 * A domain went. Its kept config goes with it, unless it was saved (shut
 * down to be restored); if it is no longer there to ask, it stays.
 */
static void forget(struct vgpuback_xl_devices *x, uint32_t domid)
{
	char uuid[40], path[128];
	libxl_dominfo info;

	libxl_dominfo_init(&info);
	if (!libxl_domain_info(x->xv->ctx, &info, domid) &&
	    !(info.shutdown &&
	      info.shutdown_reason == LIBXL_SHUTDOWN_REASON_SUSPEND)) {
		snprintf(uuid, sizeof(uuid), LIBXL_UUID_FMT,
			 LIBXL_UUID_BYTES(info.uuid));
		snprintf(path, sizeof(path), XL_DEVICES_STATE_DIR "/%s", uuid);
		unlink(path);
	}
	libxl_dominfo_dispose(&info);
}

static char *remembered(struct vgpuback_xl_devices *x, uint32_t domid,
			size_t *len)
{
	char uuid[40], path[128];

	if (domain_uuid(x, domid, uuid, sizeof(uuid))) {
		return NULL;
	}
	snprintf(path, sizeof(path), XL_DEVICES_STATE_DIR "/%s", uuid);
	return read_text(AT_FDCWD, path, len);
}

/*
 * The domain's config text, from where xl leaves it: its "xl" userdata
 * (`xl config-update`), the xl command building it, or what the daemon
 * kept of the domain this one restores. origin says which.
 */
static char *config_text(struct vgpuback_xl_devices *x, struct xl_scan *scan,
			 uint32_t domid, size_t *len, const char **origin)
{
	uint8_t *data = NULL;
	char *text;
	int n = 0;

	if (!libxl_userdata_retrieve(x->xv->ctx, domid, "xl", &data, &n) &&
	    n > 0) {
		*origin = "libxl userdata \"xl\"";
		*len = (size_t)n;
		return (char *)data;
	}
	free(data);
	*origin = "the config file xl was given";
	text = xl_command_config(x, scan, domid, len);
	if (!text) {
		*origin = "the config kept from before its save";
		text = remembered(x, domid, len);
	}
	return text;
}

/*
 * One try at a domain. Returns true when done with it: devices added, a
 * config without vgpu= or with an error, or none found in time.
 */
static bool try_domain(struct vgpuback_xl_devices *x, struct xl_scan *scan,
		       struct vgpuback_xl_domain *d, uint64_t now)
{
	struct vgpu_config *cfg;
	const char *source;
	char origin[96], why[512], *text;
	size_t len = 0;

	if (has_devices(x, d->domid)) {
		vgpu_dbg("domain %u has vgpu devices already", d->domid);
		return true;
	}
	text = config_text(x, scan, d->domid, &len, &source);
	if (!text) {
		if (now < d->give_up_ns) {
			return false;   /* its xl may not have started yet */
		}
		vgpu_dbg("no config found for domain %u: not xl's", d->domid);
		return true;
	}
	cfg = malloc(sizeof(*cfg));
	snprintf(origin, sizeof(origin), "%s for domain %u", source, d->domid);
	if (!cfg) {
		config_error(x, d->domid, "out of memory");
	} else if (vgpu_config_parse(origin, text, len, cfg, why,
				     sizeof(why))) {
		config_error(x, d->domid, why);
	} else if (cfg->count && !cfg->by_xenvgpu) {
		if (!add_devices(x, d->domid, cfg, source)) {
			d->kept = !remember(x, d->domid, text, len);
		}
	} else {
		vgpu_dbg("%s: %zu vgpu specs%s", origin, cfg->count,
			 cfg->by_xenvgpu ? ", set up by xenvgpu create" : "");
	}
	free(cfg);
	free(text);
	return true;
}

int vgpuback_xl_devices_tick(struct vgpuback_xl_devices *x)
{
	uint64_t now = vgpu_now_ns();
	struct xl_scan scan = { 0 };
	bool waiting = false;
	size_t k;

	for (k = 0; k < x->ndoms; k++) {
		struct vgpuback_xl_domain *d = &x->doms[k];

		if (!d->give_up_ns) {
			continue;
		}
		if (try_domain(x, &scan, d, now)) {
			d->give_up_ns = 0;
		} else {
			waiting = true;
		}
	}
	xl_scan_free(&scan);
	return waiting ? XL_DEVICES_RETRY_MS : -1;
}
