#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The screen benchmark's subject: our screen, vgpu= with vnc=1, served by
# the device's worker in dom0; the guest flips KMS dumb buffers through
# xen_vgpu.ko at the same size as vfb's default, 800x600.
. "$E2E_DIR/lib.sh"
. "$E2E_ROOT/bench/screen/lib.sh"

[ -f "$E2E_BUILD/modules/xen_vgpu.ko" ] ||
	fail "$E2E_BUILD/modules/xen_vgpu.ko not built (make modules)"
backend_log=/tmp/vgpu-backend-screen.log
"$E2E_BUILD/bin/vgpu-backend" --xen >"$backend_log" 2>&1 &
backend=$!
trap 'kill $backend 2>/dev/null; wait $backend 2>/dev/null; sed "s/^/  backend| /" "$backend_log" | tail -n 20' EXIT
for _ in $(seq 60); do grep -q 'serving backend/vgpu' "$backend_log" && break; sleep 1; done
grep -q 'serving backend/vgpu' "$backend_log" || fail "vgpu-backend --xen did not start"

record_screen vgpu "vgpu = [ 'vnc=1,vnclisten=127.0.0.1,vncdisplay=2,width=800,height=600' ]" \
	127.0.0.1:2
