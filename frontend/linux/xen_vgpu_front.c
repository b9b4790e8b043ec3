// SPDX-License-Identifier: GPL-2.0
/*
 * xen-vgpu frontend: the xenbus driver of the "vgpu" device and its
 * XenbusState machine (include/vgpuif.h, "State diagrams").
 *
 * DOC: connection and recovery
 * Backend InitWait: read its versions and limits, grant the ring and the
 * command region, allocate the event channel, write our nodes in one
 * transaction, go Initialised. Backend Connected: go Connected, and
 * register the DRM device the first time. When the backend leaves
 * Connected (its worker crashed and a new one is in InitWait, or it
 * closed), every request in flight fails with -EIO, its fences signal
 * with that error, the epoch moves on so that contexts and resources of
 * the old backend are known dead, and the frontend connects again. The
 * DRM device stays; files opened before the loss get -EIO, new ones
 * render.
 *
 * DOC: feature-scanout
 * The DRM device gets KMS (card0 with a connector, fbdev) only if the
 * backend advertises feature-scanout "1" when it first connects; else it
 * is a render node alone, as it always was. After a reconnect the screen
 * is sent to the new backend again (xen_vgpu_front_kms.c).
 */

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include <xen/xen.h>
#include <xen/xenbus.h>

#include "xen_vgpu_front.h"

static void vgpu_front_release(struct kref *ref)
{
	struct vgpu_front *front = container_of(ref, struct vgpu_front, ref);

	ida_destroy(&front->ctx_ida);
	ida_destroy(&front->res_ida);
	mutex_destroy(&front->revive_lock);
	kfree(front);
}

void vgpu_front_put(struct vgpu_front *front)
{
	kref_put(&front->ref, vgpu_front_release);
}

static bool vgpu_front_version_listed(const char *list)
{
	char *copy, *pos, *word;
	bool found = false;
	unsigned int v;

	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return false;
	pos = copy;
	while ((word = strsep(&pos, " ")) && !found)
		found = !kstrtouint(word, 10, &v) &&
			v == VGPUIF_PROTOCOL_VERSION;
	kfree(copy);
	return found;
}

static int vgpu_front_read_u32(struct vgpu_front *front, const char *node,
			       u32 *out)
{
	int ret;

	ret = xenbus_scanf(XBT_NIL, front->xb_dev->otherend, node, "%u", out);
	if (ret != 1 || !*out) {
		xenbus_dev_fatal(front->xb_dev, -EINVAL,
				 "backend node %s missing or zero", node);
		return -EINVAL;
	}
	return 0;
}

static int vgpu_front_read_backend(struct vgpu_front *front)
{
	struct vgpu_front_limits *lim = &front->lim;
	char *versions;
	bool ok;
	int ret;

	versions = xenbus_read(XBT_NIL, front->xb_dev->otherend,
			       "protocol-versions", NULL);
	if (IS_ERR(versions))
		return PTR_ERR(versions);
	ok = vgpu_front_version_listed(versions);
	kfree(versions);
	if (!ok) {
		xenbus_dev_fatal(front->xb_dev, -EPROTONOSUPPORT,
				 "backend does not speak protocol version %d",
				 VGPUIF_PROTOCOL_VERSION);
		return -EPROTONOSUPPORT;
	}
	ret = vgpu_front_read_u32(front, "max-mapped-pages",
				  &lim->max_mapped_pages);
	ret = ret ?: vgpu_front_read_u32(front, "max-contexts",
					 &lim->max_contexts);
	ret = ret ?: vgpu_front_read_u32(front, "max-resources",
					 &lim->max_resources);
	ret = ret ?: vgpu_front_read_u32(front, "max-cmd-pages",
					 &lim->max_cmd_pages);
	ret = ret ?: vgpu_front_read_u32(front, "max-submit-size",
					 &lim->max_submit_size);
	/* Optional: absent, or anything but 1, is no screen. */
	front->feature_scanout = xenbus_read_unsigned(front->xb_dev->otherend,
						      "feature-scanout",
						      0) == 1;
	return ret;
}

