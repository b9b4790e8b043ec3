#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/glmark.sh BUILD - glmark2-es2 off-screen on a fixed scene list,
# through three paths in one run, interleaved, REPS times each:
#   ours    Mesa virpipe -> vgpu-vtest -> ring -> vgpu-backend -> virglrenderer
#   vtest   Mesa virpipe -> virgl_test_server --use-egl-surfaceless
#   native  Mesa llvmpipe in the client
# Prints per-scene median FPS, the median score, ours/vtest and
# ours/native, and "summary:" lines for bench/run.sh.
#
# Environment: GLMARK_REPS (3), GLMARK_DURATION (seconds per scene, 3),
# GLMARK_PATHS ("ours vtest native"), VGPU_POLL_US (passed to both of our
# processes; unset: they sleep).
set -euo pipefail

BUILD=${1:-build}
REPS=${GLMARK_REPS:-3}
DUR=${GLMARK_DURATION:-3}
PATHS=${GLMARK_PATHS:-ours vtest native}
VTEST_SOCK=/tmp/.virgl_test
SCENES=(
	"build:use-vbo=true"
	"texture:texture-filter=linear"
	"shading:shading=phong"
	"bump:bump-render=normals"
	"effect2d:kernel=0,1,0;1,-4,1;0,1,0;"
	"pulsar:quads=5:texture=false:light=false"
	"desktop:effect=blur:windows=4"
	"jellyfish"
)

die() { echo "glmark.sh: $*" >&2; exit 1; }
listening() { ss -xlnH 2>/dev/null | awk -v p="$1" '$5 == p { f = 1 } END { exit !f }'; }

TMP=$(mktemp -d /tmp/vgpu-glmark.XXXXXX)
PIDS=()
OWN_VTEST_SOCK=0

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do   # each leads its own process group
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
	# Our server is gone; remove its file unless another server has
	# taken the path since (the machine may be shared).
	if [ "$OWN_VTEST_SOCK" = 1 ]; then
		listening "$VTEST_SOCK" || rm -f "$VTEST_SOCK"
		OWN_VTEST_SOCK=0
	fi
}
trap 'cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits (up to 120 s) until nobody listens on the vtest socket; removes a
# stale file. Another user of this machine may be running a vtest server.
claim_vtest_socket() {
	local i
	for ((i = 0; i < 1200; i++)); do
		if ! listening "$VTEST_SOCK"; then
			rm -f "$VTEST_SOCK"
			return 0
		fi
		[ "$i" = 0 ] && echo "glmark.sh: waiting for $VTEST_SOCK to be free" >&2
		sleep 0.1
	done
	die "$VTEST_SOCK stays owned by another server"
}

# wait_listen PATH PID: until PATH accepts (10 s), or PID dies.
wait_listen() {
	local i
	for ((i = 0; i < 100; i++)); do
		listening "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

start() { # start LOG CMD...: background CMD, remember its pid in LAST
	local log=$1; shift
	setsid "$@" >"$log" 2>&1 &
	LAST=$!
	PIDS+=("$LAST")
}

start_ours() {
	local sock=$TMP/backend.sock poll=()
	[ -n "${VGPU_POLL_US:-}" ] && poll=(--poll-us="$VGPU_POLL_US")
	[ -x "$BUILD/bin/vgpu-backend" ] && [ -x "$BUILD/bin/vgpu-vtest" ] ||
		die "$BUILD/bin/vgpu-backend or vgpu-vtest is missing"
	start "$TMP/backend.log" "$BUILD/bin/vgpu-backend" --foreground --loopback="$sock" "${poll[@]}"
	wait_listen "$sock" "$LAST" || { cat "$TMP/backend.log" >&2; die "vgpu-backend did not start"; }
	claim_vtest_socket
	start "$TMP/vtest.log" "$BUILD/bin/vgpu-vtest" --loopback="$sock" "${poll[@]}"
	OWN_VTEST_SOCK=1
	wait_listen "$VTEST_SOCK" "$LAST" || { cat "$TMP/vtest.log" >&2; die "vgpu-vtest did not start"; }
}

start_vtest() {
	claim_vtest_socket
	start "$TMP/vts.log" virgl_test_server --use-egl-surfaceless
	OWN_VTEST_SOCK=1
	wait_listen "$VTEST_SOCK" "$LAST" || { cat "$TMP/vts.log" >&2; die "virgl_test_server did not start"; }
}

glmark() { # glmark LOG DRIVER
	local args=() s
	for s in "${SCENES[@]}"; do
		args+=(-b "$s:duration=$DUR")
	done
	LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=$2 timeout 600 \
		xvfb-run -a -s '-screen 0 1280x1024x24' \
		glmark2-es2 --off-screen "${args[@]}" >"$1" 2>&1
}

# check_renderer LOG WANT: the run used the driver we asked for.
check_renderer() {
	local r
	r=$(sed -n 's/^ *GL_RENDERER: *//p' "$1")
	case "$r" in
	*"$2"*) ;;
	*) cat "$1" >&2; die "GL_RENDERER is '$r', expected $2" ;;
	esac
	echo "$r"
}

