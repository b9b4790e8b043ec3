#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU for steps/60-xl-create.sh: a guest built by plain
# `xl create`, whose vgpu device dom0's daemon adds from the config xl
# stored. vgpu-vtest waits for the device; then stock Mesa renders
# through it, compared with llvmpipe's image (phase x).
B=$E2E_BUILD
SCENE=$B/tests/progs/glscene

modprobe -a xen-evtchn xen-gntalloc || exit 1
echo 65536 >/sys/module/xen_gntalloc/parameters/limit

. "$E2E_ROOT/tests/e2e/guest/render.sh"

LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" /tmp/ref.ppm 2>/tmp/ref.log || exit 1
start_vtest 0 || { verdict x FAIL "vgpu-vtest did not start"; cat /tmp/vtest.log; exit 1; }
grep -h 'waiting' /tmp/vtest.log
render x
stop_vtest
