#!/usr/bin/env python3
"""Checks for the collector.vbs tests (called by ./run).

Each subcommand prints one line per check, "ok - <what>" or
"not ok - <what>: <why>", and nothing else.  Generic helpers (request
loading, header and line-grammar checks, the outage and spool-cap analyses)
come from the shell collector's harness, ../collector-sh-test/analyze.py;
the outage analysis is its own copy with timing tolerances for Wine.

  analyze.py template TEMPLATE
  analyze.py params EXPECTED_JSON DUMPFILE
  analyze.py probe PROBEFILE                 prints the expected unavailable metrics
  analyze.py pid PIDFILE PROBEFILE           pidfile names a running collector
  analyze.py basic RCV TOOLS META PROVIDER TOKENFILE TTL INTERVAL UPLOAD PROBEFILE LAUNCHED_AT
  analyze.py outage RCV TOOLS SWITCH_EPOCH
  analyze.py cap RCV TOOLS CAP MAX_SEEN
  analyze.py dropped-persisted RCV EXPECTED
  analyze.py psscan TOKENFILE OUTFILE STOPFILE
"""
import importlib.util
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# No __pycache__ next to the shell harness's module.
sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location(
    "sh_analyze", os.path.join(HERE, "..", "collector-sh-test", "analyze.py"))
sh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sh)

report = sh.report
load_requests = sh.load_requests
read_state = sh.read_state
parse_rows = sh.parse_rows

METRICS = [
    "cpu.busy_pct", "cpu.count", "mem.total_bytes", "mem.available_bytes",
    "mem.used_bytes", "disk.read_bytes_per_s", "disk.write_bytes_per_s",
    "disk.read_ops_per_s", "disk.write_ops_per_s", "fs.capacity_bytes",
    "fs.used_bytes", "net.rx_bytes_per_s", "net.tx_bytes_per_s",
]
OPTIONAL = ["collector.spool_dropped_lines"]
PLACEHOLDERS = ["URL", "TOKEN", "INTERVAL_S", "UPLOAD_S", "TTL_S",
                "SPOOL_MAX_BYTES", "METADATA_URL", "TOOLS_DIR", "SOCKETS_S",
                "SOCKETS_MAX_ROWS", "CA_PEM"]
# Built-ins Wine 8's VBScript lacks (they raise 0x1BD), and a syntax it gets
# silently wrong (indexing a call result yields Empty).
WINE_MISSING = ["Join(", "ChrW(", "Filter(", "GetRef(", "Escape(", "Eval(",
                "Execute ", "WScript.StdOut", "WScript.StdErr"]


# ---------------------------------------------------------------- probe -----

def read_probe(path):
    """Facts printed by probe.vbs."""
    p = {"proc": {}, "cs": {}, "os": {}, "vol": [], "drv": {}, "class": {}, "prop": {}, "std": {},
         "inst": []}
    with open(path, encoding="latin-1") as f:
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3:
                continue
            kind = parts[0]
            if kind == "proc":
                p["proc"][parts[1]] = (parts[2], parts[3] if len(parts) > 3 else "")
            elif kind in ("cs", "os", "class", "prop", "drv", "std"):
                p[kind][parts[1]] = parts[2]
            elif kind == "vol":
                p["vol"].append(parts[1:])
            elif kind == "inst":
                p["inst"].append(parts[1:])
    return p


def uint(s):
    return int(s) if isinstance(s, str) and s.isdigit() else None


def expected_unavailable(p):
    """What the collector must list as unavailable, decided from the probe
    with the rules the README states (not with the collector's code)."""
    rows = {k: int(v) for k, v in p["class"].items()}
    out = set()
    if not rows.get("Win32_PerfRawData_PerfOS_Processor") and \
            p["prop"].get("Win32_Processor.LoadPercentage") != "1":
        out.add("cpu.busy_pct")
    if uint(p["cs"].get("NumberOfLogicalProcessors")) is None and \
            p["prop"].get("Win32_Processor.NumberOfLogicalProcessors") != "1":
        out.add("cpu.count")
    if uint(p["os"].get("TotalVisibleMemorySize")) is None:
        out.add("mem.total_bytes")
    if uint(p["os"].get("TotalVisibleMemorySize")) is None or \
            uint(p["os"].get("FreePhysicalMemory")) is None:
        out |= {"mem.available_bytes", "mem.used_bytes"}
    if not rows.get("Win32_PerfRawData_PerfDisk_PhysicalDisk") and \
            not rows.get("Win32_PerfFormattedData_PerfDisk_PhysicalDisk"):
        out |= {m for m in METRICS if m.startswith("disk.")}
    # A volume counts when WMI's numbers are credible: free <= size, and the
    # size confirmed by the file system API (FileSystemObject) within 1 %.
    consistent = [v for v in p["vol"] if uint(v[1]) is not None and uint(v[2]) is not None
                  and 0 < uint(v[2]) <= uint(v[1])
                  and uint(p["drv"].get(v[0])) is not None
                  and abs(uint(p["drv"][v[0]]) - uint(v[1])) <= uint(v[1]) / 100]
    if not consistent:
        out |= {"fs.capacity_bytes", "fs.used_bytes"}
    if not rows.get("Win32_PerfRawData_Tcpip_NetworkInterface") and \
            not rows.get("Win32_PerfFormattedData_Tcpip_NetworkInterface"):
        out |= {"net.rx_bytes_per_s", "net.tx_bytes_per_s"}
    return out


