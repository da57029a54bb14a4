"""Bronze assets: one per source, each the source's current deliveries as delivered text."""

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, Failure, MaterializeResult, MetadataValue, asset
from duckdb import DuckDBPyConnection

from pipelines.resources import WarehouseResource
from quality.gate import apply_quality_gate
from quality.results import carry_previous
from sources.contract import SourceSpec, load_contract
from sources.deliveries import discover
from sources.ingest import DeliveryOutcome, load_source, table_name
from warehouse.store.bronze import bronze_table, carry_source, unchanged_rows, write_source
from warehouse.store.db import scalar
from warehouse.store.previous import attach_previous, previous_delivery_dates
from warehouse.store.schema import ensure_run_tables
from warehouse.store.segments import SegmentStore


def _bronze_asset(spec: SourceSpec) -> AssetsDefinition:
    @asset(
        name=f"bronze_{spec.name}",
        group_name="ingest",
        kinds={"polars", "duckdb"},
        deps=[AssetKey("building_warehouse")],
        description=f"{spec.title}（{spec.name}）：当前交付的每一行原始文本，带来源、交付日期、文件和行号。",
    )
    def bronze(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
        run_id = context.run.run_id
        with warehouse.stage(run_id, f"bronze_{spec.name}") as stage:
            con = stage.con
            ensure_run_tables(con)
            store = warehouse.segments(con, run_id)
            if not warehouse.full_refresh and _reused_unchanged(con, warehouse, spec, store):
                carry_previous(con, spec.name, run_id)
                rows = scalar(con, f"SELECT count(*) FROM {bronze_table(spec.name)}")
                stage.counts.update(rows=rows)
                warehouse.report(f"[采集] {spec.name}: 无新交付，沿用上次的 {rows} 行")
                return MaterializeResult(metadata={"rows": rows, "reused": True})
            load = load_source(warehouse.landing(), spec)
            _refuse_vanished_source(con, warehouse, spec, load.outcomes)
            tables = {table_name(spec, f): [c.field for c in f.columns] for f in spec.files}
            unchanged = {t: unchanged_rows(store, t, load.bronze[t], fields) for t, fields in tables.items()}
            load = apply_quality_gate(
                con,
                warehouse.landing(),
                warehouse.published(),
                spec,
                load,
                run_id,
                reuse_results=not warehouse.full_refresh,
                unchanged={table: u.positions for table, u in unchanged.items()},
            )
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
            written = write_source(store, spec, load, unchanged, outcomes, run_id, warehouse.full_refresh)
            carried = unchanged[spec.name].rows.height
            stage.counts.update(
                rows=load.bronze[spec.name].height, quarantined=load.quarantine.height, unchanged=carried
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
                "unchanged_rows": carried,
                "rows_written": sum(n for n, _ in written.values()),
                "quarantined": load.quarantine.height,
                "current_deliveries": ", ".join(f"{o.delivery_date}" for o in load.outcomes if o.status == "current"),
                "rejected_deliveries": MetadataValue.md(
                    "\n".join(f"- {o.delivery_date}: {o.reason}" for o in rejected) or "无"
                ),
                "seconds": round(stage.seconds, 2),
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


def _reused_unchanged(
    con: DuckDBPyConnection, warehouse: WarehouseResource, spec: SourceSpec, store: SegmentStore
) -> bool:
    """Keep the source as the last published warehouse had it if its delivery folders are unchanged."""
    if not attach_previous(con, warehouse.published()):
        return False
    seen = previous_delivery_dates(con, spec.name)
    found = discover(warehouse.landing(), {spec.name: spec})
    dates = {d.delivery_date for d in found}
    return seen == dates and bool(dates) and carry_source(store, spec)


bronze_assets = [_bronze_asset(spec) for spec in load_contract().values()]
