#!/usr/bin/env python3
"""Render templates/collector.vbs the way the appliance does.

Usage: render.py TEMPLATE OUTPUT NAME=VALUE...

Every {{NAME}} placeholder is replaced by VALUE as one VBScript string
literal: the value in double quotes with each embedded " doubled (the rule of
CollectorTemplate.vbsString on the Java side; values never hold CR, LF or
NUL).  Fails when a placeholder is unknown, missing, duplicated, when '{{' is
left in the output, or when a value cannot be a VBScript literal.
"""
import re
import sys

EXPECTED = ["URL", "TOKEN", "INTERVAL_S", "UPLOAD_S", "TTL_S",
            "SPOOL_MAX_BYTES", "METADATA_URL", "TOOLS_DIR", "SOCKETS_S",
            "SOCKETS_MAX_ROWS", "CA_PEM"]
PLACEHOLDER = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")


def vbs_string(value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise ValueError("a VBScript string literal cannot hold line breaks or NUL")
    return '"' + value.replace('"', '""') + '"'


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    template, output = argv[1], argv[2]
    values = {}
    for arg in argv[3:]:
        name, sep, value = arg.partition("=")
        if not sep:
            sys.exit(f"bad argument {arg!r}")
        values[name] = value
    text = open(template, encoding="ascii").read()
    found = PLACEHOLDER.findall(text)
    if sorted(found) != sorted(EXPECTED):
        sys.exit(f"template placeholders {found} != expected {EXPECTED}")
    missing = [n for n in EXPECTED if n not in values]
    if missing:
        sys.exit(f"missing values for {missing}")
    try:
        out = PLACEHOLDER.sub(lambda m: vbs_string(values[m.group(1)]), text)
    except ValueError as e:
        sys.exit(str(e))
    if "{{" in out:
        sys.exit("'{{' left in rendered output")
    # cscript reads a script without BOM in the ANSI code page: keep the
    # bytes as they are (values are ASCII in practice).
    with open(output, "w", encoding="utf-8", newline="") as f:
        f.write(out)


if __name__ == "__main__":
    main(sys.argv)
