/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-vgpu guest kernel frontend: state shared by its files.
 *
 * xen_vgpu_front.c        xenbus driver, XenbusState machine, xenstore
 * xen_vgpu_front_ring.c   ring, event channel, requests and responses
 * xen_vgpu_front_shbuf.c  pages granted to the backend, gref directories
 * xen_vgpu_front_cmd.c    the command region
 * xen_vgpu_front_drv.c    the DRM driver, its platform device, contexts
 * xen_vgpu_front_gem.c    GEM objects backed by granted guest pages
 * xen_vgpu_front_ioctl.c  the virtio-gpu uAPI
 * xen_vgpu_front_kms.c    KMS: CRTC, primary plane, scanout requests, flips
 * xen_vgpu_front_conn.c   KMS: the connector, its mode from xenstore
 */
#ifndef __XEN_VGPU_FRONT_H
#define __XEN_VGPU_FRONT_H

#include <linux/completion.h>
#include <linux/dma-fence.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_plane.h>

#include <xen/xenbus.h>

#include "vgpuif.h"

#define VGPU_FRONT_PDEV_NAME	"xen-vgpu"

/* Pages of the command region we ask for; the backend may allow fewer. */
#define VGPU_FRONT_CMD_PAGES	256
/* Reservations of the command region that may be outstanding at once. */
#define VGPU_FRONT_CMD_FIFO	64
/* The most requests vgpu_front_call_batch() sends at once. */
#define VGPU_FRONT_BATCH_MAX	4
/* How long a request waits for a (re)connecting backend. */
#define VGPU_FRONT_CONNECT_TIMEOUT	(10 * HZ)

/* The limits the backend publishes at InitWait. */
struct vgpu_front_limits {
	u32 max_mapped_pages;
	u32 max_contexts;
	u32 max_resources;
	u32 max_cmd_pages;
	u32 max_submit_size;
};

/*
 * Pages granted to the backend and the gref directory that names them in
 * a request (include/vgpuif.h, "Grant directories"). The data pages are
 * the owner's; the directory pages are the buffer's own.
 */
struct vgpu_front_shbuf {
	unsigned int num_pages;
	grant_ref_t *grefs;
	unsigned int num_dir_pages;
	struct page **dir_pages;
	grant_ref_t *dir_grefs;
};

/* One request in flight; its index is its id modulo the ring size. */
struct vgpu_front_slot {
	u32 id;
	u8 op;			/* for the debugfs state, as is sent */
	unsigned long sent;	/* jiffies */
	bool busy;
	bool done;
	bool detached;		/* nobody waits: freed by the response */
	int cmd_ticket;		/* command region to release, or -1 */
	struct dma_fence *fence;	/* signalled by the response */
	struct completion completion;
	struct vgpuif_resp resp;
};

struct vgpu_front_cmd_alloc {
	u32 offset;
	u32 end;
	u32 bytes;		/* with the skipped tail of the region */
	bool done;
};

/* The command region: a byte ring granted at connect. */
struct vgpu_front_cmd {
	unsigned int num_pages;
	struct page **pages;
	void *vaddr;
	struct vgpu_front_shbuf shbuf;
	u32 size;
	u32 head;
	u32 tail;
	u32 used;
	unsigned int first;
	unsigned int count;
	struct vgpu_front_cmd_alloc fifo[VGPU_FRONT_CMD_FIFO];
};

struct vgpu_front_drm;
struct vgpu_front_kms;

struct vgpu_front {
	struct xenbus_device *xb_dev;
	struct kref ref;
	struct platform_device *pdev;

	/*
	 * Read-held by every user of the ring and the command region for a
	 * whole request sequence, write-held while they are set up or torn
	 * down: users never see a half-built connection.
	 */
	struct rw_semaphore conn_sem;
	/* Ring, slots, command region allocator, connected, epoch. */
	spinlock_t lock;
	/* Free slots, command space, connection changes. */
	wait_queue_head_t wq;
	bool connected;
	bool removed;
	/* Bumped at each disconnect: contexts and resources die with it. */
	u32 epoch;
	struct vgpu_front_limits lim;
	/* The backend's feature-scanout, read at each InitWait. */
	bool feature_scanout;
	/* Dumb buffers brought back to a new backend, one at a time. */
	struct mutex revive_lock;
	/*
	 * Bumped at each resume: a restore gives the domain a new, empty
	 * grant table, so grants made before it name nothing.
	 */
	u32 restores;
	/* Set while the DRM device has KMS; reconnects re-send the screen. */
	struct vgpu_front_kms *kms;

