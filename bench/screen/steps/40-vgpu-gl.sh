#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The 3D subject: stock Mesa in the guest renders through xen_vgpu.ko
# (GBM and EGL) on dom0's GPU, each frame flipped onto our screen.
. "$E2E_DIR/lib.sh"
. "$E2E_ROOT/bench/screen/lib.sh"
with_backend record_screen vgpu-gl \
	"vgpu = [ 'vnc=1,vnclisten=127.0.0.1,vncdisplay=2,width=800,height=600' ]" 127.0.0.1:2
grep -q 'renderer="virgl' "$(domu_log screen-vgpu-gl)" ||
	fail "screen-vgpu-gl: Mesa did not render with virgl"
