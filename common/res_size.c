/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Resource sizes from their description. virglrenderer can say what it
 * allocated only for some resources (its resource_get_info fails for
 * buffers and for several depth/stencil and multisample formats), and
 * only after allocating; the device's memory budget needs an answer for
 * every resource, before.
 */
#include <errno.h>

#include "vgpu_res_size.h"

/* The Gallium targets whose size has a rule of its own. */
#define TARGET_BUFFER   0
#define TARGET_3D       3
#define TARGET_CUBE     4

/* How a format lays out its pixels: blocks of w x h pixels, bytes each. */
struct format_block {
	uint8_t bytes;
	uint8_t w;
	uint8_t h;
};

#define PX(n)           { .bytes = (n), .w = 1, .h = 1 }
#define BLK(n, bw, bh)  { .bytes = (n), .w = (bw), .h = (bh) }

/*
 * Indexed by virgl format (the values of virglrenderer's virgl_hw.h,
 * which are Gallium's pipe formats up to VIRGL_FORMAT_MAX). Planar YUV
 * formats count as 2 bytes a pixel, the size of 4:2:2, which bounds
 * 4:2:0 as well.
 */
static const struct format_block format_blocks[] = {
	[1 ... 4] = PX(4),              /* B8G8R8A8 .. X8R8G8B8 */
	[5 ... 7] = PX(2),              /* B5G5R5A1, B4G4R4A4, B5G6R5 */
	[8] = PX(4),                    /* R10G10B10A2 */
	[9 ... 11] = PX(1),             /* L8, A8, I8 */
	[12 ... 13] = PX(2),            /* L8A8, L16 */
	[14 ... 15] = BLK(4, 2, 1),     /* UYVY, YUYV */
	[16] = PX(2),                   /* Z16 */
	[17 ... 22] = PX(4),            /* Z32, Z32F, Z24S8 and kin */
	[23] = PX(1),                   /* S8 */
	[24] = PX(8), [25] = PX(16), [26] = PX(24), [27] = PX(32),
	/* 32-bit channels: R, RG, RGB, RGBA in each group of four. */
	[28] = PX(4), [29] = PX(8), [30] = PX(12), [31] = PX(16),
	[32] = PX(4), [33] = PX(8), [34] = PX(12), [35] = PX(16),
	[36] = PX(4), [37] = PX(8), [38] = PX(12), [39] = PX(16),
	[40] = PX(4), [41] = PX(8), [42] = PX(12), [43] = PX(16),
	[44] = PX(4), [45] = PX(8), [46] = PX(12), [47] = PX(16),
	/* 16-bit channels. */
	[48] = PX(2), [49] = PX(4), [50] = PX(6), [51] = PX(8),
	[52] = PX(2), [53] = PX(4), [54] = PX(6), [55] = PX(8),
	[56] = PX(2), [57] = PX(4), [58] = PX(6), [59] = PX(8),
	[60] = PX(2), [61] = PX(4), [62] = PX(6), [63] = PX(8),
	/* 8-bit channels. */
	[64] = PX(1), [65] = PX(2), [66] = PX(3), [67] = PX(4),
	[68] = PX(4),                   /* X8B8G8R8 */
	[69] = PX(1), [70] = PX(2), [71] = PX(3), [72] = PX(4),
	[74] = PX(1), [75] = PX(2), [76] = PX(3), [77] = PX(4),
	[82] = PX(1), [83] = PX(2), [84] = PX(3), [85] = PX(4),
	[87] = PX(4), [88] = PX(8), [89] = PX(12), [90] = PX(16),
	[91] = PX(2), [92] = PX(4), [93] = PX(6), [94] = PX(8),
	[95] = PX(1), [96] = PX(2), [97] = PX(3),   /* L8, L8A8, RGB8 sRGB */
	[98 ... 104] = PX(4),           /* 8-bit RGBA sRGB */
	[105 ... 106] = BLK(8, 4, 4),   /* DXT1 */
	[107 ... 108] = BLK(16, 4, 4),  /* DXT3, DXT5 */
	[109 ... 110] = BLK(8, 4, 4),
	[111 ... 112] = BLK(16, 4, 4),
	[113 ... 114] = BLK(8, 4, 4),   /* RGTC1 */
	[115 ... 116] = BLK(16, 4, 4),  /* RGTC2 */
	[117 ... 118] = BLK(4, 2, 1),   /* R8G8_B8G8, G8R8_G8B8 */
	[119] = PX(4), [120] = PX(2), [121] = PX(4), [122] = PX(2),
	[123 ... 125] = PX(4),
	[126] = PX(8),                  /* Z32_FLOAT_S8X24 */
	[127] = BLK(1, 8, 1),           /* R1 */
	[128 ... 129] = PX(4),
	[130] = PX(1), [131 ... 132] = PX(4), [133] = PX(2), [134] = PX(4),
	[135] = PX(2), [136 ... 137] = PX(4), [138] = PX(8), [139] = PX(1),
	[140] = PX(4), [141 ... 142] = PX(2),
	[143 ... 144] = BLK(8, 4, 4),   /* LATC1 */
	[145 ... 146] = BLK(16, 4, 4),  /* LATC2 */
	[147 ... 148] = PX(1), [149] = PX(2), [150] = PX(1),
	[151 ... 152] = PX(2), [153] = PX(4), [154] = PX(2),
	[155 ... 156] = PX(2), [157] = PX(4), [158] = PX(2),
	[159 ... 160] = PX(4), [161] = PX(8), [162] = PX(4),
	[163 ... 167] = PX(2),          /* YV12, YV16, IYUV, NV12, NV21 */
	[168 ... 169] = PX(1), [170 ... 171] = PX(2),
	[172 ... 176] = PX(4),
	[177] = PX(1), [178] = PX(2), [179] = PX(3), [180] = PX(4),
	[181] = PX(1), [182] = PX(2), [183] = PX(3), [184] = PX(4),
	[185] = PX(2), [186] = PX(4), [187] = PX(6), [188] = PX(8),
	[189] = PX(2), [190] = PX(4), [191] = PX(6), [192] = PX(8),
	[193] = PX(4), [194] = PX(8), [195] = PX(12), [196] = PX(16),
	[197] = PX(4), [198] = PX(8), [199] = PX(12), [200] = PX(16),
	/* A, I, L, LA integer formats: 8, 8, 8, 16 bits and so on. */
	[201 ... 203] = PX(1), [204] = PX(2),
	[205 ... 207] = PX(1), [208] = PX(2),
	[209 ... 211] = PX(2), [212] = PX(4),
	[213 ... 215] = PX(2), [216] = PX(4),
	[217 ... 219] = PX(4), [220] = PX(8),
	[221 ... 223] = PX(4), [224] = PX(8),
	[225] = PX(4),
	[226] = BLK(8, 4, 4),           /* ETC1 */
	[227 ... 228] = BLK(4, 2, 1),
	[229 ... 233] = PX(4),
	[234 ... 238] = PX(8),          /* R16G16B16X16 */
	[239 ... 241] = PX(16),         /* R32G32B32X32 */
	[242] = PX(2), [243 ... 245] = PX(4), [246] = PX(8),
	[247 ... 248] = PX(2), [249 ... 250] = PX(4), [251 ... 252] = PX(8),
	[253] = PX(4), [254] = PX(2),
	[255 ... 258] = BLK(16, 4, 4),  /* BPTC */
	[259 ... 261] = PX(2),          /* A8L8 */
	[262] = PX(4), [263 ... 264] = PX(2), [265 ... 268] = PX(4),
	[269 ... 272] = BLK(8, 4, 4),   /* ETC2 RGB8, RGB8A1 */
	[273 ... 274] = BLK(16, 4, 4),  /* ETC2 RGBA8 */
	[275 ... 276] = BLK(8, 4, 4),   /* ETC2 R11 */
	[277 ... 278] = BLK(16, 4, 4),  /* ETC2 RG11 */
	/* ASTC: 16 bytes a block; the linear and sRGB lists match. */
	[279] = BLK(16, 4, 4), [280] = BLK(16, 5, 4), [281] = BLK(16, 5, 5),
	[282] = BLK(16, 6, 5), [283] = BLK(16, 6, 6), [284] = BLK(16, 8, 5),
	[285] = BLK(16, 8, 6), [286] = BLK(16, 8, 8), [287] = BLK(16, 10, 5),
	[288] = BLK(16, 10, 6), [289] = BLK(16, 10, 8),
	[290] = BLK(16, 10, 10), [291] = BLK(16, 12, 10),
	[292] = BLK(16, 12, 12),
	[293] = BLK(16, 4, 4), [294] = BLK(16, 5, 4), [295] = BLK(16, 5, 5),
	[296] = BLK(16, 6, 5), [297] = BLK(16, 6, 6), [298] = BLK(16, 8, 5),
	[299] = BLK(16, 8, 6), [300] = BLK(16, 8, 8), [301] = BLK(16, 10, 5),
	[302] = BLK(16, 10, 6), [303] = BLK(16, 10, 8),
	[304] = BLK(16, 10, 10), [305] = BLK(16, 12, 10),
	[306] = BLK(16, 12, 12),
	[308] = PX(4),                  /* R10G10B10X2 */
	[311] = PX(2),                  /* A4B4G4R4 */
	[312] = PX(1),                  /* R8_SRGB */
};