	struct vgpuif_front_ring ring;
	grant_ref_t ring_ref;
	evtchn_port_t evtchn;
	int irq;
	u32 generation;
	struct vgpu_front_slot slots[VGPUIF_RING_SIZE];

	struct vgpu_front_cmd cmd;

	struct ida ctx_ida;
	struct ida res_ida;
};

/* The per-open-file state: one backend context, made on first use. */
struct vgpu_front_file {
	struct mutex lock;	/* context creation, fence order */
	u32 ctx_id;
	u32 epoch;
	bool ctx_live;
	u64 fence_context;
	u64 fence_seq;
};

/* What the backend's scanout 0 shows, as far as we told it. */
struct vgpu_front_scanout {
	u32 epoch;		/* the connection that was told */
	struct vgpuif_scanout_req req;	/* res_id 0: blank or unknown */
};

/* Resources of the gallium description the scanout accepts. */
#define VGPU_FRONT_PIPE_TEXTURE_2D	2
#define VGPU_FRONT_PIPE_TEXTURE_RECT	5
#define VGPU_FRONT_FORMAT_B8G8R8A8	1
#define VGPU_FRONT_FORMAT_B8G8R8X8	2
#define VGPU_FRONT_BIND_RENDER_TARGET	(1 << 1)
#define VGPU_FRONT_BIND_SAMPLER_VIEW	(1 << 3)

/*
 * KMS, when the backend serves feature-scanout: one connector, encoder,
 * CRTC and primary plane, showing on the backend's scanout 0.
 */
struct vgpu_front_kms {
	struct drm_plane plane;
	struct drm_crtc crtc;
	struct drm_encoder encoder;
	struct drm_connector connector;

	/* Touched by commits only, which the atomic helpers serialise. */
	struct vgpu_front_scanout shown;
	/* A flip failed: shown is not what the screen shows. */
	bool shown_stale;

	/* The flip the backend has not answered, and its event. */
	spinlock_t flip_lock;
	struct drm_pending_vblank_event *flip_event;
	u64 flip_seq;
	u64 flip_context;
	u64 flip_last;
	struct timer_list flip_timer;

	/* The preferred mode: mode_config.mutex. */
	u32 width;
	u32 height;
	struct xenbus_watch watch_width;
	struct xenbus_watch watch_height;
	struct work_struct resize_work;
	struct work_struct restore_work;
};

struct vgpu_front_drm {
	struct drm_device drm;
	struct vgpu_front *front;
	bool has_kms;
	struct vgpu_front_kms kms;
};

struct vgpu_front_bo {
	struct drm_gem_shmem_object base;	/* first: shmem frees it */
	u32 res_id;
	u32 epoch;
	bool created;		/* the backend knows res_id */
	bool pinned;		/* shmem pages held for the grants */
	bool dumb;		/* a dumb buffer: its pixels live in the pages */
	u32 restores;		/* front->restores when its pages were granted */
	struct vgpuif_resource_create_3d_req desc;
	struct vgpu_front_shbuf shbuf;
};

static inline struct vgpu_front *vgpu_front_from_drm(struct drm_device *drm)
{
	return container_of(drm, struct vgpu_front_drm, drm)->front;
}

static inline struct vgpu_front_bo *to_vgpu_front_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct vgpu_front_bo, base.base);
}

/* xen_vgpu_front.c */
void vgpu_front_put(struct vgpu_front *front);

/* xen_vgpu_front_ring.c */
int vgpu_front_ring_setup(struct vgpu_front *front);
void vgpu_front_ring_teardown(struct vgpu_front *front);
void vgpu_front_fail_all(struct vgpu_front *front, int status);
int vgpu_front_enter(struct vgpu_front *front, bool wait, u32 *epoch);
void vgpu_front_leave(struct vgpu_front *front);
int vgpu_front_call(struct vgpu_front *front, struct vgpuif_req *req,
		    struct vgpuif_resp *resp);
void vgpu_front_call_batch(struct vgpu_front *front, struct vgpuif_req *reqs,
			   int *status, unsigned int count);
int vgpu_front_send_fenced(struct vgpu_front *front, struct vgpuif_req *req,
			   struct dma_fence *fence, int cmd_ticket);
struct seq_file;
void vgpu_front_ring_show(struct vgpu_front *front, struct seq_file *m);
int vgpu_front_send_signal(struct vgpu_front *front, struct vgpuif_req *req,
			   struct dma_fence *fence);

