#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The vgpu device on real Xen, driven from dom0 as an administrator would:
#  a) xenvgpu create of a domU whose config has vgpu=; stock Mesa in the
#     guest renders through vgpu-vtest and the image matches llvmpipe's;
#  b) xenvgpu list/--json/check, sched (live weight) and top, detach,
#     attach again, render again;
#  g) a few glmark2 scenes in the guest through the same device, with
#     no request refused by the backend;
#  m) 8 GL processes at once in the guest on that one device, each
#     image matching llvmpipe's;
#  c) the backend worker is killed while a guest client is connected: the
#     supervisor restarts it and a new client renders through it;
#  e) xl destroy while the guest renders (a read-back per frame) leaves
#     no worker, grant mapping or xenstore node.
. "$E2E_DIR/lib.sh"

B=$E2E_BUILD/bin
name=e2e-vgpu
backend_log=/tmp/vgpu-backend.log

# Under TCG one llvmpipe shader compile in dom0 can take seconds: a
# watchdog for emulation speed, not the 2 s meant for real hardware.
"$B/vgpu-backend" --xen --watchdog-ms=60000 >"$backend_log" 2>&1 &
backend=$!
trap 'xl destroy $name 2>/dev/null || true; kill $backend 2>/dev/null; wait $backend 2>/dev/null; sed "s/^/  backend| /" "$backend_log"' EXIT
daemon_wait "$backend_log"

workers() { pgrep -P "$backend" || true; }
sockets_of() { ls -l /proc/"$1"/fd 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | sort -u || true; }
backend_state() { xenstore-read "/local/domain/0/backend/vgpu/$domid/$1/state"; }

# a) create with vgpu= and render.
mkdir -p /var/lib/e2e
cfg=/var/lib/e2e/$name.cfg
domu_config $name "$E2E_DIR/guest/vgpu.sh" \
	"vgpu = [ 'backend=0,vram=128M,weight=512' ]" >"$cfg"
rm -f "$(domu_log $name)"
t0=$(now)
"$B/xenvgpu" -v create "$cfg" || fail "xenvgpu create failed"
timing xenvgpu-create "$(since "$t0")"
domid=$(xl domid $name)
"$B/xenvgpu" check $name || fail "xenstore tree does not match the schema"
phase_passed a
timing create-to-first-frame "$(since "$t0")"
# xenvgpu create marks the config xl stores: the daemon, which adds the
# devices of domains plain xl create builds, leaves this one alone.
grep "vgpu devices\? added to domain" "$backend_log" &&
	fail "the daemon added devices to a domain xenvgpu created"
# A worker holds none of the daemon's sockets: it opens its own xenstore
# connection rather than read replies meant for the daemon.
daemon_sockets=$(sockets_of "$backend")
for w in $(workers); do
	for sock in $(sockets_of "$w"); do
		if echo "$daemon_sockets" | grep -qxF "$sock"; then
			fail "worker $w holds the daemon's $sock"
		fi
	done
done
# Each worker runs in a cgroup of its own: one CPU at most (the daemon's
# default), and a CPU weight from the device's weight=512 (twice v2's
# default of 100).
grep -q 'each worker may use 100% of one CPU (cgroup v2' "$backend_log" ||
	fail "the daemon did not bound its workers' CPU"
for w in $(workers); do
	group=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/"$w"/cgroup)
	echo "worker $w: $group: cpu.max $(cat "$group/cpu.max"), cpu.weight $(cat "$group/cpu.weight")"
	[ "$(cat "$group/cpu.max")" = "100000 100000" ] || fail "worker $w: cpu.max is not one CPU"
	[ "$(cat "$group/cpu.weight")" = 200 ] || fail "worker $w: cpu.weight is not 200"
done

# b) list, detach, attach, render again.
"$B/xenvgpu" list $name
"$B/xenvgpu" list $name --json | tee /tmp/list.json
grep -q '"backend_state": *4\|"backend_state": *2' /tmp/list.json ||
	fail "list --json shows no live device"
