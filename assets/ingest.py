"""Bronze assets: one per source, each the source's current deliveries as delivered text."""

import time

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, Failure, MaterializeResult, MetadataValue, asset
from duckdb import DuckDBPyConnection

from pipelines.resources import WarehouseResource
from quality.gate import apply_quality_gate
from quality.results import carry_previous
from sources.contract import SourceSpec, load_contract
from sources.deliveries import discover
from sources.ingest import QUARANTINE_COLUMNS, DeliveryOutcome, load_source, table_name
from warehouse.store.db import scalar, write_table
from warehouse.store.previous import attach_previous, previous_delivery_dates, reuse_source
from warehouse.store.run_log import record_stage
from warehouse.store.schema import ensure_run_tables


def _bronze_asset(spec: SourceSpec) -> AssetsDefinition:
    @asset(
        name=f"bronze_{spec.name}",
        group_name="ingest",
        kinds={"polars", "duckdb"},
        deps=[AssetKey("building_warehouse")],
        description=f"{spec.title}（{spec.name}）：当前交付的每一行原始文本，带来源、交付日期、文件和行号。",
    )
    def bronze(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
        started = time.perf_counter()
        with warehouse.connect(context.run.run_id) as con:
            ensure_run_tables(con)
            if not warehouse.full_refresh and _reused_unchanged(con, warehouse, spec):
                carry_previous(con, spec.name, context.run.run_id)
                rows = scalar(con, f"SELECT count(*) FROM bronze.{spec.name}")
                record_stage(con, context.run.run_id, f"bronze_{spec.name}", time.perf_counter() - started, rows=rows)
                warehouse.report(f"[采集] {spec.name}: 无新交付，沿用上次的 {rows} 行")
                return MaterializeResult(
                    metadata={"rows": rows, "reused": True, "seconds": round(time.perf_counter() - started, 2)}
                )
            load = load_source(warehouse.landing(), spec)
            _refuse_vanished_source(con, warehouse, spec, load.outcomes)
            load = apply_quality_gate(
                con,
                warehouse.landing(),
                warehouse.published(),
                spec,
                load,
                context.run.run_id,
                reuse_results=not warehouse.full_refresh,
            )
            for table, frame in load.bronze.items():
                write_table(con, f"bronze.{table}", frame)
            con.execute("DELETE FROM quarantine WHERE source = ?", [spec.name])
            con.register("_q", load.quarantine.select(list(QUARANTINE_COLUMNS)).to_arrow())
            con.execute("INSERT INTO quarantine SELECT *, ? FROM _q", [context.run.run_id])
            con.unregister("_q")
            con.execute("DELETE FROM deliveries WHERE source = ?", [spec.name])
            outcomes = pl.DataFrame(
                [o.__dict__ for o in load.outcomes],
                schema={
                    "source": pl.Utf8,
                    "delivery_date": pl.Utf8,
                    "status": pl.Utf8,
                    "reason": pl.Utf8,
                    "rows": pl.Int64,
                },
            )
            con.register("_d", outcomes.to_arrow())
            con.execute("INSERT INTO deliveries SELECT *, ? FROM _d", [context.run.run_id])
            con.unregister("_d")
            con.execute("DELETE FROM file_counts WHERE source = ?", [spec.name])
            con.register("_f", load.file_counts.to_arrow())
            con.execute("INSERT INTO file_counts SELECT * FROM _f")
            con.unregister("_f")
            record_stage(
                con,
                context.run.run_id,
                f"bronze_{spec.name}",
                time.perf_counter() - started,
                rows=load.bronze[spec.name].height,
                quarantined=load.quarantine.height,
            )
        for warning in load.warnings:
            context.log.warning(warning)
        rejected = [o for o in load.outcomes if o.status == "rejected"]
        for o in rejected:
            context.log.error(f"交付 {o.source}/{o.delivery_date} 被拒收：{o.reason}")
        rows = load.bronze[spec.name].height
        warehouse.report(
            f"[采集] {spec.name}: {rows} 行入库, {load.quarantine.height} 行隔离"
            + (f", {len(rejected)} 个交付被拒收" if rejected else "")
        )
        return MaterializeResult(
            metadata={
                "rows": rows,
                "quarantined": load.quarantine.height,
                "current_deliveries": ", ".join(f"{o.delivery_date}" for o in load.outcomes if o.status == "current"),
                "rejected_deliveries": MetadataValue.md(
                    "\n".join(f"- {o.delivery_date}: {o.reason}" for o in rejected) or "无"
                ),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )

    return bronze


def _refuse_vanished_source(
    con: DuckDBPyConnection, warehouse: WarehouseResource, spec: SourceSpec, outcomes: list[DeliveryOutcome]
) -> None:
    """Stop the run when a source that had a current delivery has none now (an unmounted landing area
    would otherwise withdraw every record and retire every person)."""
    if any(o.status == "current" for o in outcomes) or not attach_previous(con, warehouse.published()):
        return
    if previous_delivery_dates(con, spec.name):
        raise Failure(
            description=f"来源 {spec.name} 上次有当前交付，本次在落地区中找不到任何有效交付"
            "（落地区可能未挂载或被清空），本次不发布。"
        )


def _reused_unchanged(con: DuckDBPyConnection, warehouse: WarehouseResource, spec: SourceSpec) -> bool:
    """Take the source over from the last published warehouse if its delivery folders are unchanged."""
    if not attach_previous(con, warehouse.published()):
        return False
    seen = previous_delivery_dates(con, spec.name)
    found = discover(warehouse.landing(), {spec.name: spec})
    dates = {d.delivery_date for d in found}
    return seen == dates and bool(dates) and reuse_source(con, spec.name, [table_name(spec, f) for f in spec.files])


bronze_assets = [_bronze_asset(spec) for spec in load_contract().values()]
