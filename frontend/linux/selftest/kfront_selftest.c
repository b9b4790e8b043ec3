// SPDX-License-Identifier: GPL-2.0
/*
 * kfront-selftest: the virtio-gpu uAPI of xen_vgpu.ko, driven from
 * userspace without Mesa, in a domU with the module loaded:
 *
 *   kfront-selftest [NODE [FUZZ_SECONDS]]
 *   kfront-selftest NODE --nop ROUNDS
 *
 * NODE defaults to /dev/dri/renderD128, FUZZ_SECONDS to 0. It checks a
 * buffer's round trip through the backend (mmap, TRANSFER_TO_HOST, clear,
 * TRANSFER_FROM_HOST, WAIT), a submit with an out-fence that signals and
 * feeds the next submit's in-fence, PRIME sharing between two files (two
 * contexts), and that bad arguments get the errors they should. Then it
 * calls the driver's ioctls with random arguments for FUZZ_SECONDS; only
 * the kernel log can judge those. One line per check, "ok N - what" or
 * "not ok N - what"; exits 1 if any check failed.
 *
 * --nop ROUNDS times ROUNDS calls of the driver's NOP ioctl (one request
 * to the backend and its answer) and prints
 * "nop rounds=N median_us=M p99_us=P", for bench/kfront.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm/virtgpu_drm.h>

#include "../xen_vgpu_drm.h"

/* virgl's values for a plain byte buffer (virgl_hw.h, p_defines.h). */
#define PIPE_BUFFER			0
#define VIRGL_FORMAT_R8_UNORM		64
#define VIRGL_BIND_VERTEX_BUFFER	(1 << 4)

#define BUF_BYTES	(64 * 1024)

static int failures;
static int checks;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", checks, what);
	fflush(stdout);
}

/* The ioctl's errno, 0 on success. */
static int call(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

static void check_err(int got, int want, const char *what)
{
	char line[160];

	snprintf(line, sizeof(line), "%s (got %s, want %s)", what,
		 got ? strerror(got) : "success",
		 want ? strerror(want) : "success");
	check(got == want, line);
}

static int create_buffer(int fd, uint32_t bytes,
			 struct drm_virtgpu_resource_create *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->target = PIPE_BUFFER;
	rc->format = VIRGL_FORMAT_R8_UNORM;
	rc->bind = VIRGL_BIND_VERTEX_BUFFER;
	rc->width = bytes;
	rc->height = 1;
	rc->depth = 1;
	rc->array_size = 1;
	rc->size = bytes;
	return call(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, rc);
}

static void *map_buffer(int fd, uint32_t handle, size_t bytes)
{
	struct drm_virtgpu_map map = { .handle = handle };
	void *p;

	if (call(fd, DRM_IOCTL_VIRTGPU_MAP, &map))
		return NULL;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 map.offset);
	return p == MAP_FAILED ? NULL : p;
}

static int transfer(int fd, uint32_t handle, uint32_t bytes, int to_host)
{
	struct drm_virtgpu_3d_transfer_to_host t = {
		.bo_handle = handle,
		.box = { .w = bytes, .h = 1, .d = 1 },
	};
	struct drm_virtgpu_3d_wait wait = { .handle = handle };
	int ret;

	ret = call(fd, to_host ? DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST :
				 DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &t);
	return ret ? ret : call(fd, DRM_IOCTL_VIRTGPU_WAIT, &wait);
}

