#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fuzz/run.sh BUILD SECONDS [TARGET...] - run the libFuzzer targets built
# in BUILD/fuzz/ (make FUZZ=1 fuzzers), one after the other:
#
#   1. replay every input in fuzz/regressions/TARGET/ (crashes found
#      before, kept as regression tests) once;
#   2. fuzz for SECONDS, starting from fuzz/corpus/TARGET/ (checked in,
#      left untouched) with fuzz/TARGET.dict if there is one. New inputs
#      go to BUILD/fuzz/corpus/TARGET/, crashes to
#      BUILD/fuzz/artifacts/TARGET/, the log to BUILD/fuzz/TARGET.log.
#
# TARGET is the name without "fuzz_" (dispatch, vtest, spec, nodes); all
# of them by default. A target passes if neither step crashed. The last
# line is "N passed, N failed"; the exit status is non-zero on a failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: fuzz/run.sh BUILD SECONDS [TARGET...]}
secs=${2:?usage: fuzz/run.sh BUILD SECONDS [TARGET...]}
shift 2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
failures=()

targets() {
	local bin
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
		return 0
	fi
	for bin in "$build"/fuzz/fuzz_*; do
		[ -x "$bin" ] && basename "$bin" | sed 's/^fuzz_//'
	done
	return 0
}

# replay T BIN: runs each regression input once.
replay() {
	local t=$1 bin=$2 inputs
	inputs=$(find "$here/regressions/$t" -type f 2>/dev/null | sort)
	[ -n "$inputs" ] || return 0
	echo "=== $t: replaying $(echo "$inputs" | wc -l) regression input(s)"
	# shellcheck disable=SC2086
	"$bin" $inputs >"$build/fuzz/$t.replay.log" 2>&1 || {
		tail -n 40 "$build/fuzz/$t.replay.log"
		return 1
	}
}

# fuzz T BIN: fuzzes for $secs seconds.
fuzz() {
	local t=$1 bin=$2 work=$build/fuzz/corpus/$1 art=$build/fuzz/artifacts/$1
	local dict=() rc=0
	mkdir -p "$work" "$art" "$here/corpus/$t"
	[ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
	echo "=== $t: fuzzing for $secs s"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" \
		"$work" "$here/corpus/$t" >"$build/fuzz/$t.log" 2>&1 || rc=$?
	grep -E '^#[0-9]+.*(DONE|cov:)' "$build/fuzz/$t.log" | tail -n 1 || true
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' \
		"$build/fuzz/$t.log" || true
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$build/fuzz/$t.log"
		echo "$t: crash input(s) in $art/; copy each to" \
			"fuzz/regressions/$t/ once fixed"
		return 1
	fi
}

for t in $(targets "$@"); do
	bin=$build/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "run.sh: $bin is not built (make FUZZ=1 fuzzers)" >&2
		failed=$((failed + 1))
		failures+=("$t (not built)")
		continue
	fi
	if replay "$t" "$bin" && fuzz "$t" "$bin"; then
		passed=$((passed + 1))
		echo "=== PASS $t"
	else
		failed=$((failed + 1))
		failures+=("$t")
		echo "=== FAIL $t"
	fi
done

for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