#define ARRAY_LEN(a)    (sizeof(a) / sizeof((a)[0]))
/* Past this many levels every dimension is 1 pixel. */
#define MAX_LEVELS      32

/*
 * A format the table does not know gets the largest block of an
 * uncompressed format (16 bytes a pixel), so that it is never charged
 * less than it can take.
 */
static struct format_block block_of(uint32_t format)
{
	const struct format_block unknown = PX(16);

	if (!vgpu_res_format_known(format)) {
		return unknown;
	}
	return format_blocks[format];
}

bool vgpu_res_format_known(uint32_t format)
{
	return format < ARRAY_LEN(format_blocks) && format_blocks[format].bytes;
}

static uint32_t at_least_1(uint32_t v)
{
	return v ? v : 1;
}

static uint64_t blocks(uint32_t pixels, unsigned int level, uint8_t block)
{
	uint32_t n = at_least_1(pixels >> level);

	return ((uint64_t)n + block - 1) / block;
}

/* Layers of one level: cube faces are layers, 6 at least. */
static uint32_t layers(const struct vgpuif_resource_create_3d_req *c)
{
	uint32_t n = at_least_1(c->array_size);

	if (c->target == TARGET_CUBE && n < 6) {
		return 6;
	}
	return n;
}

/* Bytes of one mip level of one layer and one sample; -EOVERFLOW. */
static int level_size(const struct vgpuif_resource_create_3d_req *c,
		      struct format_block blk, unsigned int level,
		      uint64_t *bytes)
{
	uint64_t depth = 1;

	if (c->target == TARGET_3D) {
		depth = at_least_1(c->depth >> level);
	}
	if (__builtin_mul_overflow(blocks(c->width, level, blk.w),
				   blocks(c->height, level, blk.h), bytes) ||
	    __builtin_mul_overflow(*bytes, depth, bytes) ||
	    __builtin_mul_overflow(*bytes, blk.bytes, bytes)) {
		return -EOVERFLOW;
	}
	return 0;
}

