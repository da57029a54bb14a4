"""Measuring a benchmark's child process: wall time and peak memory of its whole process tree."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import defaultdict
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (the run's GE worker among them), from
    /proc/<pid>/stat (one read per process). Pages shared between them count once per process."""
    children: dict[int, list[int]] = defaultdict(list)
    resident: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        pid = int(entry.name)
        children[int(fields[1])].append(pid)  # ppid
        resident[pid] = int(fields[21]) * PAGE_BYTES  # rss, in pages
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += resident.get(pid, 0)
        stack += children.get(pid, [])
    return total


def child_process(args: list[str]) -> tuple[float, float, str]:
    """Run a child process; return (wall seconds, peak GB of its process tree sampled every 0.1 s, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed:\n{stderr[-3000:]}")
    return wall, peak / 1024**3, stdout