static void test_nop(int fd)
{
	check_err(call(fd, DRM_IOCTL_XEN_VGPU_NOP, NULL), 0,
		  "NOP round trip to the backend");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Times rounds NOP ioctls, after a tenth as many untimed. */
static int bench_nop(int fd, long rounds)
{
	uint64_t *ns = calloc(rounds, sizeof(*ns)), t;
	long i;

	if (!ns || rounds < 1)
		return 1;
	for (i = -rounds / 10; i < rounds; i++) {
		t = now_ns();
		if (ioctl(fd, DRM_IOCTL_XEN_VGPU_NOP, NULL)) {
			perror("DRM_IOCTL_XEN_VGPU_NOP");
			free(ns);
			return 1;
		}
		if (i >= 0)
			ns[i] = now_ns() - t;
	}
	qsort(ns, rounds, sizeof(*ns), cmp_u64);
	printf("nop rounds=%ld median_us=%.1f p99_us=%.1f\n", rounds,
	       ns[rounds / 2] / 1000.0, ns[rounds * 99 / 100] / 1000.0);
	free(ns);
	return 0;
}

static void test_params(int fd)
{
	struct drm_virtgpu_getparam gp = { .param = VIRTGPU_PARAM_3D_FEATURES };
	static char caps[65536];
	struct drm_virtgpu_get_caps gc = {
		.cap_set_id = 2, .addr = (uintptr_t)caps, .size = sizeof(caps),
	};
	int value = 0;

	gp.value = (uintptr_t)&value;
	check(!call(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp) && value == 1,
	      "GETPARAM 3D_FEATURES is 1");
	check_err(call(fd, DRM_IOCTL_VIRTGPU_GET_CAPS, &gc), 0,
		  "GET_CAPS capset 2");
	check(caps[0] || caps[4], "capset 2 is not all zero");
}

static void test_round_trip(int fd)
{
	struct drm_virtgpu_resource_create rc;
	unsigned char *p;
	uint32_t i;
	int ok = 1;

	check_err(create_buffer(fd, BUF_BYTES, &rc), 0, "RESOURCE_CREATE");
	p = map_buffer(fd, rc.bo_handle, BUF_BYTES);
	check(p != NULL, "MAP and mmap the buffer");
	if (!p)
		return;
	for (i = 0; i < BUF_BYTES; i++)
		p[i] = i * 7 + 3;
	check_err(transfer(fd, rc.bo_handle, BUF_BYTES, 1), 0,
		  "TRANSFER_TO_HOST and WAIT");
	memset(p, 0, BUF_BYTES);
	check_err(transfer(fd, rc.bo_handle, BUF_BYTES, 0), 0,
		  "TRANSFER_FROM_HOST and WAIT");
	for (i = 0; i < BUF_BYTES && ok; i++)
		ok = p[i] == (unsigned char)(i * 7 + 3);
	check(ok, "the bytes came back from the host");
	munmap(p, BUF_BYTES);
}

static int signalled(int fence_fd, int ms)
{
	struct pollfd pfd = { .fd = fence_fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

/* A stream of one virgl NOP: a zero header dword. */
static void test_fences(int fd)
{
	static uint32_t nop[1];
	struct drm_virtgpu_execbuffer eb = {
		.flags = VIRTGPU_EXECBUF_FENCE_FD_OUT,
		.size = sizeof(nop), .command = (uintptr_t)nop,
		.fence_fd = -1,
	};
	int first;

	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), 0,
		  "EXECBUFFER with an out-fence");
	first = eb.fence_fd;
	check(first >= 0 && signalled(first, 10000),
	      "the out-fence signals");
	eb.flags |= VIRTGPU_EXECBUF_FENCE_FD_IN;
	eb.fence_fd = first;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), 0,
		  "EXECBUFFER after that fence");
	check(eb.fence_fd >= 0 && signalled(eb.fence_fd, 10000),
	      "its out-fence signals");
	if (first >= 0)
		close(first);
	if (eb.fence_fd >= 0 && eb.fence_fd != first)
		close(eb.fence_fd);
}

static void test_prime(int fd, const char *node)
{
	struct drm_virtgpu_resource_create rc;
	struct drm_virtgpu_resource_info info = { 0 };
	struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
	struct drm_prime_handle imp = { 0 };
	unsigned char *a, *b;
	int fd2;

	fd2 = open(node, O_RDWR | O_CLOEXEC);
	check(fd2 >= 0, "a second file (a second context)");
	if (fd2 < 0 || create_buffer(fd, 4096, &rc))
		return;
	exp.handle = rc.bo_handle;
	check_err(call(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp), 0,
		  "PRIME export");
	imp.fd = exp.fd;
	check_err(call(fd2, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp), 0,
		  "PRIME import in the second file");
	info.bo_handle = imp.handle;
	check(!call(fd2, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &info) &&
	      info.res_handle == rc.res_handle,
	      "the import names the same resource");
	a = map_buffer(fd, rc.bo_handle, 4096);
	b = map_buffer(fd2, imp.handle, 4096);
	if (a && b) {
		strcpy((char *)a, "shared");
		check(!strcmp((char *)b, "shared"), "both maps see one page");
	}
	check_err(transfer(fd2, imp.handle, 4096, 1), 0,
		  "the second context transfers the shared buffer");
	close(exp.fd);
	close(fd2);
}

