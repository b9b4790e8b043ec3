#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/memory.sh BUILD - how much dom0 memory one guest's worker takes,
# against its vram budget. A real guest on loopback (stock Mesa behind
# vgpu-vtest, tests/loopback-guest.sh) runs tests/progs/glfill, which
# uploads 4 MiB textures until GL refuses one (GL_OUT_OF_MEMORY: the
# device refused its create, vram= being full), and then
# tests/progs/glshaders, which makes the host compile and keep distinct
# shaders, which no vram accounting sees, until the worker's memory
# limit (vram + --mem-overhead) stops it.
#
# DOC: what is measured
# Every 50 ms, the worker's /proc/PID/smaps, in three parts:
# - own: its anonymous pages (heap, malloc arenas, llvmpipe's textures,
#   LLVM's code, stacks) and the pages of its own shared memory that
#   only it maps: what dom0 pays for this guest, the figure reported
#   against vram and the limit;
# - guest: pages of the guest's shares (memfds named vgpu-share, which
#   stand in for grants) that no other process maps at that moment. They
#   are the guest's memory (under Xen, its own frames, grant-mapped),
#   bounded by --max-mapped-pages, not by vram. They show up as the
#   worker's "private" memory whenever the guest has unmapped them first:
#   when it exits or deletes its textures, until the unrefs reach the
#   worker. Counting them is what made the worker seem to grow to twice
#   its vram in some runs;
# - files: pages of files, shared libraries' code above all (libLLVM),
#   that only the worker maps at that moment: the host's page cache,
#   paid once for every worker and the guest's own Mesa, and private
#   only while no other process touches them.
# Each is reported at its own peak. Refusals: the fill run must end on a
# refused create (ENOSPC, and ENOENT for the backing and context attach
# of its batch) and nothing else; the other runs refuse nothing, or
# there is no figure.
#
# Environment: MEMORY_VRAM_MIB ("64 256"; the shaders run takes the
# first). The last line is "summary: key=value ...".
set -euo pipefail

BUILD=${1:-build}
# Each worker may hold its vram plus this (vgpu-backend --mem-overhead).
OVERHEAD_MIB=384
. "$(dirname "$0")/lib.sh"
bench_init memory

# worker_kib PID: "own guest files", in KiB, now ("0 0 0" once gone).
worker_kib() {
	cat "/proc/$1/smaps" 2>/dev/null | awk '
		/^[0-9a-f]+-[0-9a-f]+ / {
			guest = $6 == "/memfd:vgpu-share"
			shm = !guest && $6 ~ /^\/(memfd:|dev\/zero|SYSV)/
			file = !guest && !shm && $6 ~ /^\//
		}
		/^Anonymous:/ { own += $2 }
		/^Private_(Clean|Dirty):/ && shm { own += $2 }
		/^Private_(Clean|Dirty):/ && guest { guests += $2 }
		/^Private_(Clean|Dirty):/ && file { files += $2 }
		END { print own + 0, guests + 0, files + 0 }'
}

# peak_while PID-OF-GUEST: the backend's worker's peak "own guest files",
# each in KiB.
peak_while() {
	local guest=$1 worker peak=(0 0 0) now i
	while kill -0 "$guest" 2>/dev/null; do
		worker=$(pgrep -P "$BACKEND" | head -n 1 || true)
		if [ -n "$worker" ]; then
			read -r -a now <<<"$(worker_kib "$worker")"
			for i in 0 1 2; do
				[ "${now[i]}" -gt "${peak[i]}" ] && peak[i]=${now[i]}
			done
		fi
		sleep 0.05
	done
	echo "${peak[*]}"
}

# refusals_since LINE: the refusals logged past line LINE of the log.
refusals_since() {
	tail -n +"$(($1 + 1))" "$DIR/backend.log" >"$DIR/run.log"
	vgpu_refusals "$DIR/run.log" || true
}

