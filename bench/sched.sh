#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/sched.sh BUILD - the dom0 GPU scheduler with real guests on
# loopback: each guest is stock Mesa (virpipe) behind its own vgpu-vtest
# (tests/loopback-guest.sh) running tests/progs/glload, whose frames are
# GPU work on llvmpipe. Frames are counted by the guests themselves, so
# the figures do not rest on the scheduler's own accounting.
#
#   fairness     4 equal-weight greedy guests: Jain's index of frames
#   weights      weights 1:2:4: largest |share - ideal|
#   interactive  p99 frame time of a 30 fps guest with 3 greedy
#                co-tenants, against alone (medians of 5 runs), and
#                against alone on CPUs kept busy (the control)
#   partitioned  the same, alone and shared, with the guests on half
#                the CPUs and the backend (the GPU) on the other half,
#                as under Xen with a GPU, where guests' vCPUs do not
#                render
#   overhead     one greedy guest, frames with scheduling against
#                --no-sched (medians of 5 alternating runs)
#   aggregate    frames of 8 greedy guests against one
#   stalls       the machine itself: how often a busy CPU is taken from
#                its thread, with one CPU busy and with all
#                (bench/bench_stalls.c), as the interactive figures
#                compare an idle machine with a busy one
#
# Environment: SCHED_SECONDS (6) per run, SCHED_INTERACTIVE_SECONDS (15)
# per interactive run, SCHED_RUNS (5) runs for each median, SCHED_WORK
# (50) loop iterations per pixel, SCHED_STALL_SECONDS (5) for each count
# of busy CPUs, SCHED_ONLY (all seven) the scenarios to run. The last
# line is "summary: key=value ..." for those that ran.
set -euo pipefail

BUILD=${1:-build}
SECS=${SCHED_SECONDS:-6}
ISECS=${SCHED_INTERACTIVE_SECONDS:-15}
WORK=${SCHED_WORK:-50}
RUNS=${SCHED_RUNS:-5}
ONLY=${SCHED_ONLY:-fairness weights interactive partitioned overhead aggregate stalls}
. "$(dirname "$0")/lib.sh"
bench_init sched
GUEST_PIN=()    # a taskset command for the guests, if any

