#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench/screen/guest.sh - the domU of the screen benchmark (steps/): runs
# its workload on the screen its name asks for, for 45 s, while dom0
# records it over VNC.
#   screen-vfb[-gl]   Xen's PV framebuffer, /dev/fb0 (xen-fbfront); -gl:
#                     llvmpipe in the guest
#   screen-vgpu[-gl]  our KMS device, /dev/dri/card0 (xen_vgpu.ko); -gl:
#                     stock Mesa through the device
#   screen-anim draws the 2D animation, screen-gl the 3D scene.
B=$E2E_BUILD
name=$(xenstore-read name)

wait_for() {
	for _ in $(seq 120); do [ -e "$1" ] && return 0; sleep 0.5; done
	echo "screen-guest: $1 did not appear"
	return 1
}

case $name in
screen-vfb*)
	dev=/dev/fb0 out=--fbdev=/dev/fb0
	export LIBGL_ALWAYS_SOFTWARE=1 ;;
screen-vgpu*)
	modprobe -a drm_shmem_helper drm_kms_helper || exit 1
	insmod "$B/modules/xen_vgpu.ko" || exit 1
	dev=/dev/dri/card0 out=--kms=/dev/dri/card0 ;;
*)
	echo "screen-guest: unknown guest name '$name'"; exit 2 ;;
esac
case $name in
*-gl) prog=screen-gl ;;
*)    prog=screen-anim ;;
esac
wait_for $dev || exit 1
# The console's cursor would draw over the frames: take the text console
# off every framebuffer.
for v in /sys/class/vtconsole/vtcon*; do
	grep -qi "frame buffer" "$v/name" 2>/dev/null && echo 0 >"$v/bind"
done
echo "SCREEN-ANIM-START"
"$B/bench/$prog" $out --seconds=45
