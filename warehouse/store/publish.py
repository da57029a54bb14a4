"""Atomic publishing: a run builds a new warehouse file and swaps it in at the end.

- A run builds into `<warehouse>.<run>.building` beside the published file; readers only ever
  open the published file, so they never see a half-built warehouse.
- One run at a time per warehouse: a run holds an exclusive `flock` on `<warehouse>.lock`.
  The kernel drops it when the process ends, however it ends, so a killed run never leaves it
  stuck. The lock is re-entrant within a process (the CLI takes it before starting the job, and
  the job's first step takes it again for runs that Dagster launches).
- Under the lock, building files left by killed or failed runs are deleted; they are never
  published, since a run only ever publishes its own building file.
- Publishing checkpoints the build, flushes it to disk and renames it over the published file
  (atomic on POSIX): readers holding the old file keep a consistent view of it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from warehouse.store.db import connect, table_exists

# Tables every consumer of the published warehouse relies on: the contract output and the
# bookkeeping the next run and the sensor read.
REQUIRED_TABLES = ("person_xref", "deliveries", "quarantine", "file_counts")

# Lock files this process holds, by resolved warehouse path.
_held: dict[Path, TextIO] = {}


class RunLocked(Exception):
    """Another process is running on this warehouse; the message is a one-line reason."""


class PublishError(Exception):
    """The build is not fit to replace the published warehouse."""


def building_path(published: Path, run_id: str) -> Path:
    """The file a run builds into, beside the published warehouse."""
    return published.with_name(f"{published.name}.{run_id[:8]}.building")


def lock_path(published: Path) -> Path:
    """The lock file beside the published warehouse."""
    return published.with_name(f"{published.name}.lock")


def hold_run_lock(published: Path) -> None:
    """Take the run lock for this process until it ends or `release_run_lock`; no-op if held.

    Raises `RunLocked` naming the holder's process id when another process holds it.
    """
    key = published.resolve()
    if key in _held:
        return
    published.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path(published).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        who = f"（进程 {holder}）" if holder.isdigit() else ""
        raise RunLocked(f"另一个运行{who}正在构建数仓 {published}，本次运行被拒绝，请待其结束后再试") from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    _held[key] = handle


def release_run_lock(published: Path) -> None:
    """Release the run lock if this process holds it."""
    handle = _held.pop(published.resolve(), None)
    if handle is not None:
        handle.close()  # closing the file drops the flock


@contextmanager
def run_lock(published: Path) -> Iterator[None]:
    """Hold the run lock for the block; raise `RunLocked` if another process holds it."""
    already = published.resolve() in _held
    hold_run_lock(published)
    try:
        yield
    finally:
        if not already:
            release_run_lock(published)


def remove_stale_builds(published: Sequence[Path], keep: Sequence[Path]) -> list[str]:
    """Delete building files (and their WAL) of other runs beside each published file; return their
    names. Call under the run lock."""
    kept = {*keep, *(Path(f"{k}.wal") for k in keep)}
    removed = []
    for target in published:
        for pattern in (f"{target.name}.*.building", f"{target.name}.*.building.wal"):
            for stale in sorted(target.parent.glob(pattern)):
                if stale not in kept:
                    stale.unlink(missing_ok=True)
                    removed.append(stale.name)
    return removed


def restrict_new_files() -> None:
    """From now on this process creates files readable by their owner only (umask 077): the build,
    its write-ahead log and every scratch file hold personal data. Files meant for others get their
    mode when they are published."""
    os.umask(0o077)


def _fsync(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Build:
    """A DuckDB file a run builds, where it is published, and what it must hold."""

    building: Path
    published: Path
    mode: int  # file mode once published: 0o600 for personal data, 0o644 for what analysts read
    required: tuple[str, ...] = ()


def _seal(build: Build) -> None:
    """Check, checkpoint, set the mode of and flush one build file; raise `PublishError` if unfit."""
    if not build.building.is_file():
        raise PublishError(f"构建文件 {build.building.name} 不存在，不发布")
    with connect(build.building) as con:
        missing = [t for t in build.required if not table_exists(con, t)]
        if missing:
            raise PublishError(f"构建文件 {build.building.name} 缺少 {', '.join(missing)}，不发布")
        con.execute("CHECKPOINT")
    if Path(f"{build.building}.wal").exists():
        raise PublishError(f"构建文件 {build.building.name} 的预写日志未能合并，不发布")
    os.chmod(build.building, build.mode)
    _fsync(build.building)


def publish(builds: Sequence[Build]) -> None:
    """Replace the published files by the checked builds, one rename right after the other.

    Every build is checked and flushed first; if any is unfit, `PublishError` is raised and no
    published file changes. Each rename is atomic; readers holding an old file keep a consistent
    view of it.
    """
    for build in builds:
        _seal(build)
    for build in builds:
        # A WAL beside a published file belongs to the old file; it must never meet the new one.
        Path(f"{build.published}.wal").unlink(missing_ok=True)
        os.replace(build.building, build.published)
    for folder in {build.published.parent for build in builds}:
        _fsync(folder, os.O_RDONLY | os.O_DIRECTORY)
