# SPDX-License-Identifier: GPL-2.0
# tests/e2e/lib.sh - helpers for steps; steps start with
#   . "$E2E_DIR/lib.sh"
# A step passes when it exits 0. `fail REASON` and `skip REASON` end it.
# Variables: E2E_ROOT (the checkout), E2E_BUILD (its build dir), E2E_KVER,
# E2E_OUT (build/e2e: initrds), E2E_DIR (tests/e2e), E2E_STEP (this step).
set -euo pipefail

fail() { echo "FAIL $*" >"$E2E_RESULT"; echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP $*" >"$E2E_RESULT"; echo "SKIP: $*"; exit 0; }
now() { date +%s.%N; }
# since T0: seconds elapsed since T0 (from `now`), one decimal.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# timing NAME SECONDS: reported by run.sh at the end.
timing() { echo "E2E-TIME $1 ${2}s"; }

# domu_config NAME GUEST_SCRIPT [CONFIG-LINE...] - print an xl config for a
# PV domU that boots the e2e domU initramfs, mounts dom0's root over Xen
# 9pfs (read-only), and runs `sh GUEST_SCRIPT` chrooted into it, with the
# E2E_* variables set. The guest's /proc, /sys, /dev, /tmp and /run are its
# own, so keep GUEST_SCRIPT elsewhere (in the checkout, or under
# /var/lib/e2e in dom0). Extra CONFIG-LINEs are appended (e.g. vgpu=).
# DOMU_MEMORY: the guest's MiB (512).
domu_config() {
	local name=$1 script=$2; shift 2
	cat <<CFG
name = "$name"
type = "pv"
kernel = "/boot/vmlinuz-$E2E_KVER"
ramdisk = "$E2E_OUT/domu-initrd.gz"
extra = "console=hvc0 quiet e2e_guest=$script e2e_env=$E2E_ENV"
memory = ${DOMU_MEMORY:-512}
vcpus = 1
p9 = [ 'tag=hostroot,security_model=none,path=/,backend=0' ]
on_poweroff = "destroy"
on_crash = "destroy"
CFG
	local l
	for l in "$@"; do echo "$l"; done
}

# domu_wait NAME [TIMEOUT] - wait for the guest's E2E-GUEST-END marker in
# its console log, then make sure the domain is gone. Returns the guest
# script's exit status (or 124 on timeout). The log is at $(domu_log NAME).
domu_log() { echo "/var/log/xen/console/guest-$1.log"; }
domu_wait() {
	local name=$1 limit=${2:-300} t0 rc=124 log
	log=$(domu_log "$name")
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt "$limit" ]; do
		if grep -q 'E2E-GUEST-END' "$log" 2>/dev/null; then
			rc=$(sed -n 's/.*E2E-GUEST-END rc=\([0-9]*\).*/\1/p' "$log" | tail -n1)
			break
		fi
		if ! xl list "$name" >/dev/null 2>&1; then
			sleep 1	# let xenconsoled flush the log
			grep -q 'E2E-GUEST-END' "$log" 2>/dev/null && continue
			echo "domU $name died before its end marker"; rc=125; break
		fi
		sleep 1
	done
	# Give the guest a moment to power off by itself, then destroy it.
	for _ in 1 2 3 4 5; do xl list "$name" >/dev/null 2>&1 || break; sleep 1; done
	xl destroy "$name" >/dev/null 2>&1 || true
	return "${rc:-1}"
}

# domu_run NAME GUEST_SCRIPT [CONFIG-LINE...] - create the domU, wait for
# it (DOMU_TIMEOUT, default 300 s), print its console log, and return the
# guest script's exit status. Sets DOMU_SECONDS (xl create to end marker).
domu_run() {
	local name=$1 cfg t0 rc=0
	mkdir -p /var/lib/e2e
	cfg=/var/lib/e2e/$name.cfg
	domu_config "$@" >"$cfg"
	rm -f "$(domu_log "$name")"
	t0=$(now)
	xl create -q "$cfg" || fail "xl create $cfg failed"
	domu_wait "$name" "${DOMU_TIMEOUT:-300}" || rc=$?
	DOMU_SECONDS=$(since "$t0")
	sed 's/^/  domU| /' "$(domu_log "$name")" 2>/dev/null || true
	return $rc
}

# daemon_wait LOG: returns once the vgpu-backend --xen writing LOG serves
# backend/vgpu, or fails the step after 60 s.
daemon_wait() {
	for _ in $(seq 60); do grep -q 'serving backend/vgpu' "$1" && return 0; sleep 1; done
	fail "vgpu-backend --xen did not start"
}

# console_wait PATTERN [TIMEOUT]: wait for a line of the console of the
# domU $name.
console_wait() {
	local t0=$SECONDS
	until grep -q "$1" "$(domu_log $name)" 2>/dev/null; do
		[ $((SECONDS - t0)) -lt "${2:-600}" ] || return 1
		xl list $name >/dev/null 2>&1 || return 1
		sleep 1
	done
}

# phase_passed PHASE: its guest script's verdict (guest/render.sh), which
# must be PASS.
phase_passed() {
	console_wait "E2E-VGPU $1 \(PASS\|FAIL\)" ||
		fail "phase $1: no verdict from the guest"
	grep "E2E-VGPU $1 " "$(domu_log $name)"
	grep -q "E2E-VGPU $1 PASS" "$(domu_log $name)" ||
		fail "phase $1: $(grep "E2E-VGPU $1 " "$(domu_log $name)")"
}
