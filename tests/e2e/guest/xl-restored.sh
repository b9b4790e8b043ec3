#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The second half of xl-save.sh, in the guest's own copy of what it needs
# (nothing from dom0's root after the restore). Phase r1 renders through
# the kernel frontend before xl save; dom0 restores the domain, whose new
# device its daemon adds from the config it kept, waits for the driver
# to reconnect by itself and says "restored"; phase r2 is a new GL
# process on the same render node, and the kernel log must be clean.
#
# Not vgpu-vtest: after a restore of a guest in which a GL client had
# rendered through it, Linux 6.1 and Xen disagree about the guest's page
# tables (docs/design.md, section 6).
B=$E2E_BUILD
SCENE=$B/tests/progs/glscene
RENDER_ENV=

. "$E2E_ROOT/tests/e2e/guest/render.sh"
. "$E2E_ROOT/tests/e2e/guest/kernel.sh"

LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" /tmp/ref.ppm 2>/tmp/ref.log ||
	{ cat /tmp/ref.log; exit 1; }
i=0
until [ -c /dev/dri/renderD128 ]; do
	i=$((i + 1))
	[ $i -lt 60 ] || { verdict r1 FAIL "no /dev/dri/renderD128 after 60 s"; exit 1; }
	sleep 1
done
render r1 || exit 1
echo "E2E-VGPU ready-to-save"
wait_go restored || { verdict r2 FAIL "dom0 never said restored"; exit 1; }
render r2 && kernel_clean r2
