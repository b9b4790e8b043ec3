#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The hostile-frontend suite on real Xen. tests/test_hostile runs inside a
# domU in its Xen mode: it drives one vgpu device's ring, grants and
# xenstore handshake directly, as a malicious guest would, while a second
# device of the same guest does real work and a third serves second
# guests. dom0's backend runs with the suite's small limits. Then dom0
# checks what the guest cannot see: the backend still runs, no worker
# died of a signal, and destroying the guest leaves no worker, grant
# mapping or xenstore node behind.
. "$E2E_DIR/lib.sh"

B=$E2E_BUILD/bin
name=e2e-hostile
backend_log=/tmp/vgpu-backend-40.log
[ -x "$E2E_BUILD/tests/test_hostile" ] || skip "tests/test_hostile not built"

# The limits of tests/test_hostile.c; --max-mapped-pages caps vram=16M.
# The suite restarts its hostile and spare devices' workers dozens of
# times on purpose: pacing them (step 30 tests it) would only slow it.
"$B/vgpu-backend" --xen --watchdog-ms=60000 --start-burst=1000 --max-contexts=4 \
	--max-resources=8 --max-mapped-pages=3072 --max-cmd-pages=16 \
	--max-submit-size=16384 >"$backend_log" 2>&1 &
backend=$!
trap 'xl destroy $name 2>/dev/null || true; kill $backend 2>/dev/null; wait $backend 2>/dev/null; sed "s/^/  backend| /" "$backend_log" | tail -n 40' EXIT
daemon_wait "$backend_log"
workers() { pgrep -P "$backend" || true; }

mkdir -p /var/lib/e2e
cfg=/var/lib/e2e/$name.cfg
dev="'backend=0,vram=16M'"
domu_config $name "$E2E_DIR/guest/hostile.sh" \
	"vgpu = [ $dev, $dev, $dev ]" >"$cfg"
rm -f "$(domu_log $name)"
t0=$(now)
"$B/xenvgpu" create "$cfg" || fail "xenvgpu create failed"
domid=$(xl domid $name)
rc=0
domu_wait $name "${DOMU_TIMEOUT:-480}" || rc=$?
timing hostile-suite "$(since "$t0")"
grep -E '^\[ *(RUN|OK|SKIPPED|FAILED|PASSED|ERROR|LINE) *\]|^\[=|suite|flood|pages through' \
	"$(domu_log $name)" | sed 's/^/  domU| /'
[ "$rc" != 124 ] || fail "the suite did not finish in ${DOMU_TIMEOUT:-480}s"
[ "$rc" = 0 ] || fail "test_hostile exited with $rc in the domU"

kill -0 "$backend" || fail "vgpu-backend --xen died"
if grep -q 'died of signal' "$backend_log"; then
	grep 'died of signal' "$backend_log"
	fail "a backend worker died of a signal"
fi
grep -q 'hostile frontend, disconnecting' "$backend_log" ||
	fail "the backend never logged a hostile frontend"
for _ in $(seq 30); do [ -z "$(workers)" ] && break; sleep 1; done
[ -z "$(workers)" ] || fail "workers left after destroy: $(workers)"
grep -l gntdev /proc/"$backend"/maps 2>/dev/null && fail "grant mappings left in the backend"
if xenstore-exists "/local/domain/0/backend/vgpu/$domid"; then
	fail "backend nodes left: $(xenstore-ls /local/domain/0/backend/vgpu/$domid)"
fi
echo "hostile suite passed; backend alive, no worker crashed, nothing left"
