#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench/kfront/guest.sh: runs in the benchmark's domU (chrooted into
# dom0's root, as the e2e guests are), which has two vgpu devices. Device
# 0 goes to the kernel driver (xen_vgpu.ko), device 1 to the userspace
# bridge (vgpu-vtest); llvmpipe in the guest is the third path, what a
# guest without vgpu= has. After one untimed warm-up glscene per path, in
# each of KBENCH_REPS rounds every path runs
# glscenes (the glmark2-style scene set) and glscene (our scene program,
# KBENCH_FRAMES frames), the paths taking turns in an order that rotates
# each round. Then the NOP round trip:
# the driver's NOP ioctl against libvgpufront's (bench_nop -t xen:1, what
# the bridge sends requests through), also in turns. Prints one
# "KBENCH ..." line per figure and "KBENCH-FAIL why" on a failure; the
# images of each path's last glscenes run are checked against llvmpipe's.
B=$E2E_BUILD
REPS=3
SECONDS_PER_SCENE=3
FRAMES=20
NOP_ROUNDS=2000

fail() { echo "KBENCH-FAIL $*"; dmesg | tail -n 20; exit 1; }
now() { cut -d' ' -f1 /proc/uptime; }

# Each path's environment: the kernel path needs none.
run_path() {
	path=$1; shift
	case $path in
	kernel) "$@" ;;
	bridge) GALLIUM_DRIVER=virpipe LIBGL_ALWAYS_SOFTWARE=1 "$@" ;;
	llvmpipe) LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe "$@" ;;
	esac
}

# The renderer each path must report; anything else is the wrong path.
want_renderer() {
	case $1 in
	kernel|bridge) echo "GL_RENDERER: virgl" ;;
	llvmpipe) echo "GL_RENDERER: llvmpipe" ;;
	esac
}

scenes() {
	path=$1 rep=$2
	mkdir -p "/tmp/img-$path"
	if ! run_path "$path" timeout 300 "$B/tests/progs/glscenes" \
		--seconds "$SECONDS_PER_SCENE" --out "/tmp/img-$path" \
		>/tmp/scenes.out 2>/tmp/scenes.err; then
		cat /tmp/scenes.err
		fail "glscenes on $path failed"
	fi
	grep -q "$(want_renderer "$path")" /tmp/scenes.err ||
		{ cat /tmp/scenes.err; fail "glscenes on $path: wrong renderer"; }
	sed "s/^/KBENCH path=$path rep=$rep /" /tmp/scenes.out
}

# glscene draws and reads back FRAMES frames; frames per second of it.
scene_program() {
	path=$1 rep=$2
	t0=$(now)
	run_path "$path" timeout 300 "$B/tests/progs/glscene" --frames "$FRAMES" \
		"/tmp/glscene-$path.ppm" 2>/tmp/glscene.err ||
		{ cat /tmp/glscene.err; fail "glscene on $path failed"; }
	grep -q "$(want_renderer "$path")" /tmp/glscene.err ||
		fail "glscene on $path: wrong renderer"
	awk -v p="$path" -v r="$rep" -v n="$FRAMES" -v a="$t0" -v b="$(now)" \
		'BEGIN { printf "KBENCH path=%s rep=%s scene=glscene frames=%d seconds=%.2f fps=%.2f\n", p, r, n, b - a, n / (b - a) }'
}

check_images() {
	for img in /tmp/img-llvmpipe/*.ppm /tmp/glscene-llvmpipe.ppm; do
		for path in kernel bridge; do
			other=$(echo "$img" | sed "s/llvmpipe/$path/")
			"$B/tests/progs/ppmdiff" "$img" "$other" >/tmp/diff.out ||
				{ cat /tmp/diff.out; fail "$other differs from llvmpipe's"; }
		done
	done
	echo "KBENCH images match llvmpipe's"
}

modprobe -a xen-evtchn xen-gntalloc drm_shmem_helper drm_kms_helper ||
	fail "modprobe"
echo 65536 >/sys/module/xen_gntalloc/parameters/limit
insmod "$B/modules/xen_vgpu.ko" || fail "insmod xen_vgpu.ko"
i=0
until [ -e /sys/bus/xen/drivers/vgpu/vgpu-1 ]; do
	i=$((i + 1)); [ $i -lt 60 ] || fail "the driver did not bind vgpu-1"
	sleep 1
done
# Device 1 is the bridge's: the driver lets it go.
echo vgpu-1 >/sys/bus/xen/drivers/vgpu/unbind || fail "unbind vgpu-1"
"$B/bin/vgpu-vtest" --transport=xen:1 >/tmp/vtest.log 2>&1 &
vtest=$!
i=0
until [ -S /tmp/.virgl_test ] &&
	[ "$(ls /dev/dri/renderD* 2>/dev/null | wc -l)" = 1 ]; do
	i=$((i + 1))
	kill -0 $vtest 2>/dev/null && [ $i -lt 120 ] ||
		{ cat /tmp/vtest.log; fail "no bridge or no render node"; }
	sleep 1
done
# Device 0's node, whichever minor it got.
node=$(ls /dev/dri/renderD* | head -n 1)
echo "kernel path: $node"

# One untimed glscene per path first: the guest's first GL process pays
# dom0's cold shader cache (the workers share it) whichever path it
# takes. The order then rotates each round, so no path always pays the
# guest's page cache of going first.
for path in kernel bridge llvmpipe; do
	run_path "$path" timeout 300 "$B/tests/progs/glscene" --frames 1 \
		/tmp/warm.ppm 2>/tmp/glscene.err ||
		{ cat /tmp/glscene.err; fail "glscene on $path failed"; }
done
order="kernel bridge llvmpipe"
for rep in $(seq "$REPS"); do
	for path in $order; do
		scenes "$path" "$rep"
		scene_program "$path" "$rep"
	done
	order="${order#* } ${order%% *}"
done
check_images

# The bridge's device is libvgpufront's alone for its NOP figure.
kill $vtest
wait $vtest
for rep in $(seq "$REPS"); do
	"$B/modules/selftest/kfront-selftest" "$node" --nop \
		"$NOP_ROUNDS" >/tmp/nop.out || fail "the NOP ioctl failed"
	sed "s/^nop /KBENCH path=kernel rep=$rep scene=nop /" /tmp/nop.out
	"$B/bench/bench_nop" -t xen:1 -n "$NOP_ROUNDS" >/tmp/nop.out 2>&1 ||
		{ cat /tmp/nop.out; fail "bench_nop -t xen:1 failed"; }
	sed -n "s/^summary: nop_sleep_median_us=\([0-9.]*\) nop_sleep_p99_us=\([0-9.]*\)/KBENCH path=bridge rep=$rep scene=nop median_us=\1 p99_us=\2/p" /tmp/nop.out
done
if dmesg | grep -qE 'WARNING:|BUG:|Oops'; then
	fail "the kernel log has a warning or an oops"
fi
echo "KBENCH done"