static int vgpu_front_write_nodes(struct vgpu_front *front)
{
	const char *dir = front->xb_dev->nodename;
	struct xenbus_transaction xbt;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	ret = xenbus_printf(xbt, dir, "protocol-version", "%d",
			    VGPUIF_PROTOCOL_VERSION);
	ret = ret ?: xenbus_printf(xbt, dir, "ring-ref", "%u",
				   front->ring_ref);
	ret = ret ?: xenbus_printf(xbt, dir, "cmd-dir-ref", "%u",
				   front->cmd.shbuf.dir_grefs[0]);
	ret = ret ?: xenbus_printf(xbt, dir, "cmd-pages", "%u",
				   front->cmd.num_pages);
	ret = ret ?: xenbus_printf(xbt, dir, "event-channel", "%u",
				   front->evtchn);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	return ret;
}

/* Backend in InitWait: grant, publish, go Initialised. */
static int vgpu_front_initwait(struct vgpu_front *front)
{
	unsigned int pages;
	int ret;

	down_write(&front->conn_sem);
	ret = vgpu_front_read_backend(front);
	if (ret)
		goto out;
	ret = vgpu_front_ring_setup(front);
	if (ret)
		goto out;
	pages = min_t(u32, VGPU_FRONT_CMD_PAGES, front->lim.max_cmd_pages);
	ret = vgpu_front_cmd_setup(front, pages);
	if (ret)
		goto fail_ring;
	ret = vgpu_front_write_nodes(front);
	if (ret)
		goto fail_cmd;
	up_write(&front->conn_sem);
	return xenbus_switch_state(front->xb_dev, XenbusStateInitialised);

fail_cmd:
	vgpu_front_cmd_teardown(front);
fail_ring:
	vgpu_front_ring_teardown(front);
out:
	up_write(&front->conn_sem);
	return ret;
}

static void vgpu_front_connected(struct vgpu_front *front)
{
	int ret;

	spin_lock_irq(&front->lock);
	front->connected = true;
	spin_unlock_irq(&front->lock);
	wake_up_all(&front->wq);
	xenbus_switch_state(front->xb_dev, XenbusStateConnected);
	if (front->pdev) {
		vgpu_front_kms_reconnected(front);
		return;
	}
	ret = vgpu_front_drm_add(front);
	if (ret)
		xenbus_dev_error(front->xb_dev, ret,
				 "cannot add the DRM device");
}

/* The backend has gone: fail what it held, give back what it mapped. */
static void vgpu_front_disconnect(struct vgpu_front *front)
{
	spin_lock_irq(&front->lock);
	front->epoch++;
	spin_unlock_irq(&front->lock);
	vgpu_front_fail_all(front, -EIO);
	down_write(&front->conn_sem);
	vgpu_front_ring_teardown(front);
	vgpu_front_cmd_teardown(front);
	up_write(&front->conn_sem);
}

static void vgpu_front_backend_changed(struct xenbus_device *xb_dev,
				       enum xenbus_state state)
{
	struct vgpu_front *front = dev_get_drvdata(&xb_dev->dev);
	int ret;

	switch (state) {
	case XenbusStateInitWait:
		/* Initialised: a new backend reads the nodes that stand. */
		if (xb_dev->state == XenbusStateInitialised)
			break;
		if (xb_dev->state != XenbusStateInitialising)
			vgpu_front_disconnect(front);
		ret = vgpu_front_initwait(front);
		if (ret)
			xenbus_dev_fatal(xb_dev, ret, "connecting to backend");
		break;
	case XenbusStateConnected:
		if (xb_dev->state == XenbusStateInitialised)
			vgpu_front_connected(front);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
	case XenbusStateUnknown:
		if (xb_dev->state == XenbusStateInitialising ||
		    xb_dev->state == XenbusStateClosed)
			break;
		vgpu_front_disconnect(front);
		xenbus_switch_state(xb_dev, XenbusStateInitialising);
		break;
	default:
		break;
	}
}

