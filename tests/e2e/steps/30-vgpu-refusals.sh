#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input on real Xen:
#  - vgpu= specs that are malformed, name an unknown backend domain or set
#    vram below the minimum are refused before the guest exists;
#  - a guest that publishes garbage in its device directory is refused
#    with backend state Closed and an error node, and gets a fresh backend
#    once it starts over;
#  - a guest that then breaks and restarts its device in a loop gets its
#    worker restarted at the paced rate, and its events make the daemon
#    look at its own device only, not at the guest's other device.
. "$E2E_DIR/lib.sh"

B=$E2E_BUILD/bin
name=e2e-refuse
backend_log=/tmp/vgpu-backend-30.log
mkdir -p /var/lib/e2e

# VGPU_DEBUG: the supervisor logs each device it looks at.
VGPU_DEBUG=1 "$B/vgpu-backend" --xen >"$backend_log" 2>&1 &
backend=$!
trap 'kill $backend 2>/dev/null; wait $backend 2>/dev/null; grep -v "looking at its nodes" "$backend_log" | sed "s/^/  backend| /"' EXIT

# refused_spec SPEC WORDS: xenvgpu create fails, says WORDS, leaves nothing.
refused_spec() {
	local cfg=/var/lib/e2e/$name.cfg out
	domu_config $name /bin/true "vgpu = [ '$1' ]" >"$cfg"
	if out=$("$B/xenvgpu" create "$cfg" 2>&1); then
		fail "spec '$1' was accepted"
	fi
	echo "spec '$1': $out"
	echo "$out" | grep -qi "$2" || fail "spec '$1': message does not say '$2'"
	xl list $name >/dev/null 2>&1 && fail "spec '$1' left domain $name behind"
	true
}
refused_spec 'backend=0,colour=blue' 'Unknown string "colour=blue"'
refused_spec 'backend=no-such-domain' 'no-such-domain'
refused_spec 'vram=1M' 'vram'
refused_spec 'weight=0' 'weight'
[ -z "$(xenstore-list /local/domain/0/backend/vgpu 2>/dev/null)" ] ||
	fail "backend nodes left by refused specs"

# A guest that writes garbage. The guest script does the writing.
cfg=/var/lib/e2e/$name.cfg
domu_config $name "$E2E_DIR/guest/garbage.sh" \
	"vgpu = [ 'backend=0', 'backend=0' ]" >"$cfg"
rm -f "$(domu_log $name)"
"$B/xenvgpu" create "$cfg" || fail "xenvgpu create failed"
domid=$(xl domid $name)
be=/local/domain/0/backend/vgpu/$domid/0
for _ in $(seq 120); do
	[ "$(xenstore-read $be/state 2>/dev/null)" = 6 ] && break
	sleep 1
done
[ "$(xenstore-read $be/state)" = 6 ] || fail "garbage was not refused with Closed"
error=$(xenstore-read $be/error) || fail "no error node"
echo "backend error node: $error"
echo "$error" | grep -q 'event-channel' || fail "error node does not name the bad node"
kill -0 $backend || fail "vgpu-backend died"
# The guest starts over: a fresh worker must publish InitWait again.
xenstore-write /local/domain/$domid/e2e/go again
for _ in $(seq 120); do
	[ "$(xenstore-read $be/state 2>/dev/null)" = 2 ] && break
	sleep 1
done
[ "$(xenstore-read $be/state)" = 2 ] || fail "no new backend after the guest started over"
echo "refused guest got a fresh backend after starting over"

# looks DEVID: how often the supervisor looked at one of the guest's devices.
looks() { grep -c "domain $domid device $1: looking at its nodes" "$backend_log" || true; }
# starts: how many workers device 0 has had.
starts() { grep -cE "domain $domid device 0: worker [0-9]+$" "$backend_log" || true; }
for _ in $(seq 120); do
	[ "$(xenstore-read ${be%/0}/1/state 2>/dev/null)" = 2 ] && break
	sleep 1
done
[ "$(xenstore-read ${be%/0}/1/state)" = 2 ] || fail "device 1 never reached InitWait"
sleep 2	# its worker's last node writes reach the supervisor
idle_looks=$(looks 1)
churn_looks=$(looks 0)
t0=$(now)
for _ in $(seq 400); do
	grep -q 'E2E-CHURN' "$(domu_log $name)" 2>/dev/null && break
	sleep 1
done
churn=$(grep -o 'E2E-CHURN.*' "$(domu_log $name)") || fail "the guest's restart loop did not finish"
echo "guest: $churn; daemon: $(starts) workers for device 0, looked at device 0 $(($(looks 0) - churn_looks)) times, device 1 $(($(looks 1) - idle_looks)) times"
timing churn "$(since "$t0")"
grep -q "domain $domid device 0: worker restarted 5 times in quick succession" "$backend_log" ||
	fail "restarts in a loop were not paced"
[ "$(looks 1)" = "$idle_looks" ] ||
	fail "the other device was looked at while device 0 churned"
[ $(($(looks 0) - churn_looks)) -ge 10 ] || fail "device 0's events were not looked at"
kill -0 $backend || fail "vgpu-backend died"
xl destroy $name
