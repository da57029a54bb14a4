"""Run-level bookkeeping tables every stage writes into."""

from __future__ import annotations

import duckdb

RUN_TABLES = {
    "quarantine": "source VARCHAR, delivery_date VARCHAR, file VARCHAR, line_no BIGINT, raw VARCHAR, "
    "reason VARCHAR, run_id VARCHAR",
    "deliveries": "source VARCHAR, delivery_date VARCHAR, status VARCHAR, reason VARCHAR, rows BIGINT, run_id VARCHAR",
    "file_counts": "source VARCHAR, delivery_date VARCHAR, file VARCHAR, rows_read BIGINT, rows_kept BIGINT",
}


def ensure_run_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the bookkeeping tables and schemas if this build does not have them yet."""
    con.execute("CREATE SCHEMA IF NOT EXISTS bronze")
    for name, columns in RUN_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