# run VRAM_MIB PROG ARGS...: one guest running tests/progs/PROG, one
# backend; prints the worker's peaks (peak_while). The guest's line is
# left in $DIR/guest, the refusals in $DIR/refused. Shader compiles are
# slow on a loaded host: the watchdog here is for hangs only. No shader
# cache: every run compiles every shader, as a guest's first run does.
run() {
	local vram=$1 prog=$2 guest lines
	shift 2
	lines=0
	[ -f "$DIR/backend.log" ] && lines=$(wc -l <"$DIR/backend.log")
	start_backend --max-mapped-pages=$((vram * 256)) --watchdog-ms=20000 \
		--mem-overhead=$OVERHEAD_MIB --no-shader-cache
	"$HERE/tests/loopback-guest.sh" "$BUILD" 1 "$DIR/b.sock" \
		"$BUILD/tests/progs/$prog" --hold 1 "$@" \
		>"$DIR/guest" 2>>"$DIR/guest.log" &
	guest=$!
	peak_while "$guest"
	wait "$guest" || true
	EXPECT_REFUSALS=1 stop_backend
	refusals_since "$lines" >"$DIR/refused"
}

# no_figure WHY: the run did not do what it measures.
no_figure() {
	echo "$1: no figure; the guest said: $(cat "$DIR/guest")" >&2
	cat "$DIR/refused" >&2
	exit 1
}

# fill VRAM_MIB: fixed overhead, then the fill; prints the report line.
fill() {
	local vram=$1 base full textures
	read -r -a base <<<"$(run "$vram" glfill --max 1)"
	grep -q 'textures=1 .*refused=0' "$DIR/guest" ||
		no_figure "glfill could not make one texture"
	[ -s "$DIR/refused" ] && no_figure "the backend refused a request"
	read -r -a full <<<"$(run "$vram" glfill)"
	grep -q 'refused=1' "$DIR/guest" ||
		no_figure "GL did not refuse a texture at vram=${vram}M"
	# A refused create, and what its batch names: its backing, its context.
	grep -vE -- '-> -28: resource |-> -2: no resource ' "$DIR/refused" &&
		no_figure "the backend refused other requests (above)"
	textures=$(sed -n 's/.*textures=\([0-9]*\).*/\1/p' "$DIR/guest")
	echo "vram $vram MiB: worker's own memory $((base[0] / 1024)) MiB" \
		"with one texture, peak $((full[0] / 1024)) MiB with $textures textures" \
		"($((textures * 4)) MiB) until refused:" \
		"+$(( (full[0] - base[0]) / 1024 )) MiB (target <= $vram);" \
		"not counted: guest pages up to $((full[1] / 1024)) MiB," \
		"files' pages up to $((full[2] / 1024)) MiB"
	summary+=("memory_vram${vram}_fixed_mib=$((base[0] / 1024))"
		  "memory_vram${vram}_growth_mib=$(( (full[0] - base[0]) / 1024 ))"
		  "memory_vram${vram}_textures=$textures"
		  "memory_vram${vram}_guest_pages_mib=$((full[1] / 1024))")
}

summary=()
for vram in ${MEMORY_VRAM_MIB:-64 256}; do
	fill "$vram"
done

vram=${MEMORY_VRAM_MIB:-64}
vram=${vram%% *}
limit=$((vram + OVERHEAD_MIB))
stops=$(grep -c 'stopped at its memory limit' "$DIR/backend.log" || true)
read -r -a peak <<<"$(run "$vram" glshaders --max 4000)"
stopped=$(( $(grep -c 'stopped at its memory limit' "$DIR/backend.log" || true) - stops ))
[ -s "$DIR/refused" ] && no_figure "the backend refused a request"
echo "vram $vram MiB, 4000 distinct shaders: worker's own memory peak" \
	"$((peak[0] / 1024)) MiB, limit $limit MiB (vram + overhead" \
	"$OVERHEAD_MIB); worker stopped at its limit: $stopped;" \
	"guest: $(grep . "$DIR/guest" ||
		  echo "no line (Mesa aborts once the device is lost)")"
summary+=("memory_shaders_peak_mib=$((peak[0] / 1024))"
	  "memory_shaders_limit_mib=$limit" "memory_shaders_stopped=$stopped")
echo "summary: ${summary[*]}"
