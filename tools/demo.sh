#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/demo.sh BUILD - glmark2 (on Xvfb) through the loopback stack:
#
#   glmark2-es2 -> Mesa virpipe -> /tmp/.virgl_test -> vgpu-vtest
#     -> shared ring (loopback transport) -> vgpu-backend -> virglrenderer
#
# Prints the GL_RENDERER (which must be virgl) and the glmark2 score, then
# stops everything. Ctrl-C stops everything too. Fails if a scene reports
# no frame rate or the backend refused any request: a refused request
# draws nothing, and glmark2 would still report (absurd) frame rates.
#
# Environment: VGPU_DEMO_DURATION seconds per scene (default 3; 16 scenes).
set -euo pipefail
. "$(dirname "$0")/refusals.sh"

VTEST_SOCKET=/tmp/.virgl_test	# hard-coded in Mesa 22.3's virpipe
build=${1:-build}
duration=${VGPU_DEMO_DURATION:-3}
dir=
backend_pid=
vtest_pid=
glmark_pid=
xvfb_pid=

die() { echo "demo: $*" >&2; exit 1; }

# stop PID NAME: SIGTERM, wait up to 10 s, then SIGKILL.
stop() {
	local pid=$1 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "demo: $2 ignored SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	trap - INT TERM EXIT
	# glmark2 runs in its own process group (set -m), with its tee.
	if [ -n "$glmark_pid" ] && kill -0 "$glmark_pid" 2>/dev/null; then
		kill -TERM -- "-$glmark_pid" 2>/dev/null || true
		wait "$glmark_pid" 2>/dev/null || true
	fi
	stop "$xvfb_pid" Xvfb
	stop "$vtest_pid" vgpu-vtest
	stop "$backend_pid" vgpu-backend
	# Only our own vtest listened there: we refused to start otherwise.
	[ -n "$vtest_pid" ] && rm -f "$VTEST_SOCKET"
	[ -n "$dir" ] && rm -rf "$dir"
}

on_signal() {
	echo "demo: interrupted; stopping" >&2
	cleanup
	exit 130
}

# listening PATH: does a server listen on the UNIX socket PATH?
# (/proc/net/unix flags 00010000 = accepting connections.)
listening() {
	[ -S "$1" ] || return 1
	awk -v p="$1" '$NF == p && $4 == "00010000" { f = 1 } END { exit !f }' \
		/proc/net/unix
}

# wait_socket PATH PID NAME: until PATH accepts, or fail if PID exits.
wait_socket() {
	local i
	for i in $(seq 100); do
		listening "$1" && return 0
		if ! kill -0 "$2" 2>/dev/null; then
			echo "demo: $3 exited during startup; its log:" >&2
			cat "$dir/$3.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	die "$3 is not listening on $1 after 10 s (log: $dir/$3.log)"
}

preflight() {
	local f
	for f in "$build/bin/vgpu-backend" "$build/bin/vgpu-vtest"; do
		[ -x "$f" ] || die "$f is not built (run: make demo)"
	done
	for f in glmark2-es2 Xvfb; do
		command -v "$f" >/dev/null || die "$f is missing (run: tools/deps.sh demo)"
	done
	if listening "$VTEST_SOCKET"; then
		die "$VTEST_SOCKET is in use by another vtest server" \
			"(virgl_test_server, vgpu-vtest or a test run); stop it first"
	fi
	rm -f "$VTEST_SOCKET"	# stale: nobody accepts on it
}

start_stack() {
	"$build/bin/vgpu-backend" --loopback="$dir/backend.sock" \
		>"$dir/vgpu-backend.log" 2>&1 &
	backend_pid=$!
	wait_socket "$dir/backend.sock" "$backend_pid" vgpu-backend
	"$build/bin/vgpu-vtest" --loopback="$dir/backend.sock" \
		--socket="$VTEST_SOCKET" >"$dir/vgpu-vtest.log" 2>&1 &
	vtest_pid=$!
	wait_socket "$VTEST_SOCKET" "$vtest_pid" vgpu-vtest
	echo "demo: vgpu-backend (pid $backend_pid) and vgpu-vtest" \
		"(pid $vtest_pid) are up"
}

