/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The resource handles in a client's virgl command stream, translated to
 * the device's ids (see DOC: resource handles in vtest_dev.c).
 *
 * The stream is a sequence of commands, each a header word
 * (command | object type << 8 | payload words << 16) and its payload.
 * Only the words the table below names are resource handles; every
 * other word (inline data, shader text, the stale padding Mesa leaves in
 * END_TRANSFERS) is left alone. Handle 0 means "none" wherever it is
 * allowed, and stays 0. The positions are those of Mesa's virgl encoder
 * and virglrenderer's decoder (word 0 is the header).
 */
#include <errno.h>

#include "vtest_int.h"

#define CMD_CREATE_OBJECT       1
#define CMD_DRAW_VBO            8
/* virglrenderer refuses a stream with a command id at or past this. */
#define CMD_COUNT               62
#define DRAW_VBO_INDIRECT_LEN   20

/* Object types whose CREATE_OBJECT names a resource. */
#define OBJ_SAMPLER_VIEW        6
#define OBJ_SURFACE             8
#define OBJ_QUERY               9
#define OBJ_STREAMOUT_TARGET    10
#define OBJ_MSAA_SURFACE        11

/*
 * Where one command's handles are: at @first and @second, or, with a
 * @stride, at @first and every @stride words after it to the end.
 */
struct handle_words {
	uint8_t first;
	uint8_t second;
	uint8_t stride;
};

static const struct handle_words cmd_handles[CMD_COUNT] = {
	[6] = { .first = 3, .stride = 3 },      /* SET_VERTEX_BUFFERS */
	[8] = { .first = 15, .second = 20 },    /* DRAW_VBO, indirect form */
	[9] = { .first = 1 },                   /* RESOURCE_INLINE_WRITE */
	[11] = { .first = 1 },                  /* SET_INDEX_BUFFER */
	[16] = { .first = 4, .second = 13 },    /* BLIT: dst, src */
	[17] = { .first = 1, .second = 6 },     /* RESOURCE_COPY_REGION */
	[27] = { .first = 5 },                  /* SET_UNIFORM_BUFFER */
	[34] = { .first = 5, .stride = 3 },     /* SET_SHADER_BUFFERS */
	[35] = { .first = 7, .stride = 5 },     /* SET_SHADER_IMAGES */
	[37] = { .first = 7 },                  /* LAUNCH_GRID, indirect */
	[40] = { .first = 4, .stride = 3 },     /* SET_ATOMIC_BUFFERS */
	[42] = { .first = 2 },                  /* GET_QUERY_RESULT_QBO */
	[43] = { .first = 1 },                  /* TRANSFER3D */
	[45] = { .first = 1, .second = 12 },    /* COPY_TRANSFER3D */
	[47] = { .first = 1 },                  /* CLEAR_TEXTURE */
	[49] = { .first = 1 },                  /* PIPE_RESOURCE_SET_TYPE */
	[50] = { .first = 1 },                  /* GET_MEMORY_INFO */
	[55] = { .first = 5, .stride = 1 },     /* CREATE_VIDEO_BUFFER planes */
	[59] = { .first = 3, .second = 4 },     /* DECODE_BITSTREAM */
	[60] = { .first = 3, .stride = 1 },     /* ENCODE_BITSTREAM */
};

static struct handle_words create_object_handles(uint32_t obj)
{
	switch (obj) {
	case OBJ_SAMPLER_VIEW:
	case OBJ_SURFACE:
	case OBJ_STREAMOUT_TARGET:
	case OBJ_MSAA_SURFACE:
		return (struct handle_words){ .first = 2 };
	case OBJ_QUERY:
		return (struct handle_words){ .first = 4 };
	default:
		return (struct handle_words){ 0 };
	}
}

static struct handle_words handles_of(uint32_t header, uint32_t len)
{
	uint32_t cmd = header & 0xff;

	if (cmd == CMD_CREATE_OBJECT) {
		return create_object_handles((header >> 8) & 0xff);
	}
	if (cmd == CMD_DRAW_VBO && len != DRAW_VBO_INDIRECT_LEN) {
		return (struct handle_words){ 0 };
	}
	return cmd_handles[cmd];
}

/*
 * Rewrites one handle word, making its resource on the device if it was
 * deferred; a handle the client does not hold fails.
 */
static int translate_word(struct vtest_client *c, uint32_t *word,
			  uint32_t header)
{
	struct vtest_res *res;

	if (!*word) {
		return 0;
	}
	res = vtest_res_find(c, *word);
	if (!res) {
		vtest_log(VGPU_LOG_WARN, c,
			  "command %u names resource %u, which this client "
			  "did not create: submit refused", header & 0xff,
			  *word);
		return -EINVAL;
	}
	*word = res->res_id;
	return vtest_res_make(c, res);
}

/* The handles of the command at cmd[0], with len payload words. */
static int translate_cmd(struct vtest_client *c, uint32_t *cmd, uint32_t len)
{
	struct handle_words h = handles_of(cmd[0], len);
	uint32_t i;
	int ret = 0;

	if (!h.first) {
		return 0;
	}
	if (h.stride) {
		for (i = h.first; !ret && i <= len; i += h.stride) {
			ret = translate_word(c, &cmd[i], cmd[0]);
		}
		return ret;
	}
	if (h.first <= len) {
		ret = translate_word(c, &cmd[h.first], cmd[0]);
	}
	if (!ret && h.second && h.second <= len) {
		ret = translate_word(c, &cmd[h.second], cmd[0]);
	}
	return ret;
}

int vtest_cmds_translate(struct vtest_client *c, uint32_t *words, uint32_t n)
{
	uint32_t pos, len;
	int ret;

	for (pos = 0; pos < n; pos += len + 1) {
		len = words[pos] >> 16;
		if ((words[pos] & 0xff) >= CMD_COUNT || len >= n - pos) {
			vtest_log(VGPU_LOG_WARN, c,
				  "submit refused: %s command at word %u",
				  len >= n - pos ? "truncated" : "unknown", pos);
			return -EINVAL;
		}
		ret = translate_cmd(c, &words[pos], len);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}
