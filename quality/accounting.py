"""Nothing lost: for every file, rows read = rows kept + rows quarantined."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.db import query


def file_accounting(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per delivered file: rows read, kept in bronze, quarantined, and the difference."""
    bronze_tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'bronze' ORDER BY table_name"
        ).fetchall()
    ]
    kept = (
        " UNION ALL ".join(
            f"SELECT source, delivery_date, file, count(*) AS n FROM bronze.{t} GROUP BY ALL" for t in bronze_tables
        )
        or "SELECT NULL::VARCHAR source, NULL::VARCHAR delivery_date, NULL::VARCHAR file, 0::BIGINT n WHERE false"
    )
    return query(
        con,
        f"""
        WITH kept AS ({kept}),
        held AS (SELECT source, delivery_date, file, count(*) AS n FROM quarantine GROUP BY ALL)
        SELECT f.source, f.delivery_date, f.file, f.rows_read,
               coalesce(k.n, 0) AS rows_kept, coalesce(h.n, 0) AS rows_quarantined,
               f.rows_read - coalesce(k.n, 0) - coalesce(h.n, 0) AS unaccounted
        FROM file_counts f
        LEFT JOIN kept k USING (source, delivery_date, file)
        LEFT JOIN held h USING (source, delivery_date, file)
        ORDER BY f.source, f.file
        """,
    )
