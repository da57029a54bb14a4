"""Run the nightly Dagster job in this process, one run at a time."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from dagster import DagsterEvent

    from warehouse.store.settings import Settings

UNCHANGED = "已发布的数仓保持不变"


class RunFailed(Exception):
    """The run did not publish; the message is the one-line reason."""


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _failed_blocking_check(events: Sequence[DagsterEvent]) -> str | None:
    """`check: what it found` of the first blocking check that failed, if one did."""
    for event in events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.asset_check_evaluation_data
        if not evaluation.passed and evaluation.blocking:
            return f"{evaluation.check_name}: {_first_line(evaluation.description or '检查未通过')}"
    return None


def failure_reason(events: Sequence[DagsterEvent]) -> str:
    """One line for the operator: the blocking check that failed and what it found, or else the
    first failed step and what went wrong in it."""
    if check := _failed_blocking_check(events):
        return check
    for event in events:
        if not event.is_step_failure or event.step_failure_data is None:
            continue
        data = event.step_failure_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            detail = data.user_failure_data.description
        elif data.error is not None:
            error = data.error
            while error.cause is not None:  # the framework's wrapper around the code's own error
                error = error.cause
            detail = error.message
        else:
            detail = "步骤失败"
        return f"{event.step_key}: {_first_line(detail)}"
    run_failure = next((e for e in events if e.is_run_failure), None)
    return _first_line(run_failure.message or "") if run_failure is not None else "作业失败"


def run_nightly(
    landing: Path,
    warehouse: Path,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: Path | None = None,
    full: bool = False,
    engine: str | None = None,
    spark_master: str | None = None,
) -> str:
    """Execute the `nightly` job headless; return a summary, raise RunFailed on failure.

    Limits and the linkage engine (`duckdb` or `spark`, with Spark's master URL) left as None come
    from the environment or the machine (warehouse/store/settings.py), as for scheduled runs.

    Holds the warehouse's run lock for the whole run, taken before the heavy imports so a
    second run is refused at once, and reads the summary before letting go of it. The Great
    Expectations worker is launched first, so that its import overlaps Dagster's start-up.
    """
    if not landing.is_dir():
        raise RunFailed(f"落地区不存在：{landing}")
    from quality.gx_worker import prestart
    from warehouse.store.publish import RunLocked, run_lock
    from warehouse.store.settings import load_settings

    flags = {
        "landing": landing,
        "warehouse": warehouse,
        "memory_limit": memory_limit,
        "threads": threads,
        "temp_directory": temp_directory,
        "full_refresh": full,
        "engine": engine,
        "spark_master": spark_master,
    }
    try:
        settings = load_settings(flags)
    except ValueError as exc:
        raise RunFailed(str(exc)) from None

    started = time.perf_counter()
    try:
        with run_lock(warehouse):
            prestart()  # Great Expectations imports in its worker while Dagster starts up here
            return _execute(settings, started)
    except RunLocked as exc:
        raise RunFailed(str(exc)) from None


def _execute(settings: Settings, started: float) -> str:
    import duckdb
    from dagster import DagsterError, DagsterInstance

    from pipelines.definitions import defs
    from pipelines.resources import WarehouseResource

    resource = WarehouseResource.from_settings(settings, echo=True)
    # Progress lines reach the operator once, from the resource; Dagster's own logger keeps them in
    # the run's event log instead of passing them up to the root logger's stderr handler as well.
    logging.getLogger("dagster").propagate = False
    try:
        with DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def("nightly").execute_in_process(
                instance=instance,
                resources={"warehouse": resource},
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                raise_on_error=False,
            )
        if not result.success:
            raise RunFailed(f"{failure_reason(result.all_events)}；{UNCHANGED}")
        assert settings.warehouse is not None
        return summarize(settings.warehouse, time.perf_counter() - started)
    except (DagsterError, duckdb.Error, OSError) as exc:
        raise RunFailed(f"{type(exc).__name__}: {_first_line(str(exc))}") from exc


def summarize(warehouse: Path, seconds: float) -> str:
    """Row counts per source, quarantine, persons, from the published warehouse."""
    from warehouse.store.db import connect, scalar

    with connect(warehouse, read_only=True) as con:
        per_source = con.sql(
            """
            SELECT f.source, sum(f.rows_read) AS rows_read,
                   (SELECT count(*) FROM quarantine q WHERE q.source = f.source) AS quarantined,
                   (SELECT count(*) FROM person_xref x WHERE x.source = f.source) AS resolved
            FROM file_counts f GROUP BY f.source ORDER BY f.source
            """
        ).pl()
        persons = scalar(con, "SELECT count(DISTINCT person_id) FROM person_xref")
        rejected = scalar(con, "SELECT count(*) FROM deliveries WHERE status = 'rejected'")
    lines = [f"运行成功，用时 {seconds:.1f} 秒。", f"{'来源':<18}{'读取行数':>10}{'隔离行数':>10}{'已解析记录':>12}"]
    lines += [f"{s:<20}{r:>12}{q:>12}{x:>14}" for s, r, q, x in per_source.iter_rows()]
    total = per_source.select(pl.col("rows_read", "quarantined").sum())
    lines.append(f"合计读取 {total['rows_read'][0]} 行，隔离 {total['quarantined'][0]} 行，拒收交付 {rejected} 个。")
    lines.append(f"人员数：{persons}")
    return "\n".join(lines)
