#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/e2e/mkinitrd.sh OUTDIR - build what `tests/e2e/run.sh` boots:
#   OUTDIR/xen              the hypervisor (ELF32 multiboot, from /boot/xen-4.17-amd64.gz)
#   OUTDIR/dom0-initrd.gz   busybox; mounts the host root over virtio-9p (ro),
#                           overlays a tmpfs, switch_root, runs e2e_script=
#   OUTDIR/domu-initrd.gz   busybox; mounts dom0's root over Xen 9pfs (ro),
#                           chroots there, runs e2e_guest=, prints E2E-GUEST-END,
#                           powers off
#   OUTDIR/kver             the kernel version all of this was built for
# Outputs are reused while the kernel version and this script are unchanged.
set -euo pipefail

die() { echo "e2e/mkinitrd.sh: $*" >&2; exit 1; }

OUT=${1:?usage: $0 OUTDIR}
mkdir -p "$OUT"

# KVER: the installed linux-image-amd64 (not `uname -r`, the build
# machine's own kernel), i.e. the newest /boot/vmlinuz-* with modules.
KVER=
for k in $(ls /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V); do
	[ -d "/lib/modules/$k/kernel" ] && KVER=$k
done
[ -n "$KVER" ] || die "no /boot/vmlinuz-* with /lib/modules; run tests/e2e/deps.sh"
[ -f /boot/xen-4.17-amd64.gz ] || die "no /boot/xen-4.17-amd64.gz; run tests/e2e/deps.sh"
[ -x /bin/busybox ] || die "no /bin/busybox; run tests/e2e/deps.sh"

key="$KVER $(stat -c %Y "$0") $(stat -c %Y /boot/xen-4.17-amd64.gz)"
if [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$key" ] &&
   [ -s "$OUT/dom0-initrd.gz" ] && [ -s "$OUT/domu-initrd.gz" ] && [ -s "$OUT/xen" ]; then
	exit 0
fi
echo "e2e/mkinitrd.sh: building initramfs images for $KVER in $OUT"

# Print MODULE and its dependencies, dependencies first, each once.
declare -A seen=()
modorder() {
	local m=$1 d
	m=${m//-/_}
	[ -n "${seen[$m]:-}" ] && return 0
	seen[$m]=1
	for d in $(modinfo -k "$KVER" -F depends "$m" | tr ',' ' '); do
		modorder "$d"
	done
	echo "$m"
}

# mkimage NAME INIT MODULE... - a gzip'd newc cpio with busybox, the
# modules (as /lib/e2e/NN-name.ko, load order in the name) and INIT.
mkimage() {
	local name=$1 init=$2; shift 2
	local tree n=10 m f
	tree=$(mktemp -d)
	mkdir -p "$tree"/{bin,dev,proc,sys,host,newroot,lib/e2e}
	cp /bin/busybox "$tree/bin/busybox"
	ln -s busybox "$tree/bin/sh"
	seen=()
	for m in $(for x in "$@"; do modorder "$x"; done); do
		f=$(modinfo -k "$KVER" -n "$m") || die "module $m not found for $KVER"
		case $f in
		*.ko)     cp "$f" "$tree/lib/e2e/$n-$m.ko" ;;
		*.ko.xz)  xz -dc "$f" >"$tree/lib/e2e/$n-$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$tree/lib/e2e/$n-$m.ko" ;;
		*)        continue ;;	# (builtin)
		esac
		n=$((n + 1))
	done
	printf '%s\n' "$init" >"$tree/init"
	chmod +x "$tree/init"
	(cd "$tree" && find . | cpio -o -H newc --quiet | gzip -9) >"$OUT/$name.tmp"
	mv "$OUT/$name.tmp" "$OUT/$name"
	rm -rf "$tree"
}

# Shared start of both /init scripts: busybox applets, pseudo fs, the
# modules in order, and $(arg NAME) to read NAME=value from the kernel
# command line.
INIT_HEAD='#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
arg() { for w in $(cat /proc/cmdline); do case $w in "$1"=*) echo "${w#*=}";; esac; done; }
halt_now() { echo "E2E-INIT-FAIL $*"; echo o >/proc/sysrq-trigger; sleep 60; }
for m in /lib/e2e/*.ko; do insmod "$m" || halt_now "insmod $m"; done'

mkimage dom0-initrd.gz "$INIT_HEAD"'
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host ||
	halt_now "mount hostroot over virtio-9p (is QEMU started with -virtfs ...mount_tag=hostroot?)"
mkdir -p /rw && mount -t tmpfs -o mode=0755 tmpfs /rw && mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	halt_now "overlay mount"
script=$(arg e2e_script)
[ -n "$script" ] || halt_now "no e2e_script= on the kernel command line"
for d in proc sys dev; do mount --move /$d /newroot/$d; done
# PID 1 must never exit: run the script, then power off.
exec switch_root /newroot /bin/sh -c "/bin/bash $script; echo E2E-DOM0-EXIT rc=\$?; echo o >/proc/sysrq-trigger; sleep 60"
' overlay 9p 9pnet_virtio virtio_pci

mkimage domu-initrd.gz "$INIT_HEAD"'
mount -t 9p -o trans=xen,version=9p2000.L,ro,cache=loose hostroot /host ||
	halt_now "mount hostroot over Xen 9pfs (does the config have p9 = [ tag=hostroot ... ]?)"
# The guest root: a tmpfs with bind mounts of the top-level directories
# of /host, and fresh proc, sys, dev, tmp, run. Mounting straight over
# /host/proc etc. does not stick: in dom0 those are separate file systems
# whose 9p qids collide, so the guest kernel aliases their dentries.
mount -t tmpfs -o mode=0755 tmpfs /newroot
for p in /host/*; do
	n=${p#/host/}
	case $n in proc|sys|dev|tmp|run) mkdir /newroot/$n; continue ;; esac
	if [ -L "$p" ]; then ln -s "$(readlink "$p")" "/newroot/$n"
	elif [ -d "$p" ]; then mkdir "/newroot/$n" && mount --bind "$p" "/newroot/$n"
	fi
done
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
for d in tmp run dev/shm; do mount -t tmpfs -o mode=1777 tmpfs /newroot/$d; done
guest=$(arg e2e_guest)
echo "E2E-GUEST-START $guest"
if [ -n "$guest" ]; then
	# The guest script gets the env file of the run (E2E_ROOT, E2E_BUILD, ...).
	chroot /newroot /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
		E2E_ENV="$(arg e2e_env)" /bin/sh -c \
		'"'"'set -a; [ -z "$E2E_ENV" ] || . "$E2E_ENV"; set +a; exec /bin/sh "$0"'"'"' "$guest"
	rc=$?
else
	echo "no e2e_guest= on the kernel command line"; rc=2
fi
echo "E2E-GUEST-END rc=$rc"
sync
poweroff -f
' 9p 9pnet_xen

zcat /boot/xen-4.17-amd64.gz >"$OUT/xen"
echo "$KVER" >"$OUT/kver"
echo "$key" >"$OUT/stamp"
