#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/deps.sh ROLE - install the Debian 12 packages ROLE needs.
#
#   demo   build + run the glmark2 demo through the loopback stack
#   check  build + run the tests (cmocka, sanitizers, valgrind)
#   bench  build + run the benchmarks
#   fuzz   build + run the libFuzzer targets (clang, its runtimes)
#
# Installs only what is missing (checked with dpkg-query), so a machine
# that already has everything returns at once without touching apt.
set -euo pipefail

die() { echo "deps.sh: $*" >&2; exit 1; }

# libvncserver-dev serves and reads the screen (VNC), libpng-dev writes
# screenshots, libdrm-dev and libgbm-dev build the KMS programs run in
# guests.
BASE=(build-essential pkg-config libvirglrenderer-dev libepoxy-dev
      libxen-dev libegl-dev libegl1-mesa-dev libgl1-mesa-dev libgles-dev
      libgl1-mesa-dri libegl-mesa0 mesa-utils libcmocka-dev libseccomp-dev
      libvncserver-dev libpng-dev libdrm-dev libgbm-dev)
DEMO=(virgl-server glmark2-es2-x11 glmark2-data xvfb xauth)
# python3 runs the style check, linux-headers-amd64 builds the kernel's
# view of include/vgpuif.h (make style, make kcheck).
CHECK=(virgl-server valgrind systemd glmark2-es2-x11 glmark2-data xvfb
       python3 linux-headers-amd64)
FUZZ=(clang-14 libclang-rt-14-dev)

[ $# -eq 1 ] || die "usage: $0 demo|check|bench|fuzz"
case "$1" in
demo|bench) want=("${BASE[@]}" "${DEMO[@]}") ;;
check)      want=("${BASE[@]}" "${CHECK[@]}") ;;
fuzz)       want=("${BASE[@]}" "${FUZZ[@]}") ;;
*)          die "unknown role '$1' (expected demo, check, bench or fuzz)" ;;
esac

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for pkg in "${want[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps.sh: all packages for '$1' are installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	die "missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})"
fi

echo "deps.sh: installing for '$1': ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}" </dev/null
