/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the device's memory budget charges for a resource: every kind of
 * resource Mesa creates gets its real size, so that an ordinary resource
 * is never refused while the budget has room, and nothing can overflow
 * the charge into something small.
 *
 * Each expected size is worked out here by hand, from the format's
 * published block layout, independently of the table in res_size.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "vgpu_res_size.h"

/* virgl format values (virglrenderer's virgl_hw.h). */
#define FMT_B8G8R8A8_UNORM      1
#define FMT_Z16_UNORM           16
#define FMT_Z24_UNORM_S8_UINT   19
#define FMT_R32G32B32A32_FLOAT  31
#define FMT_R8_UNORM            64
#define FMT_R8G8B8A8_UNORM      67
#define FMT_R16G16B16A16_FLOAT  94
#define FMT_DXT1_RGB            105
#define FMT_DXT5_RGBA           108
#define FMT_YUYV                15
#define FMT_Z32_FLOAT_S8X24     126
#define FMT_ETC2_RGB8           269
#define FMT_ASTC_10x10          290
#define FMT_ASTC_12x10_SRGB     305
#define FMT_UNKNOWN             9999

#define TGT_BUFFER      0
#define TGT_1D          1
#define TGT_2D          2
#define TGT_3D          3
#define TGT_CUBE        4
#define TGT_RECT        5
#define TGT_1D_ARRAY    6
#define TGT_2D_ARRAY    7
#define TGT_CUBE_ARRAY  8

struct size_case {
	const char *what;
	struct vgpuif_resource_create_3d_req c;
	uint64_t bytes;
};

#define RES(tgt, fmt, w, h, d, layers, last, samples) {                \
	.target = (tgt), .format = (fmt), .width = (w), .height = (h), \
	.depth = (d), .array_size = (layers), .last_level = (last),    \
	.nr_samples = (samples) }

static const struct size_case cases[] = {
	{ "vertex buffer of 64 KiB (Mesa: R8, width = bytes)",
	  RES(TGT_BUFFER, FMT_R8_UNORM, 65536, 1, 1, 1, 0, 0), 65536 },
	{ "1-byte buffer (fence resources)",
	  RES(TGT_BUFFER, FMT_R8_UNORM, 1, 1, 1, 1, 0, 0), 1 },
	{ "800x600 back buffer, BGRA8",
	  RES(TGT_2D, FMT_B8G8R8A8_UNORM, 800, 600, 1, 1, 0, 0),
	  800ull * 600 * 4 },
	{ "800x600 depth/stencil Z24S8 (refused before the fix)",
	  RES(TGT_2D, FMT_Z24_UNORM_S8_UINT, 800, 600, 1, 1, 0, 0),
	  800ull * 600 * 4 },
	{ "1024x1024 Z16 depth texture",
	  RES(TGT_2D, FMT_Z16_UNORM, 1024, 1024, 1, 1, 0, 0),
	  1024ull * 1024 * 2 },
	{ "Z32F_S8X24, 8 bytes a pixel",
	  RES(TGT_2D, FMT_Z32_FLOAT_S8X24, 640, 480, 1, 1, 0, 0),
	  640ull * 480 * 8 },
	{ "4x MSAA 800x600 Z24S8",
	  RES(TGT_2D, FMT_Z24_UNORM_S8_UINT, 800, 600, 1, 1, 0, 4),
	  800ull * 600 * 4 * 4 },
	{ "4x MSAA 800x600 RGBA8",
	  RES(TGT_2D, FMT_R8G8B8A8_UNORM, 800, 600, 1, 1, 0, 4),
	  800ull * 600 * 4 * 4 },
	{ "1D texture 256 RGBA32F",
	  RES(TGT_1D, FMT_R32G32B32A32_FLOAT, 256, 1, 1, 1, 0, 0),
	  256ull * 16 },
	{ "1D array 256 wide, 4 layers, RGBA16F",
	  RES(TGT_1D_ARRAY, FMT_R16G16B16A16_FLOAT, 256, 1, 1, 4, 0, 0),
	  256ull * 8 * 4 },
	{ "rectangle texture 100x37 R8",
	  RES(TGT_RECT, FMT_R8_UNORM, 100, 37, 1, 1, 0, 0), 100ull * 37 },
	{ "2D array 64x64, 10 layers, RGBA8",
	  RES(TGT_2D_ARRAY, FMT_R8G8B8A8_UNORM, 64, 64, 1, 10, 0, 0),
	  64ull * 64 * 4 * 10 },
	/* 256 + 128 + ... + 1: nine levels, each a quarter of the last. */
	{ "256x256 RGBA8, full mip chain",
	  RES(TGT_2D, FMT_R8G8B8A8_UNORM, 256, 256, 1, 1, 8, 0),
	  4ull * (65536 + 16384 + 4096 + 1024 + 256 + 64 + 16 + 4 + 1) },
	/* Non-square: 64x16, 32x8, 16x4, 8x2, 4x1, 2x1, 1x1. */
	{ "64x16 RGBA8, full mip chain, width and height stop at 1",
	  RES(TGT_2D, FMT_R8G8B8A8_UNORM, 64, 16, 1, 1, 6, 0),
	  4ull * (1024 + 256 + 64 + 16 + 4 + 2 + 1) },
	{ "3D 64x32x16 R8, two levels (depth halves too)",
	  RES(TGT_3D, FMT_R8_UNORM, 64, 32, 16, 1, 1, 0),
	  64ull * 32 * 16 + 32ull * 16 * 8 },
	{ "cube 128x128 RGBA8, array_size 6",
	  RES(TGT_CUBE, FMT_R8G8B8A8_UNORM, 128, 128, 1, 6, 0, 0),
	  128ull * 128 * 4 * 6 },
	{ "cube with array_size 1 still has 6 faces",
	  RES(TGT_CUBE, FMT_R8G8B8A8_UNORM, 128, 128, 1, 1, 0, 0),
	  128ull * 128 * 4 * 6 },
	{ "cube array 32x32, 12 layer-faces, two levels",
	  RES(TGT_CUBE_ARRAY, FMT_R8G8B8A8_UNORM, 32, 32, 1, 12, 1, 0),
	  (32ull * 32 + 16 * 16) * 4 * 12 },
	/* 130/4 rounds up to 33 blocks, 66/4 to 17. */
	{ "DXT1 130x66: partial blocks count whole",
	  RES(TGT_2D, FMT_DXT1_RGB, 130, 66, 1, 1, 0, 0), 33ull * 17 * 8 },
	{ "DXT5 256x256 with mips: 4x4 blocks of 16 bytes down to 1 block",
	  RES(TGT_2D, FMT_DXT5_RGBA, 256, 256, 1, 1, 8, 0),
	  16ull * (64 * 64 + 32 * 32 + 16 * 16 + 8 * 8 + 4 * 4 + 2 * 2 +
		   1 + 1 + 1) },
	{ "ETC2 RGB8 64x64",
	  RES(TGT_2D, FMT_ETC2_RGB8, 64, 64, 1, 1, 0, 0), 16ull * 16 * 8 },
	{ "ASTC 10x10 100x100",
	  RES(TGT_2D, FMT_ASTC_10x10, 100, 100, 1, 1, 0, 0), 10ull * 10 * 16 },
	{ "ASTC 12x10 sRGB 25x25: 3x3 blocks",
	  RES(TGT_2D, FMT_ASTC_12x10_SRGB, 25, 25, 1, 1, 0, 0), 3ull * 3 * 16 },
	{ "YUYV 64x2: 2x1 blocks of 4 bytes",
	  RES(TGT_2D, FMT_YUYV, 64, 2, 1, 1, 0, 0), 32ull * 2 * 4 },
	{ "unknown format: 16 bytes a pixel, never less",
	  RES(TGT_2D, FMT_UNKNOWN, 10, 10, 1, 1, 0, 0), 10ull * 10 * 16 },
	{ "zero dimensions count as 1",
	  RES(TGT_2D, FMT_R8G8B8A8_UNORM, 0, 0, 0, 0, 0, 0), 4 },
};

