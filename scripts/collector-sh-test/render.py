#!/usr/bin/env python3
"""Render templates/collector.sh the way the appliance does.

Usage: render.py TEMPLATE OUTPUT NAME=VALUE...

Every {{NAME}} placeholder is replaced by VALUE as one single-quoted POSIX
shell word ('...' with embedded ' written as '\\'').  Fails when a placeholder
is unknown, missing, duplicated, or when '{{' is left in the output.
"""
import os
import re
import sys

EXPECTED = ["URL", "TOKEN", "INTERVAL_S", "UPLOAD_S", "TTL_S",
            "SPOOL_MAX_BYTES", "METADATA_URL", "TOOLS_DIR", "SOCKETS_S",
            "SOCKETS_MAX_ROWS", "CA_PEM"]
PLACEHOLDER = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")


def shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


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
    text = open(template, encoding="utf-8").read()
    found = PLACEHOLDER.findall(text)
    if sorted(found) != sorted(EXPECTED):
        sys.exit(f"template placeholders {found} != expected {EXPECTED}")
    missing = [n for n in EXPECTED if n not in values]
    if missing:
        sys.exit(f"missing values for {missing}")
    out = PLACEHOLDER.sub(lambda m: shell_quote(values[m.group(1)]), text)
    if "{{" in out:
        sys.exit("'{{' left in rendered output")
    with open(output, "w", encoding="utf-8") as f:
        f.write(out)
    os.chmod(output, 0o700)


if __name__ == "__main__":
    main(sys.argv)
