#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/run.sh BUILD [SANBUILD] - run every cmocka test binary:
#
#   1. BUILD/tests/test_*                    plain build
#   2. SANBUILD/tests/test_*                 ASan + UBSan, leak checking on
#                                            (LSan suppressions: lsan.supp)
#   3. BUILD/tests/test_* under valgrind     and vgpu-backend under valgrind
#                                            too, via VGPU_BACKEND_WRAPPER
#
# Each binary in each pass counts once. The last line is "N passed,
# N failed"; the exit status is non-zero if anything failed.
#
# Environment: VGPU_VALGRIND=0 skips pass 3. VGPU_TEST_TIMEOUT (seconds,
# default 600) bounds one binary in passes 1-2; pass 3 gets 3 times that.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: tests/run.sh BUILD [SANBUILD]}
san=${2:-}
limit=${VGPU_TEST_TIMEOUT:-600}

passed=0
failed=0
failures=()

# run_one LABEL CMD... : runs one test binary, counts it.
run_one() {
	local label=$1 rc=0 start=$SECONDS
	shift
	echo "=== RUN  $label"
	"$@" </dev/null || rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "=== PASS $label ($((SECONDS - start)) s)"
	else
		failed=$((failed + 1))
		failures+=("$label (exit $rc)")
		echo "=== FAIL $label (exit $rc, $((SECONDS - start)) s)"
	fi
}

# list_tests DIR : the test binaries of a build, one per line.
list_tests() {
	local t
	for t in "$1"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] && echo "$t"
	done
	return 0
}

plain_pass() {
	local t
	for t in $(list_tests "$build"); do
		run_one "$build/$(basename "$t")" \
			env VGPU_BUILD="$build" timeout -k 10 "$limit" "$t"
	done
}

san_pass() {
	local t
	for t in $(list_tests "$san"); do
		run_one "$san/$(basename "$t")" \
			env VGPU_BUILD="$san" \
			ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
			LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0" \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			timeout -k 10 "$limit" "$t"
	done
}

valgrind_pass() {
	local t vg
	if ! command -v valgrind >/dev/null; then
		echo "run.sh: valgrind is not installed (tools/deps.sh check" \
			"installs it; VGPU_VALGRIND=0 skips this pass)" >&2
		failed=$((failed + 1))
		failures+=("valgrind (not installed)")
		return 0
	fi
	# Not --quiet: the harness looks for "ERROR SUMMARY: N" in the
	# backend's log, which also catches errors in its forked workers.
	vg="valgrind --leak-check=full --show-leak-kinds=definite"
	vg+=" --errors-for-leak-kinds=definite --error-exitcode=3"
	vg+=" --keep-debuginfo=yes --suppressions=$here/valgrind.supp"
	for t in $(list_tests "$build"); do
		run_one "valgrind/$(basename "$t")" \
			env VGPU_BUILD="$build" VGPU_BACKEND_WRAPPER="$vg" \
			timeout -k 10 $((limit * 3)) $vg --quiet "$t"
	done
}

if [ -z "$(list_tests "$build")" ]; then
	echo "run.sh: no test binaries in $build/tests (run make tests)" >&2
	failed=$((failed + 1))
	failures+=("$build: no tests")
fi
plain_pass
if [ -n "$san" ]; then
	if [ -z "$(list_tests "$san")" ]; then
		echo "run.sh: no test binaries in $san/tests" \
			"(run make SAN=1 tests)" >&2
		failed=$((failed + 1))
		failures+=("$san: no tests")
	fi
	san_pass
fi
if [ "${VGPU_VALGRIND:-1}" != 0 ]; then
	valgrind_pass
fi

echo
for f in "${failures[@]+"${failures[@]}"}"; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
