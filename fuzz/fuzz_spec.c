/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz target: the vgpu= spec parser (tools/spec.c). The input is the
 * spec text as written in a guest config (a NUL ends it early, as it
 * would in xl's parsed string). Besides memory errors it checks that:
 *   - a refused spec comes with a reason;
 *   - an accepted one holds values in their documented ranges;
 *   - an accepted one, written back out with every key, parses again to
 *     the same spec (vram through vgpu_spec_format_size);
 *   - sizes that vgpu_spec_parse_size accepts survive the same round trip.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include "fuzz_common.h"
#include "spec.h"
#include "vgpu_util.h"

#define TEXT_MAX        (VGPU_SPEC_MAX_LEN + 64)

static void check_ranges(const struct vgpu_spec *s)
{
	FUZZ_CHECK(memchr(s->backend, '\0', sizeof(s->backend)));
	FUZZ_CHECK(s->backend[0]);
	FUZZ_CHECK(s->weight >= VGPU_SPEC_WEIGHT_MIN &&
		   s->weight <= VGPU_SPEC_WEIGHT_MAX);
	FUZZ_CHECK(s->cap <= VGPU_SPEC_CAP_MAX);
	FUZZ_CHECK(s->vram >= VGPU_SPEC_VRAM_MIN &&
		   s->vram <= VGPU_SPEC_VRAM_MAX);
	FUZZ_CHECK(s->vram % VGPU_PAGE_SIZE == 0);
	FUZZ_CHECK(!s->backend_is_id || s->backend_id <= VGPU_DOMID_MAX);
}

static void check_round_trip(const struct vgpu_spec *s)
{
	char text[TEXT_MAX], size[32], err[256];
	struct vgpu_spec again;

	vgpu_spec_format_size(s->vram, size, sizeof(size));
	snprintf(text, sizeof(text), "backend=%s,weight=%" PRIu32
		 ",cap=%" PRIu32 ",vram=%s", s->backend, s->weight, s->cap,
		 size);
	FUZZ_CHECK(vgpu_spec_parse(text, &again, err, sizeof(err)) == 0);
	FUZZ_CHECK(!strcmp(again.backend, s->backend));
	FUZZ_CHECK(again.backend_is_id == s->backend_is_id);
	FUZZ_CHECK(again.backend_id == s->backend_id);
	FUZZ_CHECK(again.weight == s->weight && again.cap == s->cap);
	FUZZ_CHECK(again.vram == s->vram);
}

static void check_size(const char *text)
{
	uint64_t bytes, again;
	char buf[32];

	if (vgpu_spec_parse_size(text, &bytes)) {
		return;
	}
	vgpu_spec_format_size(bytes, buf, sizeof(buf));
	FUZZ_CHECK(vgpu_spec_parse_size(buf, &again) == 0);
	FUZZ_CHECK(again == bytes);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vgpu_spec spec;
	char err[256] = "";
	char *text;
	int ret;

	text = malloc(size + 1);
	FUZZ_CHECK(text);
	memcpy(text, data, size);
	text[size] = '\0';
	ret = vgpu_spec_parse(text, &spec, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL && err[0]);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)));
	} else {
		check_ranges(&spec);
		check_round_trip(&spec);
	}
	check_size(text);
	free(text);
	return 0;
}
