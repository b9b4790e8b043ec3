#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The second half of xl-save.sh, in the guest's own copy of what it needs
# (nothing from dom0's root after the restore). Phase r1 renders before
# xl save; dom0 restores the domain, whose new device its daemon adds
# from the config it kept, and says "restored"; phase r2 is a new GL
# process through a new vgpu-vtest on the new device.
#
# vgpu-vtest is stopped before the save: Linux 6.1's /dev/xen/evtchn does
# not survive save and restore (closing a port bound before the save hits
# a BUG in evtchn_release), so a userspace frontend must be gone by then.
B=$E2E_BUILD
SCENE=$B/tests/progs/glscene

. "$E2E_ROOT/tests/e2e/guest/render.sh"

LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" /tmp/ref.ppm 2>/tmp/ref.log ||
	{ cat /tmp/ref.log; exit 1; }
start_vtest 0 || { verdict r1 FAIL "vgpu-vtest did not start"; cat /tmp/vtest.log; exit 1; }
render r1 || exit 1
stop_vtest
echo "E2E-VGPU ready-to-save"
wait_go restored || { verdict r2 FAIL "dom0 never said restored"; exit 1; }
start_vtest 0 || {
	verdict r2 FAIL "vgpu-vtest did not start: $(tail -n 3 /tmp/vtest.log | tr '\n' ' ')"
	exit 1
}
render r2
stop_vtest
