"""Measuring a benchmark's child process: wall time and peak memory of its whole process tree."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Measured:
    """A finished child process: wall seconds, peak GB of its process tree, output, exit code."""

    wall: float
    peak_gb: float
    stdout: str
    stderr: str
    returncode: int


def measured_process(args: list[str]) -> Measured:
    """Run a child process, sampling the resident memory of its process tree every 0.1 s."""
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
    return Measured(wall, peak / 1024**3, stdout, stderr, process.returncode)


def child_process(args: list[str]) -> tuple[float, float, str]:
    """Run a child process; return (wall seconds, peak GB of its process tree sampled every 0.1 s, stdout)."""
    done = measured_process(args)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed:\n{done.stderr[-3000:]}")
    return done.wall, done.peak_gb, done.stdout
