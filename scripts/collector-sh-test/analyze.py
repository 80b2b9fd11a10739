#!/usr/bin/env python3
"""Checks for the collector shell tests (called by ./run).

Each subcommand prints one line per check, "ok - <what>" or
"not ok - <what>: <why>", and nothing else.

  analyze.py basic RCV TOOLS META PROVIDER TOKENFILE TTL INTERVAL UPLOAD
  analyze.py outage RCV TOOLS SWITCH_EPOCH
  analyze.py cap RCV TOOLS CAP MAX_SEEN
  analyze.py dropped-persisted RCV EXPECTED
  analyze.py params EXPECTED_JSON SHELL=DUMPFILE...
  analyze.py template TEMPLATE
  analyze.py psscan TOKENFILE OUTFILE STOPFILE
  analyze.py psquiet TOKENFILE SECONDS
  analyze.py sockets RCV TOOLS FIXTURE_DIR SS_FILE
  analyze.py sockets-cap RCV TOOLS MAX_ROWS
  analyze.py sockets-spool RCV TOOLS FIRST_KEPT_TS LAST_TS
  analyze.py ids VECTORS SHELL=OUTFILE...
  analyze.py disks RCV TOOLS WATCH_LOG DEVICE MOUNT IO_JSON
"""
import glob
import ipaddress
import json
import pwd
import os
import re
import sys
import time

LINE_RE = re.compile(r"^[0-9]+,[a-z][a-z0-9_.]{0,63},-?[0-9]+(\.[0-9]+)?$")
METRICS = [
    "cpu.busy_pct", "cpu.count", "load.1m", "mem.total_bytes",
    "mem.available_bytes", "mem.used_bytes", "swap.total_bytes",
    "swap.used_bytes", "disk.read_bytes_per_s", "disk.write_bytes_per_s",
    "disk.read_ops_per_s", "disk.write_ops_per_s", "fs.capacity_bytes",
    "fs.used_bytes", "net.rx_bytes_per_s", "net.tx_bytes_per_s",
]
OPTIONAL = ["collector.spool_dropped_lines"]
# Per-disk and per-filesystem series (DISKS-CONTRACT.md).
DEVICE_METRIC_RE = re.compile(
    r"^(?:disk\.([a-z0-9_]+)\.(read_bytes|write_bytes|read_ops|write_ops)_per_s"
    r"|fs\.([a-z0-9_]+)\.(capacity|used)_bytes)$")
PLACEHOLDERS = ["URL", "TOKEN", "INTERVAL_S", "UPLOAD_S", "TTL_S",
                "SPOOL_MAX_BYTES", "METADATA_URL", "TOOLS_DIR", "SOCKETS_S",
                "SOCKETS_MAX_ROWS", "CA_PEM"]


# ------------------------------------------------------------ device ids --
# The reference escape of DISKS-CONTRACT.md (and io.perfmetrics.ingest.DeviceIds).

def cksum(data):
    """The CRC POSIX cksum prints."""
    def step(crc, octet):
        crc ^= octet << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
        return crc
    crc = 0
    for b in data:
        crc = step(crc, b)
    n = len(data)
    while n:
        crc = step(crc, n & 0xFF)
        n >>= 8
    return ~crc & 0xFFFFFFFF


def device_id(raw):
    data = raw.encode("utf-8", "surrogateescape")
    s = "".join(chr(c) if 97 <= c <= 122 or 48 <= c <= 57 else "_%02x" % c for c in data)
    return s if len(s) <= 40 else s[:31] + "_h%08x" % cksum(data)


