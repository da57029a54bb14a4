"""Where quality results live in the warehouse, and the previous run's results to reuse.

- `quality_results`: one row per expectation per validated batch (a delivered file) or warehouse
  rule, for the deliveries of this run; results of unchanged deliveries are copied from the last
  published warehouse (`validated_run_id` tells the run that evaluated them).
- `quality_validations`: the Great Expectations result of each suite run, as JSON, for Data Docs.
- `quality_timings`: seconds spent per quality step (the GE worker's import, waiting for validations, Data
  Docs, preparation).
"""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.store.db import query, table_exists

# What a result or validation row was computed on: run, scope, delivered file, rules, suite.
BATCH_SCHEMA = pl.Schema(
    {
        "run_id": pl.Utf8,
        "validated_run_id": pl.Utf8,
        "scope": pl.Utf8,  # delivery | warehouse
        "source": pl.Utf8,
        "delivery_date": pl.Utf8,
        "file": pl.Utf8,
        "file_sha256": pl.Utf8,
        "rules_version": pl.Utf8,
        "suite": pl.Utf8,
    }
)
RESULT_SCHEMA = pl.Schema(
    BATCH_SCHEMA
    | {
        "rule": pl.Utf8,
        "title": pl.Utf8,
        "severity": pl.Utf8,
        "success": pl.Boolean,
        "element_count": pl.Int64,
        "unexpected_count": pl.Int64,
        "unexpected_percent": pl.Float64,
        "sample": pl.Utf8,  # JSON list of failing examples
        "failed_line_nos": pl.List(pl.Int64),  # block_rows rules: every failing row
        "error": pl.Utf8,
    }
)
VALIDATION_SCHEMA = pl.Schema(
    BATCH_SCHEMA
    | {
        "batch": pl.Utf8,
        "result_json": pl.Utf8,
    }
)
TIMING_SCHEMA = pl.Schema({"run_id": pl.Utf8, "scope": pl.Utf8, "step": pl.Utf8, "seconds": pl.Float64})

_DDL = {
    "quality_results": "run_id VARCHAR, validated_run_id VARCHAR, scope VARCHAR, source VARCHAR, "
    "delivery_date VARCHAR, file VARCHAR, file_sha256 VARCHAR, rules_version VARCHAR, suite VARCHAR, rule VARCHAR, "
    "title VARCHAR, severity VARCHAR, success BOOLEAN, element_count BIGINT, unexpected_count BIGINT, "
    "unexpected_percent DOUBLE, sample VARCHAR, failed_line_nos BIGINT[], error VARCHAR",
    "quality_validations": "run_id VARCHAR, validated_run_id VARCHAR, scope VARCHAR, source VARCHAR, "
    "delivery_date VARCHAR, file VARCHAR, file_sha256 VARCHAR, rules_version VARCHAR, suite VARCHAR, batch VARCHAR, "
    "result_json VARCHAR",
    "quality_timings": "run_id VARCHAR, scope VARCHAR, step VARCHAR, seconds DOUBLE",
}


def ensure_quality_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the quality tables in this build if missing."""
    for name, columns in _DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    con.register("_quality_rows", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _quality_rows")
    finally:
        con.unregister("_quality_rows")


def replace_results(
    con: duckdb.DuckDBPyConnection,
    scope: str,
    source: str | None,
    results: pl.DataFrame,
    validations: pl.DataFrame,
    timings: pl.DataFrame,
) -> None:
    """Replace this build's rows of one scope (and source) with new ones; reruns of a step stay idempotent."""
    ensure_quality_tables(con)
    for table in ("quality_results", "quality_validations"):
        con.execute(f"DELETE FROM {table} WHERE scope = ? AND source IS NOT DISTINCT FROM ?", [scope, source])
    step_scope = scope if source is None else f"{scope}:{source}"
    con.execute("DELETE FROM quality_timings WHERE scope = ?", [step_scope])
    _insert(con, "quality_results", results.cast(RESULT_SCHEMA).select(list(RESULT_SCHEMA)))
    _insert(con, "quality_validations", validations.cast(VALIDATION_SCHEMA).select(list(VALIDATION_SCHEMA)))
    _insert(con, "quality_timings", timings.with_columns(pl.lit(step_scope).alias("scope")).select(list(TIMING_SCHEMA)))


def previous_results(con: duckdb.DuckDBPyConnection, source: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The last published warehouse's delivery results and validations of a source (attached as `prev`)."""
    if not table_exists(con, "prev.main.quality_results") or not table_exists(con, "prev.main.quality_validations"):
        return pl.DataFrame(schema=RESULT_SCHEMA), pl.DataFrame(schema=VALIDATION_SCHEMA)
    where = "WHERE scope = 'delivery' AND source = ?"
    results = query(con, f"SELECT {', '.join(RESULT_SCHEMA)} FROM prev.main.quality_results {where}", [source])
    validations = query(
        con, f"SELECT {', '.join(VALIDATION_SCHEMA)} FROM prev.main.quality_validations {where}", [source]
    )
    return results.cast(RESULT_SCHEMA), validations.cast(VALIDATION_SCHEMA)


def previous_file_rows(con: duckdb.DuckDBPyConnection, source: str) -> pl.DataFrame:
    """Rows read per file of the source's deliveries in the last published warehouse (`prev`)."""
    schema = pl.Schema({"delivery_date": pl.Utf8, "file": pl.Utf8, "rows_read": pl.Int64})
    if not table_exists(con, "prev.main.file_counts"):
        return pl.DataFrame(schema=schema)
    frame = query(con, "SELECT delivery_date, file, rows_read FROM prev.main.file_counts WHERE source = ?", [source])
    return frame.cast(schema)


def run_results(con: duckdb.DuckDBPyConnection, scope: str, source: str | None = None) -> pl.DataFrame:
    """This build's results of one scope (and source)."""
    ensure_quality_tables(con)
    sql = "SELECT * FROM quality_results WHERE scope = ? AND source IS NOT DISTINCT FROM ?"
    return query(con, sql, [scope, source]).cast(RESULT_SCHEMA)


def carry_previous(con: duckdb.DuckDBPyConnection, source: str, run_id: str) -> None:
    """A source taken over unchanged from `prev` keeps its delivery results (and validations) in this build."""
    results, validations = previous_results(con, source)
    fresh = pl.lit(run_id).alias("run_id")
    replace_results(
        con,
        "delivery",
        source,
        results.with_columns(fresh),
        validations.with_columns(fresh),
        pl.DataFrame(schema=TIMING_SCHEMA),
    )
