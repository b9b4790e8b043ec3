/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DOC: shader cache
 * Compiling a guest's shaders (LLVM on llvmpipe, the GPU driver's
 * compiler on a GPU) is most of what a 3D application waits for when it
 * starts a scene. Mesa keeps what it compiled in a disk cache, but a
 * sandboxed worker may open no file, and a cache shared between guests
 * would let one guest's worker hand machine code to another's.
 *
 * So each guest has a cache of its own, DIR/KEY (KEY: "dom-NAME" for a
 * Xen domain, by its name, which its toolstack sets and the guest cannot;
 * "loopback" for the host's own processes). The worker, still root and
 * before the renderer starts, points Mesa at it in its single-file mode,
 * in which Mesa opens the cache's files once, when the renderer starts:
 * the sandbox then keeps the open files and forbids every other. A cache
 * past the size limit is emptied when a worker starts, and the limit
 * bounds the files a worker writes (RLIMIT_FSIZE), so that a guest that
 * compiles without end cannot fill dom0's disk.
 */
#ifndef VGPUBACK_SHADER_CACHE_H
#define VGPUBACK_SHADER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define VGPUBACK_DEF_SHADER_CACHE       "/var/cache/xen-vgpu/shaders"
#define VGPUBACK_DEF_SHADER_CACHE_MIB   128u

/*
 * Makes dir/key the guest's cache (created 0700 if missing, emptied if
 * larger than max_mib) and tells Mesa to use it; call before the
 * renderer starts. A cache that cannot be set up is logged and left
 * out: the worker goes on without one. dir NULL: no cache.
 */
void vgpuback_shader_cache_enter(const char *dir, const char *key,
				 uint32_t max_mib);

/*
 * The key of the domain named name: "dom-NAME" in buf, or NULL if the
 * name cannot name a directory.
 */
const char *vgpuback_shader_cache_key(const char *name, char *buf,
				      size_t len);

#endif /* VGPUBACK_SHADER_CACHE_H */