def read_vectors(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                raw, want = line.split("\t")
                out.append((raw, want))
    return out


def host_disks():
    """[(name, size_bytes)] the contract's selection: /proc/diskstats entries
    with /sys/block/<name>, no loop, ram, zram, fd, sr."""
    out = []
    with open("/proc/diskstats") as f:
        for line in f:
            name = line.split()[2]
            if name.startswith(("loop", "ram", "zram", "fd", "sr")):
                continue
            sysname = name.replace("/", "!")
            if not os.path.exists("/sys/block/" + sysname):
                continue
            with open(f"/sys/block/{sysname}/size") as sz:
                out.append((name, int(sz.read()) * 512))
    return out


def report(ok, what, why=""):
    if ok:
        print(f"ok - {what}")
    else:
        print(f"not ok - {what}: {why}")
    return ok


def load_requests(rcv):
    reqs = []
    for f in sorted(glob.glob(os.path.join(rcv, "req-*.json"))):
        with open(f, encoding="utf-8") as fh:
            reqs.append(json.load(fh))
    reqs.sort(key=lambda r: r["seq"])
    return reqs


def header(req, name):
    for k, v in req["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def read_state(tools):
    state = {}
    try:
        with open(os.path.join(tools, "collector.state"), encoding="utf-8") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                state[k] = v
    except FileNotFoundError:
        pass
    return state


def metric_lines(reqs, only_ok=True):
    """[(request, [(ts, name, value_str), ...])] for metric requests."""
    out = []
    for r in reqs:
        if r["path"] != "/api/v1/metrics":
            continue
        if only_ok and not 200 <= r["status"] < 300:
            continue
        rows = []
        for line in r["body"].splitlines():
            parts = line.split(",")
            rows.append((line, parts))
        out.append((r, rows))
    return out


def parse_rows(reqs):
    rows = []
    for _, lines in metric_lines(reqs):
        for line, parts in lines:
            if len(parts) == 3 and LINE_RE.match(line):
                rows.append((int(parts[0]), parts[1], parts[2]))
    return rows


def host_facts():
    facts = {}
    with open("/proc/sys/kernel/hostname") as f:
        facts["hostname"] = f.read().strip()
    u = os.uname()
    facts["kernel"], facts["arch"] = u.release, u.machine
    n = 0
    with open("/proc/stat") as f:
        for line in f:
            name = line.split()[0]
            if name.startswith("cpu") and name != "cpu":
                n += 1
    facts["cpus"] = n
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                facts["mem"] = int(line.split()[1]) * 1024
    nics = []
    with open("/proc/net/dev") as f:
        for line in f.readlines()[2:]:
            name = line.split(":")[0].strip()
            if name != "lo":
                nics.append(name)
    facts["nics"] = sorted(nics)
    return facts


def check_headers(reqs, token):
    bad = []
    for r in reqs:
        if header(r, "Authorization") != "Bearer " + token:
            bad.append(f"#{r['seq']} auth={header(r, 'Authorization')!r}")
        ct = header(r, "Content-Type")
        want = "application/json" if r["path"] == "/api/v1/hello" else "text/plain"
        if ct != want:
            bad.append(f"#{r['seq']} {r['path']} content-type={ct!r}")
    report(not bad and reqs, "every request carries the exact bearer token and content type",
           "; ".join(bad[:5]) or "no requests")


def check_grammar(reqs):
    bad = []
    total = 0
    for r, lines in metric_lines(reqs, only_ok=False):
        if not r["body"].endswith("\n"):
            bad.append(f"#{r['seq']} body does not end with newline")
        if len(r["body"].encode()) > 1024 * 1024:
            bad.append(f"#{r['seq']} body over 1 MiB")
        for line, _ in lines:
            total += 1
            if not LINE_RE.match(line):
                bad.append(f"#{r['seq']} {line!r}")
    report(not bad and total > 0, f"all {total} metric lines match ts,metric,value grammar",
           "; ".join(bad[:5]) or "no lines")


def check_no_duplicates(rows):
    seen = {}
    for ts, name, _ in rows:
        seen[(ts, name)] = seen.get((ts, name), 0) + 1
    dups = [k for k, v in seen.items() if v > 1]
    report(not dups, "no (ts, metric) pair stored twice", f"{dups[:5]}")


def cmd_basic(rcv, tools, meta, provider, tokenfile, ttl, interval, upload):
    ttl, interval, upload = int(ttl), int(interval), int(upload)
    with open(tokenfile, encoding="utf-8") as f:
        token = f.read()
    reqs = load_requests(rcv)
    hellos = [r for r in reqs if r["path"] == "/api/v1/hello"]
    report(len(hellos) == 1 and hellos[0]["status"] == 204,
           "exactly one hello, acknowledged with 204",
           f"{[(h['seq'], h['status']) for h in hellos]}")
    hello = None
    if hellos:
        try:
            hello = json.loads(hellos[0]["body"])
            report(isinstance(hello, dict), "hello body is valid JSON (json.loads)")
        except ValueError as e:
            report(False, "hello body is valid JSON (json.loads)", str(e))
    state = read_state(tools)
    facts = host_facts()
    if hello:
        problems = []
        col = hello.get("collector") or {}
        osd = hello.get("os") or {}
        cpu = hello.get("cpu") or {}
        if hello.get("hostname") != facts["hostname"]:
            problems.append(f"hostname {hello.get('hostname')!r}")
        if osd.get("family") != "linux" or not isinstance(osd.get("name"), str):
            problems.append(f"os {osd}")
        if osd.get("kernel") != facts["kernel"] or osd.get("arch") != facts["arch"]:
            problems.append(f"kernel/arch {osd}")
        if cpu.get("count") != facts["cpus"] or not isinstance(cpu.get("model"), (str, type(None))):
            problems.append(f"cpu {cpu}")
        if hello.get("memory_bytes") != facts["mem"]:
            problems.append(f"memory_bytes {hello.get('memory_bytes')}")
        disks = hello.get("disks")
        want_disks = [{"id": device_id(n), "name": n, "size_bytes": sz} for n, sz in host_disks()]
        if disks != want_disks:
            problems.append(f"disks {disks} != {want_disks}")
        vols = hello.get("volumes")
        if not isinstance(vols, list) or not vols or any(
                set(v) != {"id", "mount", "capacity_bytes", "disk"} or v["id"] != device_id(v["mount"])
                or not isinstance(v["capacity_bytes"], int) or v["capacity_bytes"] <= 0
                or (v["disk"] is not None and v["disk"] not in {d["id"] for d in want_disks})
                for v in vols):
            problems.append(f"volumes {vols}")
        nics = hello.get("nics")
        if not isinstance(nics, list) or sorted(n.get("name") for n in nics) != facts["nics"]:
            problems.append(f"nics {nics}")
        for n in nics or []:
            mac = n.get("mac")
            if mac is not None and not re.match(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", mac):
                problems.append(f"mac {mac!r}")
        if col.get("version") != "1" or col.get("kind") != "sh":
            problems.append(f"collector version/kind {col}")
        if not isinstance(col.get("started_at"), int) or \
                col.get("expires_at") != col.get("started_at", 0) + ttl:
            problems.append(f"started/expires {col}")
        if abs(col.get("started_at", 0) - time.time()) > ttl + 120:
            problems.append("started_at far from now")
        if col.get("interval_s") != interval or col.get("upload_s") != upload:
            problems.append(f"interval/upload {col}")
        if not isinstance(col.get("unavailable_metrics"), list) or any(
                m not in METRICS for m in col.get("unavailable_metrics")):
            problems.append(f"unavailable_metrics {col.get('unavailable_metrics')}")
        if str(col.get("started_at")) != state.get("started_at") or \
                str(col.get("expires_at")) != state.get("expires_at"):
            problems.append("hello and state file disagree on started/expires")
        report(not problems, "hello content matches the host and the rendered parameters",
               "; ".join(problems))
        cloud = hello.get("cloud", "missing")
        if provider == "null":
            report(cloud is None, "hello cloud is null (no metadata service)", f"{cloud!r}")
        else:
            with open(os.path.join(meta, "document.json"), encoding="utf-8") as f:
                doc = json.load(f)
            ok = isinstance(cloud, dict) and cloud.get("provider") == provider and \
                cloud.get("document") == doc and set(cloud) == {"provider", "document"}
            report(ok, f"hello cloud is {provider} with the raw identity document",
                   f"{json.dumps(cloud)[:300]}")
    check_headers(reqs, token)
    check_grammar(reqs)
    rows = parse_rows(reqs)
    names = {n for _, n, _ in rows}
    unavailable = set((hello or {}).get("collector", {}).get("unavailable_metrics") or [])
    expected = set(METRICS) - unavailable
    report(expected <= names, f"all {len(expected)} available metric names arrive",
           f"missing {sorted(expected - names)}")
    per_device = {n for n in names if DEVICE_METRIC_RE.match(n)}
    unknown = names - set(METRICS) - set(OPTIONAL) - per_device
    report(not unknown, "no unknown metric names", f"{sorted(unknown)}")
    if hello:
        want = {f"disk.{d['id']}.{k}_per_s" for d in hello.get("disks") or []
                for k in ("read_bytes", "write_bytes", "read_ops", "write_ops")}
        want |= {f"fs.{v['id']}.{k}_bytes" for v in hello.get("volumes") or []
                 for k in ("capacity", "used")}
        report(want and per_device == want,
               f"per-disk and per-volume series arrive for exactly the hello's "
               f"{len(hello.get('disks') or [])} disks and {len(hello.get('volumes') or [])} volumes",
               f"missing {sorted(want - per_device)}, extra {sorted(per_device - want)}")
    report(not (names & unavailable), "metrics listed unavailable are not sent",
           f"{sorted(names & unavailable)}")
    check_no_duplicates(rows)
    # value sanity
    by_ts = {}
    for ts, name, value in rows:
        by_ts.setdefault(ts, {})[name] = float(value)
    problems = []
    for ts, m in by_ts.items():
        if "cpu.busy_pct" in m and not 0 <= m["cpu.busy_pct"] <= 100:
            problems.append(f"{ts} busy {m['cpu.busy_pct']}")
        if {"mem.total_bytes", "mem.available_bytes", "mem.used_bytes"} <= set(m) and \
                m["mem.used_bytes"] != m["mem.total_bytes"] - m["mem.available_bytes"]:
            problems.append(f"{ts} mem.used != total - available")
        if "mem.total_bytes" in m and m["mem.total_bytes"] != facts["mem"]:
            problems.append(f"{ts} mem.total {m['mem.total_bytes']}")
        if "cpu.count" in m and m["cpu.count"] != facts["cpus"]:
            problems.append(f"{ts} cpu.count {m['cpu.count']}")
        if {"swap.total_bytes", "swap.used_bytes"} <= set(m) and \
                not 0 <= m["swap.used_bytes"] <= m["swap.total_bytes"]:
            problems.append(f"{ts} swap")
        if {"fs.capacity_bytes", "fs.used_bytes"} <= set(m) and \
                not 0 < m["fs.used_bytes"] <= m["fs.capacity_bytes"]:
            problems.append(f"{ts} fs")
        for name, v in m.items():
            if name.endswith("_per_s") and v < 0:
                problems.append(f"{ts} {name} {v}")
            dm = DEVICE_METRIC_RE.match(name)
            if dm and dm.group(4) == "used":
                cap = m.get(f"fs.{dm.group(3)}.capacity_bytes")
                if cap is None or not 0 <= v <= cap:
                    problems.append(f"{ts} {name} {v} vs capacity {cap}")
        fs_sum = [v for n, v in m.items() if n.endswith(".capacity_bytes") and n.startswith("fs.")
                  and n != "fs.capacity_bytes"]
        if "fs.capacity_bytes" in m and fs_sum and sum(fs_sum) > m["fs.capacity_bytes"]:
            problems.append(f"{ts} per-volume capacities exceed the total")
    report(not problems and by_ts, "metric values are plausible", "; ".join(problems[:5]))
    samples = int(state.get("samples", "-1"))
    sample_ts = sorted(ts for ts, m in by_ts.items() if "cpu.count" in m)
    report(samples == len(sample_ts) and samples >= ttl // interval - 1,
           f"every sample arrived ({len(sample_ts)} received, state says {samples})")
    start, exp = int(state.get("started_at", 0)), int(state.get("expires_at", 0))
    report(all(start <= ts < exp for ts in by_ts),
           "timestamps lie between started_at and expires_at",
           f"{min(by_ts, default=None)}..{max(by_ts, default=None)} vs {start}..{exp}")
    report(state.get("status") == "stopped" and state.get("stop_reason") == "expired" and
           state.get("hello_ok") == "1" and state.get("last_upload_status") == "204",
           "state file says stopped/expired after a good upload", f"{state}")
    report(not os.path.exists(os.path.join(tools, "collector.pid")), "pidfile removed on exit")
    if hello:
        feats = hello.get("collector", {}).get("unavailable_features")
        report(feats == [], "hello: unavailable_features is an empty list", f"{feats!r}")
    check_snapshot_grammar(reqs, tools)
    spool = os.path.join(tools, "spool.csv")
    report(not os.path.exists(spool) or os.path.getsize(spool) == 0,
           "spool flushed empty before exit")
    leftovers = [f for f in os.listdir(tools) if f.startswith(".")]
    report(not leftovers, "no temporary or auth files left behind", f"{leftovers}")
    with open(os.path.join(tools, "collector.log"), encoding="utf-8", errors="replace") as f:
        log = f.read()
    report(token not in log and "Bearer" not in log, "token never written to the log")


def cycles(reqs, gap=0.6):
    """Group requests into upload cycles (requests less than `gap` s apart)."""
    out = []
    for r in reqs:
        if out and r["t"] - out[-1][-1]["t"] < gap:
            out[-1].append(r)
        else:
            out.append([r])
    return out


def cmd_outage(rcv, tools, switch):
    switch = float(switch)
    reqs = load_requests(rcv)
    state = read_state(tools)
    failed = [r for r in reqs if r["status"] == 503]
    report(any(r["path"] == "/api/v1/metrics" for r in failed) and
           any(r["path"] == "/api/v1/hello" for r in failed),
           "receiver answered 503 to hello and metrics during the outage",
           f"{len(failed)} failures")
    hellos = [r for r in reqs if r["path"] == "/api/v1/hello"]
    report(len(hellos) >= 2 and hellos[-1]["status"] == 204 and
           all(h["status"] == 503 for h in hellos[:-1]),
           "hello retried at upload attempts until acknowledged",
           f"{[(round(h['t'] - switch, 1), h['status']) for h in hellos]}")
    cyc = cycles(reqs)
    starts = [c[0]["t"] for c in cyc]
    ok_idx = next((i for i, c in enumerate(cyc)
                   if any(200 <= r["status"] < 300 for r in c)), None)
    gaps = [round(b - a, 1) for a, b in zip(starts, starts[1:])]
    if ok_idx is None or ok_idx < 2:
        report(False, "upload period doubles while failing", f"gaps {gaps}, first ok {ok_idx}")
    else:
        fail_gaps = gaps[:ok_idx]
        doubling = all(b >= 1.5 * a for a, b in zip(fail_gaps, fail_gaps[1:])) and \
            fail_gaps[0] >= 1.5
        report(doubling, "upload period doubles while failing", f"gaps {gaps}")
        # from the end of one cycle to the start of the next: the first good cycle also carries the
        # socket snapshots spooled during the outage, so it lasts longer than the others
        idle = [round(b[0]["t"] - a[-1]["t"], 1) for a, b in zip(cyc, cyc[1:])]
        after = idle[ok_idx:]
        report(all(g <= 1.7 for g in after), "upload period resets after success",
               f"idle gaps after success {after}")
    report(cyc and all(any(r["status"] == 503 for r in c) for c in cyc
                       if c[0]["t"] < switch - 0.3),
           "no request was accepted before the outage ended")
    rows = parse_rows(reqs)
    check_no_duplicates(rows)
    sample_ts = [ts for ts, n, _ in rows if n == "cpu.count"]
    samples = int(state.get("samples", "-1"))
    report(len(sample_ts) == len(set(sample_ts)) == samples,
           f"every sample taken during the outage arrived exactly once "
           f"({len(set(sample_ts))} distinct, {len(sample_ts)} received, {samples} taken)")
    pre = [r for r in reqs if r["path"] == "/api/v1/metrics" and r["status"] == 503]
    pre_ts = {int(l.split(",")[0]) for r in pre for l in r["body"].splitlines()
              if l.split(",")[1:2] == ["cpu.count"]}
    report(pre_ts and pre_ts <= set(sample_ts),
           "samples refused with 503 were delivered later", f"{sorted(pre_ts - set(sample_ts))}")
    spool = os.path.join(tools, "spool.csv")
    report(not os.path.exists(spool) or os.path.getsize(spool) == 0,
           "spool empty after recovery")


def cmd_mitm(rcv, mitm, tools, tokenfile):
    """Behind a TLS interceptor the host itself trusts, then the real
    receiver: the interceptor saw handshakes and nothing else, the receiver
    got every sample exactly once."""
    with open(tokenfile, "rb") as f:
        token = f.read()
    conns = glob.glob(os.path.join(mitm, "tls-conn-*.txt"))
    fails = glob.glob(os.path.join(mitm, "tls-fail-*.txt"))
    report(len(conns) >= 1, "the collector reached the interceptor and refused its certificate",
           f"{len(conns)} connections, {len(fails)} of them failed in the handshake")
    seen = load_requests(mitm)
    report(not seen, "the interceptor received no HTTP request at all (no header, no body)",
           f"{[(r['path'], header(r, 'Authorization')) for r in seen]}")
    leaked = []
    for f in glob.glob(os.path.join(mitm, "*")):
        with open(f, "rb") as fh:
            if token in fh.read():
                leaked.append(f)
    report(not leaked, "the token appears nowhere in what the interceptor recorded", f"{leaked}")
    reqs = load_requests(rcv)
    report(reqs and all(header(r, "Authorization") == "Bearer " + token.decode() for r in reqs),
           "the real receiver got the token", f"{len(reqs)} requests")
    rows = parse_rows(reqs)
    check_no_duplicates(rows)
    state = read_state(tools)
    sample_ts = [ts for ts, n, _ in rows if n == "cpu.count"]
    samples = int(state.get("samples", "-1"))
    report(len(sample_ts) == len(set(sample_ts)) == samples,
           f"every sample taken behind the interceptor arrived once the receiver was back "
           f"({len(set(sample_ts))} distinct, {len(sample_ts)} received, {samples} taken)")
    spool = os.path.join(tools, "spool.csv")
    report(not os.path.exists(spool) or os.path.getsize(spool) == 0,
           "spool empty after the receiver came back")
    report(state.get("tls") == "verified" and state.get("tls_error") == "",
           "state: tls=verified, no error left after the successful upload",
           f"tls={state.get('tls')} tls_error={state.get('tls_error')}")


def cmd_cap(rcv, tools, cap, max_seen):
    cap, max_seen = int(cap), int(max_seen)
    reqs = load_requests(rcv)
    state = read_state(tools)
    rows = parse_rows(reqs)
    check_no_duplicates(rows)
    dropped = [(ts, int(v)) for ts, n, v in rows if n == "collector.spool_dropped_lines"]
    dropped.sort()
    final = int(state.get("spool_dropped_lines", "0"))
    report(dropped and dropped[-1][1] > 0, "collector.spool_dropped_lines reported (> 0)",
           f"{dropped}")
    report(all(b >= a for (_, a), (_, b) in zip(dropped, dropped[1:])),
           "collector.spool_dropped_lines is cumulative (never decreases)", f"{dropped}")
    report(dropped and dropped[-1][1] == final and final > 0,
           "state file persists the same drop count", f"state {final}, reported {dropped[-1:]}")
    sample_ts = sorted(ts for ts, n, _ in rows if n == "cpu.count")
    samples = int(state.get("samples", "-1"))
    start = int(state.get("started_at", "0"))
    last = int(state.get("last_sample_at", "0"))
    report(sample_ts and len(sample_ts) < samples and sample_ts[0] > start,
           "the oldest samples were dropped",
           f"received {len(sample_ts)} of {samples}, first {sample_ts[:1]} vs start {start}")
    report(sample_ts and sample_ts[-1] == last, "the newest samples were kept and delivered",
           f"last received {sample_ts[-1:]} vs last sample {last}")
    # Whole samples disappear from the front only: no hole in the middle.
    holes = [b for a, b in zip(sample_ts, sample_ts[1:]) if b - a > 3]
    report(not holes, "delivered samples form one contiguous run", f"{sample_ts}")
    # one sample over the cap at most, seen between its append and the trim (a sample is ~850
    # bytes with its per-disk and per-volume lines)
    report(max_seen <= cap + 1200, f"spool stayed at the cap (max {max_seen} bytes seen, cap {cap})")


def cmd_dropped_persisted(rcv, expected):
    rows = parse_rows(load_requests(rcv))
    vals = sorted((ts, int(v)) for ts, n, v in rows if n == "collector.spool_dropped_lines")
    report(vals and vals[0][1] == int(expected),
           f"drop count survives a restart (first report {vals[:1]}, expected {expected})")


SNAP_RE = re.compile(r"^([0-9]+),snapshot,(proc),([0-9]+),([0-9]+),([0-9]+)$")
TEXT = r"(?:[!-$&-+\x2d-~]|%[0-9A-F]{2})*"
LISTEN_RE = re.compile(r"^([0-9]+),listen,(tcp|udp),([0-9a-f:.]+),([0-9]+),(%s),(%s),(%s)$"
                       % (TEXT, TEXT, TEXT))
CONN_RE = re.compile(r"^([0-9]+),conn,(in|out),(tcp|udp),([0-9a-f:.]+),([0-9]+),([0-9a-f:.]+),([0-9]+),"
                     r"(%s),(%s),(%s),([1-9][0-9]*)$" % (TEXT, TEXT, TEXT))


def canon(a):
    ip = ipaddress.ip_address(a)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip)


def parse_snapshots(reqs):
    """[(request seq, ts, header dict, listens, conns)] from accepted sockets
    requests, plus a list of grammar problems (the receiver's rules)."""
    snaps, bad = [], []
    for r in reqs:
        if r["path"] != "/api/v1/sockets" or not 200 <= r["status"] < 300:
            continue
        if not r["body"].endswith("\n"):
            bad.append(f"#{r['seq']} body does not end with newline")
        if len(r["body"].encode("utf-8", "surrogateescape")) > 1024 * 1024:
            bad.append(f"#{r['seq']} body over 1 MiB")
        lines = r["body"].splitlines()
        i = 0
        while i < len(lines):
            m = SNAP_RE.match(lines[i])
            if not m:
                bad.append(f"#{r['seq']} expected a snapshot header: {lines[i]!r}")
                break
            ts, nl, nc, nd = int(m.group(1)), int(m.group(3)), int(m.group(4)), int(m.group(5))
            body = lines[i + 1:i + 1 + nl + nc]
            listens, conns = [], []
            for j, line in enumerate(body):
                lm, cm = LISTEN_RE.match(line), CONN_RE.match(line)
                if j < nl and lm and int(lm.group(1)) == ts:
                    g = lm.groups()
                    listens.append((g[1], g[2], int(g[3]), g[4], g[5], g[6]))
                elif j >= nl and cm and int(cm.group(1)) == ts:
                    g = cm.groups()
                    conns.append((g[1], g[2], g[3], int(g[4]), g[5], int(g[6]), g[7], g[8], g[9],
                                  int(g[10])))
                else:
                    bad.append(f"#{r['seq']} bad row {j + 1} of snapshot {ts}: {line!r}")
            if len(body) != nl + nc:
                bad.append(f"#{r['seq']} snapshot {ts} announces {nl}+{nc} rows, has {len(body)}")
            for a in [x[1] for x in listens] + [x[2] for x in conns] + [x[4] for x in conns]:
                try:
                    if canon(a) != a and ipaddress.ip_address(a).version == 4:
                        bad.append(f"#{r['seq']} address {a!r} not canonical")
                except ValueError:
                    bad.append(f"#{r['seq']} address {a!r} is no IP literal")
            for c in conns:
                if (c[0] == "out" and c[3] != 0) or (c[0] == "in" and c[5] != 0):
                    bad.append(f"#{r['seq']} ephemeral port kept in {c}")
            snaps.append((r["seq"], ts, {"listen": nl, "conn": nc, "dropped": nd}, listens, conns))
            i += 1 + nl + nc
    return snaps, bad


def check_snapshot_grammar(reqs, tools):
    snaps, bad = parse_snapshots(reqs)
    report(snaps and not bad, f"all {len(snaps)} socket snapshots match the wire format "
           "(header counts, row grammar, percent-encoding, canonical addresses)",
           "; ".join(bad[:5]) or "no snapshots")
    ts = [s[1] for s in snaps]
    report(len(ts) == len(set(ts)), "every snapshot has its own second", f"{ts}")
    state = read_state(tools)
    report(str(len(snaps)) == state.get("snapshots"),
           f"every snapshot arrived ({len(snaps)} received, state says {state.get('snapshots')})")
    spool = os.path.join(tools, "sockets.csv")
    report(not os.path.exists(spool) or os.path.getsize(spool) == 0,
           "sockets spool flushed empty before exit")
    return snaps


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"


def cmd_sockets(rcv, tools, fixture_dir, ss_file):
    reqs = load_requests(rcv)
    with open(os.path.join(fixture_dir, "fixture.json"), encoding="utf-8") as f:
        fx = json.load(f)
    with open(os.path.join(fixture_dir, "closed"), encoding="utf-8") as f:
        closed = float(f.read())
    hello = [json.loads(r["body"]) for r in reqs if r["path"] == "/api/v1/hello"]
    feats = hello[0]["collector"].get("unavailable_features") if hello else None
    report(feats == [], "hello lists no unavailable socket feature", f"{feats!r}")
    snaps = check_snapshot_grammar(reqs, tools)
    user = user_name(fx["uid"])
    listens, conns = {}, {}
    for row in fx["rows"]:
        la = canon(row["local"][0])
        if row["role"] == "listen":
            listens[row["name"]] = (row["proto"], la, row["local"][1], user, row["process"], "")
        else:
            ra = canon(row["remote"][0])
            if row["role"] == "in":
                key = ("in", row["proto"], la, row["local"][1], ra, 0, user, row["process"], "")
            else:
                key = ("out", row["proto"], la, 0, ra, row["remote"][1], user, row["process"], "")
            conns.setdefault(key, [0, row["closes"], row["name"]])[0] += 1
    # A snapshot reads /proc/net just after its timestamp; on a loaded host
    # forking the awk alone can take a second or two, hence the margin.
    before = [s for s in snaps if s[1] < closed - 3]
    after = [s for s in snaps if s[1] > closed]
    report(len(before) >= 2 and len(after) >= 2,
           f"snapshots before ({len(before)}) and after ({len(after)}) the close")
    for name, want in sorted(listens.items()):
        miss = [s[1] for s in before if want not in s[3]]
        got = sorted({x for s in before[:1] for x in s[3] if x[2] == want[2]})
        report(before and not miss, f"listener {name} {want[0]} {want[1]}:{want[2]} "
               f"user {want[3]} process {want[4]} in every snapshot before the close",
               f"missing in {miss}; rows for that port: {got}")
    for key, (n, _, name) in sorted(conns.items(), key=lambda kv: kv[1][2]):
        bad = []
        for s in before:
            got = [c for c in s[4] if c[:9] == key]
            if len(got) != 1 or got[0][9] != n:
                bad.append((s[1], got))
        report(before and not bad, f"connection {name}: {key[0]} {key[2]}:{key[3]} -> "
               f"{key[4]}:{key[5]} count {n} in every snapshot before the close", f"{bad[:2]}")
    gone_l = [n for n, w in listens.items() if any(
        r["name"] == n and r["closes"] for r in fx["rows"])]
    bad = [(s[1], n) for s in after for n in gone_l if listens[n] in s[3]]
    bad += [(s[1], v[2]) for s in after for k, v in conns.items() if v[1]
            and any(c[:9] == k for c in s[4])]
    report(after and gone_l and not bad,
           f"closed sockets ({', '.join(gone_l)} and their connection) are gone from "
           "every later snapshot", f"{bad[:5]}")
    kept = [n for n, w in listens.items() if n not in gone_l]
    bad = [(s[1], n) for s in after for n in kept if listens[n] not in s[3]]
    report(after and not bad, "sockets still open stay in the later snapshots", f"{bad[:5]}")
    # the kernel's other view, iproute2 ss, for the fixture's ports
    if ss_file != "-" and os.path.exists(ss_file):
        ports = {w[2] for w in listens.values()}
        seen = set()
        for line in open(ss_file, encoding="utf-8", errors="replace"):
            f = line.split()
            if len(f) < 5 or f[0] not in ("tcp", "udp"):
                continue
            a, _, p = f[4].rpartition(":")
            if not p.isdigit() or int(p) not in ports:
                continue
            a = a.strip("[]")
            seen.add((f[0], "::" if a == "*" else canon(a.split("%")[0]), int(p)))
        ours = {(p, a, port) for s in before[:1] for p, a, port, *_ in s[3] if port in ports}
        report(seen and seen == ours, f"listeners on the fixture ports agree with `ss -tuln` "
               f"({len(seen)} sockets)", f"ss only {sorted(seen - ours)}, ours only {sorted(ours - seen)}")
    # rows come highest count first: the cap keeps the largest ones
    order_bad = [s[1] for s in snaps if [c[9] for c in s[4]] != sorted((c[9] for c in s[4]), reverse=True)]
    report(not order_bad, "connection rows are ordered by count, highest first", f"{order_bad[:3]}")


def cmd_sockets_cap(rcv, tools, max_rows):
    max_rows = int(max_rows)
    reqs = load_requests(rcv)
    snaps = check_snapshot_grammar(reqs, tools)
    bad = [(s[1], s[2]) for s in snaps if s[2]["listen"] + s[2]["conn"] > max_rows]
    report(snaps and not bad, f"no snapshot holds more than {max_rows} rows", f"{bad[:3]}")
    bad = [(s[1], s[2]) for s in snaps if s[2]["listen"] != max_rows or s[2]["conn"] != 0]
    report(snaps and not bad, "listeners are kept first (the host has more listeners than the cap)",
           f"{bad[:3]}")
    bad = [(s[1], s[2]) for s in snaps if s[2]["dropped"] < 1]
    report(snaps and not bad, "dropped rows reported in every header "
           f"({sorted({s[2]['dropped'] for s in snaps})})", f"{bad[:3]}")
    state = read_state(tools)
    report(state.get("last_snapshot_dropped_rows") == str(snaps[-1][2]["dropped"]) if snaps else False,
           "state file reports the last snapshot's dropped rows",
           f"{state.get('last_snapshot_dropped_rows')}")


def cmd_sockets_spool(rcv, tools, first_kept, last):
    """A pre-filled sockets.csv (snapshots FIRST..LAST after the cap, one torn
    snapshot and a garbage line at the end, an empty snapshot after them)."""
    first_kept, last = int(first_kept), int(last)
    reqs = [r for r in load_requests(rcv) if r["path"] == "/api/v1/sockets"]
    snaps, bad = parse_snapshots(reqs)
    report(len(reqs) >= 2, f"the backlog went out in several chunks ({len(reqs)} requests, "
           f"sizes {[len(r['body']) for r in reqs]})")
    report(not bad, "every chunk starts at a snapshot header and holds whole snapshots only",
           "; ".join(bad[:5]))
    ts = [s[1] for s in snaps]
    want = list(range(first_kept, last + 1)) + [last + 20]
    report(ts == want, f"the cap dropped whole snapshots from the front, the torn one was "
           f"skipped, the rest arrived in order ({len(ts)} snapshots)",
           f"got {ts[:3]}..{ts[-3:]}, want {want[:3]}..{want[-3:]}")
    state = read_state(tools)
    report(int(state.get("sockets_dropped_lines", "0")) > 0 and
           int(state.get("sockets_dropped_lines", "0")) % 4 == 0,
           f"state counts the dropped lines ({state.get('sockets_dropped_lines')}, whole 4-line snapshots)")


def cmd_params(expected_json, *outputs):
    """Compares the values each shell sees (NUL-separated dumps named
    SHELL=FILE, in PLACEHOLDERS order) with the values that were rendered."""
    with open(expected_json, encoding="utf-8") as f:
        expected = json.load(f)
    for arg in outputs:
        shell, _, path = arg.partition("=")
        with open(path, "rb") as f:
            got = f.read().decode("utf-8", "surrogateescape").split("\0")[:-1]
        values = dict(zip(PLACEHOLDERS, got))
        diff = {k: (values.get(k), v) for k, v in expected.items() if values.get(k) != v}
        report(len(got) == len(PLACEHOLDERS) and not diff,
               f"{shell} reads every rendered value back verbatim", f"{diff}")


def cmd_template(template):
    with open(template, encoding="utf-8") as f:
        lines = f.read().split("\n")
    begin = [i for i, l in enumerate(lines) if l.startswith("# ---- BEGIN RENDERED PARAMETERS")]
    end = [i for i, l in enumerate(lines) if l.startswith("# ---- END RENDERED PARAMETERS")]
    report(len(begin) == 1 and len(end) == 1 and begin[0] < end[0],
           "template has one marked parameter block")
    if not (begin and end):
        return
    block = lines[begin[0] + 1:end[0]]
    want = [f"PM_{n}={{{{{n}}}}}" for n in PLACEHOLDERS]
    report(block == want, f"parameter block holds exactly the {len(PLACEHOLDERS)} placeholders",
           f"{block}")
    outside = [i + 1 for i, l in enumerate(lines)
               if "{{" in l and not begin[0] < i < end[0]]
    report(not outside, "no '{{' outside the parameter block", f"lines {outside}")
    sections = ["Parameters", "Functions", "Inventory / hello", "Sampling", "Spool",
                "Upload", "Main loop"]
    text = "\n".join(lines)
    missing = [s for s in sections if f"\n# {s}\n" not in text]
    report(not missing, "banner sections present", f"missing {missing}")


def scan_cmdlines(token):
    hits = set()
    for p in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(p, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if token in cmd:
            hits.add(cmd.replace(b"\0", b" ").decode(errors="replace")[:200])
    return hits


def cmd_psscan(tokenfile, outfile, stopfile):
    """Records every command line holding the token until STOPFILE exists."""
    with open(tokenfile, "rb") as f:
        token = f.read()
    hits = set()
    while not os.path.exists(stopfile):
        hits |= scan_cmdlines(token)
        time.sleep(0.01)
    with open(outfile, "w") as f:
        f.write("\n".join(sorted(hits)))


def cmd_psquiet(tokenfile, seconds):
    """Waits until no command line holds the token (busybox `timeout` leaves a
    watchdog with the wget command line for about a second, in its own
    session); exits 1 if that does not happen in time."""
    with open(tokenfile, "rb") as f:
        token = f.read()
    deadline = time.time() + float(seconds)
    while scan_cmdlines(token):
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.1)


def cmd_ids(vectors, *outputs):
    """Each shell's dev_id against the shared vectors (and the reference
    escape for the extra names the harness adds)."""
    want = dict(read_vectors(vectors))
    for arg in outputs:
        sh, _, path = arg.partition("=")
        got = {}
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                raw, _, id_ = line.rstrip("\n").partition("\t")
                got[raw] = id_
        shared = {r: got.get(r) for r in want}
        report(shared == want, f"{sh}: dev_id gives the shared vectors' {len(want)} ids",
               f"{[(r, got.get(r), w) for r, w in want.items() if got.get(r) != w]}")
        extra = {r: i for r, i in got.items() if r not in want}
        bad = [(r, i, device_id(r)) for r, i in extra.items() if i != device_id(r)]
        report(extra and not bad,
               f"{sh}: dev_id matches the reference escape on {len(extra)} more names "
               f"(every printable ASCII character, UTF-8, 40/41 characters)", f"{bad}")


def kernel_at(watch, t, after):
    """Counters of the last watch row at or before t (after=False), or of the
    first at or after it (after=True)."""
    if after:
        return next((w for w in watch if w["t"] >= t), None)
    return next((w for w in reversed(watch) if w["t"] <= t), None)


def cmd_disks(rcv, tools, watch_log, dev, mount, io_json):
    """The collector's per-disk rates, integrated over the run, against the
    kernel's own counters read by the test around each sample, with real I/O
    the test made; its per-volume figures against statvfs."""
    reqs = load_requests(rcv)
    rows = parse_rows(reqs)
    with open(watch_log) as f:
        watch = [json.loads(l) for l in f if l.strip()]
    with open(io_json) as f:
        io = json.load(f)
    hello = next((json.loads(r["body"]) for r in reqs if r["path"] == "/api/v1/hello"), {})
    did, mid = device_id(dev), device_id(mount)
    report(any(d.get("id") == did and d.get("name") == dev for d in hello.get("disks") or []),
           f"hello lists {dev} as disk {did}", f"{hello.get('disks')}")
    vol = next((v for v in hello.get("volumes") or [] if v.get("mount") == mount), None)
    report(vol is not None and vol["id"] == mid and vol["disk"] == did,
           f"hello lists {mount} as volume {mid} on disk {did}", f"{hello.get('volumes')}")
    samples = sorted({ts for ts, n, _ in rows if n == "cpu.count"})
    per = {}
    for ts, n, v in rows:
        per.setdefault(n, {})[ts] = float(v)
    # A sample's reads happen after its second began and, on this test's
    # load, well within 2 s of it (the clock's anchor truncates up to 1 s).
    slack_s = 2.0
    if not report(len(samples) >= 5 and watch, f"{len(samples)} samples and {len(watch)} kernel reads"):
        return
    first, last = samples[0], samples[-1]
    report(watch and watch[0]["t"] <= first and watch[-1]["t"] >= last + slack_s,
           "the test read the kernel's counters over the whole run",
           f"watch {watch[0]['t'] if watch else None}..{watch[-1]['t'] if watch else None}, "
           f"samples {first}..{last}")
    k0_lo, k0_hi = kernel_at(watch, first, False), kernel_at(watch, first + slack_s, True)
    k1_lo, k1_hi = kernel_at(watch, last, False), kernel_at(watch, last + slack_s, True)
    if None in (k0_lo, k0_hi, k1_lo, k1_hi):
        return
    for metric, key, scale, mine in (("write_bytes", "wsec", 512, io["written"]),
                                     ("read_bytes", "rsec", 512, io["read"]),
                                     ("write_ops", "wio", 1, None), ("read_ops", "rio", 1, None)):
        name = f"disk.{did}.{metric}_per_s"
        series = per.get(name, {})
        integral = 0.0
        for prev, ts in zip(samples, samples[1:]):
            integral += series.get(ts, 0.0) * (ts - prev)
        lo = (k1_lo[key] - k0_hi[key]) * scale
        hi = (k1_hi[key] - k0_lo[key]) * scale
        # the rates' intervals are taken as whole seconds; the collector's
        # own differ by its wake-up jitter
        tol = 0.08 * hi + (2 * 1048576 if scale > 1 else 8)
        report(lo - tol <= integral <= hi + tol,
               f"{name} integrates to the kernel's delta: {integral:.0f} within "
               f"[{lo:.0f}, {hi:.0f}] +- {tol:.0f}",
               f"{len(series)} samples")
        if mine is not None:
            report(hi >= mine and integral >= 0.9 * mine,
                   f"{name}: the test's own {mine} bytes are in the kernel's delta and the collector's",
                   f"kernel {lo}..{hi}, collector {integral:.0f}")
    # per volume: capacity as statvfs says; used between what the test saw
    # around the sample
    bad = []
    cap_name, used_name = f"fs.{mid}.capacity_bytes", f"fs.{mid}.used_bytes"
    for ts in samples:
        cap, used = per.get(cap_name, {}).get(ts), per.get(used_name, {}).get(ts)
        around = [w for w in watch if ts - 0.2 <= w["t"] <= ts + slack_s + 0.2]
        if cap is None or used is None or not around:
            bad.append(f"{ts}: cap {cap} used {used}, {len(around)} kernel reads")
            continue
        caps = {w["blocks"] * w["frsize"] for w in around}
        useds = [(w["blocks"] - w["bfree"]) * w["frsize"] for w in around]
        # df -k rounds to whole KiB
        if not any(abs(cap - c) < 1024 for c in caps):
            bad.append(f"{ts}: capacity {cap} vs statvfs {sorted(caps)}")
        # other processes allocate and free blocks between the test's reads 50 ms apart
        if not min(useds) - 16 * 1048576 <= used <= max(useds) + 16 * 1048576:
            bad.append(f"{ts}: used {used} vs statvfs {min(useds)}..{max(useds)}")
    report(not bad, f"{cap_name} and {used_name} match statvfs({mount}) at each of "
           f"{len(samples)} samples", "; ".join(bad[:4]))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "basic": cmd_basic, "outage": cmd_outage, "cap": cmd_cap,
        "dropped-persisted": cmd_dropped_persisted, "params": cmd_params,
        "template": cmd_template, "psscan": cmd_psscan, "psquiet": cmd_psquiet,
        "sockets": cmd_sockets, "sockets-cap": cmd_sockets_cap, "sockets-spool": cmd_sockets_spool,
        "mitm": cmd_mitm, "ids": cmd_ids, "disks": cmd_disks,
    }[cmd](*args)


if __name__ == "__main__":
    main()
