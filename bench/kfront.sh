#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/kfront.sh [BUILD] - the guest kernel driver (xen_vgpu.ko) against
# the userspace vtest bridge (vgpu-vtest) and llvmpipe inside the guest,
# in one domU, the paths taking turns, under real Xen in QEMU (the setup
# of make e2e; TCG, so only the ratios mean anything). Its step and guest
# script are bench/kfront/. Needs make and make modules first.
#
# Figures: per scene of glscenes (a glmark2-style set) and of glscene
# (our scene program), the median frame rate of each path over the
# rounds and the ratios kernel/bridge and kernel/llvmpipe; the NOP round
# trip through the driver's ioctl against libvgpufront's, the bridge's
# transport. It fails, printing no figure, if the backend refused a
# request, a path rendered on the wrong renderer, an image differs from
# llvmpipe's, or the guest did not finish.
# The rounds (3), seconds per scene (3), glscene frames (20) and NOP
# rounds (2000) are set at the top of bench/kfront/guest.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

E2E_STEP_DIR=$ROOT/bench/kfront/steps E2E_STEP_TIMEOUT=1800 E2E_TIMEOUT=2400 \
	"$ROOT/tests/e2e/run.sh" "$BUILD" | tee "$LOG"

grep -q 'KBENCH done' "$LOG" && ! grep -q 'KBENCH-FAIL' "$LOG" ||
	{ echo "bench/kfront.sh: no figures" >&2; exit 1; }

# KEY of each "KBENCH path=P rep=R scene=S ... KEY=V" line, median over
# the rounds, by scene and path.
median_of() {
	sed -n "s/.*KBENCH path=$1 rep=[0-9]* scene=$2 .*$3=\([0-9.]*\).*/\1/p" "$LOG" |
		sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
echo
printf '%-10s %10s %10s %10s %14s %16s\n' scene kernel bridge llvmpipe \
	kernel/bridge kernel/llvmpipe
for scene in clear build texture upload shading blend readback glscene; do
	k=$(median_of kernel $scene fps) b=$(median_of bridge $scene fps)
	l=$(median_of llvmpipe $scene fps)
	awk -v s=$scene -v k="$k" -v b="$b" -v l="$l" 'BEGIN {
		printf "%-10s %10.1f %10.1f %10.1f %14.2f %16.2f\n", s, k, b, l,
			(b > 0 ? k / b : 0), (l > 0 ? k / l : 0) }'
done
echo "(frames per second, median of the rounds)"
k=$(median_of kernel nop median_us) b=$(median_of bridge nop median_us)
awk -v k="$k" -v b="$b" 'BEGIN {
	printf "NOP round trip: ioctl %.1f us, libvgpufront %.1f us (median); ioctl/libvgpufront %.2f\n",
		k, b, (b > 0 ? k / b : 0) }'