def consistent_volumes(p):
    return [v for v in p["vol"] if uint(v[1]) is not None and uint(v[2]) is not None
            and 0 < uint(v[2]) <= uint(v[1])
            and uint(p["drv"].get(v[0])) is not None
            and abs(uint(p["drv"][v[0]]) - uint(v[1])) <= uint(v[1]) / 100]


def expected_features(p):
    """The per-disk and per-volume entries of unavailable_features: no
    PhysicalDisk instance besides _Total, no credible fixed volume."""
    out = set()
    if not [i for i in p["inst"] if i[0].endswith("PhysicalDisk") and i[1] != "_Total"]:
        out.add("disk.devices")
    if not consistent_volumes(p):
        out.add("fs.volumes")
    return out


def cmd_probe(probefile):
    p = read_probe(probefile)
    print(" ".join(m for m in METRICS if m in expected_unavailable(p)))


def cmd_pid(pidfile, probefile):
    p = read_probe(probefile)
    try:
        with open(pidfile, encoding="latin-1") as f:
            pid = f.read().strip()
    except FileNotFoundError:
        report(False, "pidfile exists", pidfile)
        return
    name, cmdline = p["proc"].get(pid, ("", ""))
    # Wine shows a command line for the asking process only (others: null);
    # the probe itself is the one cscript whose command line names probe.vbs.
    report(name.lower() == "cscript.exe" and "probe.vbs" not in cmdline.lower() and
           (cmdline == "<null>" or "collector.vbs" in cmdline.lower()),
           f"pidfile names the running cscript collector (Windows pid {pid})",
           f"process {pid}: {name!r} {cmdline!r}")


# ---------------------------------------------------------------- static ----

def cmd_template(template):
    with open(template, "rb") as f:
        raw = f.read()
    report(all(b < 0x80 for b in raw), "template is plain ASCII")
    text = raw.decode("ascii", "replace")
    lines = text.replace("\r\n", "\n").split("\n")
    begin = [i for i, l in enumerate(lines) if l.startswith("' ---- BEGIN RENDERED PARAMETERS")]
    end = [i for i, l in enumerate(lines) if l.startswith("' ---- END RENDERED PARAMETERS")]
    report(len(begin) == 1 and len(end) == 1 and begin[0] < end[0],
           "template has one marked parameter block")
    if not (len(begin) == 1 and len(end) == 1):
        return
    block = lines[begin[0] + 1:end[0]]
    want = [f"PM_{n} = {{{{{n}}}}}" for n in PLACEHOLDERS]
    report(block == want, f"parameter block holds exactly the {len(PLACEHOLDERS)} placeholders, each a whole right-hand side",
           f"{block}")
    outside = [i + 1 for i, l in enumerate(lines) if "{{" in l and not begin[0] < i < end[0]]
    report(not outside, "no '{{' outside the parameter block", f"lines {outside}")
    code = [l.strip() for l in lines if l.strip() and not l.strip().startswith("'")]
    report(code and code[0] == "Option Explicit", "Option Explicit is the first statement",
           code[:1])
    sections = ["Parameters", "Functions", "Inventory / hello", "Sampling", "Sockets", "Spool",
                "Upload", "Main loop"]
    missing = [s for s in sections
               if not re.search(r"^' ={20,}\n' " + re.escape(s) + r"\n' ={20,}$", text, re.M)]
    report(not missing, "banner sections present", f"missing {missing}")
    # Wine-compatibility lint on code (comments stripped).
    bad = []
    for i, l in enumerate(lines):
        # String literals blanked, then the comment cut off.
        stmt = re.sub(r'"[^"]*"', '""', l).split("'")[0]
        for w in WINE_MISSING:
            if w in stmt:
                bad.append(f"{i + 1}: {w}")
        if ")(" in stmt:
            bad.append(f"{i + 1}: indexes a call result")
        if "AscW(" in stmt and "a = AscW(c)" not in stmt:
            bad.append(f"{i + 1}: AscW outside UnicodeOf")
    report(not bad, "no VBScript feature that Wine 8 lacks or gets wrong", "; ".join(bad[:5]))


def cmd_params(expected_json, dumpfile):
    """The rendered block run by Wine's cscript printed each value as decimal
    character codes ("NAME=65,66,..."): compare with what was rendered."""
    with open(expected_json, encoding="utf-8") as f:
        expected = json.load(f)
    got = {}
    with open(dumpfile, encoding="latin-1") as f:
        for line in f:
            name, sep, codes = line.strip().partition("=")
            if sep:
                got[name] = "".join(chr(int(c)) for c in codes.split(",") if c)
    diff = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    report(len(got) == len(PLACEHOLDERS) and not diff,
           "cscript reads every hostile rendered value back verbatim", f"{diff}")


# ---------------------------------------------------------------- runs ------

