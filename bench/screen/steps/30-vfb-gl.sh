#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The 3D baseline: what a vfb= guest has, llvmpipe in the guest, each
# frame read back into Xen's PV framebuffer.
. "$E2E_DIR/lib.sh"
. "$E2E_ROOT/bench/screen/lib.sh"
record_screen vfb-gl "vfb = [ 'vnc=1,vnclisten=127.0.0.1,vncdisplay=1' ]" 127.0.0.1:1
