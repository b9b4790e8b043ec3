#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/screen.sh [BUILD] - the screen benchmark: Xen's PV framebuffer
# (vfb=) against our screen (vgpu= with vnc=1), the same guest animation
# recorded by the same VNC client in dom0, under real Xen in QEMU (the
# setup of make e2e; TCG, so only the ratios mean anything). See
# bench/screen/README.md. Fails, printing no ratio, when any side
# delivered no stamped frame.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

E2E_STEP_DIR=$ROOT/bench/screen/steps "$ROOT/tests/e2e/run.sh" "$BUILD" | tee "$LOG"

# RESULT label=L frames=N fps=F ... -> the value of KEY for LABEL.
figure() {
	sed -n "s/.*RESULT label=$1 .*$2=\([0-9.]*\).*/\1/p" "$LOG" | tail -n 1
}
for label in vfb vgpu vfb-gl vgpu-gl; do
	[ -n "$(figure $label fps)" ] || { echo "bench/screen.sh: no figures for $label" >&2; exit 1; }
done
# row NAME A B: both figures and B/A.
row() {
	awk -v k="$1" -v a="$2" -v b="$3" \
		'BEGIN { printf "%-28s %10.2f %10.2f %8.2f\n", k, a, b, (a > 0 ? b / a : 0) }'
}
# compare TITLE BASE SUBJECT: each figure of both, and SUBJECT/BASE.
compare() {
	local key
	echo
	printf '%-28s %10s %10s %8s\n' "$1" "$2" "$3" ratio
	for key in fps lat_p50_ms lat_p95_ms dom0_cpu_ms_per_frame guest_cpu_ms_per_frame torn; do
		row "$key" "$(figure "$2" $key)" "$(figure "$3" $key)"
	done
	row dom0+guest_cpu_ms_per_frame \
		"$(awk -v a="$(figure "$2" dom0_cpu_ms_per_frame)" -v b="$(figure "$2" guest_cpu_ms_per_frame)" 'BEGIN { print a + b }')" \
		"$(awk -v a="$(figure "$3" dom0_cpu_ms_per_frame)" -v b="$(figure "$3" guest_cpu_ms_per_frame)" 'BEGIN { print a + b }')"
}
compare "2D animation" vfb vgpu
compare "3D scene" vfb-gl vgpu-gl
