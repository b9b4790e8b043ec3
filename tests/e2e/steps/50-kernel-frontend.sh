#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The guest kernel frontend (issue 16): a domU created with vgpu= loads
# xen_vgpu.ko (make modules), /dev/dri/renderD128 appears, stock Mesa
# renders through it with no environment variable (GL_RENDERER virgl)
# and the image matches llvmpipe's; the backend's worker is killed, the
# driver reconnects to the restarted one by itself and a new process
# renders; 16 processes render at once; two processes share a buffer by
# dma-buf through GL (gldmabuf); piglit's shader tests end as through
# the bridge; kfront-selftest checks the uAPI
# (bad arguments, PRIME, fences) and fuzzes it; the device is detached
# under a running process and another attached, which a new process
# renders through; the device unbinds and the module unloads, with no
# warning in the guest's kernel log.
. "$E2E_DIR/lib.sh"

B=$E2E_BUILD/bin
name=e2e-kfront
backend_log=/tmp/vgpu-backend-kfront.log

[ -f "$E2E_BUILD/modules/xen_vgpu.ko" ] ||
	skip "$E2E_BUILD/modules/xen_vgpu.ko not built (make modules)"
[ -x "$E2E_BUILD/tests/progs/glscene" ] || skip "glscene not built"
[ -x "$E2E_BUILD/tests/progs/gldmabuf" ] || skip "gldmabuf not built"
[ -x "$E2E_BUILD/modules/selftest/kfront-selftest" ] ||
	skip "kfront-selftest not built (make modules)"

"$B/vgpu-backend" --xen --watchdog-ms=60000 >"$backend_log" 2>&1 &
backend=$!
trap 'xl destroy $name 2>/dev/null || true; kill $backend 2>/dev/null; wait $backend 2>/dev/null; sed "s/^/  backend| /" "$backend_log" | tail -n 40' EXIT
daemon_wait "$backend_log"

mkdir -p /var/lib/e2e
cfg=/var/lib/e2e/$name.cfg
domu_config $name "$E2E_DIR/guest/kfront.sh" \
	"vgpu = [ 'backend=0,vram=128M' ]" >"$cfg"
log=$(domu_log $name)
rm -f "$log"
t0=$(now)
"$B/xenvgpu" -v create "$cfg" || fail "xenvgpu create failed"
domid=$(xl domid $name)
workers() { pgrep -P "$backend" || true; }
backend_state() { xenstore-read "/local/domain/0/backend/vgpu/$domid/0/state"; }

# The restart: once the first render has its verdict, kill the worker;
# the supervisor starts a new one in InitWait, and the guest's driver
# must bring it to Connected without help.
restart() {
	local victim w t0=$SECONDS
	until grep -q 'E2E-KFRONT holder running\|E2E-KFRONT render FAIL' \
		"$log" 2>/dev/null; do
		[ $((SECONDS - t0)) -lt 500 ] || return 1
		xl list $name >/dev/null 2>&1 || return 1
		sleep 1
	done
	grep -q 'E2E-KFRONT render PASS' "$log" || return 1
	victim=$(workers | head -n1)
	[ -n "$victim" ] || { echo "no backend worker to kill"; return 1; }
	kill -KILL "$victim"
	t0=$(now)
	for _ in $(seq 120); do
		w=$(workers | head -n1)
		[ -n "$w" ] && [ "$w" != "$victim" ] &&
			[ "$(backend_state)" = 4 ] && break
		sleep 1
	done
	[ "$(backend_state)" = 4 ] ||
		{ echo "backend state $(backend_state), not Connected"; return 1; }
	timing kfront-reconnect "$(since "$t0")"
	echo "worker $victim killed; $w connected to the guest's driver"
	xenstore-write "/local/domain/$domid/e2e/go" restarted
}
restart || echo "restart failed"

# A stalled many phase: what each of the worker's threads waits for.
dump_workers() {
	local w t
	for w in $(workers); do
		for t in /proc/$w/task/*; do
			echo "-- worker $w/${t##*/} $(cat $t/comm) wchan $(cat $t/wchan)"
			head -n 8 $t/stack
		done
		timeout 60 gdb -q -batch -p "$w" -ex 'thread apply all bt 10' \
			2>/dev/null | grep -E '^(#|Thread)'
	done
}

# The detach: device 0 goes while a guest process renders on it, and a
# new device comes; the guest's driver must let go of the first and
# bind the second.
detach() {
	local t0=$SECONDS dumped=0
	until grep -q 'E2E-KFRONT detach-ready' "$log" 2>/dev/null; do
		[ $((SECONDS - t0)) -lt 700 ] || return 1
		xl list $name >/dev/null 2>&1 || return 1
		if [ $dumped = 0 ] && grep -q 'E2E-KFRONT many-stalled' "$log"; then
			dump_workers
			dumped=1
		fi
		sleep 1
	done
	"$B/xenvgpu" detach $name 0 || { echo "xenvgpu detach failed"; return 1; }
	"$B/xenvgpu" attach $name 'vram=128M' ||
		{ echo "xenvgpu attach failed"; return 1; }
	xenstore-write "/local/domain/$domid/e2e/go" attached
}
detach || echo "detach failed"

rc=0
domu_wait $name "${DOMU_TIMEOUT:-840}" || rc=$?
timing kfront-guest "$(since "$t0")"
sed 's/^/  domU| /' "$log" 2>/dev/null || true

for phase in load render restart holder many dmabuf piglit selftest detach unload; do
	grep -q "E2E-KFRONT $phase PASS" "$log" && continue
	why=$(grep "E2E-KFRONT $phase " "$log" || echo "no verdict (guest exit $rc)")
	fail "phase $phase: $why"
done
