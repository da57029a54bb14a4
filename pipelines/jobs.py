"""The nightly job, its 02:00 schedule and the new-delivery sensor."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
    sensor,
)

from sources.contract import load_contract
from sources.deliveries import delivery_ids
from warehouse.store.consumed import unconsumed

# One writer at a time on the DuckDB file: every step runs in the run's own process.
nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="夜间全流程：采集八个来源 → 标准化 → 关联 → 稳定编号 → 岗位匹配 → 校验并发布数仓。",
)

ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def _paths() -> tuple[Path, Path]:
    return Path(os.environ["RETURNEES_LANDING"]), Path(os.environ["RETURNEES_WAREHOUSE"])


def _run_in_progress(context: ScheduleEvaluationContext | SensorEvaluationContext) -> bool:
    return bool(context.instance.get_runs(RunsFilter(job_name="nightly", statuses=ACTIVE), limit=1))


@schedule(job=nightly_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai")
def nightly_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """02:00 Asia/Shanghai, unless the sensor already consumed tonight's deliveries."""
    if _run_in_progress(context):
        return SkipReason("已有夜间运行在进行中")
    landing, published = _paths()
    pending = unconsumed(delivery_ids(landing, load_contract()), published)
    if not pending and published.is_file():
        return SkipReason("没有未处理的新交付")
    return RunRequest(
        run_key=f"schedule:{context.scheduled_execution_time:%Y-%m-%d}", tags={"deliveries": ",".join(pending)[:1000]}
    )


@sensor(job=nightly_job, minimum_interval_seconds=300)
def new_delivery_sensor(context: SensorEvaluationContext) -> RunRequest | SkipReason:
    """Start the job when a complete delivery lands that no run has consumed yet."""
    landing, published = _paths()
    pending = unconsumed(delivery_ids(landing, load_contract()), published)
    requested = set(json.loads(context.cursor)) if context.cursor else set()
    new = [d for d in pending if d not in requested]
    if not new:
        return SkipReason("没有新的完整交付")
    if _run_in_progress(context):
        return SkipReason("已有夜间运行在进行中，下次再检查")
    context.update_cursor(json.dumps(sorted(requested | set(new))))
    return RunRequest(run_key="deliveries:" + ",".join(sorted(new)), tags={"deliveries": ",".join(new)[:1000]})
