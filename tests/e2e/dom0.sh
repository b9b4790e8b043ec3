#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/e2e/dom0.sh - runs as PID 1's child in the QEMU-booted dom0 (see
# run.sh). Brings up Xen's userland, then runs tests/e2e/steps/*.sh (or
# E2E_STEP_DIR's) in order and reports each as
# `E2E-STEP name PASS|FAIL reason|SKIP reason`.
# The caller powers the machine off when this script returns.
set -uo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export E2E_DIR
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
# run.sh writes E2E_ROOT, E2E_BUILD, E2E_OUT, E2E_KVER, E2E_STEPS, ... to
# the env file it names on the kernel command line (e2e_env=).
E2E_ENV=$(sed -n 's/.*[[:space:]]e2e_env=\([^[:space:]]*\).*/\1/p' /proc/cmdline)
set -a
. "$E2E_ENV" || { echo "no env file '$E2E_ENV' (e2e_env= on the dom0 command line)"; exit 1; }
set +a
export E2E_ENV
echo "E2E-DOM0-START $(cut -d' ' -f1 /proc/uptime)"

mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# As Debian 12 boots: the unified hierarchy, where vgpu-backend puts each
# worker in a CPU group of its own.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
hostname dom0
# VNC servers (vfb='s device model, a vgpu device's worker) listen on
# 127.0.0.1, which exists only once lo is up.
ip link set lo up

setup_xen() {
	local x=/usr/lib/xen-4.17/bin
	modprobe -a xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs || return 1
	mount -t xenfs xenfs /proc/xen || return 1
	mkdir -p /run/xen /var/run/xen /var/lib/xen /run/xenstored /var/log/xen/console
	$x/xenstored --pid-file /run/xenstored.pid || return 1
	$x/xen-init-dom0 || return 1
	$x/xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
		--log-dir=/var/log/xen/console || return 1
	xl info >/dev/null
}
t0=$(date +%s.%N)
if setup_xen >/tmp/xen-setup.log 2>&1; then
	echo "E2E-STEP 00-xen-userland PASS"
	echo "E2E-TIME xen-userland $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s"
else
	echo "E2E-STEP 00-xen-userland FAIL xenstored/xen-init-dom0/xenconsoled did not start"
	sed 's/^/  | /' /tmp/xen-setup.log
	echo "E2E-DONE"
	exit 1
fi

# Steps: E2E_STEPS (a space-separated list of names or globs) or all.
selected() {
	local pat pats
	[ -n "${E2E_STEPS:-}" ] || return 0
	read -ra pats <<<"$E2E_STEPS"
	for pat in "${pats[@]}"; do [[ $1 == $pat ]] && return 0; done
	return 1
}
for step in "${E2E_STEP_DIR:-$E2E_DIR/steps}"/[0-9]*.sh; do
	name=$(basename "$step" .sh)
	selected "$name" || continue
	export E2E_STEP=$name E2E_RESULT=/tmp/e2e-result.$name
	rm -f "$E2E_RESULT"
	touch /tmp/e2e-stamp
	echo "E2E-STEP-BEGIN $name"
	timeout -k 10 "${E2E_STEP_TIMEOUT:-600}" bash "$step" </dev/null 2>&1 | sed -u "s/^/  [$name] /"
	rc=${PIPESTATUS[0]}
	read -r verdict reason 2>/dev/null <"$E2E_RESULT" || verdict=
	if [ "$rc" = 0 ] && [ -z "$verdict" ]; then
		echo "E2E-STEP $name PASS"
	elif [ "$verdict" = SKIP ]; then
		echo "E2E-STEP $name SKIP ${reason:-}"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "E2E-STEP $name FAIL timed out after ${E2E_STEP_TIMEOUT:-600}s"
	else
		echo "E2E-STEP $name FAIL ${reason:-exit status $rc}"
	fi
	# On failure, show the end of each guest console written during the
	# step: dom0's files vanish at power-off.
	if [ "$verdict" != SKIP ] && { [ "$rc" != 0 ] || [ -n "$verdict" ]; }; then
		for log in $(find /var/log/xen/console -name '*.log' -newer /tmp/e2e-stamp 2>/dev/null); do
			echo "  [$name] --- last 40 lines of $log ---"
			tail -n 40 "$log" | sed "s/^/  [$name] $(basename "$log" .log)| /"
		done
	fi
done
echo "E2E-DONE"