def cmd_basic(rcv, tools, meta, provider, tokenfile, ttl, interval, upload, probefile, launched_at):
    ttl, interval, upload = int(ttl), int(interval), int(upload)
    launched_at = float(launched_at)
    with open(tokenfile, encoding="utf-8") as f:
        token = f.read()
    probe = read_probe(probefile)
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
        report(all(ord(c) < 0x80 for c in hellos[0]["body"]), "hello body is plain ASCII")
    state = read_state(tools)
    want_unavail = expected_unavailable(probe)
    if hello:
        problems = []
        col = hello.get("collector") or {}
        osd = hello.get("os") or {}
        cpu = hello.get("cpu") or {}
        if str(hello.get("hostname", "")).lower() != probe["cs"].get("Name", "?").lower():
            problems.append(f"hostname {hello.get('hostname')!r} vs {probe['cs'].get('Name')!r}")
        if osd.get("family") != "windows" or not isinstance(osd.get("name"), str) or \
                not isinstance(osd.get("version"), str):
            problems.append(f"os {osd}")
        if any("\\u0000" in json.dumps(v) for v in osd.values()):
            problems.append(f"NUL in os fields {osd}")
        if cpu.get("count") != uint(probe["cs"].get("NumberOfLogicalProcessors")) or \
                cpu.get("count") != os.cpu_count():
            problems.append(f"cpu {cpu} (nproc {os.cpu_count()})")
        tvm = uint(probe["os"].get("TotalVisibleMemorySize"))
        if tvm is None or hello.get("memory_bytes") != tvm * 1024:
            problems.append(f"memory_bytes {hello.get('memory_bytes')} vs {tvm} KiB")
        disks = hello.get("disks")
        instances = {i[1] for i in probe["inst"] if i[1] != "_Total"}
        if not isinstance(disks, list) or any(
                set(d) != {"id", "name", "device", "model", "size_bytes"}
                or (d["id"] is None and d["name"] != d["device"])
                or (d["id"] is not None and (d["name"] not in instances
                                             or d["id"] != sh.device_id(d["name"])))
                for d in disks):
            problems.append(f"disks {disks} (PhysicalDisk instances {sorted(instances)})")
        vols = hello.get("volumes")
        want_vols = [v[0] for v in consistent_volumes(probe)]
        if not isinstance(vols, list) or sorted(v.get("mount") for v in vols) != sorted(want_vols) or any(
                set(v) != {"id", "mount", "capacity_bytes", "disk"} or v["id"] != sh.device_id(v["mount"])
                for v in vols):
            problems.append(f"volumes {vols} (credible volumes {want_vols})")
        nics = hello.get("nics")
        if not isinstance(nics, list) or any(set(n) != {"name", "mac"} for n in nics):
            problems.append(f"nics {nics}")
        if col.get("version") != "1" or col.get("kind") != "vbs":
            problems.append(f"collector version/kind {col}")
        if not isinstance(col.get("started_at"), int) or \
                col.get("expires_at") != col.get("started_at", 0) + ttl:
            problems.append(f"started/expires {col}")
        if col.get("interval_s") != interval or col.get("upload_s") != upload:
            problems.append(f"interval/upload {col}")
        if str(col.get("started_at")) != state.get("started_at") or \
                str(col.get("expires_at")) != state.get("expires_at"):
            problems.append("hello and state file disagree on started/expires")
        report(not problems, "hello content matches Wine's WMI and the rendered parameters",
               "; ".join(problems))
        started = col.get("started_at", 0)
        report(abs(started - launched_at) < 5,
               "started_at is UTC epoch seconds (time-zone bias applied)",
               f"started_at {started}, launched at {launched_at:.1f} (TZ={os.environ.get('TZ')})")
        feats = col.get("unavailable_features")
        report(col.get("sockets_s") == 0 and isinstance(feats, list) and "sockets" in feats and
               not any(r["path"] == "/api/v1/sockets" for r in reqs),
               "socket snapshots off (SOCKETS_S=0): hello says so, nothing sent to /api/v1/sockets",
               f"{col.get('sockets_s')} {feats}")
        want_feats = {"sockets"} | expected_features(probe)
        report(isinstance(feats, list) and set(feats) == want_feats and len(feats) == len(want_feats),
               f"unavailable_features lists what Wine lacks here: {sorted(want_feats)}", f"got {feats}")
        unavail = col.get("unavailable_metrics")
        report(isinstance(unavail, list) and set(unavail) == want_unavail,
               f"unavailable_metrics lists exactly what WMI lacks here: {sorted(want_unavail)}",
               f"got {unavail}")
        cloud = hello.get("cloud", "missing")
        if provider == "null":
            report(cloud is None, "hello cloud is null (no metadata service)", f"{cloud!r}")
        else:
            with open(os.path.join(meta, "document.json"), encoding="utf-8") as f:
                doc = json.load(f)
            ok = isinstance(cloud, dict) and cloud.get("provider") == provider and \
                cloud.get("document") == doc and set(cloud) == {"provider", "document"}
            report(ok, f"hello cloud is {provider} with the identity document",
                   f"{json.dumps(cloud)[:300]}")
    sh.check_headers(reqs, token)
    sh.check_grammar(reqs)
    rows = parse_rows(reqs)
    names = {n for _, n, _ in rows}
    expected = set(METRICS) - want_unavail
    report(expected <= names, f"all {len(expected)} available metric names arrive",
           f"missing {sorted(expected - names)}")
    per_device = {n for n in names if sh.DEVICE_METRIC_RE.match(n)}
    unknown = names - set(METRICS) - set(OPTIONAL) - per_device
    report(not unknown, "no unknown metric names", f"{sorted(unknown)}")
    if hello:
        want = {f"disk.{d['id']}.{k}_per_s" for d in hello.get("disks") or [] if d.get("id")
                for k in ("read_bytes", "write_bytes", "read_ops", "write_ops")}
        want |= {f"fs.{v['id']}.{k}_bytes" for v in hello.get("volumes") or []
                 for k in ("capacity", "used")}
        report(per_device == want,
               f"per-disk and per-volume series for exactly the hello's disks and volumes "
               f"({len(want)} names: what Wine provides)",
               f"missing {sorted(want - per_device)}, extra {sorted(per_device - want)}")
    report(not (names & want_unavail), "metrics Wine's WMI lacks are not in the samples",
           f"{sorted(names & want_unavail)}")
    sh.check_no_duplicates(rows)
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
        if "cpu.count" in m and m["cpu.count"] != os.cpu_count():
            problems.append(f"{ts} cpu.count {m['cpu.count']}")
        if {"fs.capacity_bytes", "fs.used_bytes"} <= set(m) and \
                not 0 < m["fs.used_bytes"] <= m["fs.capacity_bytes"]:
            problems.append(f"{ts} fs")
        for name, v in m.items():
            if name.endswith("_per_s") and v < 0:
                problems.append(f"{ts} {name} {v}")
    report(not problems and by_ts, "metric values are plausible", "; ".join(problems[:5]))
    # Every line's timestamp is UTC: never after the request that carried it.
    late = []
    for r, lines in sh.metric_lines(reqs, only_ok=False):
        for line, parts in lines:
            if parts[0].isdigit() and int(parts[0]) > r["t"] + 1:
                late.append(f"{parts[0]} in request at {r['t']:.1f}")
    report(not late, "sample timestamps are UTC (none later than its upload)", "; ".join(late[:3]))
    samples = int(state.get("samples", "-1"))
    sample_ts = sorted(ts for ts, m in by_ts.items() if "cpu.count" in m)
    report(samples == len(sample_ts) and samples >= ttl // interval - 1,
           f"every sample arrived ({len(sample_ts)} received, state says {samples})")
    start, exp = int(state.get("started_at", 0)), int(state.get("expires_at", 0))
    report(all(start <= ts < exp + 1 for ts in by_ts),
           "timestamps lie between started_at and expires_at",
           f"{min(by_ts, default=None)}..{max(by_ts, default=None)} vs {start}..{exp}")
    report(state.get("status") == "stopped" and state.get("stop_reason") == "expired" and
           state.get("hello_ok") == "1" and state.get("last_upload_status") == "204" and
           state.get("kind") == "vbs",
           "state file says stopped/expired after a good upload", f"{state}")
    report(not os.path.exists(os.path.join(tools, "collector.pid")), "pidfile removed on exit")
    report(not os.path.exists(os.path.join(tools, "collector.lock")), "lock file removed on exit")
    spool = os.path.join(tools, "spool.csv")
    report(not os.path.exists(spool) or os.path.getsize(spool) == 0,
           "spool flushed empty before exit")
    leftovers = [f for f in os.listdir(tools) if f.startswith(".") or f.endswith(".tmp")]
    report(not leftovers, "no temporary or auth files left behind", f"{leftovers}")
    with open(os.path.join(tools, "collector.log"), encoding="latin-1") as f:
        log = f.read()
    report(token not in log and "Bearer" not in log, "token never written to the log")
    with open(os.path.join(tools, "hello.json"), encoding="latin-1") as f:
        saved = f.read()
    report(token not in saved, "hello.json holds no token")


