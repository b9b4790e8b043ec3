#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KMS in the guest kernel frontend (issue 17, item 2), with
# tests/e2e/guest/kms.sh in a domU created with vgpu=:
#   noscanout: the backend's feature-scanout reads 0 (written here, so
#     that the case is tried whatever the backend serves): a render node
#     and no modesetting;
#   mode: feature-scanout 1 and vgpu='s width=800,height=600: card0 has
#     one connector whose preferred mode is 800x600, and an fbdev. A
#     backend without the scanout ops (feature-scanout 0 of its own) is
#     told 1 here: then every scanout request is refused, and the phases
#     check that the driver copes (no hang, no oops), not the screen;
#   console: text written to tty1 (fbcon on the driver's fbdev) shows in
#     `xenvgpu screenshot`;
#   resize: `xenvgpu resize` to 640x480 reaches the guest;
#   flips: kmspattern flips 300 times between two dumb buffers;
#   gl: kmsgl, stock Mesa through GBM and EGL, flips 60 rendered frames;
#   restart: the worker is killed while kmspattern flips;
#   hold: kmspattern's pattern on the screen; with `xenvgpu screenshot`
#     the screenshot must equal it pixel for pixel;
#   unload: no grant left, the module unloads, no kernel warning.
. "$E2E_DIR/lib.sh"

B=$E2E_BUILD/bin
name=e2e-kms
backend_log=/tmp/vgpu-backend-kms.log

[ -f "$E2E_BUILD/modules/xen_vgpu.ko" ] ||
	skip "$E2E_BUILD/modules/xen_vgpu.ko not built (make modules)"
[ -x "$E2E_BUILD/tests/progs/kmspattern" ] || skip "kmspattern not built"
[ -x "$E2E_BUILD/tests/progs/kmsgl" ] || skip "kmsgl not built"

"$B/vgpu-backend" --xen --watchdog-ms=60000 >"$backend_log" 2>&1 &
backend=$!
trap 'xl destroy $name 2>/dev/null || true; kill $backend 2>/dev/null; wait $backend 2>/dev/null; sed "s/^/  backend| /" "$backend_log" | tail -n 40' EXIT
daemon_wait "$backend_log"

mkdir -p /var/lib/e2e
cfg=/var/lib/e2e/$name.cfg
domu_config $name "$E2E_DIR/guest/kms.sh" \
	"vgpu = [ 'backend=0,vram=128M,vnc=1,width=800,height=600' ]" >"$cfg"
log=$(domu_log $name)
rm -f "$log"
t0=$(now)
"$B/xenvgpu" -v create "$cfg" || fail "xenvgpu create failed"
domid=$(xl domid $name)
be=/local/domain/0/backend/vgpu/$domid/0
workers() { pgrep -P "$backend" || true; }
backend_state() { xenstore-read "$be/state" 2>/dev/null || echo none; }
go() { xenstore-write "/local/domain/$domid/e2e/go" "$1"; }
# The backend's VNC display and xenvgpu screenshot (issue 17, item 3).
have_screenshot() { "$B/xenvgpu" --help 2>&1 | grep -q screenshot; }
# wait_state N: the backend's worker reaches XenbusState N (60 s).
wait_state() {
	for _ in $(seq 60); do
		[ "$(backend_state)" = "$1" ] && return 0
		sleep 1
	done
	echo "backend state $(backend_state), not $1"
	return 1
}

served=$(xenstore-read "$be/feature-scanout" 2>/dev/null || echo absent)
echo "the backend advertises feature-scanout $served"
wait_state 2 || fail "no backend in InitWait"
xenstore-write "$be/feature-scanout" 0
go noscanout

# After the unbind a new worker comes up in InitWait: it is told
# feature-scanout 1 (if it does not say so itself) and a size.
scanout() {
	console_wait 'E2E-KMS unloaded\|E2E-KMS noscanout FAIL' 600 || return 1
	grep -q 'E2E-KMS unloaded' "$log" || return 1
	sleep 2
	wait_state 2 || return 1
	[ "$(xenstore-read "$be/feature-scanout")" = 1 ] ||
		{ echo "feature-scanout 1 written: scanout requests will be refused"; xenstore-write "$be/feature-scanout" 1; }
	# A toolstack without width= leaves them to us.
	[ "$(xenstore-read "$be/scanout-width" 2>/dev/null)" = 800 ] ||
		xenstore-write "$be/scanout-width" 800 "$be/scanout-height" 600
	go scanout
}
scanout || echo "scanout phase not started"

