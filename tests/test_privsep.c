/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Privilege separation of the real vgpu-backend's workers over loopback:
 * once its frontend is connected, a worker runs as an unprivileged user
 * (when the backend is root), with no_new_privs and a seccomp filter,
 * and still serves real requests: contexts, resources with backing,
 * transfers, fenced submits. --no-seccomp and --no-privdrop turn each
 * part off; an unknown --user stops the backend at startup. llvmpipe's
 * rasterizer threads, which start after the sandbox, pin themselves one
 * per CPU while another device takes turns on the GPU, unless
 * --no-pin-llvmpipe; a device alone leaves them unpinned.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"
#include "vgpu_util.h"
#include "vgpufront.h"

#define CTX_ID          1
#define RES_ID          1
#define TEX_SIZE        64
/* test_memory_limit: a 16 MiB vram and a small overhead. */
#define MEM_VRAM_PAGES  4096
#define MEM_VRAM_MIB    16
#define MEM_OVERHEAD_MIB 128

struct fixture {
	struct harness_test_backend b;
	struct vgpufront *dev;
	struct vgpufront *dev2;         /* a second device, where used */
};

/* Starts vgpu-backend on a private socket with extra (may be NULL). */
static void start_backend(struct fixture *f, const char *const *extra)
{
	assert_int_equal(harness_test_backend_start(&f->b, extra), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(harness_mkdtemp(f->b.dir, sizeof(f->b.dir),
					 "privsep"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vgpufront_close(f->dev);
	vgpufront_close(f->dev2);
	/* A worker killed by its filter only shows in the log. */
	if (!harness_test_backend_stop(&f->b, "died of signal")) {
		fail_msg("the backend did not stop cleanly (its log above)");
	}
	harness_rmtree(f->b.dir);
	free(f);
	return 0;
}

/*
 * Connects a frontend and waits for one answer: the worker sandboxes
 * itself before it serves the ring, so after a NOP it is done.
 */
static struct vgpufront *open_device(struct fixture *f)
{
	struct vgpuif_req nop = { .operation = VGPUIF_OP_NOP };
	struct vgpufront *dev = vgpufront_open(f->b.spec, 0);

	assert_non_null(dev);
	assert_int_equal(vgpufront_call(dev, &nop, NULL), 0);
	return dev;
}

/* True unless pid has exited (a zombie not yet reaped, or gone). */
static bool running(long pid)
{
	char path[64], *text, *state;
	bool ret;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	text = harness_read_file(path);
	state = text ? strstr(text, "State:\t") : NULL;
	ret = state && state[strlen("State:\t")] != 'Z';
	free(text);
	return ret;
}

/*
 * Counts the running pids of a children list ("12 34 ") other than skip;
 * *pid: the last.
 */
static int running_children(const char *list, long skip, long *pid)
{
	const char *p = list;
	int n = 0;
	char *end;
	long child;

	for (;;) {
		child = strtol(p, &end, 10);
		if (end == p) {
			return n;
		}
		if (child != skip && running(child)) {
			*pid = child;
			n++;
		}
		p = end;
	}
}

/*
 * The running children of every thread of backend, but skip; *pid: one
 * of them.
 */
static int backend_children(pid_t backend, long skip, long *pid)
{
	char path[64], *text;
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)backend);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.') {
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/children",
			 (int)backend, de->d_name);
		text = harness_read_file(path);
		if (text) {
			n += running_children(text, skip, pid);
			free(text);
		}
	}
	closedir(d);
	return n;
}

/*
 * The backend's one running child: the device's worker. Workers of
 * earlier connections (the harness's check that the socket listens, a
 * closed device) are waited out: under ASan their exit takes a while.
 */
static pid_t find_worker_but(pid_t backend, pid_t skip)
{
	long pid = 0;
	int n = 0, waited;

	for (waited = 0; waited < harness_ms(10000); waited += 20) {
		n = backend_children(backend, skip, &pid);
		if (n == 1) {
			return (pid_t)pid;
		}
		usleep(20000);
	}
	fail_msg("backend %d has %d worker processes, not 1", (int)backend,
		 n);
	return 0;
}

static pid_t find_worker(pid_t backend)
{
	return find_worker_but(backend, 0);
}

/* The first number of a /proc/PID/status line ("Uid:", "Seccomp:"). */
static long status_field(pid_t pid, const char *key)
{
	char path[64], *text, *line;
	long value = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = harness_read_file(path);
	assert_non_null(text);
	line = strstr(text, key);
	if (line) {
		value = strtol(line + strlen(key), NULL, 10);
	}
	free(text);
	if (value < 0) {
		fail_msg("no %s in %s", key, path);
	}
	return value;
}

