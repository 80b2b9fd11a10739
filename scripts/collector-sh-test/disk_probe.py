#!/usr/bin/env python3
"""The kernel's own view of a disk, for the per-disk checks of ./run.

  disk_probe.py where DIR
      prints "<device> <mount point>": the whole block device under DIR (its
      partition's parent) and the mount point of DIR's file system; exit 1
      when DIR is not on a block device (tmpfs, overlay).
  disk_probe.py watch DEVICE MOUNT OUT STOPFILE
      every 50 ms appends one JSON line to OUT until STOPFILE exists:
      {"t": wall time, "rio", "rsec", "wio", "wsec": DEVICE's /proc/diskstats
      counters, "blocks", "bfree", "frsize": statvfs(MOUNT)}
  disk_probe.py prepare FILE MIB
      writes FILE (MIB MiB) and syncs it, so that overwriting it later does
      not change the file system's used space
  disk_probe.py io FILE MIB SECONDS OUT
      overwrites FILE with O_DIRECT 1 MiB writes paced evenly over SECONDS,
      then reads it back with O_DIRECT the same way; writes
      {"written": bytes, "read": bytes, "direct": bool} to OUT
"""
import json
import mmap
import os
import sys
import time

MIB = 1 << 20


def whole_disk(dev_t):
    """Name of the whole disk holding device number dev_t, or None."""
    base = f"/sys/dev/block/{os.major(dev_t)}:{os.minor(dev_t)}"
    if not os.path.exists(base):
        return None
    path = os.path.realpath(base)
    if os.path.exists(os.path.join(path, "partition")):
        path = os.path.dirname(path)
    name = os.path.basename(path).replace("!", "/")
    return name if os.path.exists("/sys/block/" + name.replace("/", "!")) else None


def mount_point(path):
    path = os.path.realpath(path)
    dev = os.stat(path).st_dev
    while path != "/":
        parent = os.path.dirname(path)
        if os.stat(parent).st_dev != dev:
            return path
        path = parent
    return "/"


def diskstats(dev):
    with open("/proc/diskstats") as f:
        for line in f:
            p = line.split()
            if p[2] == dev:
                return {"rio": int(p[3]), "rsec": int(p[5]), "wio": int(p[7]), "wsec": int(p[9])}
    raise SystemExit(f"{dev} not in /proc/diskstats")


def cmd_where(d):
    dev = whole_disk(os.stat(d).st_dev)
    if dev is None:
        sys.exit(1)
    print(dev, mount_point(d))


def cmd_watch(dev, mount, out, stop):
    with open(out, "a") as f:
        while not os.path.exists(stop):
            row = {"t": time.time()}
            row.update(diskstats(dev))
            st = os.statvfs(mount)
            row.update(blocks=st.f_blocks, bfree=st.f_bfree, frsize=st.f_frsize)
            f.write(json.dumps(row) + "\n")
            f.flush()
            time.sleep(0.05)


def cmd_prepare(path, mib):
    with open(path, "wb") as f:
        for _ in range(int(mib)):
            f.write(b"\1" * MIB)
        f.flush()
        os.fsync(f.fileno())


def open_direct(path, flags):
    try:
        return os.open(path, flags | os.O_DIRECT), True
    except OSError:
        # a file system without O_DIRECT: synchronous I/O still reaches the disk
        return os.open(path, flags | os.O_SYNC), False


def cmd_io(path, mib, seconds, out):
    mib, seconds = int(mib), float(seconds)
    buf = mmap.mmap(-1, MIB)  # page-aligned, as O_DIRECT wants
    buf.write(b"\2" * MIB)
    step = seconds / mib
    written = read = 0
    fd, direct = open_direct(path, os.O_WRONLY)
    t0 = time.monotonic()
    for i in range(mib):
        written += os.pwritev(fd, [buf], i * MIB)
        time.sleep(max(0.0, t0 + (i + 1) * step - time.monotonic()))
    os.fsync(fd)
    os.close(fd)
    if not direct:
        # without O_DIRECT the read-back would come from the page cache
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
    fd, direct_r = open_direct(path, os.O_RDONLY)
    t0 = time.monotonic()
    for i in range(mib):
        read += os.preadv(fd, [buf], i * MIB)
        time.sleep(max(0.0, t0 + (i + 1) * step - time.monotonic()))
    os.close(fd)
    with open(out, "w") as f:
        json.dump({"written": written, "read": read, "direct": direct and direct_r}, f)


if __name__ == "__main__":
    cmd = sys.argv[1]
    {"where": cmd_where, "watch": cmd_watch, "prepare": cmd_prepare, "io": cmd_io}[cmd](*sys.argv[2:])
