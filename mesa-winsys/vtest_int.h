/* SPDX-License-Identifier: GPL-2.0 */
/* Shared state of vgpu-vtest's protocol files (vtest_*.c); not an API. */
#ifndef VTEST_INT_H
#define VTEST_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vgpu_util.h"
#include "vgpufront.h"
#include "vtest.h"

#define VTEST_RES_BUCKETS       256
/* Limits used when the device does not say (tests without a device). */
#define VTEST_DEFAULT_SUBMIT    (1024 * 1024)
#define VTEST_DEFAULT_BACKING   (256u * 1024 * 1024)
#define VTEST_MAX_NAME_BYTES    4096
#define VTEST_MAX_RESOURCES     65536
/* Device resource ids: the backend takes 1 to INT32_MAX. */
#define VTEST_MAX_RES_ID        0x7fffffffu
/*
 * Backing buffers up to VTEST_POOL_MAX_PAGES are kept for reuse by the
 * same client, up to VTEST_POOL_PAGES pages per size. One-page buffers
 * (Mesa's fence resources) are topped up to VTEST_POOL_TOPUP while the
 * client waits for the GPU anyway.
 */
#define VTEST_POOL_MAX_PAGES    16
#define VTEST_POOL_PAGES        256
#define VTEST_POOL_TOPUP        16
#define VCMD_STAT_MAX           16
/*
 * Requests sent without waiting (resource create and unref): at most this
 * many per client, and half the ring's slots for the whole device, so
 * that idle clients holding answers can never starve the others.
 */
#define VTEST_ASYNC_PER_CLIENT  8
#define VTEST_ASYNC_PER_DEVICE  (VGPUIF_RING_SIZE / 2)

struct vtest_caps {
	void *data;
	uint32_t size;
};

/* A device resource id in use by some client. */
struct vtest_id {
	struct vtest_id *next;
	uint32_t res_id;
};

/*
 * The device's resources as the backend counts them (vtest_budget.c):
 * storage against host_limit, mapped pages against page_limit.
 */
struct vtest_budget {
	uint64_t host_bytes;
	uint64_t host_limit;
	uint64_t pages;
	uint64_t page_limit;
	uint32_t resources;
	uint32_t max_resources;
	uint32_t deferred;      /* charged, not yet made on the device */
};

/* What one resource is charged in that account. */
struct vtest_charge {
	uint64_t bytes;
	uint32_t pages;
	bool counted;
	bool deferred;
};

struct vtest_dev {
	struct vgpufront *front;
	pthread_mutex_t lock;
	uint32_t next_ctx_id;
	uint32_t max_submit;
	uint64_t max_backing;
	bool no_fds;                    /* buffers have no fd: v0 only */
	uint32_t max_version;           /* newest protocol version offered */
	unsigned int async_inflight;    /* atomic; all clients' async requests */
	uint32_t next_res_id;                           /* under lock */
	uint32_t nr_res_ids;                            /* under lock */
	struct vtest_id *res_ids[VTEST_RES_BUCKETS];    /* under lock */
	struct vtest_budget budget;                     /* under lock */
	bool caps_fetched;
	struct vtest_caps caps[3];      /* by capset id: 1 virgl, 2 virgl2 */
	uint64_t bytes_copied;          /* atomic */
};

/* Where a resource is, as far as the device goes (vtest_res.c). */
enum vtest_res_state {
	VTEST_RES_ON_DEVICE,
	VTEST_RES_DEFERRED,     /* made on the device when first named */
	VTEST_RES_ABSENT,       /* refused: the device never has it */
};

struct vtest_res {
	struct vtest_res *next;
	uint32_t handle;                /* the client's name for it */
	uint32_t res_id;                /* the device's, unique on the device */
	enum vtest_res_state state;
	struct vgpuif_resource_create_3d_req desc;
	struct vgpufront_buf *buf;      /* backing, or NULL */
	struct vtest_charge charge;     /* in the device's account */
};

struct vtest_pool_class {
	struct vgpufront_buf *bufs[VTEST_POOL_PAGES];
	unsigned int count;
};

struct vtest_client {
	struct vtest_dev *dev;
	struct vtest_io *io;
	char label[64];
	uint32_t version;
	bool have_renderer;
	bool ctx_live;
	uint32_t ctx_id;
	uint32_t name_len;
	char name[VGPUIF_CTX_NAME_MAX];

	struct vtest_res *res[VTEST_RES_BUCKETS];
	uint32_t num_res;
	struct vtest_res *last_on_device;       /* newest made, or NULL */

	/* Ids of requests sent by vtest_async_send, oldest first. */
	uint32_t async_ids[VTEST_ASYNC_PER_CLIENT];
	unsigned int async_count;

	/* Work submitted since the device last said the client was idle. */
	bool maybe_busy;
	uint64_t submits;
	/* RESOURCE_BUSY sent behind a submit (vtest_submit.c); 0: none. */
	uint32_t busy_ahead_id;
	bool busy_ahead_stale;          /* a later submit is not covered */

	struct vtest_pool_class pool[VTEST_POOL_MAX_PAGES + 1];

	/* Per command: how many, and time spent in handlers (debug log). */
	uint64_t stat_count[VCMD_STAT_MAX];
	uint64_t stat_ns[VCMD_STAT_MAX];
};