/* Every one of the 4 ids (real, effective, saved, fs) of a status line. */
static void assert_ids_not_root(pid_t pid, const char *key)
{
	char path[64], *text, *line, *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = harness_read_file(path);
	assert_non_null(text);
	line = strstr(text, key);
	assert_non_null(line);
	p = line + strlen(key);
	for (i = 0; i < 4; i++) {
		if (strtol(p, &p, 10) == 0) {
			fail_msg("worker %d: %s id %d is still 0", (int)pid,
				 key, i);
		}
	}
	free(text);
}

/* 2 (a filter), except under valgrind, which cannot load one. */
static long seccomp_mode(void)
{
	const char *wrapper = getenv("VGPU_BACKEND_WRAPPER");

	return wrapper && strstr(wrapper, "valgrind") ? 0 : 2;
}

static void assert_logged(struct fixture *f, const char *needle)
{
	char *log = harness_read_file(f->b.child.log);

	assert_non_null(log);
	if (!strstr(log, needle)) {
		harness_dump_log(&f->b.child);
		fail_msg("no '%s' in the backend's log", needle);
	}
	free(log);
}

/* Waits up to timeout_ms for needle to appear in the backend's log. */
static void wait_logged(struct fixture *f, const char *needle,
			int timeout_ms)
{
	char *log;
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 20) {
		log = harness_read_file(f->b.child.log);
		if (log && strstr(log, needle)) {
			free(log);
			return;
		}
		free(log);
		usleep(20000);
	}
	assert_logged(f, needle);
}

static int call(struct fixture *f, struct vgpuif_req req)
{
	return vgpufront_call(f->dev, &req, NULL);
}

/* A texture with backing, written to the host and read back. */
static void texture_round_trip(struct fixture *f)
{
	struct vgpuif_transfer_3d_req xfer = {
		.res_id = RES_ID, .stride = TEX_SIZE * 4,
		.width = TEX_SIZE, .height = TEX_SIZE, .depth = 1,
	};
	struct vgpufront_buf *buf;

	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_CREATE_3D,
		.op.resource_create_3d = {
			.res_id = RES_ID, .target = 2 /* PIPE_TEXTURE_2D */,
			.format = 1 /* B8G8R8A8_UNORM */, .bind = 8,
			.width = TEX_SIZE, .height = TEX_SIZE, .depth = 1,
			.array_size = 1 } }), 0);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_ATTACH_RESOURCE, .ctx_id = CTX_ID,
		.op.resource = { .res_id = RES_ID } }), 0);
	buf = vgpufront_buf_alloc(f->dev, TEX_SIZE * TEX_SIZE * 4, false);
	assert_non_null(buf);
	memset(buf->addr, 0x5a, TEX_SIZE * TEX_SIZE * 4);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_ATTACH_BACKING,
		.op.attach_backing = { .res_id = RES_ID,
				       .gref_directory = buf->dir_ref,
				       .num_pages = buf->num_pages } }), 0);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_TRANSFER_TO_HOST_3D, .ctx_id = CTX_ID,
		.op.transfer_3d = xfer }), 0);
	memset(buf->addr, 0, TEX_SIZE * TEX_SIZE * 4);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_TRANSFER_FROM_HOST_3D, .ctx_id = CTX_ID,
		.op.transfer_3d = xfer }), 0);
	assert_int_equal(((uint8_t *)buf->addr)[0], 0x5a);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_RESOURCE_UNREF,
		.op.resource = { .res_id = RES_ID } }), 0);
	vgpufront_buf_free(f->dev, buf);
}

/* A fenced submit of NOPs (zeroed dwords): answered after the GPU. */
static void fenced_submit(struct vgpufront *dev, uint64_t fence)
{
	struct vgpufront_cmd cmd;
	struct vgpuif_resp resp;
	uint32_t id;

	assert_int_equal(vgpufront_cmd_reserve(dev, 256, &cmd), 0);
	memset(cmd.ptr, 0, 256);
	assert_int_equal(vgpufront_cmd_submit(dev, CTX_ID, &cmd, fence, &id),
			 0);
	assert_int_equal(vgpufront_wait(dev, id, &resp), 0);
	assert_int_equal(resp.fence_id, fence);
}