static void test_bad_arguments(int fd)
{
	struct drm_virtgpu_resource_info info = { .bo_handle = 0xdead };
	struct drm_virtgpu_map map = { .handle = 0xdead };
	struct drm_virtgpu_3d_wait wait = { .handle = 0xdead };
	struct drm_virtgpu_getparam gp = { .param = 1, .value = 0 };
	struct drm_virtgpu_get_caps gc = { .cap_set_id = 99, .size = 16 };
	struct drm_virtgpu_resource_create rc;
	struct drm_virtgpu_execbuffer eb = { 0 };
	static uint32_t nop[4];
	uint32_t bad = 0xdead;

	check_err(call(fd, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &info), ENOENT,
		  "RESOURCE_INFO of no object");
	check_err(call(fd, DRM_IOCTL_VIRTGPU_MAP, &map), ENOENT,
		  "MAP of no object");
	check_err(call(fd, DRM_IOCTL_VIRTGPU_WAIT, &wait), ENOENT,
		  "WAIT on no object");
	wait.flags = 0x80;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_WAIT, &wait), EINVAL,
		  "WAIT with an unknown flag");
	check_err(call(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp), EFAULT,
		  "GETPARAM into a NULL pointer");
	check_err(call(fd, DRM_IOCTL_VIRTGPU_GET_CAPS, &gc), EINVAL,
		  "GET_CAPS of an unknown capset");
	eb.command = (uintptr_t)nop;
	eb.size = 0;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), EINVAL,
		  "EXECBUFFER of 0 bytes");
	eb.size = 6;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), EINVAL,
		  "EXECBUFFER of 6 bytes");
	eb.size = 4;
	eb.flags = 0x80;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), EINVAL,
		  "EXECBUFFER with an unknown flag");
	eb.flags = VIRTGPU_EXECBUF_FENCE_FD_IN;
	eb.fence_fd = -1;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), EINVAL,
		  "EXECBUFFER with no in-fence");
	eb.flags = 0;
	eb.command = 16;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), EFAULT,
		  "EXECBUFFER from a bad pointer");
	eb.command = (uintptr_t)nop;
	eb.size = 64 << 20;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), E2BIG,
		  "EXECBUFFER of 64 MiB");
	eb.size = 4;
	eb.bo_handles = (uintptr_t)&bad;
	eb.num_bo_handles = 1;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb), ENOENT,
		  "EXECBUFFER naming no object");
	check_err(create_buffer(fd, 1u << 31, &rc), E2BIG,
		  "RESOURCE_CREATE of 2 GiB");
	create_buffer(fd, 4096, &rc);
	rc.target = 99;
	check_err(call(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &rc), EINVAL,
		  "RESOURCE_CREATE of an unknown target");
}

static uint32_t word(void)
{
	static const uint32_t some[] = { 0, 1, 2, 3, 4, 8, 4096, 0xffffffff };

	switch (rand() % 3) {
	case 0:
		return some[rand() % 8];
	case 1:
		return rand() % 64;
	default:
		return ((uint32_t)rand() << 16) ^ rand();
	}
}

/* Random arguments to the driver's ioctls; pointers into a scratch page. */
static void fuzz(int fd, int seconds)
{
	static unsigned char scratch[1 << 16];
	uint64_t args[8];
	time_t end = time(NULL) + seconds;
	unsigned long calls = 0, nr;
	unsigned int i;

	srand(getpid());
	for (i = 0; i < sizeof(scratch); i++)
		scratch[i] = rand() % 4 ? 0 : rand();
	while (time(NULL) < end) {
		for (i = 0; i < 8; i++) {
			args[i] = (uint64_t)word() << 32 | word();
			if (rand() % 4 == 0)
				args[i] = (uintptr_t)scratch;
			else if (rand() % 2)
				args[i] &= 0xffffffff;
		}
		nr = rand() % 12;
		/* Small resources: let vram=, not guest memory, run out. */
		if (nr == DRM_VIRTGPU_RESOURCE_CREATE)
			((uint32_t *)args)[12] %= 1 << 20;
		ioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + nr, uint64_t[8]), args);
		calls++;
	}
	printf("# random arguments: %lu calls in %d s\n", calls, seconds);
	check(1, "fuzzing ended without the process being killed");
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/dri/renderD128";
	int seconds = argc > 2 ? atoi(argv[2]) : 0;
	int fd;

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(node);
		return 1;
	}
	if (argc == 4 && !strcmp(argv[2], "--nop"))
		return bench_nop(fd, atol(argv[3]));
	test_nop(fd);
	test_params(fd);
	test_round_trip(fd);
	test_fences(fd);
	test_prime(fd, node);
	test_bad_arguments(fd);
	if (seconds > 0)
		fuzz(fd, seconds);
	close(fd);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