def cmd_outage(rcv, tools, switch):
    """The shell harness's outage checks, with timing tolerances for Wine:
    there the collector waits with PING.EXE (whole seconds plus a process
    start), so a 1 s upload period shows gaps of up to about 2 s."""
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
    cyc = sh.cycles(reqs)
    starts = [c[0]["t"] for c in cyc]
    ok_idx = next((i for i, c in enumerate(cyc)
                   if any(200 <= r["status"] < 300 for r in c)), None)
    gaps = [round(b - a, 1) for a, b in zip(starts, starts[1:])]
    if ok_idx is None or ok_idx < 2:
        report(False, "upload period doubles while failing", f"gaps {gaps}, first ok {ok_idx}")
    else:
        # Periods are whole seconds counted from the second of the attempt,
        # so a gap can be up to 1 s shorter than its period; PING.EXE and a
        # busy CI machine can make it up to 2 s longer. A ratio between two
        # consecutive gaps is not robust to that (2 s -> 2.9, 4 s -> 3.8 was
        # seen in CI), so each gap is held to the period the collector logged.
        fail_gaps = gaps[:ok_idx]
        with open(os.path.join(tools, "collector.log"), encoding="latin-1") as f:
            periods = [int(m) for m in re.findall(r"next upload attempt in (\d+)s", f.read())]
        logged = len(periods) >= 2 and all(b == 2 * a for a, b in zip(periods, periods[1:]))
        doubling = len(periods) >= len(fail_gaps) and \
            all(p - 1.05 <= g <= p + 2.0 for g, p in zip(fail_gaps, periods)) and \
            all(b > a for a, b in zip(fail_gaps, fail_gaps[1:]))
        report(doubling and logged,
               f"upload period doubles while failing (gaps {fail_gaps}, logged periods {periods})",
               f"gaps {gaps}")
        after = gaps[ok_idx:]
        report(all(g <= 2.5 for g in after) and state.get("upload_period_s") == "1",
               "upload period resets after success",
               f"gaps after success {after}, final upload_period_s {state.get('upload_period_s')}")
    report(cyc and all(any(r["status"] == 503 for r in c) for c in cyc
                       if c[0]["t"] < switch - 0.3),
           "no request was accepted before the outage ended")
    rows = parse_rows(reqs)
    sh.check_no_duplicates(rows)
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



