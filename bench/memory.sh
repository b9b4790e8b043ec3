#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/memory.sh BUILD - how much dom0 memory one guest's worker takes,
# against its vram budget. A real guest on loopback (stock Mesa behind
# vgpu-vtest, tests/loopback-guest.sh) runs tests/progs/glfill, which
# uploads 4 MiB textures until the backend refuses one, and then
# tests/progs/glshaders, which makes the host compile and keep distinct
# shaders, which no vram accounting sees, until the worker's memory
# limit (vram + --mem-overhead) stops it. Meanwhile the
# worker's private memory (Private_Clean + Private_Dirty of
# /proc/PID/smaps_rollup: what dom0 pays for, not the guest's shared
# pages) is sampled every 50 ms; its peak is reported against vram, and
# against the same worker after one small texture (the fixed overhead).
#
# Environment: MEMORY_VRAM_MIB ("64 256"). The last line is
# "summary: key=value ...".
set -euo pipefail

BUILD=${1:-build}
# Each worker may hold its vram plus this (vgpu-backend --mem-overhead).
OVERHEAD_MIB=384
# glfill fills the budget until the backend refuses a texture, on purpose.
EXPECT_REFUSALS=1
. "$(dirname "$0")/lib.sh"
bench_init memory

private_kib() {
	awk '/^Private_(Clean|Dirty):/ {s += $2} END {print s + 0}' \
		"/proc/$1/smaps_rollup" 2>/dev/null || echo 0
}

# peak_while PID-OF-GUEST: the backend's worker's peak private KiB.
peak_while() {
	local guest=$1 worker peak=0 now
	while kill -0 "$guest" 2>/dev/null; do
		worker=$(pgrep -P "$BACKEND" | head -n 1 || true)
		if [ -n "$worker" ]; then
			now=$(private_kib "$worker")
			[ "$now" -gt "$peak" ] && peak=$now
		fi
		sleep 0.05
	done
	echo "$peak"
}

# run VRAM_MIB PROG ARGS...: one guest running tests/progs/PROG, one
# backend; prints the worker's peak private KiB. Shader compiles are
# slow on a loaded host: the watchdog here is for hangs only.
run() {
	local vram=$1 prog=$2 guest
	shift 2
	start_backend --max-mapped-pages=$((vram * 256)) --watchdog-ms=20000 \
		--mem-overhead=$OVERHEAD_MIB
	"$HERE/tests/loopback-guest.sh" "$BUILD" 1 "$DIR/b.sock" \
		"$BUILD/tests/progs/$prog" --hold 1 "$@" \
		>"$DIR/guest" 2>>"$DIR/guest.log" &
	guest=$!
	peak_while "$guest"
	wait "$guest" || true
	stop_backend
}

summary=()
for vram in ${MEMORY_VRAM_MIB:-64 256}; do
	base=$(run "$vram" glfill --max 1)
	full=$(run "$vram" glfill)
	over=$(( (full - base) / 1024 ))
	echo "vram $vram MiB: worker private memory $((base / 1024)) MiB with" \
		"one texture, peak $((full / 1024)) MiB filling until refused:" \
		"+$over MiB (target <= $vram)"
	summary+=("memory_vram${vram}_fixed_mib=$((base / 1024))"
		  "memory_vram${vram}_growth_mib=$over")
done

vram=${MEMORY_VRAM_MIB%% *}
vram=${vram:-64}
limit=$((vram + OVERHEAD_MIB))
stops=$(grep -c 'stopped at its memory limit' "$DIR/backend.log" || true)
peak=$(run "$vram" glshaders --max 4000)
stopped=$(( $(grep -c 'stopped at its memory limit' "$DIR/backend.log" || true) - stops ))
echo "vram $vram MiB, 4000 distinct shaders: worker peak private memory" \
	"$((peak / 1024)) MiB, limit $limit MiB (vram + overhead" \
	"$OVERHEAD_MIB); worker stopped at its limit: $stopped;" \
	"guest: $(cat "$DIR/guest" 2>/dev/null || true)"
summary+=("memory_shaders_peak_mib=$((peak / 1024))"
	  "memory_shaders_limit_mib=$limit" "memory_shaders_stopped=$stopped")
echo "summary: ${summary[*]}"