# The scenes of glmark2's default run, shortened to $duration s each.
benchmarks() {
	local b
	for b in build:use-vbo=true texture:texture-filter=linear \
		shading:shading=phong bump:bump-render=normals \
		'effect2d:kernel=0,1,0;1,-4,1;0,1,0;' \
		pulsar:light=false:quads=5:texture=false \
		desktop:blur-radius=5:effect=blur:passes=1:separable=true:windows=4 \
		buffer:columns=200:interleave=false:update-dispersion=0.9:update-fraction=0.5:update-method=map \
		ideas:speed=duration jellyfish terrain shadow refract \
		conditionals:fragment-steps=5:vertex-steps=0 \
		function:fragment-complexity=low:fragment-steps=5 \
		loop:fragment-loop=false:fragment-steps=5:vertex-steps=5; do
		printf -- '-b\n%s:duration=%s\n' "$b" "$duration"
	done
}

# An X server for glmark2-es2-x11 (it renders off-screen, but needs a
# display to get its EGL context). Xvfb picks a free display number.
start_xvfb() {
	local i
	Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp \
		3>"$dir/display" >"$dir/xvfb.log" 2>&1 &
	xvfb_pid=$!
	for i in $(seq 100); do
		[ -s "$dir/display" ] && return 0
		kill -0 "$xvfb_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/xvfb.log" >&2
	die "Xvfb did not start"
}

# Runs in the background and waits, so that a signal is handled at once.
run_glmark2() {
	local args
	mapfile -t args < <(benchmarks)
	echo "demo: running glmark2-es2 ($((${#args[@]} / 2)) scenes, ${duration} s each)"
	(DISPLAY=":$(head -n1 "$dir/display")" GALLIUM_DRIVER=virpipe \
		LIBGL_ALWAYS_SOFTWARE=1 \
		glmark2-es2 --off-screen "${args[@]}" </dev/null 2>&1 |
		tee "$dir/glmark2.log") &
	glmark_pid=$!
	wait "$glmark_pid"
}

report() {
	local renderer score
	renderer=$(grep -m1 'GL_RENDERER:' "$dir/glmark2.log" | sed 's/^ *//') || true
	score=$(grep -m1 'glmark2 Score:' "$dir/glmark2.log" | sed 's/^ *//') || true
	echo
	echo "demo: ${renderer:-GL_RENDERER: (none reported)}"
	echo "demo: ${score:-glmark2 Score: (none reported)}"
	case "$renderer" in
	*virgl*) ;;
	*) die "the renderer is not virgl: glmark2 did not go through vgpu" ;;
	esac
	[ -n "$score" ] || die "glmark2 reported no score"
}

# The end of our processes' logs, to say why a run failed.
show_logs() {
	local name
	for name in vgpu-backend vgpu-vtest; do
		echo "demo: the last lines of $name's log:" >&2
		tail -n 20 "$dir/$name.log" | sed 's/^/  /' >&2
	done
}

# Every scene drew, and nothing it asked for was refused.
check_run() {
	local want scenes refused
	want=$(benchmarks | grep -c '^-b$')
	scenes=$(grep -c '^\[.*FPS: [0-9]' "$dir/glmark2.log") || true
	[ "$scenes" -eq "$want" ] ||
		die "only $scenes of $want scenes reported a frame rate (log above)"
	refused=$(vgpu_refusals "$dir/vgpu-backend.log") || true
	if [ -n "$refused" ]; then
		echo "$refused" >&2
		die "vgpu-backend refused requests (above): the frames are not" \
			"what glmark2 asked for"
	fi
}

set -m	# each background job in its own process group, for cleanup
preflight
dir=$(mktemp -d /tmp/vgpu-demo.XXXXXX)
trap cleanup EXIT
trap on_signal INT TERM
start_stack
start_xvfb
rc=0
run_glmark2 || rc=$?
kill -0 "$backend_pid" 2>/dev/null || die "vgpu-backend died during the run"
kill -0 "$vtest_pid" 2>/dev/null || die "vgpu-vtest died during the run"
if [ "$rc" -ne 0 ]; then
	show_logs
	die "glmark2-es2 failed (exit $rc)"
fi
report
check_run
