"""Bronze rows of one source with their person: the input every fact table starts from."""

from __future__ import annotations

import duckdb
import polars as pl

from dedup.standardise import load_institutions
from warehouse.store.db import query


def person_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    record_columns: list[str],
    bronze_columns: dict[str, str],
) -> pl.DataFrame:
    """Current records of `source` with `person_id`, chosen `records` columns and bronze columns
    (output name → bronze column)."""
    columns = [
        "p.person_id",
        "r.record_uid",
        "r.source",
        "r.delivery_date",
        *(f"r.{c}" for c in record_columns),
        *(f"b.{col} AS {name}" for name, col in bronze_columns.items()),
    ]
    return query(
        con,
        f"""
        SELECT {", ".join(columns)}
        FROM records r
        JOIN person_registry p USING (record_uid)
        JOIN bronze.{source} b ON b.record_key = r.record_key AND b.delivery_date = r.delivery_date
        WHERE r.source = ?
        """,
        [source],
    )


def related_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> pl.DataFrame:
    """Rows of a prof_tech related file (achievements, applications) with the person of their
    `user_id` (null when the user has no current person record)."""
    return query(
        con,
        f"""
        SELECT p.person_id, {", ".join(f"b.{c}" for c in columns)}
        FROM bronze.{table} b
        LEFT JOIN person_registry p ON p.record_uid = 'prof_tech:' || trim(b.user_id)
        """,
    )


def institutions() -> pl.DataFrame:
    """The institution reference: `institution_id`, `institution_name`, `institution_country`, `institution_tier`."""
    return load_institutions().select(
        "institution_id",
        pl.col("name_zh").alias("institution_name"),
        pl.col("country_iso3").alias("institution_country"),
        pl.col("tier").alias("institution_tier"),
    )
