#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU for steps/60-xl-create.sh, phase r: a guest that
# dom0 saves and restores, rendering through the kernel frontend
# (xen_vgpu.ko), which reconnects by itself after the restore. Its root
# is dom0's over Xen 9pfs, which Linux cannot resume (9pfs has no
# suspend/resume), so first it loads the modules and copies what the
# phases need into its own memory (a root of its own, under /tmp/kit:
# busybox, xenstore-read, glscene, ppmdiff, Mesa and every library they
# load) and goes on from there in xl-restored.sh.
B=$E2E_BUILD
SCENE=$B/tests/progs/glscene
KIT=/tmp/kit
LIB=/usr/lib/x86_64-linux-gnu

modprobe -a drm_shmem_helper drm_kms_helper || exit 1
insmod "$B/modules/xen_vgpu.ko" || exit 1

# kit_add FILE...: each FILE and the libraries it loads, at their paths.
kit_add() {
	for f in "$@"; do
		cp -L --parents "$f" "$KIT" || return 1
		for lib in $(ldd "$f" 2>/dev/null |
			     sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
			[ -e "$KIT$lib" ] || cp -L --parents "$lib" "$KIT" || return 1
		done
	done
}

mkdir -p "$KIT" || exit 1
kit_add /bin/busybox /usr/bin/xenstore-read "$SCENE" \
	"$B/tests/progs/ppmdiff" "$LIB/libEGL_mesa.so.0" \
	"$LIB/dri/swrast_dri.so" "$LIB/dri/virtio_gpu_dri.so" ||
	{ echo "cannot copy the kit"; exit 1; }
cp -L --parents /etc/ld.so.cache /usr/share/glvnd/egl_vendor.d/50_mesa.json \
	"$E2E_ROOT/tests/e2e/guest/render.sh" \
	"$E2E_ROOT/tests/e2e/guest/kernel.sh" \
	"$E2E_ROOT/tests/e2e/guest/xl-restored.sh" "$KIT" || exit 1
for applet in sh env sleep kill cat grep sed tail seq dmesg; do
	ln -s busybox "$KIT/bin/$applet"
done
mkdir -p "$KIT/dev" "$KIT/proc" "$KIT/sys" "$KIT/tmp"
echo "kit: $(du -sm "$KIT" | cut -f1) MiB in the guest's memory"
mount --bind /dev "$KIT/dev" && mount --bind /proc "$KIT/proc" &&
	mount --bind /sys "$KIT/sys" || exit 1
exec chroot "$KIT" /bin/sh "$E2E_ROOT/tests/e2e/guest/xl-restored.sh"
