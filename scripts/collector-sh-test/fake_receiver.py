#!/usr/bin/env python3
"""Fake perfmetrics receiver for the collector shell tests.

Usage: fake_receiver.py DIR [--port N] [--tls CERT KEY]

Listens on 127.0.0.1 on a free port (or N) and writes the port to DIR/port.
With --tls it speaks HTTPS with that certificate chain and key (TLS 1.2+);
a client that gives up during the handshake (it did not trust the
certificate) is recorded as DIR/tls-fail-NNNNNN.txt with the reason, and
every TCP connection as DIR/tls-conn-NNNNNN.txt, so a test can tell "connected
and refused the certificate" (clients that check the name after the handshake
just close) from "never connected".
Every request is recorded as DIR/req-NNNNNN.json (time, method, path,
headers, body, status answered, the client's port).  The answer is read per request from
DIR/mode-hello, DIR/mode-metrics and DIR/mode-sockets (an HTTP status such as 204, 503, 410;
default 204).  A request whose Authorization header is not
"Bearer " + contents of DIR/token gets 401.
"""
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
LOCK = threading.Lock()
SEQ = [0]


def read_file(name, default=None):
    try:
        with open(os.path.join(DIR, name), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return default


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/api/v1/hello":
            status = int((read_file("mode-hello", "204") or "204").strip())
        elif self.path == "/api/v1/metrics":
            status = int((read_file("mode-metrics", "204") or "204").strip())
        elif self.path == "/api/v1/sockets":
            status = int((read_file("mode-sockets", "204") or "204").strip())
        else:
            status = 404
        token = read_file("token")
        if token is not None and self.headers.get("Authorization") != "Bearer " + token:
            status = 401
        if self.command != "POST" and status != 404:
            status = 405
        with LOCK:
            SEQ[0] += 1
            seq = SEQ[0]
        record = {
            "seq": seq,
            "t": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "surrogateescape"),
            "status": status,
            # the client's port: requests over one connection share it
            "client_port": self.client_address[1],
        }
        tmp = os.path.join(DIR, f".req-{seq:06d}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(DIR, f"req-{seq:06d}.json"))
        self.send_response(status)
        if status == 204:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        msg = {400: b"line 1: malformed\n", 401: b"unknown token\n",
               410: b"collector retired\n", 503: b"storage unavailable\n"}.get(status, b"error\n")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)

    do_POST = _handle
    do_GET = _handle
    do_PUT = _handle


class TlsServer(ThreadingHTTPServer):
    """The handshake runs in the connection's thread: one client that never
    finishes it cannot hold up the others, and its failure is recorded."""

    context = None

    def finish_request(self, request, client_address):
        with LOCK:
            SEQ[0] += 1
            seq = SEQ[0]
        with open(os.path.join(DIR, f"tls-conn-{seq:06d}.txt"), "w") as f:
            f.write(f"{time.time()} {client_address}\n")
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with LOCK:
                SEQ[0] += 1
                seq = SEQ[0]
            with open(os.path.join(DIR, f"tls-fail-{seq:06d}.txt"), "w") as f:
                f.write(f"{time.time()} {e}\n")
            return
        super().finish_request(request, client_address)


def main():
    args = sys.argv[2:]
    port = 0
    tls = None
    while args:
        if args[0] == "--port":
            port = int(args[1])
            args = args[2:]
        elif args[0] == "--tls":
            tls = (args[1], args[2])
            args = args[3:]
        else:
            sys.exit(__doc__)
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(*tls)
        TlsServer.context = ctx
        server = TlsServer(("127.0.0.1", port), Handler)
    else:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    tmp = os.path.join(DIR, ".port.tmp")
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
