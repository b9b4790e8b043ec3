/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bound on a worker's own memory: its guest's vram plus a fixed
 * overhead, enforced by the kernel. See backend/memlimit.c.
 */
#ifndef VGPUBACK_MEMLIMIT_H
#define VGPUBACK_MEMLIMIT_H

#include <stdint.h>

/*
 * What a worker needs besides its guest's resources: EGL, LLVM and
 * virglrenderer, llvmpipe's threads, and the machine code of the guest's
 * shaders. A worker holds about 100 MiB of data once connected on 2
 * CPUs; each llvmpipe thread on a larger host adds an 8 MiB stack.
 */
#define VGPUBACK_DEF_MEM_OVERHEAD_MIB   384

/*
 * Exit status of a worker that died of SIGABRT, SIGSEGV or SIGBUS within
 * VGPUBACK_MEMLIMIT_NEAR_MIB of its limit: a library's allocation was
 * refused, and its guest asked for more than it may have.
 */
#define VGPUBACK_EXIT_MEMORY            3
#define VGPUBACK_MEMLIMIT_NEAR_MIB      64

/*
 * Limits the calling worker's data (RLIMIT_DATA: heap and private
 * writable mappings, where malloc, LLVM's code and llvmpipe's textures
 * live; not the guest's shared pages) to vram_bytes + overhead_mib MiB.
 * overhead_mib 0 leaves it unlimited. Under AddressSanitizer or valgrind,
 * whose own memory would count, it logs that and does nothing. Once the
 * limit is set, a death by SIGABRT, SIGSEGV or SIGBUS near it becomes
 * exit status VGPUBACK_EXIT_MEMORY, so the parent can say why. Returns 0,
 * or -ENOMEM (logged, saying what to raise) when the worker already holds
 * more than the limit, or -errno.
 */
int vgpuback_memlimit_enter(uint64_t vram_bytes, uint32_t overhead_mib,
			    uint32_t domid,
			    uint32_t devid);

#endif /* VGPUBACK_MEMLIMIT_H */
