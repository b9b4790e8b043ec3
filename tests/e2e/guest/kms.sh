#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU (chrooted into dom0's root) for steps/55-kms.sh:
# the guest kernel frontend's KMS. Each phase ends with a line
# "E2E-KMS <phase> PASS|FAIL <why>" on the console; dom0 says when the
# next phase may start through the xenstore node e2e/go.
#   noscanout  the backend says feature-scanout 0: a render node, card0
#              without connector, kmspattern finds no KMS;
#   mode       feature-scanout 1 and 800x600: one connector whose
#              preferred mode is 800x600, fbdev on it;
#   console    text on tty1 (fbcon), which dom0 looks for in a screenshot;
#   resize     dom0 writes 640x480: a hotplug, the connector offers it;
#   flips      kmspattern: two dumb buffers, the mode set, 300 flips
#              each completed by its event, DIRTYFB;
#   gl         kmsgl: stock Mesa renders through GBM into scanout buffers
#              (3D resources, shown without VGPUIF_SCANOUT_BACKING),
#              60 frames flipped;
#   restart    dom0 kills the backend's worker while kmspattern flips:
#              no flip hangs, the driver reconnects, flips go on;
#   hold       kmspattern holds its pattern on the screen for dom0's
#              screenshot;
#   unload     unbind, no grant left, rmmod; no warning in the log.
B=$E2E_BUILD
KMSPAT=$B/tests/progs/kmspattern
CONN=/sys/class/drm/card0-Virtual-1

verdict() { echo "E2E-KMS $1 $2 ${3:-}"; }
kernel_log() { dmesg | grep -iE 'xen_vgpu|xen-vgpu|vgpu|drm|fb' | tail -n 30; }
. "$E2E_ROOT/tests/e2e/guest/kernel.sh"

# wait_go VALUE: dom0 writes e2e/go when the next phase may start.
wait_go() {
	i=0
	while [ "$(xenstore-read e2e/go 2>/dev/null)" != "$1" ]; do
		i=$((i + 1)); [ $i -lt 300 ] || return 1
		sleep 1
	done
}

load() {
	insmod "$B/modules/xen_vgpu.ko" || return 1
	i=0
	until [ -c /dev/dri/renderD128 ] && [ -c /dev/dri/card0 ]; do
		i=$((i + 1)); [ $i -lt 60 ] || return 1
		sleep 1
	done
}

unload() {
	for d in /sys/bus/xen/drivers/vgpu/vgpu-*; do
		[ -e "$d" ] || continue
		echo "${d##*/}" >/sys/bus/xen/drivers/vgpu/unbind || return 1
	done
	grants=$(cat /sys/module/xen_vgpu/parameters/grants)
	[ "$grants" = 0 ] || { echo "$grants grants held with no device"; return 1; }
	rmmod xen_vgpu
}

uname -r
modprobe -a drm_shmem_helper drm_kms_helper ||
	{ verdict noscanout FAIL "modprobe drm_shmem_helper drm_kms_helper"; exit 1; }

# noscanout
wait_go noscanout || { verdict noscanout FAIL "dom0 did not say go"; exit 1; }
load || { kernel_log; verdict noscanout FAIL "no /dev/dri/card0 and renderD128"; exit 1; }
ls /sys/class/drm
"$KMSPAT" --flips 10
rc=$?
if [ $rc != 3 ]; then
	kernel_log
	verdict noscanout FAIL "kmspattern exit $rc, not 3 (no KMS)"
	exit 1
elif ls /sys/class/drm | grep -q 'card0-'; then
	verdict noscanout FAIL "card0 has a connector"
	exit 1
elif [ -e /sys/class/graphics/fb0 ]; then
	verdict noscanout FAIL "an fbdev without scanout"
	exit 1
fi
unload || { kernel_log; verdict noscanout FAIL "unbind and unload"; exit 1; }
kernel_clean noscanout || exit 1
verdict noscanout PASS
echo "E2E-KMS unloaded"

# mode
wait_go scanout || { verdict mode FAIL "dom0 did not say go"; exit 1; }
load || { kernel_log; verdict mode FAIL "no /dev/dri/card0 and renderD128"; exit 1; }
i=0
until [ -e "$CONN/modes" ]; do
	i=$((i + 1))
	[ $i -lt 30 ] || { ls /sys/class/drm; kernel_log; verdict mode FAIL "no connector Virtual-1"; exit 1; }
	sleep 1
