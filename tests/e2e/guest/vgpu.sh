#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU (chrooted into dom0's root) for steps/20-vgpu.sh:
# stock Mesa virpipe renders through vgpu-vtest on the Xen transport, and
# the image is compared with llvmpipe's. Phases are driven from dom0
# through the xenstore node e2e/go of this domain; each ends with a line
# "E2E-VGPU <phase> PASS|FAIL <why>" on the console.
B=$E2E_BUILD
SCENE=$B/tests/progs/glscene

modprobe -a xen-evtchn xen-gntalloc || exit 1
# Our buffers need more grants than gntalloc's default 1024.
echo 65536 >/sys/module/xen_gntalloc/parameters/limit

. "$E2E_ROOT/tests/e2e/guest/render.sh"

# glmark PHASE: a few of glmark2's default scenes (each draws with a
# depth buffer) through the device; each must report a frame rate.
GLMARK_SCENES="build:use-vbo=true texture:texture-filter=linear bump:bump-render=normals"
glmark() {
	set --  "$1"
	for s in $GLMARK_SCENES; do set -- "$@" -b "$s:duration=1"; done
	phase=$1; shift
	GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 timeout 600 \
		xvfb-run -a -s '-screen 0 1024x768x24' \
		glmark2-es2 --off-screen "$@" >"/tmp/$phase.log" 2>&1
	rc=$?
	sed "s/^/  glmark2| /" "/tmp/$phase.log" | grep -E 'RENDERER|FPS|Score|rror'
	want=$(echo $GLMARK_SCENES | wc -w)
	got=$(grep -c '^\[.*FPS: [0-9]' "/tmp/$phase.log")
	if [ $rc != 0 ] || [ "$got" != "$want" ]; then
		sed "s/^/  vtest| /" /tmp/vtest.log | tail -n 20
		verdict "$phase" FAIL "glmark2 exit $rc, $got of $want scenes drew"
		return 1
	fi
	grep -q 'GL_RENDERER: *virgl' "/tmp/$phase.log" ||
		{ verdict "$phase" FAIL "not rendered by virgl"; return 1; }
	verdict "$phase" PASS
}

# render_many PHASE N: N GL processes at once through the one device,
# each with its own context; every image must match llvmpipe's.
render_many() {
	pids=
	for i in $(seq "$2"); do
		GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" \
			"/tmp/$1.$i.ppm" 2>"/tmp/$1.$i.log" &
		pids="$pids $!"
	done
	bad=
	i=0
	for pid in $pids; do
		i=$((i + 1))
		wait "$pid" && grep -q 'GL_RENDERER: virgl' "/tmp/$1.$i.log" &&
			"$B/tests/progs/ppmdiff" /tmp/ref.ppm "/tmp/$1.$i.ppm" ||
			bad="$bad $i"
	done
	if [ -n "$bad" ]; then
		sed "s/^/  vtest| /" /tmp/vtest.log | tail -n 30
		verdict "$1" FAIL "processes$bad of $2 did not render llvmpipe's image"
		return 1
	fi
	verdict "$1" PASS "$2 processes at once"
}

LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" /tmp/ref.ppm 2>/tmp/ref.log || exit 1

# a: render through device 0.
start_vtest 0 || { verdict a FAIL "vgpu-vtest did not start"; cat /tmp/vtest.log; exit 1; }
render a
stop_vtest

# b: dom0 detached device 0 and attached a new one; render through it.
wait_go b || exit 1
start_vtest "$(xenstore-read e2e/devid)" || { verdict b FAIL "vgpu-vtest did not start"; exit 1; }
render b
glmark g
render_many m 8

# c: a long-running client while dom0 kills our backend worker; then
# a new client must render through the restarted worker.
GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" --frames 100000 \
	/tmp/long.ppm 2>/tmp/long.log &
LONG=$!
sleep 5
kill -0 $LONG 2>/dev/null && echo "E2E-VGPU c-connected"
wait_go c || exit 1
i=0
while kill -0 $LONG 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 120 ]; then
		sed "s/^/  vtest| /" /tmp/vtest.log | tail -n 30
		for t in /proc/$VTEST/task/*; do
			echo "  vtest thread ${t##*/}: $(cat $t/wchan 2>/dev/null) $(cat $t/stat | cut -d' ' -f3)"
		done
		verdict c FAIL "the client did not notice that its backend died"
		exit 1
	fi
	sleep 1
done
wait $LONG
echo "long-running client ended with $? after the worker was killed"
render c
stop_vtest
cat /tmp/vtest.log
# The ring's round trip over grants and event channels, next to a UNIX
# socket ping-pong inside this guest (both under the same emulation).
"$B/bench/bench_nop" -t "xen:$(xenstore-read e2e/devid)" -n 3000 -w 300 2>&1 |
	sed 's/^/  bench| /'
# e: frames without end, each read back (a transfer), until dom0
# destroys this domain in the middle of one.
start_vtest "$(xenstore-read e2e/devid)" || { verdict e FAIL "vgpu-vtest did not start"; exit 1; }
GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 "$SCENE" --frames 1000000 \
	/tmp/e.ppm 2>/tmp/e.log &
echo "E2E-VGPU guest-done"
sleep 600
