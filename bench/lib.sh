# SPDX-License-Identifier: GPL-2.0
# bench/lib.sh - what the loopback benchmarks (memory.sh, sched.sh)
# share. Source it with BUILD set, then call bench_init NAME: it makes
# $DIR under /run (tests/loopback-guest.sh wants the backend's socket
# outside /tmp) and removes it, and any backend left running, on exit.
# One backend at a time listens on $DIR/b.sock; its log is
# $DIR/backend.log.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$HERE/tools/refusals.sh"

# On a failure the logs go to stderr first: $DIR goes with the exit.
bench_cleanup() {
	local rc=$? log
	[ -n "$BACKEND" ] && kill "$BACKEND" 2>/dev/null && wait "$BACKEND" 2>/dev/null
	if [ "$rc" != 0 ]; then
		for log in "$DIR"/*.log; do
			[ -f "$log" ] || continue
			echo "--- exit $rc; the end of $(basename "$log"):" >&2
			tail -n 20 "$log" >&2
		done
	fi
	rm -rf "$DIR"
}

bench_init() {
	DIR=$(mktemp -d "/run/vgpu-bench-$1.XXXXXX")
	BACKEND=
	BACKEND_PIN=()
	trap bench_cleanup EXIT
}

# start_backend [OPTIONS...]: vgpu-backend --loopback=$DIR/b.sock OPTIONS,
# behind BACKEND_PIN (a taskset command) if set.
start_backend() {
	"${BACKEND_PIN[@]}" "$BUILD/bin/vgpu-backend" --loopback="$DIR/b.sock" "$@" \
		>>"$DIR/backend.log" 2>&1 &
	BACKEND=$!
	for _ in $(seq 100); do [ -S "$DIR/b.sock" ] && return; sleep 0.1; done
	echo "vgpu-backend did not start:" >&2; cat "$DIR/backend.log" >&2; exit 1
}

# stop_backend: and no figure if it refused a request, unless the
# benchmark drives it to refuse (EXPECT_REFUSALS=1).
stop_backend() {
	kill "$BACKEND"; wait "$BACKEND" || true; BACKEND=; rm -f "$DIR/b.sock"
	if [ "${EXPECT_REFUSALS:-0}" != 1 ] && vgpu_refusals "$DIR/backend.log" >&2; then
		echo "vgpu-backend refused requests (above): no figure" >&2
		exit 1
	fi
}

# median N...: single runs vary by several percent (p99 more).
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
