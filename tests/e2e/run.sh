#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/e2e/run.sh [BUILD] - boot Xen 4.17 + a PV dom0 under QEMU (TCG),
# run tests/e2e/dom0.sh there (which runs tests/e2e/steps/*.sh), and
# report. BUILD is the build directory (default: build/ in this checkout);
# images, the env file and the serial log go to BUILD/e2e/.
#
# Environment:
#   E2E_TIMEOUT       overall limit in seconds (2400)
#   E2E_STEPS         only these steps: names or globs, space-separated ("10-*")
#   E2E_STEP_DIR      where the steps are (tests/e2e/steps; the screen
#                     benchmark runs its own, bench/screen/steps)
#   E2E_STEP_TIMEOUT  limit per step inside dom0, seconds (900)
#   E2E_MEM           QEMU memory in MiB (4608); E2E_DOM0_MEM dom0's share
#                     (2048M: step 60 keeps a saved guest in its memory)
#   E2E_XEN_ARGS      more Xen options (guest_loglvl=all shows why Xen
#                     refuses a guest's page-table update)
#   E2E_VERBOSE=1     stream the whole serial console, not just E2E lines
set -euo pipefail

die() { echo "e2e/run.sh: $*" >&2; exit 2; }

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
mkdir -p "${1:-$ROOT/build}"
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
OUT=$BUILD/e2e
LOG=$OUT/serial.log
TIMEOUT=${E2E_TIMEOUT:-2400}
STEP_DIR=$(cd "${E2E_STEP_DIR:-$E2E_DIR/steps}" && pwd)
case $ROOT in *[[:space:]]*) die "the checkout path '$ROOT' has spaces; the kernel command line cannot carry it" ;; esac

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found; run tests/e2e/deps.sh"
"$E2E_DIR/mkinitrd.sh" "$OUT"
KVER=$(cat "$OUT/kver")
[ -r "/boot/vmlinuz-$KVER" ] ||
	die "/boot/vmlinuz-$KVER is not readable (Debian makes it 0600): run as root, or chmod a+r it"

# dom0 sees the host's root, so these paths are valid in dom0 (and, over
# dom0's 9p export, in the domUs) as they are here.
cat >"$OUT/env" <<ENV
E2E_ROOT='$ROOT'
E2E_BUILD='$BUILD'
E2E_OUT='$OUT'
E2E_KVER='$KVER'
E2E_STEPS='${E2E_STEPS:-}'
E2E_STEP_DIR='$STEP_DIR'
E2E_STEP_TIMEOUT='${E2E_STEP_TIMEOUT:-900}'
ENV

# The steps dom0 will run (E2E_STEPS filters by name or glob); any that
# reports nothing counts as failed.
selected() {
	local pat pats
	[ -n "${E2E_STEPS:-}" ] || return 0
	read -ra pats <<<"$E2E_STEPS"
	for pat in "${pats[@]}"; do [[ $1 == $pat ]] && return 0; done
	return 1
}
expected=00-xen-userland
for s in "$STEP_DIR"/[0-9]*.sh; do
	name=$(basename "$s" .sh)
	if selected "$name"; then expected="$expected $name"; fi
done
: >"$LOG"
qemu_pid=
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null || true
		sleep 1
		kill -9 "$qemu_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "e2e: booting Xen + dom0 ($KVER) under QEMU TCG; serial log: $LOG"
start=$(date +%s.%N)
qemu-system-x86_64 -accel tcg -m "${E2E_MEM:-4608}" -smp 2 \
	-display none -monitor none -parallel none -no-reboot \
	-serial "file:$LOG" \
	-kernel "$OUT/xen" \
	-append "dom0_mem=${E2E_DOM0_MEM:-2048M},max:${E2E_DOM0_MEM:-2048M} console=com1 com1=115200 noreboot ${E2E_XEN_ARGS:-}" \
	-initrd "/boot/vmlinuz-$KVER console=hvc0 e2e_script=$E2E_DIR/dom0.sh e2e_env=$OUT/env,$OUT/dom0-initrd.gz" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	</dev/null >"$OUT/qemu.log" 2>&1 &
qemu_pid=$!

elapsed() { awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# Watch the log: echo E2E lines as they come, stop at E2E-DONE, a crash,
# QEMU's exit or the timeout.
seen=0 t_dom0= why=
while :; do
	n=$(wc -l <"$LOG")
	if [ "$n" -gt "$seen" ]; then
		new=$(sed -n "$((seen + 1)),${n}p" "$LOG" | tr -d '\r')
		seen=$n
		if [ "${E2E_VERBOSE:-0}" = 1 ]; then
			printf '%s\n' "$new"
		else
			printf '%s\n' "$new" | grep -E '^(E2E-|  \[)' || true
		fi
		if [ -z "$t_dom0" ] && grep -q 'E2E-DOM0-START' <<<"$new"; then t_dom0=$(elapsed); fi
	fi
	if grep -q '^E2E-DONE' <(tr -d '\r' <"$LOG"); then break; fi
	# dom0's own init failures and crashes (not a guest's, whose console
	# lines a step prints indented).
	if grep -qE '^(E2E-INIT-FAIL|E2E-DOM0-EXIT|\[ *[0-9.]+\] Kernel panic|\(XEN\).*Dom0 crashed)' "$LOG"; then
		why="dom0 failed (see $LOG)"; break
	fi
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		why="QEMU exited early: $(tail -n 3 "$OUT/qemu.log" | tr '\n' ' ')"; break
	fi
	if awk -v e="$(elapsed)" -v t="$TIMEOUT" 'BEGIN { exit !(e >= t) }'; then
		why="timed out after ${TIMEOUT}s (E2E_TIMEOUT); killed QEMU"; break
	fi
	sleep 0.5
done
total=$(elapsed)

# Let dom0 power off by itself for a few seconds, then kill QEMU.
if [ -z "$why" ]; then
	for _ in $(seq 20); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.5; done
fi
cleanup

# Results: one per step that ran, plus FAIL for every expected step
# without a result (dom0 died, or the run timed out).
results=$(tr -d '\r' <"$LOG" | sed -n 's/^E2E-STEP \([^ ]*\) \(PASS\|FAIL\|SKIP\) *\(.*\)$/\1 \2 \3/p')
pass=0 fail=0 skip=0
echo
echo "e2e results:"
for name in $expected; do
	line=$(awk -v n="$name" '$1 == n' <<<"$results" | tail -n 1)
	[ -n "$line" ] || line="$name FAIL no result${why:+: $why}"
	read -r _ verdict reason <<<"$line"
	case $verdict in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*)    fail=$((fail + 1)) ;;
	esac
	printf '  %-28s %s %s\n' "$name" "$verdict" "$reason"
done
echo "timings:"
echo "  qemu-start-to-dom0-script    ${t_dom0:-n/a}${t_dom0:+s}"
tr -d '\r' <"$LOG" | sed -n 's/^.*E2E-TIME \([^ ]*\) \(.*\)$/  \1 \2/p' |
	awk '{ printf "  %-28s %s\n", $1, $2 }'
echo "  total-wall-time              ${total}s"
if [ -n "$why" ]; then
	echo "e2e: $why"
	echo "--- last 40 lines of $LOG ---"
	tail -n 40 "$LOG" | tr -d '\r'
fi
[ "$skip" = 0 ] || echo "$skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ -z "$why" ]
