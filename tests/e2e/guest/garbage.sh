#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU for steps/30-vgpu-refusals.sh: publishes garbage
# in its vgpu device directory, then starts over when dom0 says so.
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
sleep 600