/* What a guest does: capsets, a context, a texture, fenced submits. */
static void serve_real_requests(struct fixture *f)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_GET_CAPSET_INFO };
	struct vgpuif_resp resp;

	assert_int_equal(vgpufront_call(f->dev, &req, &resp), 0);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_CREATE, .ctx_id = CTX_ID }), 0);
	texture_round_trip(f);
	fenced_submit(f->dev, 1);
	fenced_submit(f->dev, 2);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_DESTROY, .ctx_id = CTX_ID }), 0);
}

static void test_worker_sandboxed(void **state)
{
	struct fixture *f = *state;
	pid_t worker;

	start_backend(f, NULL);
	f->dev = open_device(f);
	worker = find_worker(f->b.child.pid);
	if (geteuid() == 0) {
		assert_ids_not_root(worker, "Uid:");
		assert_ids_not_root(worker, "Gid:");
	}
	assert_int_equal(status_field(worker, "NoNewPrivs:"), 1);
	assert_int_equal(status_field(worker, "Seccomp:"), seccomp_mode());
	assert_logged(f, "worker sandboxed: uid ");
	assert_logged(f, seccomp_mode() ? "seccomp allowlist of " :
		      "seccomp off (valgrind cannot load it)");
	serve_real_requests(f);
	/* A second device gets a second, equally sandboxed, worker. */
	vgpufront_close(f->dev);
	f->dev = NULL;
	f->dev = open_device(f);
	serve_real_requests(f);
	assert_true(harness_alive(&f->b.child));
}

static void test_no_seccomp(void **state)
{
	struct fixture *f = *state;
	pid_t worker;

	start_backend(f, (const char *[]){ "--no-seccomp", NULL });
	f->dev = open_device(f);
	worker = find_worker(f->b.child.pid);
	assert_int_equal(status_field(worker, "Seccomp:"), 0);
	assert_int_equal(status_field(worker, "NoNewPrivs:"), 1);
	if (geteuid() == 0) {
		assert_ids_not_root(worker, "Uid:");
	}
	serve_real_requests(f);
}

static void test_no_privdrop(void **state)
{
	struct fixture *f = *state;
	pid_t worker;

	start_backend(f, (const char *[]){ "--no-privdrop", NULL });
	f->dev = open_device(f);
	worker = find_worker(f->b.child.pid);
	assert_int_equal(status_field(worker, "Uid:"), (long)getuid());
	assert_int_equal(status_field(worker, "Seccomp:"), seccomp_mode());
	serve_real_requests(f);
}

/* The cpu-th CPU this process may use, modulo their number. */
static int nth_cpu(unsigned long n)
{
	cpu_set_t set;
	int cpu;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	n %= (unsigned long)CPU_COUNT(&set);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &set) && !n--) {
			return cpu;
		}
	}
	fail_msg("no usable CPU");
	return -1;
}

/*
 * Counts the worker's "llvmpipe-N" threads pinned to the Nth CPU, and
 * those allowed the same CPUs as this process; there is no third kind.
 */
static void count_rasterizers(pid_t worker, int *pinned, int *unpinned)
{
	char path[96], *comm, *status, *list, nth[16], mine[256];
	char theirs[256];
	struct dirent *de;
	DIR *d;

	status = harness_read_file("/proc/self/status");
	assert_non_null(status);
	list = strstr(status, "Cpus_allowed_list:");
	assert_non_null(list);
	sscanf(list, "Cpus_allowed_list: %255s", mine);
	free(status);
	*pinned = *unpinned = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)worker);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/comm",
			 (int)worker, de->d_name);
		comm = harness_read_file(path);
		if (!comm || strncmp(comm, "llvmpipe-", 9)) {
			free(comm);
			continue;
		}
		snprintf(nth, sizeof(nth), "%d",
			 nth_cpu(strtoul(comm + 9, NULL, 10)));
		free(comm);
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status",
			 (int)worker, de->d_name);
		status = harness_read_file(path);
		assert_non_null(status);
		list = strstr(status, "Cpus_allowed_list:");
		assert_non_null(list);
		assert_int_equal(sscanf(list, "Cpus_allowed_list: %255s",
					theirs), 1);
		free(status);
		if (!strcmp(theirs, nth) && strcmp(theirs, mine)) {
			(*pinned)++;
		} else {
			assert_string_equal(theirs, mine);
			(*unpinned)++;
		}
	}
	closedir(d);
}

/*
 * Waits (5 s) until every rasterizer of worker is pinned, or none is: a
 * worker signals its threads when it takes the GPU, and they re-pin
 * themselves a moment later.
 */
