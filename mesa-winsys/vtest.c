/* SPDX-License-Identifier: GPL-2.0 */
/* vtest command dispatch, handshake and caps for one client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtest_int.h"
#include "vtest_protocol.h"

typedef int (*vtest_handler)(struct vtest_client *c, uint32_t len);

struct vtest_cmd {
	const char *name;
	vtest_handler handler;
	uint32_t since;                 /* protocol version that added it */
};

int vtest_read_words(struct vtest_client *c, uint32_t *words, uint32_t n)
{
	return c->io->read(c->io, words, (size_t)n * sizeof(*words));
}

/* Sends a header and n payload words in one write. */
int vtest_reply(struct vtest_client *c, uint32_t cmd, const uint32_t *words,
		uint32_t n)
{
	uint32_t buf[VTEST_HDR_WORDS + 4];

	if (n > 4) {
		return -EINVAL;
	}
	buf[VTEST_HDR_LEN] = n;
	buf[VTEST_HDR_CMD] = cmd;
	if (n) {
		memcpy(&buf[VTEST_HDR_WORDS], words, n * sizeof(*words));
	}
	return c->io->write(c->io, buf, (VTEST_HDR_WORDS + n) * sizeof(*buf));
}

/* Fixed-size commands must say exactly their size. */
static int check_len(struct vtest_client *c, uint32_t len, uint32_t want)
{
	if (len != want) {
		vtest_log(VGPU_LOG_WARN, c, "length %u, expected %u", len,
			  want);
		return -EPROTO;
	}
	return 0;
}

/* Creates the device context the first time a command needs it. */
int vtest_ensure_ctx(struct vtest_client *c)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_CTX_CREATE };
	int ret;

	if (c->ctx_live) {
		return 0;
	}
	c->ctx_id = vtest_dev_new_ctx_id(c->dev);
	req.ctx_id = c->ctx_id;
	req.op.ctx_create.name_len = c->name_len;
	memcpy(req.op.ctx_create.name, c->name, c->name_len);
	ret = vtest_client_call(c, &req, NULL);
	if (ret < 0) {
		vtest_log(VGPU_LOG_ERR, c, "cannot create context %u: %s",
			  c->ctx_id, strerror(-ret));
		return ret;
	}
	c->ctx_live = true;
	vtest_log(VGPU_LOG_DEBUG, c, "context %u created", c->ctx_id);
	return 0;
}

/* CREATE_RENDERER: the length counts bytes of the client's name. */
static int cmd_create_renderer(struct vtest_client *c, uint32_t len)
{
	char skip[256];
	uint32_t keep, left;
	int ret;

	if (len > VTEST_MAX_NAME_BYTES) {
		vtest_log(VGPU_LOG_WARN, c, "renderer name of %u bytes", len);
		return -E2BIG;
	}
	keep = len < VGPUIF_CTX_NAME_MAX ? len : VGPUIF_CTX_NAME_MAX;
	ret = c->io->read(c->io, c->name, keep);
	for (left = len - keep; ret == 0 && left; left -= keep) {
		keep = left < sizeof(skip) ? left : sizeof(skip);
		ret = c->io->read(c->io, skip, keep);
	}
	if (ret < 0) {
		return ret;
	}
	c->name_len = strnlen(c->name, VGPUIF_CTX_NAME_MAX);
	c->have_renderer = true;
	vtest_log(VGPU_LOG_INFO, c, "client \"%.*s\" connected",
		  (int)c->name_len, c->name);
	return 0;
}

static int cmd_ping(struct vtest_client *c, uint32_t len)
{
	int ret = check_len(c, len, 0);

	return ret ? ret : vtest_reply(c, VCMD_PING_PROTOCOL_VERSION, NULL, 0);
}