int vgpu_res_host_size(const struct vgpuif_resource_create_3d_req *c,
			   uint64_t *bytes)
{
	struct format_block blk = block_of(c->format);
	unsigned int level, last = c->last_level;
	uint64_t sum = 0, one;

	/*
	 * virglrenderer refuses more levels than the largest dimension has;
	 * the bound only keeps a hostile count from looping for long.
	 */
	if (last >= MAX_LEVELS) {
		last = MAX_LEVELS - 1;
	}
	for (level = 0; level <= last; level++) {
		if (level_size(c, blk, level, &one) ||
		    __builtin_add_overflow(sum, one, &sum)) {
			return -EOVERFLOW;
		}
	}
	if (__builtin_mul_overflow(sum, layers(c), &sum) ||
	    __builtin_mul_overflow(sum, at_least_1(c->nr_samples), &sum)) {
		return -EOVERFLOW;
	}
	*bytes = sum;
	return 0;
}

/* A dimension at level: halved level times, 1 at least. */
static uint32_t minify(uint32_t v, uint32_t level)
{
	return level >= MAX_LEVELS ? 1 : at_least_1(v >> level);
}

int vgpu_res_transfer_end(const struct vgpuif_resource_create_3d_req *c,
			      const struct vgpuif_transfer_3d_req *x,
			      uint64_t *end)
{
	struct format_block blk = block_of(c->format);
	uint64_t rows, stride, layer_stride, rows_span, layers_span, sum;

	if (c->target == TARGET_BUFFER) {
		blk = (struct format_block)PX(1);
	}
	rows = blocks(x->height, 0, blk.h);
	stride = x->stride;
	if (!stride) {
		stride = blocks(minify(c->width, x->level), 0, blk.w) *
			 blk.bytes;
	}
	layer_stride = x->layer_stride;
	if (!layer_stride &&
	    __builtin_mul_overflow(stride, blocks(minify(c->height, x->level),
						  0, blk.h), &layer_stride)) {
		return -EOVERFLOW;
	}
	if (__builtin_mul_overflow(stride, rows - 1, &rows_span) ||
	    __builtin_mul_overflow(layer_stride, at_least_1(x->depth) - 1,
				   &layers_span) ||
	    __builtin_add_overflow(x->offset, blocks(x->width, 0, blk.w) *
				   blk.bytes, &sum) ||
	    __builtin_add_overflow(sum, rows_span, &sum) ||
	    __builtin_add_overflow(sum, layers_span, &sum)) {
		return -EOVERFLOW;
	}
	*end = sum;
	return 0;
}
