"""The last step: verify the build and swap it in as the published warehouse."""

import polars as pl
from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from assets.resolve import person_xref
from pipelines.resources import WarehouseResource
from quality.accounting import file_accounting
from warehouse.publish import publish


@asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=[person_xref],
    description="已发布的数仓文件：本次运行构建完成且通过阻断性检查后，原子替换上一版本。",
)
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    run_id = context.run.run_id
    with warehouse.connect(run_id) as con:
        accounting = file_accounting(con)
    broken = accounting.filter(pl.col("unaccounted") != 0)
    if not broken.is_empty():
        raise Failure(
            description="行数核对失败：有文件的读取行数不等于入库行数加隔离行数，本次不发布。",
            metadata={"files": MetadataValue.md(str(broken))},
        )
    publish(warehouse.building(run_id), warehouse.published())
    warehouse.report(f"[发布] {warehouse.published()}")
    return MaterializeResult(
        metadata={
            "path": str(warehouse.published()),
            "files_checked": accounting.height,
            "rows_read": int(accounting["rows_read"].sum()),
        }
    )
