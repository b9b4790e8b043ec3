/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A worker's memory bound.
 *
 * DOC: why a kernel limit
 * The backend counts what it can see: pages it maps and the storage of
 * each resource (objects.c). It cannot see what a guest makes the
 * renderer allocate inside a submission: every distinct shader the guest
 * draws with is compiled by LLVM and kept, about 0.6 MiB each with
 * llvmpipe, so 2000 of them cost dom0 1.2 GiB. RLIMIT_DATA bounds all of
 * it, per worker process, whatever library allocates: past the limit an
 * allocation fails, the library gives up (LLVM and Mesa abort), and the
 * supervisor restarts that guest's worker while the others go on.
 *
 * The limit is set once the device is connected and the renderer is up,
 * just before the sandbox, so the fixed cost is already paid and known.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#include "memlimit.h"
#include "vgpu_util.h"

#define MIB     (1024 * 1024ull)

/* For the fatal-signal handler: /proc/self/statm and the limit. */
static int statm_fd = -1;
static uint64_t limit_bytes;
static uint64_t page_bytes;

/* Whose own memory would be counted against the limit, if any. */
static const char *instrumented(void)
{
#ifdef __SANITIZE_ADDRESS__
	return "AddressSanitizer";
#endif
#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND) {
		return "valgrind";
	}
#endif
	return NULL;
}

/*
 * The data the calling process holds now (statm's 6th field), in bytes,
 * read from statm_fd. Async-signal-safe: no stdio, no allocation.
 */
static int data_bytes(uint64_t *bytes)
{
	uint64_t pages = 0;
	char buf[128];
	ssize_t len, i;
	int field = 0;

	if (lseek(statm_fd, 0, SEEK_SET) < 0) {
		return -errno;
	}
	len = read(statm_fd, buf, sizeof(buf));
	if (len < 0) {
		return -errno;
	}
	for (i = 0; i < len && field < 6; i++) {
		if (buf[i] == ' ') {
			field++;
		} else if (field == 5 && buf[i] >= '0' && buf[i] <= '9') {
			pages = pages * 10 + (uint64_t)(buf[i] - '0');
		}
	}
	if (field < 5) {
		return -EPROTO;
	}
	*bytes = pages * page_bytes;
	return 0;
}

/*
 * Libraries die of SIGABRT (LLVM's bad_alloc, Mesa's and glibc's
 * checks) or of a NULL dereference when an allocation is refused. Near
 * the limit, say so through the exit status; otherwise die of the
 * signal, as without this handler (SA_RESETHAND: the default is back).
 */
static void fatal_signal(int sig)
{
	uint64_t held;

	if (!data_bytes(&held) &&
	    held + VGPUBACK_MEMLIMIT_NEAR_MIB * MIB >= limit_bytes) {
		_exit(VGPUBACK_EXIT_MEMORY);
	}
	raise(sig);
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS };
	struct sigaction sa = { .sa_handler = fatal_signal,
				.sa_flags = SA_RESETHAND | SA_NODEFER };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < VGPU_ARRAY_SIZE(sigs); i++) {
		sigaction(sigs[i], &sa, NULL);
	}
}

int vgpuback_memlimit_enter(uint64_t vram_bytes, uint32_t overhead_mib,
			    uint32_t domid,
			    uint32_t devid)
{
	uint64_t limit = vram_bytes + overhead_mib * MIB, held;
	struct rlimit rl = { .rlim_cur = limit, .rlim_max = limit };
	const char *tool = instrumented();
	int ret;

	if (!overhead_mib) {
		return 0;
	}
	if (tool) {
		vgpu_info(VGPU_DEV_FMT "no memory limit under %s", domid, devid, tool);
		return 0;
	}
	page_bytes = (uint64_t)sysconf(_SC_PAGESIZE);
	statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ret = statm_fd < 0 ? -errno : data_bytes(&held);
	if (ret) {
		vgpu_err(VGPU_DEV_FMT "cannot read /proc/self/statm: %s", domid, devid,
			 strerror(-ret));
		return ret;
	}
	if (held >= limit) {
		vgpu_err(VGPU_DEV_FMT "the worker already holds %llu MiB, over its "
			 "memory limit of %llu MiB (vram %llu MiB + overhead "
			 "%u MiB): raise --mem-overhead", domid, devid,
			 (unsigned long long)(held / MIB),
			 (unsigned long long)(limit / MIB),
			 (unsigned long long)(vram_bytes / MIB), overhead_mib);
		return -ENOMEM;
	}
	limit_bytes = limit;
	catch_fatal_signals();
	if (setrlimit(RLIMIT_DATA, &rl)) {
		ret = -errno;
		vgpu_err(VGPU_DEV_FMT "setrlimit(RLIMIT_DATA): %s", domid, devid,
			 strerror(-ret));
		return ret;
	}
	vgpu_info(VGPU_DEV_FMT "memory limit %llu MiB (vram %llu + overhead %u); "
		  "%llu MiB held now", domid, devid,
		  (unsigned long long)(limit / MIB),
		  (unsigned long long)(vram_bytes / MIB), overhead_mib,
		  (unsigned long long)(held / MIB));
	return 0;
}
