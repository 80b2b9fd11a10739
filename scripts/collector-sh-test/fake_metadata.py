#!/usr/bin/env python3
"""Fake cloud instance-metadata service for the collector shell tests.

Usage: fake_metadata.py DIR MODE      MODE: aws | aws-v2only | azure | gcp

Listens on 127.0.0.1 on a free port (written to DIR/port), records every
request to DIR/meta-NNNNNN.json and serves the provider's identity document
(also written to DIR/document.json for comparison) only when the request
looks like the real client protocol:
  aws:   PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds) then
         GET /latest/dynamic/instance-identity/document with
         X-aws-ec2-metadata-token; aws also accepts a token-less GET (IMDSv1),
         aws-v2only answers it 401.
  azure: GET /metadata/instance?api-version=2021-02-01 with Metadata: true
  gcp:   GET /computeMetadata/v1/instance/?recursive=true with
         Metadata-Flavor: Google
Everything else gets 404 (or 401/400 like the real services).
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR, MODE = sys.argv[1], sys.argv[2]
TOKEN = "AQAEAFake-imds-token=="
DOCS = {
    "aws": {
        "accountId": "123456789012", "architecture": "x86_64",
        "availabilityZone": "eu-central-1a", "imageId": "ami-0abcdef1234567890",
        "instanceId": "i-0123456789abcdef0", "instanceType": "t3.small",
        "privateIp": "192.0.2.12", "region": "eu-central-1", "version": "2017-09-30",
        "devpayProductCodes": None, "marketplaceProductCodes": ["quote\"and\\backslash"],
        "pendingTime": "2025-11-24T10:00:00Z",
    },
    "azure": {
        "compute": {"azEnvironment": "AzurePublicCloud", "location": "westeurope",
                    "name": "vm1", "vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
                    "vmSize": "Standard_D2s_v5", "osType": "Linux",
                    "tags": "a:b;c:d"},
        "network": {"interface": [{"macAddress": "000D3AF806EC"}]},
    },
    "gcp": {
        "id": 4520031799277581759, "name": "instance-1",
        "zone": "projects/123/zones/europe-west1-b",
        "machineType": "projects/123/machineTypes/e2-small",
        "attributes": {"note": "multi\nline"}, "tags": ["web"],
    },
}
PROVIDER = "aws" if MODE.startswith("aws") else MODE
LOCK = threading.Lock()
SEQ = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _reply(self, status, body=b"", ctype="text/plain", extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with LOCK:
            SEQ[0] += 1
            seq = SEQ[0]
        status = self._route()
        with open(os.path.join(DIR, f"meta-{seq:06d}.json"), "w") as f:
            json.dump({"t": time.time(), "method": self.command, "path": self.path,
                       "headers": [[k, v] for k, v in self.headers.items()],
                       "status": status}, f)

    def _route(self):
        doc = json.dumps(DOCS[PROVIDER], indent=2).encode() + b"\n"
        h, path, cmd = self.headers, self.path, self.command
        if PROVIDER == "aws":
            if path == "/latest/api/token":
                if cmd != "PUT":
                    self._reply(405)
                    return 405
                if not h.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    self._reply(400)
                    return 400
                self._reply(200, TOKEN.encode())
                return 200
            if path == "/latest/dynamic/instance-identity/document" and cmd == "GET":
                tok = h.get("X-aws-ec2-metadata-token")
                if tok == TOKEN or (tok is None and MODE == "aws"):
                    self._reply(200, doc, "application/json")
                    return 200
                self._reply(401)
                return 401
        elif PROVIDER == "azure":
            if path == "/metadata/instance?api-version=2021-02-01" and cmd == "GET":
                if h.get("Metadata") != "true":
                    self._reply(400)
                    return 400
                self._reply(200, doc, "application/json; charset=utf-8")
                return 200
        elif PROVIDER == "gcp":
            if path == "/computeMetadata/v1/instance/?recursive=true" and cmd == "GET":
                if h.get("Metadata-Flavor") != "Google":
                    self._reply(403)
                    return 403
                self._reply(200, doc, "application/json", [("Metadata-Flavor", "Google")])
                return 200
        self._reply(404, b"<html>not found</html>", "text/html")
        return 404

    do_GET = _handle
    do_PUT = _handle
    do_POST = _handle


def main():
    with open(os.path.join(DIR, "document.json"), "w") as f:
        json.dump(DOCS[PROVIDER], f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = os.path.join(DIR, ".port.tmp")
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
