#!/usr/bin/env python3
"""The Unix half of the harness's System32\\curl.exe (fake_curl_exe.c is the
Windows half that cmd.exe runs and waits for).

Wine has no curl.exe and no Windows build of curl is at hand.  This runs the
host's curl with the collector's arguments, Windows paths (C:\\..., @C:\\...,
NUL) turned into the prefix's Unix paths, and records every argument vector
(JSON lines) for the test to check.

It emulates one documented property of the real curl.exe: its Schannel backend
makes the --cacert file the only trusted root (a chain engine with
hExclusiveRoot, curl 7.60.0 and later; lib/vtls/schannel_verify.c).  The
host's OpenSSL curl would add its built-in CApath, so an empty --capath is
added whenever --cacert is given.  What this proves is the collector's side
(which arguments, which files, what it does with the answers and exit
statuses); Schannel's own behaviour it cannot prove.

Usage: fake_curl_exe.py JOB_DIR (a Windows path): reads JOB_DIR\\args
(NUL-separated), writes out, err, then rc.  Configuration: curl.exe.json
beside this file: {"prefix": WINEPREFIX, "empty_dir": ..., "log": ...,
"version": null or "7.55.1"}; with a version, -V answers like that old
curl.exe does and nothing else runs.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = json.load(open(os.path.join(HERE, "curl.exe.json")))
DRIVE = re.compile(r"^([A-Za-z]):[\\/](.*)$")


def unix(path):
    m = DRIVE.match(path)
    if not m:
        return path
    at = os.path.realpath(os.path.join(CONF["prefix"], "dosdevices", m.group(1).lower() + ":"))
    for part in [p for p in re.split(r"[\\/]+", m.group(2)) if p]:
        nxt = os.path.join(at, part)
        if not os.path.exists(nxt) and os.path.isdir(at):
            same = [e for e in os.listdir(at) if e.lower() == part.lower()]
            if same:
                nxt = os.path.join(at, same[0])
        at = nxt
    return at


def run(args, out, err):
    with open(CONF["log"], "a") as f:
        f.write(json.dumps(args) + "\n")
    if CONF.get("version"):
        if "-V" in args:
            out.write(f"curl {CONF['version']} (Windows) libcurl/{CONF['version']} WinSSL\n".encode())
            return 0
        return 2
    cmd = []
    for a in args:
        if a == "NUL":
            cmd.append("/dev/null")
        elif a.startswith("@"):
            cmd.append("@" + unix(a[1:]))
        else:
            cmd.append(unix(a))
    if "--cacert" in cmd:
        # after -q, which curl only honours as the first argument
        at = 1 if cmd[:1] == ["-q"] else 0
        cmd[at:at] = ["--capath", CONF["empty_dir"]]
    return subprocess.run(["/usr/bin/curl"] + cmd, stdout=out, stderr=err,
                          stdin=subprocess.DEVNULL).returncode


def main():
    job = unix(sys.argv[1])
    with open(os.path.join(job, "args"), "rb") as f:
        args = [a.decode("utf-8") for a in f.read().split(b"\0")[:-1]]
    with open(os.path.join(job, "out"), "wb") as out, open(os.path.join(job, "err"), "wb") as err:
        try:
            rc = run(args, out, err)
        except Exception as e:  # the Windows half waits for rc whatever happens
            err.write(f"fake curl.exe: {e}\n".encode())
            rc = 95
    with open(os.path.join(job, "rc.tmp"), "w") as f:
        f.write(str(rc))
    os.rename(os.path.join(job, "rc.tmp"), os.path.join(job, "rc"))


if __name__ == "__main__":
    main()
