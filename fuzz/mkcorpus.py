#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# fuzz/mkcorpus.py - writes the named seed inputs of fuzz/corpus/<target>/.
# The seeds are checked in; this script says how each was made, and
# remakes them (python3 fuzz/mkcorpus.py) when a format changes. The input
# formats are described at the top of each fuzz/fuzz_<target>.c.
#
# The files named by a SHA-1 beside them are inputs the fuzzers found,
# minimized with libFuzzer's -merge=1 (docs/security.md says how); after
# a format change, delete them and let the fuzzers find new ones.
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- dispatch: setup bytes, then records (fuzz/fuzz_dispatch.c) ----

OP = dict(nop=0, capset_info=1, capset=2, ctx_create=3, ctx_destroy=4,
          res_create=5, res_unref=6, attach=7, detach=8, ctx_attach=9,
          ctx_detach=10, submit=11, to_host=12, from_host=13, busy=14,
          set_scanout=32, create_blob=48)
NPAGES = 1100
G_BACK_DIR, G_CAPS_DIR, G_BIG_DIR = 3, 4, 6
CMD_PAGES = 4
G_CMD = NPAGES - CMD_PAGES


def req(op, ctx=0, payload=b"", flags=0, fence=0, rid=1):
    body = struct.pack("<IBBHIIQ", rid, OP[op], flags, 0, ctx, 0, fence)
    return b"\x00" + body + payload.ljust(72, b"\x00")


def u32s(*v):
    return struct.pack("<%dI" % len(v), *v)


def page_write(page, off, data):
    return b"\x02" + struct.pack("<HHB", page, off, len(data)) + data


def poll(hold):
    return b"\x03" + bytes([hold])


def session(big=False, fence=False):
    res_pages, res_dir = (1030, G_BIG_DIR) if big else (8, G_BACK_DIR)
    flags = 1 if fence else 0
    virgl = u32s((2 << 16) | 1, 0, 0)   # one 3-dword command
    return b"".join([
        bytes([CMD_PAGES, 0]),
        req("nop"),
        req("capset_info", payload=u32s(1)),
        req("capset", payload=u32s(2, 2, G_CAPS_DIR, 4096)),
        req("ctx_create", 1, u32s(0, 4) + b"fuzz"),
        req("res_create", 0, u32s(10, 2, 1, 10, 16, 16, 1, 1, 0, 0, 0)),
        req("attach", 0, u32s(10, res_dir, res_pages)),
        req("ctx_attach", 1, u32s(10)),
        page_write(G_CMD, 0, virgl),
        req("submit", 1, u32s(0, len(virgl)), flags, 1),
        req("to_host", 1, u32s(10, 0, 64, 0, 0, 0, 0, 16, 16, 1, 0, 0)),
        req("from_host", 1, u32s(10, 0, 64, 0, 0, 0, 0, 16, 16, 1, 0, 0),
            flags, 2),
        req("busy", 1, u32s(10, 1 if fence else 0)),
        req("ctx_detach", 1, u32s(10)),
        req("detach", 0, u32s(10)),
        req("res_unref", 0, u32s(10)),
        req("ctx_destroy", 1),
    ])


def dispatch_seeds():
    write("dispatch", "session", session())
    write("dispatch", "session-big-chain", session(big=True))
    write("dispatch", "session-fenced",
          bytes([CMD_PAGES, 0]) + poll(1) + session(fence=True)[2:] +
          poll(0) + req("nop", flags=1))
    write("dispatch", "refused-cmd-pages", bytes([9, 0]))
    write("dispatch", "bad-cmd-dir", bytes([CMD_PAGES, 0x80 | 5]))
    write("dispatch", "reserved-ops",
          bytes([1, 0]) + req("set_scanout") + req("create_blob"))
    write("dispatch", "submit-past-region",
          bytes([1, 0]) + req("ctx_create", 7, u32s(2, 0)) +
          req("submit", 7, u32s(4092, 8)))
    write("dispatch", "looping-chain",
          bytes([1, 0]) + page_write(G_BIG_DIR, 0, u32s(G_BIG_DIR)) +
          req("res_create", 0, u32s(3, 2, 1, 10, 16, 16, 1, 1, 0, 0, 0)) +
          req("attach", 0, u32s(3, G_BIG_DIR, 1030)))


# ---- vtest: the client's byte stream (fuzz/fuzz_vtest.c) ----

V = dict(get_caps=1, res_create=2, unref=3, get=4, put=5, submit=6,
         busy=7, create_renderer=8, get_caps2=9, ping=10, version=11,
         res_create2=12, get2=13, put2=14)


def cmd(name, *words, length=None):
    n = len(words) if length is None else length
    return u32s(n, V[name], *words)


