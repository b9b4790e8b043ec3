# SPDX-License-Identifier: GPL-2.0
# tools/refusals.sh - sourced by the demo, the benchmarks and the e2e
# steps. vgpu_refusals LOG prints the requests vgpu-backend refused, as
# its log says them (vgpuback_reject() in backend/dispatch.c), and
# returns 0 when there were any. A run with a refused request drew less
# than it was asked to, so its pictures and figures mean nothing.
vgpu_refusals() {
	grep -E '\) -> -[0-9]+: |more rejections not logged' "$1"
}
