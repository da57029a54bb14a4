"""The last step: verify the build and swap it in as the published warehouse."""

import polars as pl
from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from assets.policy import policy_push_events
from assets.resolve import person_xref
from assets.review import review_queue
from assets.serve import analyst_exports, analyst_file
from dedup.model import model_version
from pipelines.resources import WarehouseResource
from quality.accounting import file_accounting
from quality.checks import blocking_failures
from warehouse.store.previous import attach_previous
from warehouse.store.publish import (
    REQUIRED_TABLES,
    Build,
    PublishError,
    RunLocked,
    hold_run_lock,
    publish,
    remove_stale_builds,
    restrict_new_files,
)
from warehouse.store.run_log import append_run_log
from warehouse.store.schema import ensure_run_tables
from warehouse.store.segments import start_build


@asset(
    group_name="publish",
    kinds={"duckdb"},
    op_tags={"dagster/priority": "100"},  # the in-process executor runs it before any other step
    description="本次运行的构建文件：先取得运行锁（同一数仓同一时间只允许一个运行），再删除被中断的运行留下的构建文件。"
    "之后各步骤都写入这个文件，已发布的数仓在发布前不受影响。",
)
def building_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    run_id = context.run.run_id
    try:
        hold_run_lock(warehouse.published())  # held until the run's process ends
    except RunLocked as exc:
        raise Failure(description=str(exc)) from None
    restrict_new_files()  # the build holds personal data: owner-only from its first byte
    removed = remove_stale_builds(
        [warehouse.published(), warehouse.published_analyst()],
        keep=[warehouse.building(run_id), warehouse.building_analyst(run_id)],
    )
    for name in removed:
        context.log.warning(f"已删除中断运行留下的构建文件 {name}")
    with warehouse.connect(run_id) as con:
        ensure_run_tables(con)
        attach_previous(con, warehouse.published())
        store, collected = start_build(con, warehouse.published(), run_id)
        carried = len({s.split(".")[-1] for s in store.tables()})
    if collected:
        context.log.info(f"已清理 {collected} 个不再被任何数仓版本引用的分段文件")
    return MaterializeResult(
        metadata={
            "path": str(warehouse.building(run_id)),
            "stale_builds_removed": len(removed),
            "segmented_tables_carried_over": carried,
            "segment_files_removed": collected,
        }
    )


@asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=[building_warehouse, person_xref, review_queue, analyst_file, analyst_exports, policy_push_events],
    description="已发布的数仓文件：本次运行构建完成且通过阻断性检查后，原子替换上一版本。",
)
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    run_id = context.run.run_id
    with warehouse.connect(run_id) as con:
        accounting = file_accounting(con)
        quality_failures = blocking_failures(con)
    if not quality_failures.is_empty():
        raise Failure(
            description="质量检查有阻断性失败（数仓规则未通过或规则无法计算），本次不发布；详见 returnees quality。",
            metadata={"failures": MetadataValue.md(str(quality_failures))},
        )
    broken = accounting.filter(pl.col("unaccounted") != 0)
    if not broken.is_empty():
        raise Failure(
            description="行数核对失败：有文件的读取行数不等于入库行数加隔离行数，本次不发布。",
            metadata={"files": MetadataValue.md(str(broken))},
        )
    with warehouse.connect(run_id) as con:
        incremental = attach_previous(con, warehouse.published()) and not warehouse.full_refresh
        logged = append_run_log(con, run_id, "incremental" if incremental else "full", model_version())
    try:
        hold_run_lock(warehouse.published())  # already held by this run: a no-op
        publish(
            [
                Build(warehouse.building(run_id), warehouse.published(), 0o600, REQUIRED_TABLES),
                Build(warehouse.building_analyst(run_id), warehouse.published_analyst(), 0o644, ("run_info",)),
            ]
        )
    except (RunLocked, PublishError) as exc:
        raise Failure(description=str(exc)) from None
    warehouse.report(f"[发布] {warehouse.published()}")
    return MaterializeResult(
        metadata={
            "path": str(warehouse.published()),
            "files_checked": accounting.height,
            "rows_read": int(accounting["rows_read"].sum()),
            "records_added": logged["records_added"],
            "records_withdrawn": logged["records_withdrawn"],
            "persons": logged["persons_total"],
            "id_churn": logged["id_churn"],
        }
    )
