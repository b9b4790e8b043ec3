/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for virglrenderer in the decoder's fuzzer: it renders
 * nothing, but keeps book of the contexts, resources and backings the
 * decoder creates, and aborts (a crash the fuzzer reports) when a call
 * contradicts that book, e.g. a submit to a context that does not exist.
 * See fuzz/virgl_stub.c for what it accepts and refuses.
 */
#ifndef VGPU_FUZZ_VIRGL_STUB_H
#define VGPU_FUZZ_VIRGL_STUB_H

#include <stdbool.h>

/* While held, virgl_renderer_poll() retires no fence. */
void virgl_stub_hold_fences(bool hold);

/* How many contexts and resources live in the stub's book. */
void virgl_stub_counts(unsigned int *ctxs, unsigned int *res);

/* Aborts unless every context and resource has been destroyed. */
void virgl_stub_check_empty(void);

#endif /* VGPU_FUZZ_VIRGL_STUB_H */
