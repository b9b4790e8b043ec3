# SPDX-License-Identifier: GPL-2.0
# Sourced by guest scripts that load the kernel frontend (kfront.sh,
# kms.sh, xl-restored.sh); each defines its own verdict().

# kernel_clean PHASE: PHASE fails if the kernel log has a failed
# hypercall (a restored guest's page tables out of step with Xen's), a
# warning or an oops.
kernel_clean() {
	pattern='multicall|WARNING:|BUG:|Oops|general protection'
	if dmesg | grep -qE "$pattern"; then
		dmesg | grep -E -A3 "$pattern" | head -n 60
		verdict "$1" FAIL "the kernel log has a failed hypercall, a warning or an oops"
		return 1
	fi
}