static void test_sizes(void **state)
{
	size_t i;
	uint64_t bytes;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bytes = 0;
		if (vgpu_res_host_size(&cases[i].c, &bytes) ||
		    bytes != cases[i].bytes) {
			fail_msg("%s: got %llu bytes, expected %llu",
				 cases[i].what, (unsigned long long)bytes,
				 (unsigned long long)cases[i].bytes);
		}
	}
}

static void test_overflow_refused(void **state)
{
	const struct vgpuif_resource_create_3d_req huge[] = {
		/* Width x height alone fits; the 16-byte pixels do not. */
		RES(TGT_2D, FMT_R32G32B32A32_FLOAT, 0xffffffffu, 0xffffffffu,
		    1, 1, 0, 0),
		/* Each step fits; layers push it over. */
		RES(TGT_2D_ARRAY, FMT_R8G8B8A8_UNORM, 65536, 65536, 1,
		    0xffffffffu, 0, 0),
		RES(TGT_2D, FMT_R8G8B8A8_UNORM, 65536, 65536, 1, 65536, 0,
		    0xffffffffu),
		RES(TGT_3D, FMT_R32G32B32A32_FLOAT, 0xffffffffu, 65536,
		    0xffffffffu, 1, 0, 0),
	};
	uint64_t bytes;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		assert_int_equal(vgpu_res_host_size(&huge[i], &bytes),
				 -EOVERFLOW);
	}
}

/* A hostile level count is bounded: it does not loop for 2^32 levels. */
static void test_level_count_bounded(void **state)
{
	const struct vgpuif_resource_create_3d_req c =
		RES(TGT_2D, FMT_R8_UNORM, 1, 1, 1, 1, 0xffffffffu, 0);
	uint64_t bytes;

	(void)state;
	assert_int_equal(vgpu_res_host_size(&c, &bytes), 0);
	assert_true(bytes >= 1 && bytes <= 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_overflow_refused),
		cmocka_unit_test(test_level_count_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