# guests N [glload args]: runs guests 1..N at once; guest i writes $DIR/gi.
guests() {
	local n=$1 i pids=()
	shift
	for i in $(seq "$n"); do
		"${GUEST_PIN[@]}" "$HERE/tests/loopback-guest.sh" "$BUILD" "$i" "$DIR/b.sock" \
			"$BUILD/tests/progs/glload" --work "$WORK" \
			--seconds "$SECS" "$@" >"$DIR/g$i" 2>>"$DIR/guests.log" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$DIR/$1"; }

weight() { "$BUILD/bin/xenvgpu" sched --table="$DIR/b.sock.sched" "$1" weight="$2"; }

summary=()
wants() { [[ " $ONLY " == *" $1 "* ]]; }

fairness() {
	local f=() i jain
	echo "fairness: 4 guests, equal weights"
	start_backend
	guests 4
	for i in 1 2 3 4; do f+=("$(field g$i frames)"); done
	stop_backend
	echo "  frames: ${f[*]}"
	jain=$(printf '%s\n' "${f[@]}" | awk '{s+=$1; q+=$1*$1} END {printf "%.4f", s*s/(NR*q)}')
	echo "  Jain's index $jain (target >= 0.99)"
	summary+=("sched_jain_4_equal=$jain")
}

weights() {
	local f=() i err
	echo "weights: 1:2:4"
	start_backend
	weight 1 256; weight 2 512; weight 3 1024
	guests 3
	for i in 1 2 3; do f+=("$(field g$i frames)"); done
	stop_backend
	err=$(printf '%s\n' "${f[@]}" | awk 'BEGIN {w[1]=1/7; w[2]=2/7; w[3]=4/7}
		{x[NR]=$1; s+=$1} END {for (i=1;i<=NR;i++) {d=x[i]/s-w[i]; if (d<0) d=-d;
		printf "  share %.3f (ideal %.3f)\n", x[i]/s, w[i] > "/dev/stderr"; if (d>m) m=d}
		printf "%.4f", m}')
	echo "  frames: ${f[*]}; largest share error $err (target <= 0.03)"
	summary+=("sched_share_error_1_2_4=$err")
}

# spin N: N SCHED_IDLE spinners for ISECS + 5 s (pids in SPINNERS). Any
# other thread preempts them at once, so they take no CPU from the
# guests; they only keep the machine busy, as a loaded host is.
spin() {
	local i
	SPINNERS=()
	for i in $(seq "$1"); do
		chrt --idle 0 timeout $((ISECS + 5)) sh -c 'while :; do :; done' &
		SPINNERS+=($!)
	done
}

# interactive_run: the 30 fps guest for ISECS; prints its p99 (ms).
interactive_run() {
	"${GUEST_PIN[@]}" "$HERE/tests/loopback-guest.sh" "$BUILD" 9 "$DIR/b.sock" \
		"$BUILD/tests/progs/glload" --work "$WORK" --seconds "$ISECS" \
		--fps 30 >"$DIR/g9" 2>>"$DIR/guests.log"
	field g9 p99_ms
}

# ratio A B: B / A, to two places.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b/a}'; }

# alone_then_shared: appends the 30 fps guest's p99 alone to ALONE, then
# with 3 greedy co-tenants to SHARED. The co-tenants start 1 s before and
# stop 1 s after the interactive guest: it meets them rendering, not
# compiling their shaders or tearing down.
alone_then_shared() {
	local greedy

	ALONE+=("$(interactive_run)")
	SECS=$((ISECS + 2)) guests 3 &
	greedy=$!
	sleep 1
	SHARED+=("$(interactive_run)")
	wait $greedy
}

# Single runs vary by several percent (p99 more): runs repeat, medians
# count. The control runs the guest alone with every CPU kept busy by
# SCHED_IDLE spinners: it tells what a busy machine costs the p99 by
# itself, whoever keeps it busy.
interactive() {
	local busy=() alone shared control r
	echo "interactive: a 30 fps guest alone, with 3 greedy co-tenants," \
		"and alone on busy CPUs ($ISECS s, $RUNS runs each)"
	ALONE=() SHARED=()
	start_backend
	for _ in $(seq "$RUNS"); do
		alone_then_shared
		spin "$(nproc)"
		busy+=("$(interactive_run)")
		kill "${SPINNERS[@]}"
		wait "${SPINNERS[@]}" 2>/dev/null || true
	done
	stop_backend
	echo "  p99 frame times (ms): alone ${ALONE[*]}; shared ${SHARED[*]};" \
		"alone on busy CPUs ${busy[*]}"
	alone=$(median "${ALONE[@]}")
	shared=$(median "${SHARED[@]}")
	busy=$(median "${busy[@]}")
	r=$(ratio "$alone" "$shared")
	control=$(ratio "$busy" "$shared")
	echo "  medians: alone $alone ms, shared $shared ms: ${r}x (target <= 1.5)"
	echo "  control: alone on busy CPUs $busy ms: shared is ${control}x of it"
	summary+=("sched_interactive_p99_ratio=$r"
		  "sched_interactive_p99_vs_busy=$control")
}

# The same guests with the guests on the first half of the CPUs and the
# backend on the rest: the greedy guests' rendering then takes the GPU
# from the interactive guest, not the CPU its own threads run on.
partitioned() {
	local n=$(nproc) guest_cpus backend_cpus alone shared r
	if [ "$n" -lt 2 ]; then
		echo "partitioned: skipped, this machine has one CPU"
		return
	fi
	guest_cpus=0-$((n / 2 - 1))
	backend_cpus=$((n / 2))-$((n - 1))
	echo "partitioned: the same, the guests on CPUs $guest_cpus and" \
		"the backend on CPUs $backend_cpus ($ISECS s, $RUNS runs each)"
	ALONE=() SHARED=()
	GUEST_PIN=(taskset -c "$guest_cpus")
	BACKEND_PIN=(taskset -c "$backend_cpus")
	start_backend
	for _ in $(seq "$RUNS"); do
		alone_then_shared
	done
	stop_backend
	GUEST_PIN=() BACKEND_PIN=()
	echo "  p99 frame times (ms): alone ${ALONE[*]}; shared ${SHARED[*]}"
	alone=$(median "${ALONE[@]}")
	shared=$(median "${SHARED[@]}")
	r=$(ratio "$alone" "$shared")
	echo "  medians: alone $alone ms, shared $shared ms: ${r}x (target <= 1.5)"
	summary+=("sched_interactive_p99_ratio_partitioned=$r")
}

# Sets ONE, the median frames of one greedy guest alone (scheduled).
overhead() {
	local on=() off=() loss
	echo "overhead: one greedy guest, scheduling on and off, $RUNS runs each"
	for _ in $(seq "$RUNS"); do
		start_backend
		guests 1
		on+=("$(field g1 frames)")
		stop_backend
		start_backend --no-sched
		guests 1
		off+=("$(field g1 frames)")
		stop_backend
	done
	echo "  frames: scheduled ${on[*]}; unscheduled ${off[*]}"
	ONE=$(median "${on[@]}")
	off=$(median "${off[@]}")
	loss=$(awk -v a="$ONE" -v b="$off" 'BEGIN {printf "%.4f", 1 - a/b}')
	echo "  medians: $ONE scheduled, $off unscheduled: lost $loss (target <= 0.02)"
	summary+=("sched_overhead_loss=$loss")
}

aggregate() {
	local agg=0 i aggr
	echo "aggregate: 8 greedy guests against one alone"
	start_backend
	if [ -z "${ONE:-}" ]; then
		guests 1
		ONE=$(field g1 frames)
	fi
	guests 8
	for i in $(seq 8); do agg=$((agg + $(field g$i frames))); done
	stop_backend
	aggr=$(ratio "$ONE" "$agg")
	echo "  8 guests $agg frames against one alone $ONE: ${aggr}x (target >= 0.9)"
	summary+=("sched_aggregate_8_vs_1=$aggr")
}

# Nothing else of ours runs meanwhile: the stalls are the machine's.
stalls() {
	local out
	echo "stalls: threads reading the clock on 1 to $(nproc) busy CPUs"
	out=$("$BUILD/bench/bench_stalls" --seconds "${SCHED_STALL_SECONDS:-5}")
	grep -v '^summary:' <<<"$out" | sed 's/^/  /'
	summary+=($(sed -n 's/^summary: //p' <<<"$out"))
}

for scenario in fairness weights interactive partitioned overhead aggregate stalls; do
	if wants "$scenario"; then
		"$scenario"
	fi
done
echo "summary: ${summary[*]}"
