# SPDX-License-Identifier: GPL-2.0
# Sourced by guest scripts (vgpu.sh, xl.sh) inside the domU: phases, the
# vtest bridge and one frame compared with llvmpipe's. Callers set B (the
# build directory) and SCENE, and render /tmp/ref.ppm with llvmpipe first.

verdict() { echo "E2E-VGPU $1 $2 ${3:-}"; }

# wait_go VALUE: dom0 writes e2e/go when the next phase may start.
wait_go() {
	i=0
	while [ "$(xenstore-read e2e/go 2>/dev/null)" != "$1" ]; do
		i=$((i + 1)); [ $i -lt 600 ] || return 1
		sleep 1
	done
}

start_vtest() {
	"$B/bin/vgpu-vtest" --transport="xen:$1" >>/tmp/vtest.log 2>&1 &
	VTEST=$!
	i=0
	until [ -S /tmp/.virgl_test ]; do
		i=$((i + 1))
		kill -0 $VTEST 2>/dev/null && [ $i -lt 120 ] || return 1
		sleep 1
	done
}

stop_vtest() {
	kill $VTEST 2>/dev/null
	wait $VTEST 2>/dev/null
}

# How glscene reaches the device: through vgpu-vtest, unless the caller
# sets RENDER_ENV empty (the kernel frontend: stock Mesa finds its node).
RENDER_ENV=${RENDER_ENV-GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1}

# render PHASE: one frame through the device, compared with llvmpipe's.
render() {
	env $RENDER_ENV "$SCENE" "/tmp/$1.ppm" 2>"/tmp/$1.log"
	rc=$?
	grep GL_RENDERER "/tmp/$1.log"
	if [ $rc != 0 ]; then
		sed "s/^/  glscene| /" "/tmp/$1.log" | tail -n 20
		[ ! -e /tmp/vtest.log ] || sed "s/^/  vtest| /" /tmp/vtest.log | tail -n 30
		verdict "$1" FAIL "glscene exit $rc"
		return 1
	fi
	grep -q 'GL_RENDERER: virgl' "/tmp/$1.log" ||
		{ verdict "$1" FAIL "not rendered by virgl"; return 1; }
	"$B/tests/progs/ppmdiff" /tmp/ref.ppm "/tmp/$1.ppm" ||
		{ verdict "$1" FAIL "image differs from llvmpipe"; return 1; }
	verdict "$1" PASS
}