done
echo "connector: $(cat $CONN/status), $(wc -l <$CONN/modes) modes, first $(head -n 1 $CONN/modes)"
echo "fbdev: $(cat /sys/class/graphics/fb0/name 2>/dev/null) $(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null)"
kernel_log
if [ "$(head -n 1 $CONN/modes)" != 800x600 ]; then
	verdict mode FAIL "preferred mode $(head -n 1 $CONN/modes), not 800x600"
elif [ ! -e /sys/class/graphics/fb0 ]; then
	verdict mode FAIL "no fbdev"
elif "$KMSPAT" --flips 0 --expect 800x600; then
	kernel_clean mode && verdict mode PASS
else
	verdict mode FAIL "kmspattern --expect 800x600"
fi

# console: fbcon draws on the driver's fbdev; dom0 takes a screenshot.
for n in 1 2 3 4 5 6 7 8; do
	echo "E2E KMS CONSOLE LINE $n: the quick brown fox jumps over the lazy dog"
done >/dev/tty1 2>/dev/null || echo "cannot write to /dev/tty1"
cat /sys/class/vtconsole/vtcon*/name 2>/dev/null
echo "E2E-KMS console-ready"
wait_go console || echo "dom0 took no console screenshot"

# resize
echo "E2E-KMS resize-ready"
wait_go resized || { verdict resize FAIL "dom0 did not resize"; exit 1; }
i=0
until [ "$(head -n 1 $CONN/modes)" = 640x480 ]; do
	i=$((i + 1))
	[ $i -lt 30 ] || break
	sleep 1
done
if [ "$(head -n 1 $CONN/modes)" = 640x480 ] &&
	"$KMSPAT" --flips 0 --expect 640x480; then
	kernel_clean resize && verdict resize PASS
else
	kernel_log
	verdict resize FAIL "preferred mode $(head -n 1 $CONN/modes), not 640x480"
fi

# flips
"$KMSPAT" --flips 300 >/tmp/flips.log 2>&1
rc=$?
sed 's/^/  kmspattern| /' /tmp/flips.log
if [ $rc != 0 ]; then
	kernel_log
	verdict flips FAIL "kmspattern exit $rc"
elif kernel_clean flips; then
	verdict flips PASS "$(grep 'flips/s' /tmp/flips.log | sed 's/^kmspattern: //')"
fi

# gl: GPU-rendered buffers on the screen.
"$B/tests/progs/kmsgl" --frames 60 >/tmp/gl.log 2>&1
rc=$?
sed 's/^/  kmsgl| /' /tmp/gl.log | head -n 20
if [ $rc != 0 ]; then
	kernel_log
	verdict gl FAIL "kmsgl exit $rc"
elif ! grep -q 'GL_RENDERER: virgl' /tmp/gl.log; then
	verdict gl FAIL "not rendered by virgl"
elif kernel_clean gl; then
	verdict gl PASS "$(grep 'frames/s' /tmp/gl.log | sed 's/^kmsgl: //')"
fi

# restart: flips for 40 s across a worker restart; each flip waits 5 s
# at most for its event, or kmspattern fails.
timeout 300 "$KMSPAT" --flips 1000000 --seconds 40 >/tmp/restart.log 2>&1 &
holder=$!
sleep 5
echo "E2E-KMS restart-ready"
wait_go restarted || { verdict restart FAIL "dom0 did not restart the worker"; exit 1; }
wait $holder
rc=$?
sed 's/^/  kmspattern| /' /tmp/restart.log
kernel_log
if [ $rc != 0 ]; then
	verdict restart FAIL "kmspattern exit $rc across the restart"
elif ! "$KMSPAT" --flips 60 >/tmp/after.log 2>&1; then
	cat /tmp/after.log
	verdict restart FAIL "kmspattern after the restart"
else
	grep 'flips/s' /tmp/after.log
	kernel_clean restart && verdict restart PASS
fi

# hold: the pattern stays on the screen while dom0 takes its screenshot.
"$KMSPAT" --flips 11 --ppm /tmp/pattern.ppm --hold 60 >/tmp/hold.log 2>&1 &
holder=$!
i=0
until grep -q holding /tmp/hold.log; do
	i=$((i + 1)); [ $i -lt 60 ] || break
	sleep 1
done
echo "E2E-KMS holding"
wait_go shot || echo "dom0 took no screenshot"
kill $holder 2>/dev/null
wait $holder
sed 's/^/  kmspattern| /' /tmp/hold.log
if grep -q holding /tmp/hold.log; then
	verdict hold PASS
else
	verdict hold FAIL "kmspattern did not hold the screen"
fi

unload || { kernel_log; verdict unload FAIL "unbind and unload"; exit 1; }
kernel_log
kernel_clean unload && verdict unload PASS