/* Agrees on min(client, ours); version 1 was withdrawn and means 0. */
static int cmd_protocol_version(struct vtest_client *c, uint32_t len)
{
	uint32_t version;
	int ret;

	ret = check_len(c, len, VCMD_PROTOCOL_VERSION_WORDS);
	if (!ret) {
		ret = vtest_read_words(c, &version, 1);
	}
	if (ret < 0) {
		return ret;
	}
	if (version > c->dev->max_version) {
		version = c->dev->max_version;
	}
	if (version == 1 || c->dev->no_fds) {
		version = 0;
	}
	if (c->num_res) {
		/* Resources made under one version cannot change shape. */
		version = c->version;
	}
	c->version = version;
	vtest_log(VGPU_LOG_DEBUG, c, "protocol version %u", version);
	return vtest_reply(c, VCMD_PROTOCOL_VERSION, &version, 1);
}

/* The caps answers' length is bytes + 1 and their id the caps version. */
static int send_caps(struct vtest_client *c, const struct vtest_caps *caps,
		     uint32_t id)
{
	uint32_t hdr[VTEST_HDR_WORDS];
	int ret;

	hdr[VTEST_HDR_LEN] = caps->size + 1;
	hdr[VTEST_HDR_CMD] = id;
	ret = c->io->write(c->io, hdr, sizeof(hdr));
	if (ret < 0) {
		return ret;
	}
	return c->io->write(c->io, caps->data, caps->size);
}

static int cmd_get_caps(struct vtest_client *c, uint32_t len)
{
	const struct vtest_caps *caps;
	int ret;

	ret = check_len(c, len, 0);
	if (!ret) {
		ret = vtest_dev_get_caps(c->dev, VTEST_CAPSET_VIRGL, &caps);
	}
	return ret ? ret : send_caps(c, caps, VTEST_CAPS_V1);
}

/*
 * Without a virgl2 capset nothing is sent: the client then takes the
 * answer to the GET_CAPS it sends next as its caps, as with old servers.
 */
static int cmd_get_caps2(struct vtest_client *c, uint32_t len)
{
	const struct vtest_caps *caps;
	int ret;

	ret = check_len(c, len, 0);
	if (!ret) {
		ret = vtest_dev_get_caps(c->dev, VTEST_CAPSET_VIRGL2, &caps);
	}
	if (ret == -ENOENT) {
		return 0;
	}
	return ret ? ret : send_caps(c, caps, VTEST_CAPS_V2);
}

static const struct vtest_cmd vtest_cmds[] = {
	[VCMD_GET_CAPS] = { "GET_CAPS", cmd_get_caps, 0 },
	[VCMD_RESOURCE_CREATE] = { "RESOURCE_CREATE",
				   vtest_res_cmd_create, 0 },
	[VCMD_RESOURCE_UNREF] = { "RESOURCE_UNREF",
				  vtest_res_cmd_unref, 0 },
	[VCMD_TRANSFER_GET] = { "TRANSFER_GET",
				vtest_xfer_cmd_get, 0 },
	[VCMD_TRANSFER_PUT] = { "TRANSFER_PUT",
				vtest_xfer_cmd_put, 0 },
	[VCMD_SUBMIT_CMD] = { "SUBMIT_CMD", vtest_submit_cmd_submit, 0 },
	[VCMD_RESOURCE_BUSY_WAIT] = { "RESOURCE_BUSY_WAIT",
				      vtest_submit_cmd_busy_wait, 0 },
	[VCMD_GET_CAPS2] = { "GET_CAPS2", cmd_get_caps2, 0 },
	[VCMD_PING_PROTOCOL_VERSION] = { "PING_PROTOCOL_VERSION", cmd_ping,
					 0 },
	[VCMD_PROTOCOL_VERSION] = { "PROTOCOL_VERSION", cmd_protocol_version,
				    0 },
	[VCMD_RESOURCE_CREATE2] = { "RESOURCE_CREATE2",
				    vtest_res_cmd_create2, 2 },
	[VCMD_TRANSFER_GET2] = { "TRANSFER_GET2",
				 vtest_xfer_cmd_get2, 2 },
	[VCMD_TRANSFER_PUT2] = { "TRANSFER_PUT2",
				 vtest_xfer_cmd_put2, 2 },
};