static int vgpu_front_probe(struct xenbus_device *xb_dev,
			    const struct xenbus_device_id *id)
{
	struct vgpu_front *front;
	unsigned int i;

	front = kzalloc(sizeof(*front), GFP_KERNEL);
	if (!front)
		return -ENOMEM;
	front->xb_dev = xb_dev;
	kref_init(&front->ref);
	init_rwsem(&front->conn_sem);
	mutex_init(&front->revive_lock);
	spin_lock_init(&front->lock);
	init_waitqueue_head(&front->wq);
	ida_init(&front->ctx_ida);
	ida_init(&front->res_ida);
	for (i = 0; i < VGPUIF_RING_SIZE; i++)
		init_completion(&front->slots[i].completion);
	dev_set_drvdata(&xb_dev->dev, front);
	/*
	 * A previous frontend (vgpu-vtest, an unbound driver) may have left
	 * the node Closed while xenbus still thinks Initialising, in which
	 * case xenbus_switch_state() would write nothing.
	 */
	if (xb_dev->state == XenbusStateInitialising)
		return xenbus_printf(XBT_NIL, xb_dev->nodename, "state", "%d",
				     XenbusStateInitialising);
	return xenbus_switch_state(xb_dev, XenbusStateInitialising);
}

/* Closing makes the backend unmap everything; give it a moment. */
static void vgpu_front_close_backend(struct xenbus_device *xb_dev)
{
	enum xenbus_state state;
	int i;

	if (xb_dev->state == XenbusStateInitialising)
		return;
	xenbus_switch_state(xb_dev, XenbusStateClosing);
	for (i = 0; i < 20; i++) {
		state = xenbus_read_driver_state(xb_dev->otherend);
		if (state == XenbusStateClosed ||
		    state == XenbusStateInitWait ||
		    state == XenbusStateUnknown)
			break;
		msleep(100);
	}
}

static void vgpu_front_remove(struct xenbus_device *xb_dev)
{
	struct vgpu_front *front = dev_get_drvdata(&xb_dev->dev);

	vgpu_front_close_backend(xb_dev);
	spin_lock_irq(&front->lock);
	front->removed = true;
	spin_unlock_irq(&front->lock);
	vgpu_front_disconnect(front);
	vgpu_front_drm_remove(front);
	dev_set_drvdata(&xb_dev->dev, NULL);
	vgpu_front_put(front);
}

/*
 * After a restore (or a migration) the backend is another one, and the
 * ring, channel and grants were the old one's: drop them as for a lost
 * backend. The grant table is new too: a dumb buffer brought back grants
 * its pages again (vgpu_front_gem_revive). xenbus has set our state to
 * Initialising and watches the backend again, whose InitWait connects
 * us.
 */
static int vgpu_front_resume(struct xenbus_device *xb_dev)
{
	struct vgpu_front *front = dev_get_drvdata(&xb_dev->dev);

	WRITE_ONCE(front->restores, front->restores + 1);
	vgpu_front_disconnect(front);
	return 0;
}

static const struct xenbus_device_id vgpu_front_ids[] = {
	{ "vgpu" },
	{ "" }
};

static struct xenbus_driver vgpu_front_xenbus_driver = {
	.ids = vgpu_front_ids,
	.probe = vgpu_front_probe,
	.remove = vgpu_front_remove,
	.resume = vgpu_front_resume,
	.otherend_changed = vgpu_front_backend_changed,
	.not_essential = true,
};

static int __init vgpu_front_init(void)
{
	int ret;

	if (!xen_domain() || xen_initial_domain())
		return -ENODEV;
	vgpu_front_gem_init();
	ret = platform_driver_register(&vgpu_front_pdrv);
	if (ret)
		return ret;
	ret = xenbus_register_frontend(&vgpu_front_xenbus_driver);
	if (ret)
		platform_driver_unregister(&vgpu_front_pdrv);
	return ret;
}

static void __exit vgpu_front_exit(void)
{
	xenbus_unregister_driver(&vgpu_front_xenbus_driver);
	platform_driver_unregister(&vgpu_front_pdrv);
}

module_init(vgpu_front_init);
module_exit(vgpu_front_exit);

MODULE_DESCRIPTION("xen-vgpu: Xen paravirtual 3D GPU (virtio-gpu uAPI)");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:vgpu");
