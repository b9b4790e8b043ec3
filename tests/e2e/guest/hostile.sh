#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU for steps/40-hostile.sh: tests/test_hostile in its
# Xen mode, against dom0's vgpu-backend, with device 0 as the good guest,
# 1 as the hostile one and 2 for second guests. The script's exit status
# is the suite's.
modprobe -a xen-evtchn xen-gntalloc || exit 1
echo 65536 >/sys/module/xen_gntalloc/parameters/limit
# Under TCG a worker's start (EGL, LLVM) in dom0 takes seconds.
VGPU_HOSTILE_XEN=0,1,2 VGPU_TEST_TIMEOUT_SCALE=10 \
	"$E2E_BUILD/tests/test_hostile" 2>&1
