#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU for steps/30-vgpu-refusals.sh: publishes garbage
# in its vgpu device directory, then starts over when dom0 says so; then
# breaks and restarts its device CHURN times in a row, as a guest that
# makes dom0 restart its worker on purpose would.
d=device/vgpu/0
be=$(xenstore-read $d/backend)
wait_state() {
	i=0
	until [ "$(xenstore-read "$be/state")" = "$1" ]; do
		i=$((i + 1)); [ $i -lt 300 ] || return 1
		sleep 1
	done
}
xenstore-write $d/state 1
wait_state 2 || { echo "backend never reached InitWait"; exit 1; }
xenstore-write $d/protocol-version 1 $d/ring-ref 8 $d/cmd-dir-ref 9 \
	$d/cmd-pages 1 $d/event-channel not-a-port $d/state 3
echo "garbage published"
i=0
until [ "$(xenstore-read e2e/go 2>/dev/null)" = again ]; do
	i=$((i + 1)); [ $i -lt 300 ] || exit 1
	sleep 1
done
xenstore-write $d/state 1
echo "started over"
n=0
t0=$(date +%s)
while [ $n -lt "${CHURN:-10}" ]; do
	wait_state 2 || { echo "no backend after $n restarts"; exit 1; }
	xenstore-write $d/event-channel not-a-port $d/state 3
	wait_state 6 || { echo "restart $n was not refused"; exit 1; }
	xenstore-write $d/state 1
	n=$((n + 1))
done
wait_state 2 || { echo "no backend after the last restart"; exit 1; }
echo "E2E-CHURN restarts=$n seconds=$(($(date +%s) - t0))"
sleep 600