# ---------------------------------------------------------------- sockets ---

SOURCES = {"proc", "cim", "netstat"}


def decode_text(field):
    """A percent-encoded text field of the sockets wire format, decoded to
    bytes, or None when it breaks the encoding rules."""
    out = bytearray()
    i = 0
    while i < len(field):
        c = field[i]
        if c == "%":
            h = field[i + 1:i + 3]
            if len(h) != 2 or not re.fullmatch(r"[0-9A-F]{2}", h):
                return None
            b = int(h, 16)
            if 0x21 <= b <= 0x7E and b not in (0x25, 0x2C):
                return None  # must have been written as itself
            out.append(b)
            i += 3
        elif 0x21 <= ord(c) <= 0x7E and c != ",":
            out.append(ord(c))
            i += 1
        else:
            return None
    return bytes(out) if len(out) <= 255 else None


def wire_addr(a):
    """True for an address the receiver takes: IPv4 dotted quad, or IPv6 that
    is not IPv4-mapped (those must be sent as IPv4)."""
    import ipaddress
    try:
        ip = ipaddress.ip_address(a)
    except ValueError:
        return False
    if ip.version == 4:
        return a == str(ip)
    return ip.ipv4_mapped is None and "%" not in a


def wire_port(p):
    return p.isdigit() and len(p) <= 5 and int(p) <= 65535


def parse_sockets_body(body, now=None):
    """Parses a /api/v1/sockets body by the wire format (SOCKETS-PROTOCOL):
    returns (snapshots, problems); a snapshot is a dict with ts, source,
    dropped, listen (list of tuples) and conn (list of tuples)."""
    now = now or time.time()
    problems, snaps, cur = [], [], None
    if body and not body.endswith("\n"):
        problems.append("body does not end with a line feed")
    for n, line in enumerate(body.replace("\r\n", "\n").split("\n")[:-1], 1):
        f = line.split(",")
        if not f[0].isdigit() or not 946684800 <= int(f[0]) <= now + 86400:
            problems.append(f"line {n}: bad ts {line!r}")
            continue
        kind = f[1] if len(f) > 1 else ""
        if kind == "snapshot":
            if len(f) != 6 or f[2] not in SOURCES or not all(x.isdigit() for x in f[3:]):
                problems.append(f"line {n}: bad header {line!r}")
                cur = None
                continue
            cur = {"ts": int(f[0]), "source": f[2], "nl": int(f[3]), "nc": int(f[4]),
                   "dropped": int(f[5]), "listen": [], "conn": []}
            snaps.append(cur)
        elif cur is None:
            problems.append(f"line {n}: outside a snapshot {line!r}")
        elif int(f[0]) != cur["ts"]:
            problems.append(f"line {n}: ts differs from its header {line!r}")
        elif kind == "listen":
            texts = [decode_text(x) for x in f[5:8]] if len(f) == 8 else [None]
            if len(f) != 8 or f[2] not in ("tcp", "udp") or not wire_addr(f[3]) or \
                    not wire_port(f[4]) or None in texts:
                problems.append(f"line {n}: bad listen line {line!r}")
            else:
                cur["listen"].append((f[2], f[3], int(f[4])) + tuple(texts))
        elif kind == "conn":
            texts = [decode_text(x) for x in f[8:11]] if len(f) == 12 else [None]
            if len(f) != 12 or f[2] not in ("in", "out") or f[3] != "tcp" or \
                    not wire_addr(f[4]) or not wire_port(f[5]) or not wire_addr(f[6]) or \
                    not wire_port(f[7]) or None in texts or not f[11].isdigit() or int(f[11]) < 1 or \
                    (f[2] == "in" and f[7] != "0") or (f[2] == "out" and f[5] != "0"):
                problems.append(f"line {n}: bad conn line {line!r}")
            else:
                cur["conn"].append((f[2], f[4], int(f[5]), f[6], int(f[7])) + tuple(texts) + (int(f[11]),))
        else:
            problems.append(f"line {n}: unknown kind {line!r}")
    for s in snaps:
        if (len(s["listen"]), len(s["conn"])) != (s["nl"], s["nc"]):
            problems.append(f"snapshot {s['ts']}: header says {s['nl']}/{s['nc']} rows, "
                            f"body has {len(s['listen'])}/{len(s['conn'])}")
        keys = [x[:4] for x in s["listen"]]
        if len(keys) != len(set(keys)):
            problems.append(f"snapshot {s['ts']}: a listener twice")
        ckeys = [x[:-1] for x in s["conn"]]
        if len(ckeys) != len(set(ckeys)):
            problems.append(f"snapshot {s['ts']}: a connection key twice")
    return snaps, problems


