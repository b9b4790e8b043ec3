#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/glmark.sh BUILD - glmark2-es2 off-screen on its whole default
# scene list (33 scenes), through three paths in one run, interleaved,
# REPS times each, in ABBA order:
#   ours    Mesa virpipe -> vgpu-vtest -> ring -> vgpu-backend -> virglrenderer
#   vtest   Mesa virpipe -> virgl_test_server --use-egl-surfaceless
#   native  Mesa llvmpipe in the client
# Prints per-scene median FPS, the median score, ours/vtest and
# ours/native for the whole list and for a fixed subset of 8 scenes
# (the set earlier figures used), and "summary:" lines for bench/run.sh.
#
# A figure is printed only for work that was done: the run fails if a
# scene reports no frame rate on any path, if our backend refused any
# request, or if glmark2's --validate fails through our path on a scene
# where it passes on llvmpipe directly.
#
# Then N GL processes at once in one guest (ours: one vgpu-vtest, one
# device; vtest: virgl_test_server --multi-clients), for N in
# GLMARK_CLIENTS: the sum of their frame rates on MULTI_SCENES.
#
# Environment: GLMARK_REPS (3), GLMARK_DURATION (seconds per scene, 2),
# GLMARK_PATHS ("ours vtest native"; empty: only the N-process runs),
# GLMARK_VALIDATE (1; 0 skips the validation), GLMARK_CLIENTS
# ("1 2 4 8"; empty skips), GLMARK_VTEST_CACHE (warm; cold), VGPU_POLL_US
# (passed to both of our processes; unset: their default),
# GLMARK_BACKEND_ARGS (more vgpu-backend options, e.g. --no-pin-llvmpipe).
set -euo pipefail
. "$(dirname "$0")/../tools/refusals.sh"

BUILD=${1:-build}
REPS=${GLMARK_REPS:-3}
DUR=${GLMARK_DURATION:-2}
PATHS=${GLMARK_PATHS-ours vtest native}
CLIENTS=${GLMARK_CLIENTS-1 2 4 8}
# virgl_test_server runs as root and keeps Mesa's shader disk cache
# (~/.cache/mesa_shader_cache); our sandboxed workers cannot use it.
# "cold" runs it with the cache off too, to compare like with like.
VTEST_ENV=(X_VGPU_BENCH=1)
[ "${GLMARK_VTEST_CACHE:-warm}" = warm ] || VTEST_ENV=(MESA_SHADER_CACHE_DISABLE=true)
MULTI_SCENES=(build:use-vbo=true shading:shading=phong)
VTEST_SOCK=/tmp/.virgl_test
read -ra BACKEND_ARGS <<<"${GLMARK_BACKEND_ARGS:-}"
# The fixed subset, as glmark2 prints each scene's options.
FIXED=(
	"[build] use-vbo=true"
	"[texture] texture-filter=linear"
	"[shading] shading=phong"
	"[bump] bump-render=normals"
	"[effect2d] kernel=0,1,0;1,-4,1;0,1,0;"
	"[pulsar] light=false:quads=5:texture=false"
	"[desktop] blur-radius=5:effect=blur:passes=1:separable=true:windows=4"
	"[jellyfish] <default>"
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

start_ours() { # start_ours [BACKEND-OPTIONS...]
	local sock=$TMP/backend.sock poll=()
	[ -n "${VGPU_POLL_US:-}" ] && poll=(--poll-us="$VGPU_POLL_US")
	[ -x "$BUILD/bin/vgpu-backend" ] && [ -x "$BUILD/bin/vgpu-vtest" ] ||
		die "$BUILD/bin/vgpu-backend or vgpu-vtest is missing"
	start "$TMP/backend.log" "$BUILD/bin/vgpu-backend" --foreground --loopback="$sock" "${poll[@]}" "$@" "${BACKEND_ARGS[@]}"
	wait_listen "$sock" "$LAST" || { cat "$TMP/backend.log" >&2; die "vgpu-backend did not start"; }
	claim_vtest_socket
	start "$TMP/vtest.log" "$BUILD/bin/vgpu-vtest" --loopback="$sock" "${poll[@]}"
	OWN_VTEST_SOCK=1
	wait_listen "$VTEST_SOCK" "$LAST" || { cat "$TMP/vtest.log" >&2; die "vgpu-vtest did not start"; }
}

start_vtest() {
	claim_vtest_socket
	start "$TMP/vts.log" env "${VTEST_ENV[@]}" virgl_test_server --use-egl-surfaceless "$@"
	OWN_VTEST_SOCK=1
	wait_listen "$VTEST_SOCK" "$LAST" || { cat "$TMP/vts.log" >&2; die "virgl_test_server did not start"; }
}

glmark() { # glmark LOG DRIVER ARGS...: the default list, or ARGS
	local log=$1 driver=$2
	shift 2
	[ $# -gt 0 ] || set -- -b ":duration=$DUR"
	LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=$driver timeout 1200 \
		xvfb-run -a -s '-screen 0 1280x1024x24' \
		glmark2-es2 --off-screen "$@" >"$log" 2>&1
}

# check_refusals LOG: our backend refused nothing during the run.
check_refusals() {
	local refused
	refused=$(vgpu_refusals "$1") || true
	[ -z "$refused" ] || { echo "$refused" | head -n 20 >&2; die "vgpu-backend refused requests (the first above): no figure"; }
}

# check_scenes LOG PATH: every scene of the list reported a frame rate
# (as many as the validation listed, or as the first run drew).
NSCENES=
check_scenes() {
	local got
	got=$(grep -c '^\[.*FPS: [0-9]' "$1") || true
	[ -n "$NSCENES" ] || NSCENES=$got
	[ "$got" = "$NSCENES" ] && [ "$got" -gt 0 ] || { grep '^\[' "$1" >&2; die "$2: $got of $NSCENES scenes reported a frame rate"; }
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
	local log=$TMP/$1.$2.log renderer rc=0
	case "$1" in
	ours)   start_ours;  glmark "$log" virpipe || rc=$?; renderer=virgl ;;
	vtest)  start_vtest; glmark "$log" virpipe || rc=$?; renderer=virgl ;;
	native) glmark "$log" llvmpipe || rc=$?; renderer=llvmpipe ;;
	*)      die "unknown path $1" ;;
	esac
	cleanup
	if [ "$rc" != 0 ] || ! grep -q 'glmark2 Score' "$log"; then
		tail -n 30 "$log" >&2
		[ "$1" != ours ] || tail -n 30 "$TMP/backend.log" "$TMP/vtest.log" >&2
		die "$1 run $2 failed: glmark2 exit status $rc (its log above)"
	fi
	[ "$1" != ours ] || check_refusals "$TMP/backend.log"
	check_scenes "$log" "$1 run $2"
	echo "glmark.sh: $1 run $2: $(check_renderer "$log" "$renderer")," \
		"score $(awk '/glmark2 Score/ { print $3 }' "$log")" >&2
}

