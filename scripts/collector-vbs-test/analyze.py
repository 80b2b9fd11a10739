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
                "SPOOL_MAX_BYTES", "METADATA_URL", "TOOLS_DIR"]
# Built-ins Wine 8's VBScript lacks (they raise 0x1BD), and a syntax it gets
# silently wrong (indexing a call result yields Empty).
WINE_MISSING = ["Join(", "ChrW(", "Filter(", "GetRef(", "Escape(", "Eval(",
                "Execute ", "WScript.StdOut", "WScript.StdErr"]


# ---------------------------------------------------------------- probe -----

def read_probe(path):
    """Facts printed by probe.vbs."""
    p = {"proc": {}, "cs": {}, "os": {}, "vol": [], "drv": {}, "class": {}, "prop": {}}
    with open(path, encoding="latin-1") as f:
        for line in f:
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3:
                continue
            kind = parts[0]
            if kind == "proc":
                p["proc"][parts[1]] = (parts[2], parts[3] if len(parts) > 3 else "")
            elif kind in ("cs", "os", "class", "prop", "drv"):
                p[kind][parts[1]] = parts[2]
            elif kind == "vol":
                p["vol"].append(parts[1:])
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
    report(block == want, "parameter block holds exactly the 8 placeholders, each a whole right-hand side",
           f"{block}")
    outside = [i + 1 for i, l in enumerate(lines) if "{{" in l and not begin[0] < i < end[0]]
    report(not outside, "no '{{' outside the parameter block", f"lines {outside}")
    code = [l.strip() for l in lines if l.strip() and not l.strip().startswith("'")]
    report(code and code[0] == "Option Explicit", "Option Explicit is the first statement",
           code[:1])
    sections = ["Parameters", "Functions", "Inventory / hello", "Sampling", "Spool",
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
        if not isinstance(disks, list) or any(
                set(d) != {"name", "model", "size_bytes"} for d in disks):
            problems.append(f"disks {disks}")
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
    report(names <= set(METRICS) | set(OPTIONAL), "no unknown metric names",
           f"{sorted(names - set(METRICS) - set(OPTIONAL))}")
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
        # so the first gap after a start at x.8 s is 1.2 s rather than 2.
        fail_gaps = gaps[:ok_idx]
        doubling = all(b >= 1.5 * a for a, b in zip(fail_gaps, fail_gaps[1:])) and \
            fail_gaps[0] >= 1.0
        with open(os.path.join(tools, "collector.log"), encoding="latin-1") as f:
            periods = [int(m) for m in re.findall(r"next upload attempt in (\d+)s", f.read())]
        logged = len(periods) >= 2 and all(b == 2 * a for a, b in zip(periods, periods[1:]))
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


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {
        "template": cmd_template, "params": cmd_params, "probe": cmd_probe,
        "pid": cmd_pid, "basic": cmd_basic,
        "outage": cmd_outage, "cap": sh.cmd_cap,
        "dropped-persisted": sh.cmd_dropped_persisted, "psscan": sh.cmd_psscan,
    }[cmd](*args)


if __name__ == "__main__":
    main()