static void wait_rasterizers(pid_t worker, bool pinned)
{
	int n_pinned = 0, n_unpinned = 0, waited;

	for (waited = 0; waited < harness_ms(5000); waited += 20) {
		count_rasterizers(worker, &n_pinned, &n_unpinned);
		if (n_pinned + n_unpinned > 0 &&
		    (pinned ? !n_unpinned : !n_pinned)) {
			return;
		}
		usleep(20000);
	}
	fail_msg("worker %d: %d rasterizers pinned, %d not; wanted %s",
		 (int)worker, n_pinned, n_unpinned, pinned ? "all" : "none");
}

/* A backend started with extra, its worker, and a guest context in it. */
static pid_t worker_with_context(struct fixture *f,
				 const char *const *extra)
{
	start_backend(f, extra);
	f->dev = open_device(f);
	assert_int_equal(call(f, (struct vgpuif_req){
		.operation = VGPUIF_OP_CTX_CREATE, .ctx_id = CTX_ID }), 0);
	return find_worker(f->b.child.pid);
}

/*
 * A second device on the backend of f, and a guest context in it;
 * returns its worker, which is not first.
 */
static pid_t second_worker_with_context(struct fixture *f, pid_t first)
{
	struct vgpuif_req create = { .operation = VGPUIF_OP_CTX_CREATE,
				     .ctx_id = CTX_ID };

	f->dev2 = open_device(f);
	assert_int_equal(vgpufront_call(f->dev2, &create, NULL), 0);
	return find_worker_but(f->b.child.pid, first);
}

/*
 * A device alone leaves its rasterizers to the kernel: pinned, they
 * would wait for any CPU that other work keeps busy.
 */
static void test_rasterizers_alone_unpinned(void **state)
{
	struct fixture *f = *state;
	pid_t worker = worker_with_context(f, NULL);
	int pinned, unpinned;

	fenced_submit(f->dev, 1);
	count_rasterizers(worker, &pinned, &unpinned);
	assert_int_equal(pinned, 0);
	/* One set for all of the worker's contexts: one per CPU. */
	assert_true(unpinned >= 1);
	texture_round_trip(f);
	assert_true(harness_alive(&f->b.child));
}

/*
 * While another device takes turns on the GPU, each worker's rasterizers
 * are pinned inside the sandbox, thread N to CPU N; once it is alone
 * again, they are not.
 */
static void test_rasterizers_shared_pinned(void **state)
{
	struct fixture *f = *state;
	pid_t first = worker_with_context(f, NULL);
	pid_t second = second_worker_with_context(f, first);

	fenced_submit(f->dev2, 1);
	wait_rasterizers(second, true);
	fenced_submit(f->dev, 1);
	wait_rasterizers(first, true);
	texture_round_trip(f);
	vgpufront_close(f->dev2);
	f->dev2 = NULL;
	assert_int_equal(find_worker(f->b.child.pid), first);
	fenced_submit(f->dev, 2);
	wait_rasterizers(first, false);
	assert_true(harness_alive(&f->b.child));
}

static void test_rasterizers_unpinned(void **state)
{
	struct fixture *f = *state;
	pid_t first = worker_with_context(f, (const char *[]){
		"--no-pin-llvmpipe", NULL });
	pid_t second = second_worker_with_context(f, first);
	int pinned, unpinned;

	count_rasterizers(second, &pinned, &unpinned);
	assert_int_equal(pinned, 0);
	assert_true(unpinned >= 1);
}

/* The "Max data size" soft limit of /proc/PID/limits, in bytes. */
static unsigned long long data_limit(pid_t pid)
{
	char path[64], *text, *line;
	unsigned long long bytes = 0;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	text = harness_read_file(path);
	assert_non_null(text);
	line = strstr(text, "Max data size");
	assert_non_null(line);
	sscanf(line + strlen("Max data size"), "%llu", &bytes);
	free(text);
	return bytes;
}

/* Whether the worker's own memory checker is in it: then no limit. */
static bool backend_instrumented(void)
{
	const char *wrapper = getenv("VGPU_BACKEND_WRAPPER");

#ifdef __SANITIZE_ADDRESS__
	return true;
#endif
	return wrapper && strstr(wrapper, "valgrind");
}

/*
 * Contexts cost the worker memory the backend cannot count (each holds
 * llvmpipe's state, about 2.6 MiB). A guest that makes them until its
 * limit (vram 16 MiB + overhead) loses its device before the worker
 * holds more than the limit; the backend says why, and the next device
 * is served as before.
 */
