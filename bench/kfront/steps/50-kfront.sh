#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kfront.sh's step: one domU with two vgpu devices runs
# bench/kfront/guest.sh (the kernel driver on device 0, the vtest bridge
# on device 1, llvmpipe in the guest). No figure if the backend refused a
# request: the guest's lines are printed only when it did not.
. "$E2E_DIR/lib.sh"
. "$E2E_ROOT/tools/refusals.sh"

[ -f "$E2E_BUILD/modules/xen_vgpu.ko" ] ||
	fail "$E2E_BUILD/modules/xen_vgpu.ko not built (make modules)"
[ -x "$E2E_BUILD/tests/progs/glscenes" ] || fail "glscenes not built (make)"
name=kbench
backend_log=/tmp/vgpu-backend-kbench.log
# Unbinding, the bridge and bench_nop each make a device's worker anew.
"$E2E_BUILD/bin/vgpu-backend" --xen --start-burst=20 >"$backend_log" 2>&1 &
backend=$!
trap 'xl destroy $name 2>/dev/null || true; kill $backend 2>/dev/null; wait $backend 2>/dev/null' EXIT
daemon_wait "$backend_log"

mkdir -p /var/lib/e2e
cfg=/var/lib/e2e/$name.cfg
DOMU_MEMORY=1024 domu_config $name "$E2E_ROOT/bench/kfront/guest.sh" \
	"vgpu = [ 'backend=0,vram=256M', 'backend=0,vram=256M' ]" >"$cfg"
log=$(domu_log $name)
rm -f "$log"
"$E2E_BUILD/bin/xenvgpu" create "$cfg" || fail "xenvgpu create failed"
rc=0
domu_wait $name "${DOMU_TIMEOUT:-1500}" || rc=$?
if vgpu_refusals "$backend_log"; then
	fail "vgpu-backend refused requests (above): no figure"
fi
grep -q 'KBENCH done' "$log" || {
	tail -n 40 "$log" | sed 's/^/  domU| /'
	tail -n 20 "$backend_log" | sed 's/^/  backend| /'
	fail "the guest did not finish (exit $rc): $(grep KBENCH-FAIL "$log")"
}
grep '^KBENCH' "$log"