# lit PNG: how many pixels of the screenshot are not black.
lit() {
	python3 "$E2E_DIR/png2ppm.py" "$1" /tmp/e2e-kms-lit.ppm &&
		python3 -c 'import sys; d = open(sys.argv[1], "rb").read().split(b"\n", 3)[3]; print(sum(1 for i in range(0, len(d), 3) if d[i:i + 3] != b"\0\0\0"))' /tmp/e2e-kms-lit.ppm
}

# console: the text the guest writes to tty1 is on the screen.
console() {
	local n
	console_wait 'E2E-KMS console-ready' 600 || return 1
	if ! have_screenshot; then
		echo "no xenvgpu screenshot yet: the console is not looked at"
		go console
		return 0
	fi
	sleep 3
	"$B/xenvgpu" screenshot $name /tmp/e2e-kms-console.png ||
		{ echo "xenvgpu screenshot failed"; go console; return 1; }
	go console
	n=$(lit /tmp/e2e-kms-console.png) || return 1
	echo "the console screenshot has $n lit pixels"
	[ "$n" -gt 200 ] || { echo "no console text on the screen"; return 1; }
	console_ok=1
}
console_ok=0
console || echo "console check failed"

resize() {
	console_wait 'E2E-KMS resize-ready' 600 || return 1
	if "$B/xenvgpu" --help 2>&1 | grep -q resize; then
		"$B/xenvgpu" resize $name 640x480 || return 1
	else
		xenstore-write "$be/scanout-width" 640 "$be/scanout-height" 480
	fi
	go resized
}
resize || echo "resize failed"

restart() {
	local victim w t1
	console_wait 'E2E-KMS restart-ready' 600 || return 1
	victim=$(workers | head -n1)
	[ -n "$victim" ] || { echo "no backend worker to kill"; return 1; }
	kill -KILL "$victim"
	t1=$(now)
	for _ in $(seq 120); do
		w=$(workers | head -n1)
		[ -n "$w" ] && [ "$w" != "$victim" ] &&
			[ "$(backend_state)" = 4 ] && break
		sleep 1
	done
	[ "$(backend_state)" = 4 ] ||
		{ echo "backend state $(backend_state), not Connected"; return 1; }
	timing kms-reconnect "$(since "$t1")"
	go restarted
}
restart || echo "restart failed"

# The screen must show kmspattern's last frame exactly: its pattern after
# 11 flips (buffer 1) with the white square, at 640x480.
shot() {
	local png=/tmp/e2e-kms-shot.png
	console_wait 'E2E-KMS holding' 600 || return 1
	if ! have_screenshot; then
		echo "no xenvgpu screenshot yet: the screen is not compared"
		go shot
		return 0
	fi
	sleep 2
	"$B/xenvgpu" screenshot $name $png ||
		{ echo "xenvgpu screenshot failed"; go shot; return 1; }
	go shot
	"$E2E_BUILD/tests/progs/kmspattern" --no-device 640x480 --flips 11 \
		--ppm /tmp/e2e-kms-expected.ppm || return 1
	python3 "$E2E_DIR/png2ppm.py" $png /tmp/e2e-kms-shot.ppm || return 1
	"$E2E_BUILD/tests/progs/ppmdiff" /tmp/e2e-kms-expected.ppm \
		/tmp/e2e-kms-shot.ppm
	cmp -s /tmp/e2e-kms-expected.ppm /tmp/e2e-kms-shot.ppm ||
		{ echo "the screenshot differs from kmspattern's frame"; return 1; }
	echo "the screenshot equals kmspattern's frame, pixel for pixel"
	shot_ok=1
}
shot_ok=0
shot || echo "screenshot check failed"

rc=0
domu_wait $name "${DOMU_TIMEOUT:-800}" || rc=$?
timing kms-guest "$(since "$t0")"
sed 's/^/  domU| /' "$log" 2>/dev/null || true

for phase in noscanout mode resize flips gl restart hold unload; do
	grep -q "E2E-KMS $phase PASS" "$log" && continue
	why=$(grep "E2E-KMS $phase " "$log" || echo "no verdict (guest exit $rc)")
	fail "phase $phase: $why"
done
grep 'E2E-KMS flips PASS' "$log" | sed 's/^.*PASS */flips: /'
grep 'E2E-KMS gl PASS' "$log" | sed 's/^.*PASS */gl: /'
# Once xenvgpu screenshot exists, the screen must show what was drawn.
if have_screenshot && [ $console_ok != 1 ]; then
	fail "phase console: no console text in the screenshot"
fi
if have_screenshot && [ $shot_ok != 1 ]; then
	fail "phase hold: the screenshot does not show kmspattern's frame"
fi
