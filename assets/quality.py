"""Asset checks: the quality gate's results on each bronze asset, and the warehouse suites on person_xref.

The gate itself runs inside each bronze asset (see quality.gate); these checks report what it
found. The warehouse suites run here with Great Expectations, then the run's Data Docs are built.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    asset_check,
    multi_asset_check,
)

from pipelines.resources import WarehouseResource
from quality.checks import BRONZE_CHECKS, BronzeCheck, CheckSummary, gate_breaches, summarise
from quality.results import run_results
from quality.warehouse_suite import CHECKS, check_warehouse
from sources.contract import load_contract

if TYPE_CHECKING:
    from dagster._core.definitions.metadata import RawMetadataValue

PERSON_XREF = AssetKey("person_xref")


def _metadata(summary: CheckSummary) -> "dict[str, RawMetadataValue]":
    metadata: dict[str, RawMetadataValue] = dict(summary.counts)
    if summary.table:
        metadata["failed_rules"] = MetadataValue.md(summary.table)
    if summary.samples:
        metadata["samples"] = MetadataValue.json(summary.samples)
    return metadata


def _severity(summary: CheckSummary) -> AssetCheckSeverity:
    return AssetCheckSeverity.ERROR if summary.blocking else AssetCheckSeverity.WARN


def _bronze_check(source: str, spec: BronzeCheck) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(f"bronze_{source}"), name=spec.name, description=spec.description, blocking=spec.blocking
    )
    def check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        run_id = context.run.run_id
        with warehouse.connect(run_id) as con:
            results = spec.select(run_results(con, "delivery", source))
            breaches = gate_breaches(con, source, spec.breach) if spec.breach else 0
        summary = summarise(results, run_id, breaches)
        return AssetCheckResult(
            passed=summary.passed,
            severity=_severity(summary),
            description=summary.description,
            metadata=_metadata(summary),
        )

    return check


@multi_asset_check(
    specs=[
        AssetCheckSpec(name, asset=PERSON_XREF, blocking=True, description=text) for name, (text, _) in CHECKS.items()
    ],
    name="warehouse_quality",
    description="数仓质量套件（Great Expectations）：不通过则本次不发布；随后生成本次运行的 Data Docs。",
)
def warehouse_quality(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> Iterator[AssetCheckResult]:
    run_id = context.run.run_id
    with warehouse.stage(run_id, "warehouse_quality") as stage:
        results, index = check_warehouse(stage.con, warehouse.published(), run_id)
    for name, (_, rules) in CHECKS.items():
        summary = summarise(results.filter(pl.col("rule").is_in(rules)), run_id)
        yield AssetCheckResult(
            asset_key=PERSON_XREF,
            check_name=name,
            passed=summary.passed,
            severity=_severity(summary),
            description=summary.description,
            metadata=_metadata(summary) | {"data_docs": MetadataValue.path(str(index))},
        )
    failed = results.filter(pl.col("success").is_null() | ~pl.col("success")).height
    warehouse.report(
        f"[质检] 数仓规则 {results.height} 条，未通过 {failed} 条，用时 {stage.seconds:.1f} 秒；Data Docs：{index}"
    )


quality_checks = [_bronze_check(source, spec) for source in load_contract() for spec in BRONZE_CHECKS] + [
    warehouse_quality
]
