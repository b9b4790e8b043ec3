# SPDX-License-Identifier: GPL-2.0
# bench/screen/lib.sh - what the screen benchmark's dom0 steps share.

# record_screen LABEL CONFIG-LINE VNC-ADDRESS: boots the guest
# screen-LABEL with CONFIG-LINE, waits for its animation, records
# VNC-ADDRESS for 20 s, and prints the recorder's figures.
record_screen() {
	local label=$1 line=$2 addr=$3 domid rc=0
	name=screen-$label
	mkdir -p /var/lib/e2e
	DOMU_MEMORY=384 domu_config "$name" "$E2E_ROOT/bench/screen/guest.sh" \
		"$line" >"/var/lib/e2e/$name.cfg"
	rm -f "$(domu_log "$name")"
	xl create -q "/var/lib/e2e/$name.cfg" || fail "xl create $name failed"
	domid=$(xl domid "$name")
	console_wait SCREEN-ANIM-START 300 || {
		sed 's/^/  domU| /' "$(domu_log "$name")"
		fail "$name: the animation did not start"
	}
	"$E2E_BUILD/bench/screen-vncrec" "$addr" --seconds=20 --guest="$domid" \
		--label="$label" || rc=$?
	if [ "$rc" != 0 ]; then
		ss -ltn | sed 's/^/  listening| /'
		tail -n 20 /var/log/xen/qemu-dm-"$name".log 2>/dev/null | sed 's/^/  qemu-dm| /'
	fi
	domu_wait "$name" 120 || true
	sed 's/^/  domU| /' "$(domu_log "$name")"
	[ "$rc" = 0 ] || fail "$name: screen-vncrec exited with $rc"
}

# with_backend COMMAND...: runs COMMAND with vgpu-backend --xen serving
# dom0's vgpu devices, and stops the daemon after it.
with_backend() {
	local log=/tmp/vgpu-backend-screen.log backend rc=0
	[ -f "$E2E_BUILD/modules/xen_vgpu.ko" ] ||
		fail "$E2E_BUILD/modules/xen_vgpu.ko not built (make modules)"
	"$E2E_BUILD/bin/vgpu-backend" --xen >"$log" 2>&1 &
	backend=$!
	daemon_wait "$log"
	( "$@" ) || rc=$?
	kill "$backend"; wait "$backend" 2>/dev/null
	sed 's/^/  backend| /' "$log" | tail -n 20
	[ "$rc" = 0 ] || exit "$rc"
}
