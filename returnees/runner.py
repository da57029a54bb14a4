"""Run the nightly Dagster job in this process, one run at a time."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl


class RunFailed(Exception):
    """The run did not publish; the message is the one-line reason."""


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the warehouse; a crashed run's lock dies with its process."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunFailed(f"另一个运行正在写入 {warehouse}，本次运行被拒绝") from None
        fh.write(str(os.getpid()))
        fh.flush()
        yield


def run_nightly(landing: Path, warehouse: Path, memory_limit: str = "4GB", threads: int = 2) -> str:
    """Execute the `nightly` job headless; return a summary, raise RunFailed on failure."""
    if not landing.is_dir():
        raise RunFailed(f"落地区不存在：{landing}")
    from dagster import DagsterInstance

    from pipelines.definitions import defs
    from pipelines.resources import WarehouseResource

    started = time.perf_counter()
    resource = WarehouseResource(
        landing_dir=str(landing), warehouse_path=str(warehouse), memory_limit=memory_limit, threads=threads, echo=True
    )
    job = defs.resolve_job_def("nightly")
    with run_lock(warehouse), DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            resources={"warehouse": resource},
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        )
    if not result.success:
        failures = [e for e in result.all_events if e.is_step_failure]
        reason = failures[0].step_failure_data.error.message.strip().splitlines()[0] if failures else "作业失败"
        raise RunFailed(f"{failures[0].step_key if failures else 'nightly'}: {reason}")
    return summarize(warehouse, time.perf_counter() - started)


def summarize(warehouse: Path, seconds: float) -> str:
    """Row counts per source, quarantine, persons, from the published warehouse."""
    from warehouse.db import connect

    with connect(warehouse, read_only=True) as con:
        per_source = con.sql(
            """
            SELECT f.source, sum(f.rows_read) AS rows_read,
                   (SELECT count(*) FROM quarantine q WHERE q.source = f.source) AS quarantined,
                   (SELECT count(*) FROM person_xref x WHERE x.source = f.source) AS resolved
            FROM file_counts f GROUP BY f.source ORDER BY f.source
            """
        ).pl()
        persons = con.execute("SELECT count(DISTINCT person_id) FROM person_xref").fetchone()[0]
        rejected = con.execute("SELECT count(*) FROM deliveries WHERE status = 'rejected'").fetchone()[0]
    lines = [f"运行成功，用时 {seconds:.1f} 秒。", f"{'来源':<18}{'读取行数':>10}{'隔离行数':>10}{'已解析记录':>12}"]
    lines += [f"{s:<20}{r:>12}{q:>12}{x:>14}" for s, r, q, x in per_source.iter_rows()]
    total = per_source.select(pl.col("rows_read", "quarantined").sum())
    lines.append(f"合计读取 {total['rows_read'][0]} 行，隔离 {total['quarantined'][0]} 行，拒收交付 {rejected} 个。")
    lines.append(f"人员数：{persons}")
    return "\n".join(lines)