def hello(name=b"glmark2\x00"):
    return u32s(len(name), V["create_renderer"]) + name.ljust(
        (len(name) + 3) // 4 * 4, b"\x00")


def hello_v2():
    return hello() + cmd("ping") + cmd("version", 2)


def vtest_write(name, stream, fail_mask=0):
    write("vtest", name, u32s(fail_mask) + stream)


def vtest_seeds():
    vtest_write("mesa-probe",
          hello() + cmd("ping") + cmd("busy", 0, 0) + cmd("version", 2))
    vtest_write("v2-caps", hello_v2() + cmd("get_caps2"))
    vtest_write("v0-caps", hello() + cmd("get_caps"))
    vtest_write("v2-create2",
          hello_v2() + cmd("res_create2", 5, 2, 1, 10, 64, 64, 1, 1, 0, 0,
                           16384))
    vtest_write("v0-create",
          hello() + cmd("res_create", 5, 2, 1, 10, 64, 64, 1, 1, 0, 0))
    vtest_write("v2-put2",
          hello_v2() + cmd("put2", 5, 0, 0, 0, 0, 64, 64, 1, 16384, 0))
    vtest_write("v2-get2",
          hello_v2() + cmd("get2", 5, 0, 0, 0, 0, 64, 64, 1, 16384, 0))
    vtest_write("v0-put",
          hello() + cmd("put", 5, 0, 256, 0, 0, 0, 0, 4, 4, 1, 64,
                        length=11 + 16) + bytes(64))
    vtest_write("v0-get",
          hello() + cmd("get", 5, 0, 256, 0, 0, 0, 0, 4, 4, 1, 64))
    vtest_write("submit",
          hello_v2() + cmd("submit") + cmd("submit", (2 << 16) | 1, 0, 0))
    vtest_write("unref-busy",
          hello_v2() + cmd("unref", 77) + cmd("busy", 77, 1))
    session = (hello_v2() + cmd("get_caps2") +
               cmd("res_create2", 5, 2, 1, 10, 64, 64, 1, 1, 0, 0, 16384) +
               cmd("put2", 5, 0, 0, 0, 0, 64, 64, 1, 16384, 0) +
               cmd("submit", (2 << 16) | 1, 0, 0) + cmd("busy", 5, 1) +
               cmd("get2", 5, 0, 0, 0, 0, 64, 64, 1, 16384, 0) +
               cmd("unref", 5))
    vtest_write("v2-session", session)
    vtest_write("v2-session-refusals", session, 0x5a5a5a5a)
    vtest_write("v0-session",
                hello() + cmd("get_caps") +
                cmd("res_create", 5, 2, 1, 10, 4, 4, 1, 1, 0, 0) +
                cmd("put", 5, 0, 16, 0, 0, 0, 0, 4, 4, 1, 64,
                    length=11 + 16) + bytes(64) +
                cmd("get", 5, 0, 16, 0, 0, 0, 0, 4, 4, 1, 64) +
                cmd("submit", (2 << 16) | 1, 0, 0) + cmd("busy", 5, 0) +
                cmd("unref", 5))


# ---- spec: vgpu= text (fuzz/fuzz_spec.c) ----

SPECS = {
    "empty": "",
    "defaults": "backend=0,weight=256,cap=0,vram=256M",
    "named-backend": "backend=driver-dom,vram=1G",
    "weighted": "weight=512, cap=50",
    "vram-k": "vram=16384K",
    "max": "backend=32751,weight=65535,cap=100,vram=64G",
    "empty-items": ",,weight=1,,",
    "bad-key": "colour=blue",
    "duplicate": "weight=1,weight=2",
    "bad-vram": "vram=17M1",
}


def spec_seeds():
    for name, text in SPECS.items():
        write("spec", name, text.encode())


# ---- nodes: mode byte, then that mode's input (fuzz/fuzz_nodes.c) ----

def nodes_seeds():
    write("nodes", "u32", b"\x00" + u32s(1, 65536) + b"256")
    write("nodes", "u32-range", b"\x00" + u32s(0, 0xffffffff) +
          b"4294967295")
    write("nodes", "kv", b"\x01\x20" + b"cmd-pages\x00" +
          b"protocol-version=1\nring-ref=8\ncmd-pages=256\n")
    with open(os.path.join(HERE, "..", "xenstore-schema",
                           "vgpu.schema"), "rb") as f:
        write("nodes", "schema", b"\x02" + f.read())
    write("nodes", "check-front", b"\x03\x00" + b"\n".join([
        b"backend=/local/domain/0/backend/vgpu/1/0", b"backend-id=0",
        b"state=4", b"protocol-version=1", b"ring-ref=8",
        b"cmd-dir-ref=9", b"cmd-pages=256", b"event-channel=15"]))
    write("nodes", "check-back", b"\x03\x01" + b"\n".join([
        b"frontend=/local/domain/1/device/vgpu/0", b"frontend-id=1",
        b"online=1", b"state=2", b"max-mapped-pages=65536", b"weight=256",
        b"cap=0", b"protocol-versions=1", b"max-contexts=64",
        b"max-resources=4096", b"max-cmd-pages=1024",
        b"max-submit-size=1048576", b"feature-scanout=0",
        b"feature-blob=0"]))


if __name__ == "__main__":
    dispatch_seeds()
    vtest_seeds()
    spec_seeds()
    nodes_seeds()
