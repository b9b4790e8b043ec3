#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU (chrooted into dom0's root) for
# steps/50-kernel-frontend.sh: loads the guest kernel frontend,
# xen_vgpu.ko, waits for /dev/dri/renderD128, and renders glscene with no
# environment variable: stock Mesa must pick virgl through the render node
# (the kernel driver is called virtio_gpu), and the image must match
# llvmpipe's. dom0 then kills the backend's worker; the driver must
# reconnect to the new one by itself and a new process render again,
# while one that held a context across the restart ends; then 16
# processes render at once; kfront-selftest checks the uAPI and fuzzes it;
# dom0 detaches the device under a running process and attaches another.
# Last the device is unbound and the module unloaded. Each phase ends
# with a line "E2E-KFRONT <phase> PASS|FAIL <why>" on the console; dom0
# says when the restart is done through the xenstore node e2e/go.
B=$E2E_BUILD
SCENE=$B/tests/progs/glscene

verdict() { echo "E2E-KFRONT $1 $2 ${3:-}"; }
kernel_log() { dmesg | grep -iE 'xen_vgpu|xen-vgpu|vgpu|drm' | tail -n 30; }
kernel_clean() {
	if dmesg | grep -qE 'WARNING:|BUG:|Oops|general protection'; then
		dmesg | tail -n 60
		verdict "$1" FAIL "the kernel log has a warning or an oops"
		return 1
	fi
}

# bench: the same glload run through the userspace bridge (vgpu-vtest,
# before the module takes the device) and, after the load phase, through
# the kernel driver; one line "E2E-KFRONT-BENCH <path> frames=..." each.
BENCH="--seconds 10 --work 20"
bench_bridge() {
	modprobe -a xen-evtchn xen-gntalloc || return 1
	echo 65536 >/sys/module/xen_gntalloc/parameters/limit
	"$B/bin/vgpu-vtest" --transport=xen:0 >/tmp/vtest.log 2>&1 &
	vt=$!
	i=0
	until [ -S /tmp/.virgl_test ]; do
		i=$((i + 1))
		kill -0 $vt 2>/dev/null && [ $i -lt 120 ] || return 1
		sleep 1
	done
	GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 \
		"$B/tests/progs/glload" $BENCH >/tmp/bench-bridge.log 2>&1
	kill $vt
	wait $vt
	echo "E2E-KFRONT-BENCH bridge $(tail -n 1 /tmp/bench-bridge.log)"
}

uname -r
bench_bridge || echo "E2E-KFRONT-BENCH bridge failed"
modprobe -a drm_shmem_helper drm_kms_helper ||
	{ verdict load FAIL "modprobe drm_shmem_helper drm_kms_helper"; exit 1; }
insmod "$B/modules/xen_vgpu.ko" || { verdict load FAIL "insmod xen_vgpu.ko"; exit 1; }
i=0
until [ -c /dev/dri/renderD128 ]; do
	i=$((i + 1))
	if [ $i -ge 60 ]; then
		kernel_log
		verdict load FAIL "no /dev/dri/renderD128 after 60 s"
		exit 1
	fi
	sleep 1
done
ls -l /dev/dri
cat /sys/class/drm/renderD128/device/uevent
kernel_log
verdict load PASS
"$B/tests/progs/glload" $BENCH >/tmp/bench-kernel.log 2>&1
echo "E2E-KFRONT-BENCH kernel $(tail -n 1 /tmp/bench-kernel.log)"

LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" /tmp/ref.ppm >/tmp/ref.log 2>&1 ||
	{ cat /tmp/ref.log; verdict render FAIL "glscene on llvmpipe failed"; exit 1; }
out=$(eglinfo -p surfaceless 2>&1)
echo "$out" | sed -n '/^Surfaceless platform:/,/^EGL extensions/p' | grep -v extensions

# render PHASE: glscene with no environment, compared with llvmpipe's.
render() {
	"$SCENE" "/tmp/$1.ppm" >"/tmp/$1.log" 2>&1
	rc=$?
	sed 's/^/  glscene| /' "/tmp/$1.log" | head -n 20
	if [ $rc != 0 ]; then
		kernel_log
		verdict "$1" FAIL "glscene exit $rc"
	elif ! grep -q 'GL_RENDERER: virgl' "/tmp/$1.log"; then
		verdict "$1" FAIL "not rendered by virgl"
	elif ! "$B/tests/progs/ppmdiff" /tmp/ref.ppm "/tmp/$1.ppm"; then
		verdict "$1" FAIL "image differs from llvmpipe"
	else
		kernel_clean "$1" && verdict "$1" PASS && return 0
	fi
	return 1
}

