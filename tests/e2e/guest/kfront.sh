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
# processes render at once; two processes share a buffer by dma-buf
# (gldmabuf); a fixed set of piglit shader tests ends as it does
# through the bridge; kfront-selftest checks the uAPI and fuzzes it;
# dom0 detaches the device under a running process and attaches another.
# Last the device is unbound and the module unloaded. Each phase ends
# with a line "E2E-KFRONT <phase> PASS|FAIL <why>" on the console; dom0
# says when the restart is done through the xenstore node e2e/go.
B=$E2E_BUILD
SCENE=$B/tests/progs/glscene

verdict() { echo "E2E-KFRONT $1 $2 ${3:-}"; }
kernel_log() { dmesg | grep -iE 'xen_vgpu|xen-vgpu|vgpu|drm' | tail -n 30; }
. "$E2E_ROOT/tests/e2e/guest/kernel.sh"

# piglit: a fixed set of shader_runner tests, run through the kernel
# driver and, once the module has let the devices go, through the
# userspace bridge; each must end the same on both. Every 13th test of
# piglit's glsl-1.10 and glsl-1.20 execution directories that passes on
# llvmpipe, and one that fails there. (Under TCG each costs seconds of
# dom0's shader compiler: two dozen, not hundreds.)
PIGLIT=/usr/lib/x86_64-linux-gnu/piglit
PIGLIT_TESTS="
glsl-1.10/execution/and-operator-short-circuit
glsl-1.10/execution/fs-dfdx-accuracy
glsl-1.10/execution/fs-nested-loop-unrolled-with-return
glsl-1.10/execution/fs-sign-times-abs
glsl-1.10/execution/glsl-constant-folding-call-1
glsl-1.10/execution/glsl-fs-conditional-output-write
glsl-1.10/execution/glsl-fs-functions-samplers
glsl-1.10/execution/glsl-fs-max-array-access-forward-declaration
glsl-1.10/execution/glsl-fs-uniform-array-6
glsl-1.10/execution/glsl-inout-struct-01
glsl-1.10/execution/glsl-sdl-sincos-accuracy
glsl-1.10/execution/glsl-vs-if-greater-equal
glsl-1.10/execution/glsl-vs-mat-mul-3
glsl-1.10/execution/glsl-vs-vec4-operator-notequal
glsl-1.10/execution/struct-nested
glsl-1.10/execution/temp_arrays
glsl-1.10/execution/vs-float-main-return-at-end
glsl-1.10/execution/vs-loop-simple-unroll-induction-variable-inside-if-branch
glsl-1.10/execution/vs-nested-return-sibling-loop2
glsl-1.10/execution/vs-vec2-main-return
glsl-1.20/execution/fs-deref-literal-array-of-structs-with-multiple-members-large-array
glsl-1.20/execution/fs-vec4-const-array-indirect-access-004-elements
glsl-1.20/execution/glsl-array-varying-01
glsl-1.20/execution/glsl-fs-uniform-array-3
glsl-1.20/execution/glsl-vs-arrays-3
glsl-1.20/execution/vs-mix-as-condition
"
# piglit_run OUT: "test result" lines. shader_runner runs the tests one
# after another in one process (one EGL start, not one a test) and
# reports each; a test that fails ends that process, so the rest run
# again in a new one. A test that ends it with no result (a crash, a
# hang stopped by timeout) is "none".
piglit_run() {
	out=$1 t0=$(cut -d' ' -f1 /proc/uptime)
	set -- $PIGLIT_TESTS
	while [ $# -gt 0 ]; do
		files=
		for t in "$@"; do files="$files $PIGLIT/tests/spec/$t.shader_test"; done
		PIGLIT_PLATFORM=surfaceless_egl timeout 600 \
			"$PIGLIT/bin/shader_runner" $files -auto -fbo \
			-report-subtests >/tmp/piglit.out 2>/dev/null
		for r in $(sed -n 's/.*"subtest": {.*: "\([a-z]*\)"}.*/\1/p' \
			/tmp/piglit.out); do
			echo "$1 $r"
			shift
		done
		[ $# -gt 0 ] || break
		r=$(sed -n 's/.*"result": "\([a-z]*\)".*/\1/p' /tmp/piglit.out)
		[ "$r" != pass ] || r=none
		echo "$1 ${r:-none}"
		shift
	done | LC_ALL=C sort >"$out"
	echo "piglit: $(wc -l <"$out") tests in" \
		"$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" \
		'BEGIN { print int(b - a) }') s ($out)"
}

# piglit_verdict: the table, and PASS only if the kernel driver ends
# every test as the bridge does and the bridge passes most of them (so
# that a broken setup cannot pass by failing everything on both).
piglit_verdict() {
	[ -s /tmp/piglit-bridge.txt ] ||
		{ verdict piglit FAIL "no results through the bridge"; return 1; }
	export LC_ALL=C
	printf '%-72s %-6s %s\n' test bridge kernel
	join /tmp/piglit-bridge.txt /tmp/piglit-kernel.txt |
		awk '{ printf "%-72s %-6s %s\n", $1, $2, $3 }'
	total=$(wc -l </tmp/piglit-bridge.txt)
	both=$(join /tmp/piglit-bridge.txt /tmp/piglit-kernel.txt |
		awk '$2 == "pass" && $3 == "pass"' | wc -l)
	differ=$(join -a 1 -e missing -o 0,1.2,2.2 /tmp/piglit-bridge.txt \
		/tmp/piglit-kernel.txt | awk '$2 != $3' | wc -l)
	if [ "$differ" != 0 ]; then
		verdict piglit FAIL "$differ of $total tests end otherwise than through the bridge"
	elif [ $((both * 10)) -lt $((total * 9)) ]; then
		verdict piglit FAIL "only $both of $total pass through the bridge"
	else
		kernel_clean piglit && verdict piglit PASS "$both of $total pass on both paths"
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

# stalled PID...: for a phase that runs too long, where each process
# still running waits (every thread's kernel stack) and the driver's
# ring state; dom0 dumps its worker's threads when it sees the last line.
stalled() {
	for p in "$@"; do
		for c in $(cat /proc/$p/task/*/children 2>/dev/null); do
			for t in /proc/$c/task/*; do
				echo "-- $c/${t##*/} $(cat $t/comm) $(grep State $t/status)" \
					"wchan $(cat $t/wchan)"
				cat $t/stack
			done
		done
	done
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	cat /sys/kernel/debug/dri/128/xen_vgpu_ring
	fault_trace "$@"
	echo "E2E-KFRONT many-stalled"
}

# fault_trace PID...: a process stuck faulting shows where: one second of
# its user page faults, and the mappings those addresses fall in.
fault_trace() {
	tr=/sys/kernel/tracing
	mountpoint -q $tr || mount -t tracefs tracefs $tr ||
		{ echo "no tracefs"; return 0; }
	[ -d $tr/events/exceptions/page_fault_user ] ||
		{ echo "no page_fault_user event"; return 0; }
	echo 0 >$tr/trace
	echo 1 >$tr/events/exceptions/page_fault_user/enable
	sleep 1
	echo 0 >$tr/events/exceptions/page_fault_user/enable
	grep -v '^#' $tr/trace | awk '{ print $1, $(NF-2), $(NF-1), $NF }' |
		sort | uniq -c | sort -rn | head -n 8
	for p in "$@"; do
		for c in $(cat /proc/$p/task/*/children 2>/dev/null); do
			grep -q '^State:.*R' /proc/$c/status || continue
			echo "-- maps of $c, minflt $(cut -d' ' -f10 /proc/$c/stat)"
			cat /proc/$c/maps
		done
	done
}

# many: 16 GL processes at once, each a context of its own on the device.
many() {
	pids=
	t0=$(cut -d' ' -f1 /proc/uptime)
	for n in $(seq 16); do
		# A hang fails the phase with the kernel's log, not the step.
		timeout 300 "$SCENE" "/tmp/many$n.ppm" >"/tmp/many$n.log" 2>&1 &
		pids="$pids $!"
	done
	# Under TCG the phase takes 60-110 s: at 240 s, say where it stands.
	(sleep 240 && stalled $pids) &
	watcher=$!
	bad=0
	n=0
	for p in $pids; do
		n=$((n + 1))
		wait "$p" || { bad=$((bad + 1)); tail -n 5 "/tmp/many$n.log"; continue; }
		grep -q 'GL_RENDERER: virgl' "/tmp/many$n.log" &&
			"$B/tests/progs/ppmdiff" /tmp/ref.ppm "/tmp/many$n.ppm" >/dev/null ||
			bad=$((bad + 1))
	done
	kill $watcher 2>/dev/null
	echo "many: $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" \
		'BEGIN { print int(b - a) }') s;" \
		"$(grep MemAvailable /proc/meminfo | tr -s ' ')"
	if [ $bad != 0 ]; then
		kernel_log
		dmesg | grep -i -A 3 'out of memory' | tail -n 8
		verdict many FAIL "$bad of 16 processes failed or differ"
		return 1
	fi
	kernel_clean many && verdict many PASS
}
many || exit 1

# dmabuf: one process renders into a texture and exports it as a dma-buf,
# another imports it over a UNIX socket and reads it back: PRIME export
# and import between two files of the driver, both rendered by virgl.
timeout 300 "$B/tests/progs/gldmabuf" /tmp/dmabuf.ppm >/tmp/dmabuf.log 2>&1
rc=$?
sed 's/^/  gldmabuf| /' /tmp/dmabuf.log
if [ $rc != 0 ]; then
	kernel_log
	verdict dmabuf FAIL "gldmabuf exit $rc"
elif [ "$(grep -c 'GL_RENDERER: virgl' /tmp/dmabuf.log)" != 2 ]; then
	verdict dmabuf FAIL "not both processes rendered by virgl"
elif kernel_clean dmabuf; then
	verdict dmabuf PASS
fi

# piglit through the kernel driver, no environment; the bridge's run
# and the verdict come once the module is gone.
[ -x "$PIGLIT/bin/shader_runner" ] && piglit_run /tmp/piglit-kernel.txt

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

# piglit through the bridge, on the device the detach phase attached
# (the driver has let it go), then the table and the verdict.
piglit_bridge() {
	[ -x "$PIGLIT/bin/shader_runner" ] ||
		{ verdict piglit FAIL "piglit is not installed (tests/e2e/deps.sh)"; return 1; }
	dev=$(ls -d /sys/bus/xen/devices/vgpu-* | tail -n 1)
	"$B/bin/vgpu-vtest" --transport="xen:${dev##*-}" >/tmp/vtest2.log 2>&1 &
	vt=$!
	i=0
	until [ -S /tmp/.virgl_test ]; do
		i=$((i + 1))
		kill -0 $vt 2>/dev/null && [ $i -lt 120 ] ||
			{ cat /tmp/vtest2.log; verdict piglit FAIL "no vtest bridge"; return 1; }
		sleep 1
	done
	GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 piglit_run /tmp/piglit-bridge.txt
	kill $vt
	wait $vt
	piglit_verdict
}
piglit_bridge