# Per-scene FPS of one log, one "scene<TAB>fps" line each, then
# "score<TAB>N". The scene is glmark2's "[name] options".
parse() {
	awk '/^\[.*FPS:/ { sub(/: FPS: /, "\t"); sub(/ FrameTime:.*/, ""); print }
	     /glmark2 Score/ { print "score\t" $3 }' "$1"
}

# The scenes of the list, in order, from the first log of PATH.
scenes_of() {
	parse "$(ls "$TMP/$1".*.log | head -n1)" | cut -f1 | grep -vx score
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# med PATH KEY: the median over reps of one scene's FPS (or "score").
med() {
	local f
	for f in "$TMP/$1".*.log; do
		[ -e "$f" ] || continue
		parse "$f" | awk -F '\t' -v k="$2" '$1 == k { print $2 }'
	done | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "nan") printf "%.2f", a / b; else print "n/a" }'; }

# geomean VALUES...: the geometric mean of ratios ("n/a" skipped).
geomean() {
	printf '%s\n' "$@" | awk '$1 != "n/a" && $1 > 0 { s += log($1); n++ }
		END { if (n) printf "%.2f", exp(s / n); else print "n/a" }'
}

# table TITLE SCENES...: per-scene medians and ratios, then the geometric
# means of the ratios; sets RO and RN to those means.
table() {
	local title=$1 s o v n ros=() rns=()
	shift
	echo "== $title"
	printf '%-58s %7s %7s %7s %10s %11s\n' scene ours vtest native ours/vtest ours/native
	for s in "$@"; do
		o=$(med ours "$s"); v=$(med vtest "$s"); n=$(med native "$s")
		ros+=("$(ratio "$o" "$v")"); rns+=("$(ratio "$o" "$n")")
		printf '%-58s %7s %7s %7s %10s %11s\n' "${s:0:58}" "$o" "$v" "$n" \
			"${ros[-1]}" "${rns[-1]}"
	done
	RO=$(geomean "${ros[@]}"); RN=$(geomean "${rns[@]}")
	printf '%-58s %7s %7s %7s %10s %11s\n' "geometric mean of the ratios" "" "" "" "$RO" "$RN"
}

report() {
	local o v n all=()
	mapfile -t all < <(scenes_of "${PATHS%% *}")
	table "glmark2's default list (${#all[@]} scenes, ${DUR} s each)" "${all[@]}"
	local ro_all=$RO rn_all=$RN
	table "the fixed subset (${#FIXED[@]} scenes)" "${FIXED[@]}"
	o=$(med ours score); v=$(med vtest score); n=$(med native score)
	echo "== score (whole list): ours $o, vtest $v, native $n; ours/vtest $(ratio "$o" "$v"), ours/native $(ratio "$o" "$n")"
	echo "summary: glmark_score_ours=$o glmark_score_vtest=$v glmark_score_native=$n"
	echo "summary: glmark_ratio_ours_over_vtest=$(ratio "$o" "$v")" \
		"glmark_ratio_ours_over_native=$(ratio "$o" "$n")" \
		"glmark_ratio_vtest_over_native=$(ratio "$v" "$n")"
	echo "summary: glmark_geomean_ours_over_vtest=$ro_all glmark_geomean_ours_over_native=$rn_all" \
		"glmark_fixed_geomean_ours_over_vtest=$RO glmark_fixed_geomean_ours_over_native=$RN"
}

