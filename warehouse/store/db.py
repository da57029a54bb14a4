"""DuckDB connections and table writes shared by every stage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl


@dataclass(frozen=True)
class DuckDBSettings:
    """Resource limits for DuckDB (Splink leaves them to us); see warehouse/store/settings.py."""

    memory_limit: str
    threads: int
    temp_directory: str


@contextmanager
def connect(
    path: Path | str, settings: DuckDBSettings | None = None, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a DuckDB file (or `:memory:`) with a run's limits, or DuckDB's own for a reader; closed on exit."""
    config: dict[str, str | bool | int | float | list[str]] = {}
    if settings is not None:
        config = {
            "memory_limit": settings.memory_limit,
            "threads": settings.threads,
            "temp_directory": settings.temp_directory,
        }
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        yield con
    finally:
        con.close()


def write_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> int:
    """Create or replace `name` (optionally `schema.table`) with the frame's rows; return the count."""
    if "." in name:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame")
    finally:
        con.unregister("_frame")
    return frame.height


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | dict[str, object] | None = None
) -> pl.DataFrame:
    """Run a query and return its rows as a polars frame."""
    frame: pl.DataFrame = con.sql(sql, params=params).pl()
    return frame


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    """The single value a query returns (DuckDB 2 needs the result fully fetched)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table or view `table`, `schema.table` or `database.schema.table` exists."""
    parts = name.split(".")
    table = parts[-1]
    schema = parts[-2] if len(parts) >= 2 else None
    database = parts[-3] if len(parts) == 3 else None
    found = con.execute(
        """
        SELECT count(*) FROM (
            SELECT database_name, schema_name, table_name AS name FROM duckdb_tables()
            UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views()
        )
        WHERE name = $table AND ($schema IS NULL OR schema_name = $schema)
          AND ($database IS NULL OR database_name = $database)
        """,
        {"table": table, "schema": schema, "database": database},
    ).fetchall()
    return bool(found[0][0] > 0)
