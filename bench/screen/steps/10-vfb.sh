#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The screen benchmark's baseline: Xen's PV framebuffer, vfb= with
# QEMU's VNC server, recorded by screen-vncrec (bench/screen/README.md).
. "$E2E_DIR/lib.sh"
. "$E2E_ROOT/bench/screen/lib.sh"
record_screen vfb "vfb = [ 'vnc=1,vnclisten=127.0.0.1,vncdisplay=1' ]" 127.0.0.1:1
