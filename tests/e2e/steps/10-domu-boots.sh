#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A PV domU with a vgpu= line boots, reaches dom0's root over Xen 9pfs, runs
# a Mesa program (llvmpipe), powers off, and leaves only Domain-0 behind.
. "$E2E_DIR/lib.sh"

rc=0
domu_run e2e-boot "$E2E_DIR/guest/eglinfo.sh" "vgpu = [ 'backend=0' ]" || rc=$?
timing xl-create-to-guest-end "$DOMU_SECONDS"
log=$(domu_log e2e-boot)

[ "$rc" != 124 ] || fail "no E2E-GUEST-END in $log after ${DOMU_TIMEOUT:-300}s"
[ "$rc" = 0 ] || fail "guest script exited with $rc (see the domU| lines)"
grep -q llvmpipe "$log" || fail "eglinfo in the domU did not mention llvmpipe"
others=$(xl list | awk 'NR > 1 && $1 != "Domain-0"')
[ -z "$others" ] || fail "domains left after the test: $others"