#define vtest_log(lvl, c, fmt, ...) \
	vgpu_log(lvl, "%s: " fmt, (c)->label, ##__VA_ARGS__)

/* vtest_dev.c: the device, as every client sees it. */
int vtest_dev_call(struct vtest_dev *dev, struct vgpuif_req *req,
		   struct vgpuif_resp *resp);
int vtest_dev_call_n(struct vtest_dev *dev, struct vgpuif_req *reqs,
		     int *st, unsigned int n);
int vtest_dev_get_caps(struct vtest_dev *dev, uint32_t capset_id,
		       const struct vtest_caps **caps);
uint32_t vtest_dev_new_ctx_id(struct vtest_dev *dev);
int vtest_dev_alloc_res_id(struct vtest_dev *dev, uint32_t *res_id);
void vtest_dev_free_res_id(struct vtest_dev *dev, uint32_t res_id);
void vtest_dev_count_copy(struct vtest_dev *dev, uint64_t bytes);

/* vtest_budget.c: the device's account, to predict a create's answer. */
void vtest_budget_init(struct vtest_budget *b,
		       const struct vgpufront_limits *lim, uint32_t cmd_pages);
/*
 * Charges the resource c, with pages of backing, to the device's account.
 * Returns true if the backend will accept it, so that its create may go
 * without waiting; false if it must wait for the answer. Either way
 * ch is what to refund when the resource is gone or refused.
 */
bool vtest_budget_charge(struct vtest_dev *dev,
			 const struct vgpuif_resource_create_3d_req *c,
			 uint32_t pages, struct vtest_charge *ch);
/* The resource's backing is now pages (v0 backings change at transfers). */
void vtest_budget_set_pages(struct vtest_dev *dev, struct vtest_charge *ch,
			    uint32_t pages);
void vtest_budget_refund(struct vtest_dev *dev, struct vtest_charge *ch);
/* The charged resource is not made on the device yet; now it is. */
void vtest_budget_defer(struct vtest_dev *dev, struct vtest_charge *ch);
void vtest_budget_made(struct vtest_dev *dev, struct vtest_charge *ch);
/*
 * Whether the backend may decide a create the account cannot vouch for:
 * false when resources not yet made are charged and the account, all
 * of them included, is past a limit; the backend would take the create
 * and refuse one of them later.
 */
bool vtest_budget_backend_may_decide(struct vtest_dev *dev);

/* vtest_async.c: requests answered later. */
int vtest_async_send(struct vtest_client *c, struct vgpuif_req *reqs,
		     unsigned int n);
int vtest_async_reap(struct vtest_client *c);
int vtest_client_call(struct vtest_client *c, struct vgpuif_req *req,
		      struct vgpuif_resp *resp);
int vtest_client_call_n(struct vtest_client *c, struct vgpuif_req *reqs,
			int *st, unsigned int n);

/* vtest_res.c: resources and their backing. */
struct vtest_res *vtest_res_find(struct vtest_client *c, uint32_t handle);
/*
 * Makes a deferred resource on the device, ahead of the request that
 * names it. Returns 0 or -ENODEV; a resource the device refuses now is
 * logged and stays absent.
 */
int vtest_res_make(struct vtest_client *c, struct vtest_res *res);
/* A resource of c that the device has, or NULL. */
struct vtest_res *vtest_res_any_on_device(struct vtest_client *c);
struct vgpufront_buf *vtest_res_get_buf(struct vtest_client *c, uint32_t size);
void vtest_res_put_buf(struct vtest_client *c, struct vgpufront_buf *buf);
void vtest_res_pool_topup(struct vtest_client *c);
void vtest_res_fill_req(struct vgpuif_req *req, uint8_t op, uint32_t ctx_id,
			uint32_t res_id);
void vtest_res_fill_attach(struct vgpuif_req *req, uint32_t res_id,
			   const struct vgpufront_buf *buf);
void vtest_res_destroy_all(struct vtest_client *c);
int vtest_res_cmd_create(struct vtest_client *c, uint32_t len);
int vtest_res_cmd_create2(struct vtest_client *c, uint32_t len);
int vtest_res_cmd_unref(struct vtest_client *c, uint32_t len);

/* vtest_xfer.c: transfers, over the socket (v0) or shared memory (v2). */
int vtest_xfer_cmd_get(struct vtest_client *c, uint32_t len);
int vtest_xfer_cmd_put(struct vtest_client *c, uint32_t len);
int vtest_xfer_cmd_get2(struct vtest_client *c, uint32_t len);
int vtest_xfer_cmd_put2(struct vtest_client *c, uint32_t len);

/* vtest_cmds.c: the client's resource handles in its command stream. */
int vtest_cmds_translate(struct vtest_client *c, uint32_t *words,
			 uint32_t n);

/* vtest_submit.c: command submission and busy waits. */
int vtest_submit_cmd_submit(struct vtest_client *c, uint32_t len);
int vtest_submit_cmd_busy_wait(struct vtest_client *c, uint32_t len);
/* Gives up the busy query sent ahead, if any: nobody will wait for it. */
void vtest_submit_drop_busy_ahead(struct vtest_client *c);

/* vtest.c: helpers for the handlers. */
int vtest_read_words(struct vtest_client *c, uint32_t *words, uint32_t n);
int vtest_reply(struct vtest_client *c, uint32_t cmd, const uint32_t *words,
		uint32_t n);
int vtest_ensure_ctx(struct vtest_client *c);

#endif /* VTEST_INT_H */
