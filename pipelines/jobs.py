"""The nightly job, its 02:00 schedule and the new-delivery sensor.

The schedule and the sensor get the same `WarehouseResource` as the job's runs, so they look at
the landing area and warehouse those runs will use.
"""

from __future__ import annotations

import json

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

from pipelines.resources import WarehouseResource
from sources.contract import load_contract
from sources.deliveries import delivery_ids
from warehouse.store.consumed import unconsumed

# One writer at a time on the DuckDB file: every step runs in the run's own process.
nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="夜间全流程：采集各来源 → 标准化 → 关联 → 稳定编号 → 数仓、政策与岗位匹配 → 分析库 → 校验并发布。",
)

ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def _run_in_progress(context: ScheduleEvaluationContext | SensorEvaluationContext) -> bool:
    return bool(context.instance.get_runs(RunsFilter(job_name="nightly", statuses=ACTIVE), limit=1))


def _pending(warehouse: WarehouseResource) -> list[str]:
    return unconsumed(delivery_ids(warehouse.landing(), load_contract()), warehouse.published())


@schedule(job=nightly_job, cron_schedule="0 2 * * *", execution_timezone="Asia/Shanghai")
def nightly_schedule(context: ScheduleEvaluationContext, warehouse: WarehouseResource) -> RunRequest | SkipReason:
    """02:00 Asia/Shanghai, unless the sensor already consumed tonight's deliveries."""
    if _run_in_progress(context):
        return SkipReason("已有夜间运行在进行中")
    pending = _pending(warehouse)
    if not pending and warehouse.published().is_file():
        return SkipReason("没有未处理的新交付")
    return RunRequest(
        run_key=f"schedule:{context.scheduled_execution_time:%Y-%m-%d}", tags={"deliveries": ",".join(pending)[:1000]}
    )


@sensor(job=nightly_job, minimum_interval_seconds=300)
def new_delivery_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource) -> RunRequest | SkipReason:
    """Start the job when a complete delivery lands that no run has consumed yet."""
    pending = _pending(warehouse)
    requested = set(json.loads(context.cursor)) if context.cursor else set()
    new = [d for d in pending if d not in requested]
    if not new:
        return SkipReason("没有新的完整交付")
    if _run_in_progress(context):
        return SkipReason("已有夜间运行在进行中，下次再检查")
    context.update_cursor(json.dumps(sorted(requested | set(new))))
    return RunRequest(run_key="deliveries:" + ",".join(sorted(new)), tags={"deliveries": ",".join(new)[:1000]})