# validate: glmark2 --validate through our path passes every scene that
# passes on llvmpipe directly; otherwise our frames are wrong.
validate() {
	local bad
	glmark "$TMP/validate-native.log" llvmpipe --validate || true
	start_ours
	glmark "$TMP/validate-ours.log" virpipe --validate || true
	cleanup
	check_refusals "$TMP/backend.log"
	bad=$(comm -23 <(grep 'Validation: Success' "$TMP/validate-native.log" | sort) \
		<(grep 'Validation: Success' "$TMP/validate-ours.log" | sort))
	[ -z "$bad" ] || { echo "$bad" >&2; die "these scenes validate on llvmpipe but not through vgpu (above)"; }
	NSCENES=$(grep -c '^\[' "$TMP/validate-native.log") || true
	echo "glmark.sh: --validate: $(grep -c 'Validation: Success' "$TMP/validate-ours.log")" \
		"of $NSCENES scenes pass through vgpu, as on llvmpipe" >&2
}

# multi_run PATH N REP: N glmark2 processes at once on MULTI_SCENES.
multi_run() {
	local path=$1 n=$2 rep=$3 i pids=() args=() s log
	for s in "${MULTI_SCENES[@]}"; do args+=(-b "$s:duration=$DUR"); done
	# One device serves all N: its vram (a guest's budget) is sized for
	# them, 128 MiB each; virgl_test_server has no budget at all.
	case "$path" in
	ours)  start_ours --max-mapped-pages=$((n * 128 * 256)) ;;
	vtest) start_vtest --multi-clients ;;
	esac
	for ((i = 0; i < n; i++)); do
		glmark "$TMP/multi-$path-$n-$rep.$i.log" virpipe "${args[@]}" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || true; done
	cleanup
	[ "$path" != ours ] || check_refusals "$TMP/backend.log"
	for ((i = 0; i < n; i++)); do
		log=$TMP/multi-$path-$n-$rep.$i.log
		NSCENES=${#MULTI_SCENES[@]} check_scenes "$log" "$path, $n processes"
		check_renderer "$log" virgl >/dev/null
	done
}

# multi_sum PATH N SCENE: the median over reps of the processes' summed FPS.
multi_sum() {
	local f rep
	for ((rep = 1; rep <= REPS; rep++)); do
		for f in "$TMP/multi-$1-$2-$rep".*.log; do
			parse "$f" | awk -F '\t' -v k="$3" '$1 == k { print $2 }'
		done | awk '{ s += $1 } END { print s + 0 }'
	done | median
}

multi() {
	local rep n p s o v
	[ -n "$CLIENTS" ] || return 0
	echo "glmark.sh: 1 guest, N GL processes at once: $CLIENTS; $REPS reps, interleaved (ABBA)" >&2
	for ((rep = 1; rep <= REPS; rep++)); do
		for n in $CLIENTS; do
			for p in $(in_turn "$rep" ours vtest); do multi_run "$p" "$n" "$rep"; done
		done
	done
	echo "== N GL processes at once, summed FPS (ours: one device; vtest: virgl_test_server --multi-clients)"
	printf '%-4s %-40s %8s %8s %10s\n' N scene ours vtest ours/vtest
	for n in $CLIENTS; do
		while read -r s; do
			o=$(multi_sum ours "$n" "$s"); v=$(multi_sum vtest "$n" "$s")
			printf '%-4s %-40s %8s %8s %10s\n' "$n" "${s:0:40}" "$o" "$v" "$(ratio "$o" "$v")"
			echo "summary: glmark_multi_${n}_ours_over_vtest_$(echo "$s" | sed 's/^\[\([a-z0-9]*\)\].*/\1/')=$(ratio "$o" "$v")" >&3
		done < <(parse "$TMP/multi-ours-$n-1.0.log" | cut -f1 | grep -vx score)
	done
}

# in_turn REP PATH...: the paths in order on odd reps, reversed on even
# ones, so that a machine whose speed drifts during the run favours no
# path (ABBA order).
in_turn() {
	local rep=$1
	shift
	if ((rep % 2)); then printf '%s\n' "$@"; else printf '%s\n' "$@" | tac; fi
}

main() {
	local rep p
	command -v glmark2-es2 >/dev/null || die "glmark2-es2 missing (tools/deps.sh bench)"
	[ "${GLMARK_VALIDATE:-1}" = 0 ] || validate
	if [ -n "$PATHS" ]; then
		echo "glmark.sh: ${NSCENES:-all} scenes x ${DUR}s, $REPS reps of: $PATHS (interleaved, ABBA; medians)"
		for ((rep = 1; rep <= REPS; rep++)); do
			for p in $(in_turn "$rep" $PATHS); do
				run_path "$p" "$rep"
			done
		done
		report
	fi
	multi 3>&1
}

main