/* xen_vgpu_front_shbuf.c */
extern atomic_t vgpu_front_grants;
int vgpu_front_shbuf_grant(struct vgpu_front_shbuf *buf, domid_t domid,
			   struct page **pages, unsigned int num_pages,
			   bool readonly);
int vgpu_front_shbuf_grant_dir(struct vgpu_front_shbuf *buf, domid_t domid);
void vgpu_front_shbuf_regrant(struct vgpu_front_shbuf *buf, domid_t domid,
			      struct page **pages, bool readonly);
void vgpu_front_shbuf_end_dir(struct vgpu_front_shbuf *buf);
void vgpu_front_shbuf_end(struct vgpu_front_shbuf *buf);

/* xen_vgpu_front_cmd.c */
int vgpu_front_cmd_setup(struct vgpu_front *front, unsigned int num_pages);
void vgpu_front_cmd_teardown(struct vgpu_front *front);
int vgpu_front_cmd_reserve(struct vgpu_front *front, u32 size,
			   u32 *offset);
void vgpu_front_cmd_release(struct vgpu_front *front, int ticket);
void vgpu_front_cmd_cancel(struct vgpu_front *front, int ticket);

/* xen_vgpu_front_drv.c */
extern struct platform_driver vgpu_front_pdrv;
int vgpu_front_drm_add(struct vgpu_front *front);
void vgpu_front_drm_remove(struct vgpu_front *front);
int vgpu_front_file_ctx(struct vgpu_front *front, struct vgpu_front_file *vf,
			u32 epoch);
struct dma_fence *vgpu_front_fence_create(struct vgpu_front_file *vf);

/* xen_vgpu_front_gem.c */
void vgpu_front_gem_init(void);
struct drm_gem_object *vgpu_front_gem_create_object(struct drm_device *drm,
						    size_t size);
int vgpu_front_gem_back(struct vgpu_front *front, struct vgpu_front_bo *bo,
			const struct vgpuif_resource_create_3d_req *desc,
			u32 epoch);
int vgpu_front_gem_create(struct drm_device *drm, struct drm_file *file,
			  size_t size,
			  const struct vgpuif_resource_create_3d_req *desc,
			  bool dumb, u32 *handle, u32 *res_id);
int vgpu_front_gem_revive(struct vgpu_front *front, struct vgpu_front_bo *bo,
			  u32 epoch);
int vgpu_front_dumb_create(struct drm_file *file, struct drm_device *drm,
			   struct drm_mode_create_dumb *args);

/* xen_vgpu_front_ioctl.c: the virtio-gpu uAPI's handlers */
int vgpu_front_ioctl_map(struct drm_device *drm, void *data,
			 struct drm_file *file);
int vgpu_front_ioctl_execbuffer(struct drm_device *drm, void *data,
				struct drm_file *file);
int vgpu_front_ioctl_getparam(struct drm_device *drm, void *data,
			      struct drm_file *file);
int vgpu_front_ioctl_resource_create(struct drm_device *drm, void *data,
				     struct drm_file *file);
int vgpu_front_ioctl_resource_info(struct drm_device *drm, void *data,
				   struct drm_file *file);
int vgpu_front_ioctl_transfer_from_host(struct drm_device *drm, void *data,
					struct drm_file *file);
int vgpu_front_ioctl_transfer_to_host(struct drm_device *drm, void *data,
				      struct drm_file *file);
int vgpu_front_ioctl_wait(struct drm_device *drm, void *data,
			  struct drm_file *file);
int vgpu_front_ioctl_get_caps(struct drm_device *drm, void *data,
			      struct drm_file *file);
int vgpu_front_ioctl_nop(struct drm_device *drm, void *data,
			 struct drm_file *file);

/* xen_vgpu_front_kms.c */
int vgpu_front_kms_init(struct vgpu_front_drm *vd);
void vgpu_front_kms_fini(struct vgpu_front_drm *vd);
void vgpu_front_kms_reconnected(struct vgpu_front *front);

/* xen_vgpu_front_conn.c */
int vgpu_front_conn_init(struct vgpu_front_drm *vd);
void vgpu_front_conn_fini(struct vgpu_front_drm *vd);

static inline struct vgpu_front_drm *to_vgpu_front_drm(struct drm_device *drm)
{
	return container_of(drm, struct vgpu_front_drm, drm);
}

#endif /* __XEN_VGPU_FRONT_H */