run_path() { # run_path PATH REP
	local log=$TMP/$1.$2.log renderer
	case "$1" in
	ours)   start_ours;  glmark "$log" virpipe; renderer=virgl ;;
	vtest)  start_vtest; glmark "$log" virpipe; renderer=virgl ;;
	native) glmark "$log" llvmpipe; renderer=llvmpipe ;;
	*)      die "unknown path $1" ;;
	esac
	cleanup
	grep -q 'glmark2 Score' "$log" || { cat "$log" >&2; die "$1 run $2 failed"; }
	echo "glmark.sh: $1 run $2: $(check_renderer "$log" "$renderer")," \
		"score $(awk '/glmark2 Score/ { print $3 }' "$log")" >&2
}

# Per-scene FPS of one log, one "index fps" line each, then "score N".
parse() {
	awk '/^\[.*FPS:/ { for (i = 1; i <= NF; i++) if ($i == "FPS:") print n++, $(i + 1) }
	     /glmark2 Score/ { print "score", $3 }' "$1"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# med PATH KEY: the median over reps of one scene's FPS (or "score").
med() {
	local f
	for f in "$TMP/$1".*.log; do
		[ -e "$f" ] || continue
		parse "$f" | awk -v k="$2" '$1 == k { print $2 }'
	done | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "nan") printf "%.2f", a / b; else print "n/a" }'; }

report() {
	local i key name o v n
	printf '%-44s %8s %8s %8s %10s %11s\n' scene ours vtest native ours/vtest ours/native
	for ((i = 0; i <= ${#SCENES[@]}; i++)); do
		if [ "$i" = "${#SCENES[@]}" ]; then key=score; name=SCORE; else key=$i; name=${SCENES[$i]}; fi
		o=$(med ours "$key"); v=$(med vtest "$key"); n=$(med native "$key")
		printf '%-44s %8s %8s %8s %10s %11s\n' "$name" "$o" "$v" "$n" \
			"$(ratio "$o" "$v")" "$(ratio "$o" "$n")"
	done
	echo "summary: glmark_score_ours=$o glmark_score_vtest=$v glmark_score_native=$n"
	echo "summary: glmark_ratio_ours_over_vtest=$(ratio "$o" "$v")" \
		"glmark_ratio_ours_over_native=$(ratio "$o" "$n")" \
		"glmark_ratio_vtest_over_native=$(ratio "$v" "$n")"
}

main() {
	local rep p
	command -v glmark2-es2 >/dev/null || die "glmark2-es2 missing (tools/deps.sh bench)"
	echo "glmark.sh: ${#SCENES[@]} scenes x ${DUR}s, $REPS reps of: $PATHS (interleaved; medians)"
	for ((rep = 1; rep <= REPS; rep++)); do
		for p in $PATHS; do
			run_path "$p" "$rep"
		done
	done
	report
}

main
