#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the domU, chrooted into dom0's root: Mesa on llvmpipe.
# eglinfo (mesa-utils 8.5) tries every platform, exits 1 when any fails
# (no X, no GBM here), and prints no renderer string: check its
# surfaceless section for the swrast driver, and run glscene (tests/progs,
# when built), which prints GL_RENDERER.
uname -r
out=$(eglinfo -p surfaceless 2>&1)
echo "$out" | sed -n '/^Surfaceless platform:/,/^EGL extensions/p' | grep -v extensions
echo "$out" | grep -q 'EGL driver name: swrast' || { echo "eglinfo: no swrast on surfaceless"; exit 1; }
prog=$E2E_BUILD/tests/progs/glscene
if [ -x "$prog" ]; then
	"$prog" /tmp/glscene.ppm 2>&1 | head -n 5
else
	echo "GL_RENDERER: unknown ($prog not built)"
fi
