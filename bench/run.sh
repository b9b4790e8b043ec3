#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/run.sh BUILD - runs every benchmark against the binaries in BUILD
# and prints one summary table at the end. Writes only under /tmp.
#
#   bench_nop         ring NOP round trip (sleeping, polling) vs a socket
#   bench_throughput  command-stream GB/s through the command region
#   bench_texupload   bytes our code copies per texture byte uploaded
#   glmark.sh         glmark2-es2: ours vs virgl_test_server vs llvmpipe
#   sched.sh          the GPU scheduler: fairness, weights, latency, cost
#   memory.sh         a worker's dom0 memory against its guest's vram
#
# Environment: BENCH_ONLY (space-separated subset of: nop throughput
# texupload glmark sched memory), BENCH_NOP_ROUNDS (100000), BENCH_POLL_US (50),
# BENCH_TEX_MIB (256), and glmark.sh's GLMARK_REPS, GLMARK_DURATION.
set -euo pipefail

BUILD=${1:-build}
ONLY=${BENCH_ONLY:-nop throughput texupload glmark sched memory}
HERE=$(cd "$(dirname "$0")" && pwd)
export VGPU_BUILD=$BUILD
# Our stack and the references must not inherit a driver choice.
unset GALLIUM_DRIVER LIBGL_ALWAYS_SOFTWARE VGPU_POLL_US

TMP=$(mktemp -d /tmp/vgpu-bench-run.XXXXXX)
CHILD=

cleanup() {
	if [ -n "$CHILD" ]; then
		kill -TERM "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FAILED=()
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# bench NAME CMD...: runs CMD in the background (so the traps can stop
# it), shows and keeps its output.
bench() {
	local name=$1 rc=0; shift
	echo "=== $name: $*"
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	grep -v '^summary:' "$TMP/$name.out" || true
	if [ "$rc" != 0 ]; then
		echo "--- $name failed (exit $rc); its stderr:"
		tail -n 40 "$TMP/$name.err"
		FAILED+=("$name")
	fi
	echo
}

want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

want nop && bench nop "$BUILD/bench/bench_nop" \
	-n "${BENCH_NOP_ROUNDS:-100000}" -p "${BENCH_POLL_US:-50}"
want throughput && bench throughput "$BUILD/bench/bench_throughput"
want texupload && bench texupload "$BUILD/bench/bench_texupload" \
	-m "${BENCH_TEX_MIB:-256}"
want glmark && bench glmark "$HERE/glmark.sh" "$BUILD"
want sched && bench sched "$HERE/sched.sh" "$BUILD"
want memory && bench memory "$HERE/memory.sh" "$BUILD"

echo "=== summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r))"
# Other work on the machine skews every figure; say how much there was.
echo "loadavg at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$TMP"/*.out 2>/dev/null | sed -n 's/^summary: //p' | tr ' ' '\n' |
	grep '=' | awk -F= '{ printf "%-44s %s\n", $1, $2 }'
if [ ${#FAILED[@]} -gt 0 ]; then
	echo "FAILED: ${FAILED[*]}"
	exit 1
fi