# wait_go VALUE: dom0 writes e2e/go when the next phase may start.
wait_go() {
	i=0
	while [ "$(xenstore-read e2e/go 2>/dev/null)" != "$1" ]; do
		i=$((i + 1)); [ $i -lt 300 ] || return 1
		sleep 1
	done
}

render render || exit 1
# holder: a process that renders across the restart; its context dies
# with the worker, so it must see errors, not hang.
timeout 150 "$B/tests/progs/glload" --seconds 30 --work 20 \
	>/tmp/holder.log 2>&1 &
holder=$!
sleep 5
echo "E2E-KFRONT holder running"
wait_go restarted || { verdict restart FAIL "dom0 did not restart the worker"; exit 1; }
kernel_log
render restart || exit 1
wait $holder
rc=$?
sed 's/^/  glload| /' /tmp/holder.log | tail -n 5
if [ $rc = 124 ]; then
	verdict holder FAIL "glload hung across the restart"
	exit 1
fi
kernel_clean holder || exit 1
verdict holder PASS "(glload exit $rc)"

# many: 16 GL processes at once, each a context of its own on the device.
many() {
	pids=
	for n in $(seq 16); do
		# A hang fails the phase with the kernel's log, not the step.
		timeout 300 "$SCENE" "/tmp/many$n.ppm" >"/tmp/many$n.log" 2>&1 &
		pids="$pids $!"
	done
	bad=0
	n=0
	for p in $pids; do
		n=$((n + 1))
		wait "$p" || { bad=$((bad + 1)); tail -n 5 "/tmp/many$n.log"; continue; }
		grep -q 'GL_RENDERER: virgl' "/tmp/many$n.log" &&
			"$B/tests/progs/ppmdiff" /tmp/ref.ppm "/tmp/many$n.ppm" >/dev/null ||
			bad=$((bad + 1))
	done
	if [ $bad != 0 ]; then
		kernel_log
		verdict many FAIL "$bad of 16 processes failed or differ"
		return 1
	fi
	kernel_clean many && verdict many PASS
}
many || exit 1

# selftest: the uAPI without Mesa (round trip, fences, PRIME between two
# files, bad arguments), then random ioctl arguments for 20 s.
"$B/modules/selftest/kfront-selftest" /dev/dri/renderD128 20 >/tmp/self.log 2>&1
rc=$?
grep -v '^ok ' /tmp/self.log | sed 's/^/  selftest| /'
if [ $rc != 0 ]; then
	kernel_log
	verdict selftest FAIL "kfront-selftest exit $rc"
elif kernel_clean selftest; then
	verdict selftest PASS "$(tail -n 1 /tmp/self.log)"
fi

# detach: dom0 detaches the device while a process renders on it, and
# attaches a new one; the process must end, not hang, and a new process
# render through the new device.
timeout 150 "$B/tests/progs/glload" --seconds 20 --work 20 \
	>/tmp/holder2.log 2>&1 &
holder=$!
sleep 5
echo "E2E-KFRONT detach-ready"
wait_go attached || { verdict detach FAIL "dom0 did not attach a device"; exit 1; }
wait $holder
rc=$?
sed 's/^/  glload| /' /tmp/holder2.log | tail -n 3
echo "glload exit $rc; now in /dev/dri:" $(ls /dev/dri)
if [ $rc = 124 ]; then
	kernel_log
	verdict detach FAIL "glload hung across the detach"
else
	render detach
fi

# A bound xenbus frontend holds its module: unbind the devices first.
for d in /sys/bus/xen/drivers/vgpu/vgpu-*; do
	echo "${d##*/}" >/sys/bus/xen/drivers/vgpu/unbind ||
		{ kernel_log; verdict unload FAIL "unbind ${d##*/}"; exit 1; }
done
# With no device bound, the driver holds no grant.
grants=$(cat /sys/module/xen_vgpu/parameters/grants)
[ "$grants" = 0 ] ||
	{ kernel_log; verdict unload FAIL "$grants grants held with no device"; exit 1; }
rmmod xen_vgpu || { kernel_log; verdict unload FAIL "rmmod xen_vgpu"; exit 1; }
kernel_log
kernel_clean unload || exit 1
verdict unload PASS
