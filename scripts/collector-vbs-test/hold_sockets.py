#!/usr/bin/env python3
"""Holds sockets for the collector.vbs sockets scenario (loopback only).

Usage: hold_sockets.py DIR CLIENTS

Opens a TCP listener on 127.0.0.1 (free port) with CLIENTS established
connections to it and a UDP socket bound on 127.0.0.1, writes DIR/held.json
({"tcp_port", "client_ports", "udp_port", "opened_at"}), then waits for
DIR/close, closes every socket, writes DIR/closed (the epoch time) and
exits.  Gives up after 120 s.
"""
import json
import os
import socket
import sys
import time

d, clients = sys.argv[1], int(sys.argv[2])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
cl = [socket.create_connection(srv.getsockname()) for _ in range(clients)]
acc = [srv.accept()[0] for _ in range(clients)]
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
held = {"tcp_port": srv.getsockname()[1], "client_ports": [c.getsockname()[1] for c in cl],
        "udp_port": udp.getsockname()[1], "opened_at": time.time()}
with open(os.path.join(d, ".held.tmp"), "w") as f:
    json.dump(held, f)
os.rename(os.path.join(d, ".held.tmp"), os.path.join(d, "held.json"))
end = time.time() + 120
while not os.path.exists(os.path.join(d, "close")) and time.time() < end:
    time.sleep(0.05)
for s in cl + acc + [srv, udp]:
    s.close()
with open(os.path.join(d, "closed"), "w") as f:
    f.write(str(time.time()))