def netstat_features(path):
    """What a collector reading this `netstat -ano` output (taken by the
    harness itself under the same Wine) must report as unavailable,
    decided with this file's own parsing, not the collector's."""
    with open(path, encoding="latin-1") as f:
        rows = [l.split() for l in f.read().splitlines()]
    tcp = [r for r in rows if r and r[0] == "TCP" and len(r) in (4, 5)]
    udp = [r for r in rows if r and r[0] == "UDP" and len(r) in (3, 4)]
    out = set()
    if any(len(r) == 4 for r in tcp) or any(len(r) == 3 for r in udp):
        out.add("sockets.process_names")
    if not any(r[3] == "LISTENING" for r in tcp):
        out.add("sockets.listeners")
    if not any(r[1].startswith("[") for r in tcp):
        out.add("sockets.tcp6")
    if not udp:
        out.add("sockets.udp")
    if not any(r[1].startswith("[") for r in udp):
        out.add("sockets.udp6")
    return out


def cmd_sockets(rcv, tools, heldfile, closed_at, netstat_out, probefile, interval):
    """The sockets scenario: every upload parses by the wire format; the test's
    sockets are in the snapshots taken while they were open and gone from
    those taken after they closed; the hello's unavailable_features; the
    outage on /api/v1/sockets was recovered without losing a snapshot."""
    closed_at, interval = float(closed_at), int(interval)
    with open(heldfile) as f:
        held = json.load(f)
    probe = read_probe(probefile)
    reqs = load_requests(rcv)
    state = read_state(tools)
    sock_reqs = [r for r in reqs if r["path"] == "/api/v1/sockets"]
    problems, delivered = [], {}
    for r in sock_reqs:
        snaps, probs = parse_sockets_body(r["body"], r["t"])
        problems += [f"request {r['seq']}: {p}" for p in probs]
        if 200 <= r["status"] < 300:
            for s in snaps:
                delivered[s["ts"]] = s
    report(sock_reqs and not problems, f"every /api/v1/sockets body parses by the wire format "
           f"({len(sock_reqs)} requests)", "; ".join(problems[:4]))
    refused = [r for r in sock_reqs if r["status"] == 503]
    report(refused and len(delivered) == int(state.get("snapshots", -1)),
           f"every snapshot taken arrived despite {len(refused)} refused uploads "
           f"({len(delivered)} delivered, state says {state.get('snapshots')})")
    refused_ts = {s["ts"] for r in refused for s in parse_sockets_body(r["body"], r["t"])[0]}
    report(refused_ts and refused_ts <= set(delivered), "snapshots refused with 503 were delivered later",
           f"{sorted(refused_ts - set(delivered))}")
    ts = sorted(delivered)
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    # Wine waits with PING.EXE: a late snapshot is followed by an early one.
    # On a loaded machine (each snapshot starts cmd and netstat and queries
    # WMI) the cadence slips; the bounds allow that, not a missed schedule.
    report(len(ts) >= 3 and all(g >= 1 for g in gaps) and
           interval <= sorted(gaps)[len(gaps) // 2] <= interval + 2,
           f"a snapshot every {interval} s (median gap), each second used once (gaps {gaps})")
    report(all(s["source"] == "netstat" for s in delivered.values()) and
           state.get("sockets_source") == "netstat",
           "source is netstat (Wine has no root\\StandardCimv2)")
    lo, srv, cli, udp = "127.0.0.1", held["tcp_port"], held["client_ports"], held["udp_port"]
    before = [s for s in delivered.values() if held["opened_at"] + 1 < s["ts"] < closed_at - 1]
    after = [s for s in delivered.values() if s["ts"] > closed_at + 1]

    def has_udp(s):
        return (("udp", lo, udp, b"", b"", b"") in s["listen"])

    def client_row(s):
        return [c for c in s["conn"] if c[:5] == ("out", lo, 0, lo, srv)]

    def server_rows(s):
        return [c for c in s["conn"] if c[1] == lo and c[3] == lo and c[4] in cli]

    ok_before = [s for s in before if has_udp(s) and [c[-1] for c in client_row(s)] == [len(cli)]
                 and len(server_rows(s)) == len(cli)]
    report(before and len(ok_before) == len(before),
           f"while open: UDP {lo}:{udp} is a listen row, the {len(cli)} connections to {lo}:{srv} are one "
           f"'out' row with count {len(cli)}, the server ends one row each ({len(before)} snapshots)",
           f"{[(s['ts'], s['listen'], s['conn']) for s in before if s not in ok_before][:1]}")
    gone = [s for s in after if not has_udp(s) and not client_row(s) and not server_rows(s)]
    report(after and len(gone) == len(after),
           f"after closing: none of them in the later snapshots ({len(after)})",
           f"{[(s['ts'], s['listen'], s['conn']) for s in after if s not in gone][:1]}")
    hellos = [json.loads(r["body"]) for r in reqs if r["path"] == "/api/v1/hello"]
    want = netstat_features(netstat_out) | expected_features(probe)
    if probe.get("std", {}).get("StandardCimv2") != "1":
        want.add("sockets.cim")
    got = hellos[-1]["collector"].get("unavailable_features") if hellos else None
    report(isinstance(got, list) and set(got) == want and len(got) == len(set(got)),
           f"hello lists unavailable_features as Wine's netstat and WMI show them: {sorted(want)}",
           f"got {got}")
    report(hellos and hellos[-1]["collector"].get("sockets_s") == interval, "hello says sockets_s")
    spool = os.path.join(tools, "sockets.csv")
    report(not os.path.exists(spool) or os.path.getsize(spool) == 0, "sockets spool empty at the end")


def cmd_parsing(fixtures, expected, outfile):
    """The collector's own ParseNetstat/SockBuild output for a fixture
    against the rows derived by hand in the .expected file."""
    with open(expected, encoding="utf-8") as f:
        want = [l.rstrip("\n") for l in f if not l.startswith("#") and l.strip()]
    with open(outfile, encoding="latin-1") as f:
        got = [l.rstrip("\r\n") for l in f if l.strip()]
    diff = [f"want {w!r} got {g!r}" for w, g in zip(want, got) if w != g]
    if len(want) != len(got):
        diff.append(f"{len(want)} lines wanted, {len(got)} got")
    report(not diff, f"{os.path.basename(expected)}: the collector's parse and snapshot match the "
           f"rows derived by hand ({len(want)} lines)", "; ".join(diff[:3]))
    snap = "\n".join(l[2:] for l in got if l.startswith("S ")) + "\n"
    _, probs = parse_sockets_body(snap, 1764000000)
    report(not probs, f"{os.path.basename(expected)}: the snapshot parses by the wire format",
           "; ".join(probs[:3]))


# MSFT_NetTCPConnection.State by the enum name PowerShell shows (see the
# header of fixtures/cim-get-nettcpconnection-win10.txt for the sources).
TCP_STATE = {"Closed": 1, "Listen": 2, "SynSent": 3, "SynReceived": 4, "Established": 5,
             "FinWait1": 6, "FinWait2": 7, "CloseWait": 8, "Closing": 9, "LastAck": 10,
             "TimeWait": 11, "DeleteTCB": 12, "Bound": 100}


def cim_blocks(path):
    """The output blocks of a recorded Get-NetTCPConnection /
    Get-NetUDPEndpoint fixture, split at its prompt lines, each a list of
    instances (dicts of property -> text) read from PowerShell's table or
    list rendering."""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\r\n") for l in f if not l.startswith("#")]
    blocks, cur = [], None
    for l in lines:
        if l.startswith("\u276f ") or l.startswith("PS "):
            cur = {"cmd": l, "lines": []}
            blocks.append(cur)
        elif cur is not None:
            cur["lines"].append(l)
    out = []
    for b in blocks:
        inst, head, cols = [], None, None
        body = b["lines"]
        for i, l in enumerate(body):
            if not l.strip():
                continue
            m = re.match(r"^(\w+)\s+: ?(.*)$", l)
            if head is None and i + 1 < len(body) and re.match(r"^[- ]+$", body[i + 1]) and "-" in body[i + 1]:
                head = l.split()
                # Column starts from the dashes line: a blank cell (an empty
                # AppliedSetting) must not shift the cells after it.
                cols = [mm.start() for mm in re.finditer(r"-+", body[i + 1])]
                continue
            if head is not None:
                if re.match(r"^[- ]+$", l):
                    continue
                row = {}
                for k, name in enumerate(head):
                    end = cols[k + 1] if k + 1 < len(cols) else len(l)
                    row[name] = l[cols[k]:end].strip()
                inst.append(row)
            elif m:
                if m.group(1) == "LocalAddress" or not inst:
                    inst.append({})
                inst[-1][m.group(1)] = m.group(2).strip()
        out.append({"cmd": b["cmd"], "instances": inst})
    return out


def cmd_cimcalls(fixture, block, outfile):
    """Writes the instances of one block of a recorded fixture as the calls
    sockets_probe.vbs makes of the collector's CimTcp / CimUdp:
    'tcp<TAB>laddr<TAB>lport<TAB>raddr<TAB>rport<TAB>state number<TAB>pid' or
    'udp<TAB>laddr<TAB>lport<TAB>pid'."""
    b = cim_blocks(fixture)[int(block) - 1]
    with open(outfile, "w", encoding="ascii", newline="\r\n") as f:
        for r in b["instances"]:
            if "RemoteAddress" in r:
                f.write("\t".join(["tcp", r["LocalAddress"], r["LocalPort"], r["RemoteAddress"], r["RemotePort"],
                                   str(TCP_STATE[r["State"]]), r["OwningProcess"]]) + "\n")
            else:
                f.write("\t".join(["udp", r["LocalAddress"], r["LocalPort"], r["OwningProcess"]]) + "\n")
    print(len(b["instances"]))


def cmd_enc(outfile):
    """PctEnc of hostile process names (the inputs of sockets_probe.vbs's
    enc mode) against an encoding done here from the spec."""
    inputs = ["sql,serv\"er.exe", "a\nb\r\tc", "<script>alert('x')</script>", "<b>x y</b>&amp;",
              "caf\u00e9.exe", "100%", "", "a" * 300, "\u00e9" * 200, "a\0b", "ok-Name_1.exe"]

    def enc(s):
        out, n = "", 0
        for ch in s:
            b = ch.encode("utf-8")
            if n + len(b) > 255:
                break
            n += len(b)
            out += "".join(chr(x) if 0x21 <= x <= 0x7E and x not in (0x25, 0x2C) else f"%{x:02X}"
                           for x in b)
        return out
    with open(outfile, encoding="latin-1") as f:
        got = dict(l.rstrip("\r\n").split("=", 1) for l in f if "=" in l)
    for i, s in enumerate(inputs):
        want = enc(s)
        g = got.get(str(i))
        report(g == want and decode_text(g) is not None,
               f"process name {s[:40]!r}{'...' if len(s) > 40 else ''} is percent-encoded as {want[:60]!r}",
               f"got {g!r}")

def cmd_ids(vectors, outfile):
    """collector.vbs's DeviceIdOf on the shared vectors (the ones
    collector.sh's dev_id and DeviceIdsTest check) and on every printable
    ASCII character against the reference escape."""
    want = dict(sh.read_vectors(vectors))
    got = {}
    with open(outfile, encoding="latin-1") as f:
        for line in f:
            raw, _, id_ = line.rstrip("\r\n").partition("\t")
            got[raw] = id_
    report(want and all(got.get(r) == w for r, w in want.items()),
           f"DeviceIdOf gives the shared vectors' {len(want)} ids (C:, spaces, long names cut with cksum)",
           f"{[(r, got.get(r), w) for r, w in want.items() if got.get(r) != w]}")
    extra = {r: i for r, i in got.items() if r not in want}
    bad = [(r, i, sh.device_id(r)) for r, i in extra.items() if i != sh.device_id(r)]
    report(len(extra) >= 95 and not bad,
           f"DeviceIdOf matches the reference escape on {len(extra)} more names", f"{bad[:5]}")


def cmd_disks(outfile):
    """collector.vbs's SampleDisk, SampleFs and BuildHello on the stand-in
    WMI of sockets_probe.vbs (disks mode), against values worked out by hand
    from the counters it serves."""
    size = free = None
    lines = {"1": [], "2": []}
    hello = None
    with open(outfile, encoding="latin-1") as f:
        for raw in f:
            tag, _, rest = raw.rstrip("\r\n").partition(" ")
            if tag == "C":
                size, free = map(int, rest.split())
            elif tag in lines:
                lines[tag].append(rest)
            elif tag == "H":
                hello = json.loads(rest)
    if not report(size is not None and hello is not None, "the probe ran (drive C:, samples, hello)"):
        return
    fs = [f"fs._43_3a.capacity_bytes,{size}", f"fs._43_3a.used_bytes,{size - free}",
          f"fs.capacity_bytes,{size}", f"fs.used_bytes,{size - free}"]
    want1 = [f"1764000000,{l}" for l in fs]
    report(lines["1"] == want1, "first sample: per-drive and total fs lines, no rates yet",
           f"{lines['1']} != {want1}")
    # counters served 2 s apart: _Total +4e6/+3e6 bytes, +40/+30 ops; "0 C:" +4e6/+1e6, +40/+10;
    # "1 D: E:" +0/+2e6, +0/+20; "2" only in the second reading
    rates = ["disk.read_bytes_per_s,2000000.00", "disk.write_bytes_per_s,1500000.00",
             "disk.read_ops_per_s,20.00", "disk.write_ops_per_s,15.00"]
    for did, vals in (("0_20_43_3a", ("2000000.00", "500000.00", "20.00", "5.00")),
                      ("1_20_44_3a_20_45_3a", ("0.00", "1000000.00", "0.00", "10.00"))):
        rates += [f"disk.{did}.{m}_per_s,{v}" for m, v in
                  zip(("read_bytes", "write_bytes", "read_ops", "write_ops"), vals)]
    want2 = sorted(f"1764000002,{l}" for l in rates + fs)
    report(sorted(lines["2"]) == want2,
           "second sample: totals from _Total, per-disk rates of the two known disks "
           "(ids 0_20_43_3a, 1_20_44_3a_20_45_3a), none for the disk that just appeared",
           f"{sorted(lines['2'])} != {want2}")
    want_disks = [
        {"id": "0_20_43_3a", "name": "0 C:", "device": "\\\\.\\PHYSICALDRIVE0", "model": "Disk Zero",
         "size_bytes": 128849018880},
        {"id": "1_20_44_3a_20_45_3a", "name": "1 D: E:", "device": "\\\\.\\PHYSICALDRIVE1",
         "model": "Disk One", "size_bytes": 1099511627776}]
    report(hello.get("disks") == want_disks, "hello disks: each drive with its PhysicalDisk instance and id",
           f"{hello.get('disks')}")
    want_vols = [{"id": "_43_3a", "mount": "C:", "capacity_bytes": size, "disk": "0_20_43_3a"}]
    report(hello.get("volumes") == want_vols, "hello volumes: C: on disk 0_20_43_3a",
           f"{hello.get('volumes')}")
    feats = (hello.get("collector") or {}).get("unavailable_features")
    report(feats == [], "hello: no per-disk or per-volume feature unavailable", f"{feats}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "template": cmd_template, "params": cmd_params, "probe": cmd_probe,
        "pid": cmd_pid, "basic": cmd_basic,
        "outage": cmd_outage, "cap": sh.cmd_cap,
        "dropped-persisted": sh.cmd_dropped_persisted, "psscan": sh.cmd_psscan,
        "sockets": cmd_sockets, "parsing": cmd_parsing, "enc": cmd_enc, "cimcalls": cmd_cimcalls,
        "ids": cmd_ids, "disks": cmd_disks,
    }[cmd](*args)


if __name__ == "__main__":
    main()
