#!/usr/bin/env python3
"""Sockets for the collector's socket-snapshot scenario (called by ./run).

Usage: sockets_fixture.py DIR

Opens, on loopback and on all interfaces only:
  - TCP listeners on 127.0.0.1, 0.0.0.0, :: (dual stack) and ::1
  - bound UDP sockets on 127.0.0.1, 0.0.0.0 and ::
  - an established TCP connection 127.0.0.1 -> the 127.0.0.1 listener
  - a connected UDP socket to the 127.0.0.1 UDP socket
  - an IPv4-mapped connection: an IPv6 socket connected to ::ffff:127.0.0.1
    (the 0.0.0.0 listener)
  - three connections to the :: listener over ::1 (one aggregated row of 3)
  - a child process whose comm holds a comma, a quote, markup, a blank, a
    byte that is not UTF-8 and a percent sign, holding a TCP listener
The process renames itself "pm-sockfix" (prctl PR_SET_NAME) so its rows are
told apart from other Python processes.  What the kernel reports for every
socket (getsockname / getpeername) is written to DIR/fixture.json.

Then it waits: when DIR/close appears it closes the sockets marked
"closes": true and writes the time to DIR/closed; when DIR/stop appears it
ends (and its child).
"""
import ctypes
import json
import os
import signal
import socket
import sys
import time

DIR = sys.argv[1]
PR_SET_NAME = 15
HOSTILE = b'h,"<x> \xfe%'
libc = ctypes.CDLL(None, use_errno=True)


def set_comm(name: bytes):
    if libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NAME)")


def expected_encoding(b: bytes) -> str:
    return "".join(chr(c) if 0x21 <= c <= 0x7E and c not in (0x25, 0x2C) else "%%%02X" % c for c in b)


def listener(family, addr, kind=socket.SOCK_STREAM):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 0))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    return s


def main():
    keep = []
    rows = []

    def add(name, s, proto, role, closes=False, process="pm-sockfix", peer=None):
        la = s.getsockname()
        row = {"name": name, "proto": proto, "role": role, "local": [la[0], la[1]],
               "closes": closes, "process": process}
        if peer is not None:
            ra = peer.getsockname() if role == "in" else s.getpeername()
            row["remote"] = [ra[0], ra[1]]
        rows.append(row)
        keep.append(s)
        return s

    # The hostile child first, so it does not inherit the other sockets.
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        set_comm(HOSTILE)
        s = listener(socket.AF_INET, "127.0.0.1")
        os.write(w, str(s.getsockname()[1]).encode())
        os.close(w)
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        while True:
            time.sleep(3600)
    os.close(w)
    hostile_port = int(os.read(r, 32).decode())
    os.close(r)
    set_comm(b"pm-sockfix")

    l4 = add("tcp-lo4", listener(socket.AF_INET, "127.0.0.1"), "tcp", "listen", closes=True)
    l4all = add("tcp-any4", listener(socket.AF_INET, "0.0.0.0"), "tcp", "listen")
    l6all = add("tcp-any6", listener(socket.AF_INET6, "::"), "tcp", "listen")
    add("tcp-lo6", listener(socket.AF_INET6, "::1"), "tcp", "listen")
    add("udp-lo4", listener(socket.AF_INET, "127.0.0.1", socket.SOCK_DGRAM), "udp", "listen", closes=True)
    add("udp-any4", listener(socket.AF_INET, "0.0.0.0", socket.SOCK_DGRAM), "udp", "listen")
    add("udp-any6", listener(socket.AF_INET6, "::", socket.SOCK_DGRAM), "udp", "listen")

    # established 127.0.0.1 -> tcp-lo4 (closed later, with its listener)
    c = socket.create_connection(("127.0.0.1", l4.getsockname()[1]))
    a, _ = l4.accept()
    add("conn-lo4-out", c, "tcp", "out", closes=True, peer=a)
    add("conn-lo4-in", a, "tcp", "in", closes=True, peer=c)

    # a connected UDP socket (what a resolver's query holds) to udp-lo4: an outbound udp row
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.connect(("127.0.0.1", keep[4].getsockname()[1]))
    add("conn-udp-out", u, "udp", "out", closes=True, peer=keep[4])

    # IPv4-mapped: an IPv6 socket to ::ffff:127.0.0.1 (the 0.0.0.0 listener)
    m = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    m.connect(("::ffff:127.0.0.1", l4all.getsockname()[1]))
    ma, _ = l4all.accept()
    add("conn-mapped-out", m, "tcp", "out", peer=ma)
    add("conn-mapped-in", ma, "tcp", "in", peer=m)

    # three connections over ::1 to the :: listener: one row with count 3 each way
    for i in range(3):
        c6 = socket.create_connection(("::1", l6all.getsockname()[1]))
        a6, _ = l6all.accept()
        add(f"conn-v6-out-{i}", c6, "tcp", "out", peer=a6)
        add(f"conn-v6-in-{i}", a6, "tcp", "in", peer=c6)

    rows.append({"name": "tcp-hostile", "proto": "tcp", "role": "listen",
                 "local": ["127.0.0.1", hostile_port], "closes": False,
                 "process": expected_encoding(HOSTILE)})
    info = {"pid": os.getpid(), "child": child, "uid": os.getuid(), "rows": rows}
    tmp = os.path.join(DIR, ".fixture.tmp")
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.rename(tmp, os.path.join(DIR, "fixture.json"))

    try:
        while not os.path.exists(os.path.join(DIR, "close")):
            time.sleep(0.05)
        for s, row in zip(keep, rows):
            if row["closes"]:
                s.close()
        l4.close()
        with open(os.path.join(DIR, "closed"), "w") as f:
            f.write(repr(time.time()))
        deadline = time.time() + 120
        while not os.path.exists(os.path.join(DIR, "stop")) and time.time() < deadline:
            time.sleep(0.05)
    finally:
        os.kill(child, signal.SIGTERM)
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()
