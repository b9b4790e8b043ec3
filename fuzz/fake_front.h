/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for libvgpufront in the vtest fuzzer: a device that answers
 * every request at once, from memory, so that vgpu-vtest's parser goes
 * past its first device call. See fuzz/fake_front.c.
 */
#ifndef VGPU_FUZZ_FAKE_FRONT_H
#define VGPU_FUZZ_FAKE_FRONT_H

#include <stdint.h>

struct vgpufront;

/*
 * The device, reset. Bit i of fail_mask makes the i-th request sent
 * from now on fail (i < 32).
 */
struct vgpufront *fake_front_reset(uint32_t fail_mask);

/* Aborts if a buffer or an unanswered request is left over. */
void fake_front_check_idle(void);

#endif /* VGPU_FUZZ_FAKE_FRONT_H */
