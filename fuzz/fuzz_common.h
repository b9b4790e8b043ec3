/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz targets share: the libFuzzer entry points, a reader that
 * takes bytes off the front of an input (zeros once it runs out, so any
 * input is a valid one), a check that aborts with a message, and muting
 * the project's log lines.
 */
#ifndef VGPU_FUZZ_COMMON_H
#define VGPU_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline size_t fuzz_left(const struct fuzz_in *in)
{
	return in->size - in->pos;
}

/* Copies len bytes, zero-filled past the end; returns how many were real. */
static inline size_t fuzz_take(struct fuzz_in *in, void *buf, size_t len)
{
	size_t n = len < fuzz_left(in) ? len : fuzz_left(in);

	memcpy(buf, in->data + in->pos, n);
	memset((uint8_t *)buf + n, 0, len - n);
	in->pos += n;
	return n;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t v;

	fuzz_take(in, &v, sizeof(v));
	return v;
}

/*
 * An invariant of the code under test: a crash if it does not hold. It
 * writes to fd 2, which fuzz_quiet_logs() leaves alone.
 */
#define FUZZ_CHECK(cond) do {                                           \
	if (!(cond)) {                                                  \
		dprintf(2, "%s:%d: check failed: %s\n", __FILE__,       \
			__LINE__, #cond);                               \
		abort();                                                \
	}                                                               \
} while (0)

/*
 * The code under test logs every refusal to stderr; at thousands of
 * inputs a second that is most of the time spent. libFuzzer and the
 * sanitizers write to fd 2 themselves, so pointing the stdio stream
 * elsewhere mutes only the project. VGPU_FUZZ_LOG=1 keeps the lines.
 */
static inline void fuzz_quiet_logs(void)
{
	const char *keep = getenv("VGPU_FUZZ_LOG");
	FILE *null;

	if (keep && *keep == '1') {
		return;
	}
	null = fopen("/dev/null", "w");
	if (null) {
		stderr = null;
	}
}

#endif /* VGPU_FUZZ_COMMON_H */