static void test_memory_limit(void **state)
{
	const unsigned long long limit = (MEM_VRAM_MIB + MEM_OVERHEAD_MIB) *
					 1024ull * 1024;
	struct fixture *f = *state;
	pid_t worker;
	uint32_t ctx;
	int ret = 0;

	start_backend(f, (const char *[]){
		"--max-mapped-pages=" HARNESS_STR(MEM_VRAM_PAGES),
		"--mem-overhead=" HARNESS_STR(MEM_OVERHEAD_MIB),
		"--max-contexts=1000", NULL });
	f->dev = open_device(f);
	worker = find_worker(f->b.child.pid);
	if (backend_instrumented()) {
		assert_logged(f, "no memory limit under");
		skip();
	}
	assert_int_equal(data_limit(worker), limit);
	for (ctx = 1; ctx <= 1000 && !ret; ctx++) {
		assert_true(status_field(worker, "VmData:") * 1024ull <= limit);
		ret = call(f, (struct vgpuif_req){
			.operation = VGPUIF_OP_CTX_CREATE, .ctx_id = ctx });
	}
	assert_int_not_equal(ret, 0);
	assert_true(ctx > 8); /* the limit allows some */
	wait_logged(f, "stopped at its memory limit", harness_ms(10000));
	vgpufront_close(f->dev);
	f->dev = NULL;
	f->dev = open_device(f);
	serve_real_requests(f);
	assert_true(harness_alive(&f->b.child));
}

/* A user that does not exist is an error at startup, not at connect. */
static void test_unknown_user(void **state)
{
	struct fixture *f = *state;
	char bin[PATH_MAX], log[PATH_MAX];
	char *argv[] = { bin, "--loopback=/nonexistent/sock",
			 "--user=vgpu-no-such-user", NULL };

	if (geteuid() != 0) {
		skip(); /* as non-root, --user is not used */
	}
	snprintf(log, sizeof(log), "%s/backend.log", f->b.dir);
	harness_build_path(bin, sizeof(bin), "bin/vgpu-backend");
	assert_int_equal(harness_spawn(&f->b.child,
				       getenv("VGPU_BACKEND_WRAPPER"), argv,
				       NULL, log), 0);
	assert_int_equal(harness_wait(&f->b.child, harness_ms(30000)), 1);
	f->b.child.pid = 0;
	assert_logged(f, "--user=vgpu-no-such-user: no such user");
}

/* How many of pid's open files lie under dir. */
static int open_files_under(pid_t pid, const char *dir)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct dirent *d;
	ssize_t len;
	DIR *fds;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	fds = opendir(path);
	assert_non_null(fds);
	while ((d = readdir(fds))) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", (int)pid,
			 d->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n += strncmp(target, dir, strlen(dir)) == 0;
		}
	}
	closedir(fds);
	return n;
}

/*
 * The guest's shader cache is its own: a root-only directory that the
 * worker opened before its sandbox and keeps open in it, while it serves;
 * a cache over its size limit is emptied when a worker starts.
 */
static void test_shader_cache_private(void **state)
{
	struct fixture *f = *state;
	char cache[PATH_MAX], opt[PATH_MAX + 32], junk[PATH_MAX + 16];
	const char *extra[] = { opt, "--shader-cache-mib=16", NULL };
	struct stat st;
	pid_t worker;
	FILE *fp;

	snprintf(cache, sizeof(cache), "%s/cache", f->b.dir);
	snprintf(opt, sizeof(opt), "--shader-cache=%s", cache);
	/* 32 MiB (sparse) left by an earlier guest, over the limit. */
	snprintf(junk, sizeof(junk), "%s/loopback", cache);
	assert_int_equal(mkdir(cache, 0700), 0);
	assert_int_equal(mkdir(junk, 0700), 0);
	strcat(junk, "/old");
	fp = fopen(junk, "w");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 32 << 20, SEEK_SET), 0);
	assert_int_equal(fputc('x', fp), 'x');
	assert_int_equal(fclose(fp), 0);

	start_backend(f, extra);
	f->dev = open_device(f);
	worker = find_worker(f->b.child.pid);
	assert_int_not_equal(access(junk, F_OK), 0);
	snprintf(junk, sizeof(junk), "%s/loopback", cache);
	assert_int_equal(stat(junk, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	/* Mesa's cache files, open in the sandboxed worker. */
	assert_true(open_files_under(worker, junk) >= 2);
	serve_real_requests(f);
	assert_logged(f, "worker sandboxed: uid ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shader_cache_private,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_sandboxed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_seccomp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_privdrop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_memory_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_user, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rasterizers_alone_unpinned,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rasterizers_shared_pinned,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rasterizers_unpinned,
						setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
