#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The screen benchmark's subject: our screen, vgpu= with vnc=1, served by
# the device's worker in dom0; the guest flips KMS dumb buffers through
# xen_vgpu.ko at the same size as vfb's default, 800x600.
. "$E2E_DIR/lib.sh"
. "$E2E_ROOT/bench/screen/lib.sh"
with_backend record_screen vgpu \
	"vgpu = [ 'vnc=1,vnclisten=127.0.0.1,vncdisplay=2,width=800,height=600' ]" 127.0.0.1:2