# The GPU scheduler: vgpu='s weight reached it, changes live, figures.
"$B/xenvgpu" sched $name | grep -q 'weight=512 cap=0' ||
	fail "the scheduler lacks weight=512 from vgpu="
"$B/xenvgpu" sched $name weight=1024 cap=50 || fail "xenvgpu sched failed"
sleep 1
"$B/xenvgpu" sched $name | grep -q 'weight=1024 cap=50' ||
	fail "a live weight change did not reach the scheduler"
out=$("$B/xenvgpu" sched $name weight=0 2>&1) && fail "weight=0 was accepted"
echo "$out" | grep -q '1 to 65535' || fail "weight=0 refused without its range: $out"
grep -q '"submissions": [1-9]' /tmp/list.json ||
	fail "list --json shows no GPU submissions"
"$B/xenvgpu" top -b -i 1 -d 0.5 || fail "xenvgpu top failed"
"$B/xenvgpu" detach $name 0 || fail "xenvgpu detach failed"
xenstore-exists "/local/domain/0/backend/vgpu/$domid/0" &&
	fail "backend node left after detach"
"$B/xenvgpu" attach $name 'vram=128M' || fail "xenvgpu attach failed"
devid=$(xenstore-list "/local/domain/0/backend/vgpu/$domid" | head -n1)
xenstore-write "/local/domain/$domid/e2e/devid" "$devid"
xenstore-write "/local/domain/$domid/e2e/go" b
phase_passed b
phase_passed g
grep '  glmark2| ' "$(domu_log $name)" || true
t0=$(now)
phase_passed m
timing eight-processes "$(since "$t0")"
refused=$(. "$E2E_ROOT/tools/refusals.sh"; vgpu_refusals "$backend_log") || true
[ -z "$refused" ] || fail "the backend refused requests of a healthy guest: $refused"

# c) kill the worker while a client is connected.
console_wait "E2E-VGPU c-connected" 120 || fail "phase c: client did not start"
victim=$(workers | head -n1)
[ -n "$victim" ] || fail "no backend worker to kill"
kill -KILL "$victim"
for _ in $(seq 60); do
	w=$(workers | head -n1)
	[ -n "$w" ] && [ "$w" != "$victim" ] && [ "$(backend_state "$devid")" = 2 ] && break
	sleep 1
done
[ "$(backend_state "$devid")" = 2 ] || fail "worker not restarted into InitWait"
echo "worker $victim killed; $w restarted"
xenstore-write "/local/domain/$domid/e2e/go" c
phase_passed c
console_wait "E2E-VGPU guest-done" 120 || fail "guest did not finish"
tail -n 25 "$(domu_log $name)" | sed 's/^/  console| /'

# e) destroy in the middle of rendering: nothing may be left behind.
submissions() {
	"$B/xenvgpu" list $name --json | grep -o '"submissions": [0-9]*' |
		awk '{ n += $2 } END { print n + 0 }'
}
# A frame takes seconds under TCG: wait for a few, so that one is surely
# in flight when the domain goes.
s0=$(submissions) t0=$SECONDS
until [ "$(submissions)" -ge $((s0 + 3)) ]; do
	[ $((SECONDS - t0)) -lt 120 ] ||
		fail "the guest did not render before destroy ($s0 -> $(submissions) submissions)"
	sleep 1
done
echo "destroying while the guest renders: $(($(submissions) - s0)) submissions in the last $((SECONDS - t0)) s"
xl destroy $name
for _ in $(seq 30); do [ -z "$(workers)" ] && break; sleep 1; done
[ -z "$(workers)" ] || fail "workers left after destroy: $(workers)"
grep -l gntdev /proc/"$backend"/maps 2>/dev/null && fail "grant mappings left in the backend"
if xenstore-exists "/local/domain/0/backend/vgpu/$domid"; then
	fail "backend nodes left: $(xenstore-ls /local/domain/0/backend/vgpu/$domid)"
fi
kill -0 "$backend" || fail "vgpu-backend --xen died"
echo "destroy left nothing behind"
