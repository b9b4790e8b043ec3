#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/loopback-guest.sh BUILD DOMID BACKEND_SOCK CMD [ARGS...]
#
# Runs CMD as loopback guest DOMID: in a mount namespace of its own, with
# a /tmp of its own holding a vgpu-vtest of its own on /tmp/.virgl_test
# (the path Mesa 22.3 hard-codes), which reaches the backend as
# loopback@DOMID. So several "guests" run side by side on one host, each
# with stock Mesa (GALLIUM_DRIVER=virpipe). BACKEND_SOCK must not be
# under /tmp. Exits with CMD's status; vgpu-vtest's log goes to stderr.
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 BUILD DOMID BACKEND_SOCK CMD..." >&2; exit 2; }
case "$3" in
/tmp/*) echo "$0: BACKEND_SOCK must not be under /tmp" >&2; exit 2 ;;
esac

if [ -z "${VGPU_GUEST_NS:-}" ]; then
	VGPU_GUEST_NS=1 exec unshare -m "$0" "$@"
fi
build=$1 domid=$2 sock=$3
shift 3
mount --make-rprivate /
mount -t tmpfs tmpfs /tmp
"$build/bin/vgpu-vtest" --transport="loopback@$domid:$sock" &
vtest=$!
trap 'kill $vtest 2>/dev/null; wait $vtest 2>/dev/null || true' EXIT
for _ in $(seq 200); do
	[ -S /tmp/.virgl_test ] && break
	kill -0 $vtest 2>/dev/null || { echo "$0: vgpu-vtest died" >&2; exit 1; }
	sleep 0.05
done
rc=0
GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 "$@" || rc=$?
exit $rc