static const struct vtest_cmd *lookup_cmd(struct vtest_client *c,
					  uint32_t id)
{
	const struct vtest_cmd *cmd;

	if (id >= VGPU_ARRAY_SIZE(vtest_cmds) || !vtest_cmds[id].handler) {
		vtest_log(VGPU_LOG_WARN, c, "unknown command %u", id);
		return NULL;
	}
	cmd = &vtest_cmds[id];
	if (c->version < cmd->since) {
		vtest_log(VGPU_LOG_WARN, c, "%s needs protocol version %u",
			  cmd->name, cmd->since);
		return NULL;
	}
	return cmd;
}

int vtest_client_dispatch(struct vtest_client *c)
{
	uint32_t hdr[VTEST_HDR_WORDS];
	const struct vtest_cmd *cmd;
	uint64_t start;
	int ret;

	ret = c->io->read(c->io, hdr, sizeof(hdr));
	if (ret < 0) {
		return ret;
	}
	if (!c->have_renderer) {
		if (hdr[VTEST_HDR_CMD] != VCMD_CREATE_RENDERER) {
			vtest_log(VGPU_LOG_WARN, c,
				  "command %u before CREATE_RENDERER",
				  hdr[VTEST_HDR_CMD]);
			return -EPROTO;
		}
		return cmd_create_renderer(c, hdr[VTEST_HDR_LEN]);
	}
	cmd = lookup_cmd(c, hdr[VTEST_HDR_CMD]);
	if (!cmd) {
		return -EPROTO;
	}
	start = vgpu_now_ns();
	ret = cmd->handler(c, hdr[VTEST_HDR_LEN]);
	if (hdr[VTEST_HDR_CMD] < VCMD_STAT_MAX) {
		c->stat_count[hdr[VTEST_HDR_CMD]]++;
		c->stat_ns[hdr[VTEST_HDR_CMD]] += vgpu_now_ns() - start;
	}
	if (ret < 0 && ret != -EPIPE) {
		vtest_log(VGPU_LOG_WARN, c, "%s failed: %s", cmd->name,
			  strerror(-ret));
	}
	return ret;
}

struct vtest_client *vtest_client_create(struct vtest_dev *dev,
					 struct vtest_io *io,
					 const char *name)
{
	struct vtest_client *c;

	c = calloc(1, sizeof(*c));
	if (!c) {
		return NULL;
	}
	c->dev = dev;
	c->io = io;
	snprintf(c->label, sizeof(c->label), "%s", name ? name : "client");
	return c;
}

static void destroy_ctx(struct vtest_client *c)
{
	struct vgpuif_req req = { .operation = VGPUIF_OP_CTX_DESTROY };
	int ret;

	req.ctx_id = c->ctx_id;
	ret = vtest_client_call(c, &req, NULL);
	if (ret < 0 && ret != -ENODEV) {
		vtest_log(VGPU_LOG_WARN, c, "cannot destroy context %u: %s",
			  c->ctx_id, strerror(-ret));
	}
	c->ctx_live = false;
}

static void log_stats(struct vtest_client *c)
{
	unsigned int i;

	for (i = 0; i < VCMD_STAT_MAX && i < VGPU_ARRAY_SIZE(vtest_cmds); i++) {
		if (!c->stat_count[i]) {
			continue;
		}
		vtest_log(VGPU_LOG_DEBUG, c, "%-22s %8llu calls %8.1f us each",
			  vtest_cmds[i].name,
			  (unsigned long long)c->stat_count[i],
			  c->stat_ns[i] / 1e3 / c->stat_count[i]);
	}
}

void vtest_client_destroy(struct vtest_client *c)
{
	if (!c) {
		return;
	}
	log_stats(c);
	vtest_submit_drop_busy_ahead(c);
	vtest_res_destroy_all(c);
	if (c->ctx_live) {
		destroy_ctx(c);
	}
	vtest_log(VGPU_LOG_DEBUG, c, "client gone");
	free(c);
}

uint32_t vtest_client_version(const struct vtest_client *c)
{
	return c->version;
}
