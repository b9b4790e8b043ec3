#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Plain `xl create` honours vgpu=: with no xenvgpu involved, the daemon
# reads the config xl stored for the new domain and adds its devices.
#  a) a guest renders through the device it got that way; the time from
#     xl create to the backend's InitWait is printed;
#  b) a bad vgpu= line: the guest boots anyway, no device is made, and
#     the error is in xenvgpu list, xenvgpu check and the daemon's log;
#     destroying the guest takes the error with it;
#  r) xl save, then xl restore of a guest rendering through the kernel
#     frontend: the restored domain gets a new device the same way, the
#     driver reconnects by itself, and a new GL process renders with a
#     clean kernel log. The times to save, and from xl restore to the
#     reconnected device, are printed. (Not through vgpu-vtest: see
#     guest/xl-restored.sh.)
. "$E2E_DIR/lib.sh"

B=$E2E_BUILD/bin
backend_log=/tmp/vgpu-backend-60.log
mkdir -p /var/lib/e2e

VGPU_DEBUG=1 "$B/vgpu-backend" --xen --watchdog-ms=60000 >"$backend_log" 2>&1 &
backend=$!
trap 'for g in e2e-xl e2e-xl-bad e2e-xl-save; do xl destroy $g 2>/dev/null || true; done; rm -f /var/lib/e2e/*.save; kill $backend 2>/dev/null; wait $backend 2>/dev/null; sed "s/^/  backend| /" "$backend_log"' EXIT
daemon_wait "$backend_log"

# Plain xl, as users run it: it daemonizes and stays for the domain's life.
# backend_state DOMID: the state of the domain's device 0 in dom0.
backend_state() { xenstore-read "/local/domain/0/backend/vgpu/$1/0/state" 2>/dev/null; }
# frontend_state DOMID: the state of the domain's device 0 in the guest.
frontend_state() { xenstore-read "/local/domain/$1/device/vgpu/0/state" 2>/dev/null; }
# wait_states DOMID PATTERN WHAT: "backend/frontend" states of DOMID's
# device 0 match the case PATTERN within 30 s of WHAT, or the step fails.
wait_states() {
	local states
	for _ in $(seq 300); do
		states=$(backend_state $1)/$(frontend_state $1)
		case $states in $2) return 0 ;; esac
		sleep 0.1
	done
	fail "device states (backend/frontend) $states, not $2, 30 s after $3"
}

# a) xl create, then render.
name=e2e-xl
cfg=/var/lib/e2e/$name.cfg
domu_config $name "$E2E_DIR/guest/xl.sh" "vgpu = [ 'backend=0,vram=64M' ]" >"$cfg"
rm -f "$(domu_log $name)"
t0=$(now)
xl create -q "$cfg" || fail "xl create failed"
domid=$(xl domid $name)
wait_states $domid "2/*" "xl create"  # the backend in InitWait
timing xl-create-to-initwait "$(since "$t0")"
grep "1 vgpu device added to domain $domid ($name) from the config file xl was given" "$backend_log" ||
	fail "the daemon did not say it added the device"
"$B/xenvgpu" check $name || fail "xenstore tree does not match the schema"
phase_passed x
xl destroy $name 2>/dev/null || true

# b) a bad vgpu= line cannot stop the guest; it gets no device.
name=e2e-xl-bad
cfg=/var/lib/e2e/$name.cfg
echo 'echo "booted without a vgpu device"; sleep 600' >/var/lib/e2e/idle.sh
domu_config $name /var/lib/e2e/idle.sh "vgpu = [ 'backend=0,vram=1M' ]" >"$cfg"
rm -f "$(domu_log $name)"
xl create -q "$cfg" || fail "xl create of a guest with a bad vgpu= line failed"
domid=$(xl domid $name)
err_node=/local/domain/0/backend/vgpu/$domid/config-error
for _ in $(seq 300); do xenstore-exists "$err_node" && break; sleep 0.1; done
error=$(xenstore-read "$err_node") || fail "no config-error node for the bad vgpu= line"
echo "config-error: $error"
echo "$error" | grep -q 'vram' || fail "the error does not name vram"
console_wait "booted without a vgpu device" 300 || fail "the guest did not boot"
xl list $name >/dev/null || fail "the guest is gone"
xenstore-exists "/local/domain/$domid/device/vgpu" && fail "a frontend directory was made"
[ -z "$(xenstore-list "/local/domain/0/backend/vgpu/$domid" | grep -v '^config-error$')" ] ||
	fail "a backend directory was made"
list=$("$B/xenvgpu" list $name) || fail "xenvgpu list failed"
echo "$list"
echo "$list" | grep -q 'vram' || fail "xenvgpu list does not show the error"
if out=$("$B/xenvgpu" check $name); then
	fail "xenvgpu check passed a domain whose vgpu= was refused"
fi
echo "$out"
echo "$out" | grep -q 'vram' || fail "xenvgpu check does not show the error"
grep -q "no vgpu device for domain $domid: .*vram" "$backend_log" ||
	fail "the daemon's log does not say why"
xl destroy $name 2>/dev/null || true
for _ in $(seq 30); do xenstore-exists "/local/domain/0/backend/vgpu/$domid" || break; sleep 1; done
xenstore-exists "/local/domain/0/backend/vgpu/$domid" && fail "the error outlived its domain"

# r) save and restore. The guest keeps what it runs in its own memory
# (see guest/xl-save.sh); dom0 keeps the saved image in its.
name=e2e-xl-save
cfg=/var/lib/e2e/$name.cfg
save=/var/lib/e2e/$name.save
DOMU_MEMORY=640 domu_config $name "$E2E_DIR/guest/xl-save.sh" \
	"vgpu = [ 'backend=0,vram=64M' ]" >"$cfg"
rm -f "$(domu_log $name)"
xl create -q "$cfg" || fail "xl create failed"
phase_passed r1
console_wait "E2E-VGPU ready-to-save" 60 || fail "the guest did not get ready to be saved"
old=$(xl domid $name)
t0=$(now)
{ xl save $name "$save" 2>&1 || fail "xl save failed"; } | sed '/xc: progress/d'
timing xl-save "$(since "$t0")"
t0=$(now)
{ xl restore "$save" 2>&1 || fail "xl restore failed"; } | sed '/xc: progress/d'
rm -f "$save"
domid=$(xl domid $name)
wait_states $domid 4/4 "xl restore"   # both ends Connected
timing xl-restore-to-connected "$(since "$t0")"
grep "1 vgpu device added to domain $domid ($name) from the config kept from before its save" "$backend_log" ||
	fail "the restored domain's device did not come from the kept config"
xenstore-exists "/local/domain/0/backend/vgpu/$old" && fail "the saved domain's backend directory is left"
xenstore-write "/local/domain/$domid/e2e/go" restored
phase_passed r2
xl destroy $name 2>/dev/null || true

kill -0 $backend || fail "vgpu-backend died"
echo "plain xl create: device added and rendered; a bad line refused with the guest running; restored guest rendered"
