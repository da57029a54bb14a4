"""Nothing lost: for every file, rows read = rows kept + rows quarantined."""

from __future__ import annotations

import duckdb
import polars as pl

from sources.contract import load_contract
from warehouse.store.db import query


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


def record_accounting(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per person file: rows kept in bronze, rows that became `records`, and the difference."""
    sources = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'bronze' AND database_name = current_database()"
            " AND table_name IN (SELECT unnest(?))",
            [[name for name, spec in load_contract().items() if spec.person_bearing]],
        ).fetchall()
    ]
    kept = (
        " UNION ALL ".join(
            f"SELECT source, delivery_date, file, count(*) AS n FROM bronze.{s} GROUP BY ALL" for s in sorted(sources)
        )
        or "SELECT NULL::VARCHAR source, NULL::VARCHAR delivery_date, NULL::VARCHAR file, 0::BIGINT n WHERE false"
    )
    return query(
        con,
        f"""
        WITH kept AS ({kept}),
        made AS (SELECT source, delivery_date, file, count(*) AS n FROM records GROUP BY ALL)
        SELECT coalesce(k.source, m.source) AS source, coalesce(k.delivery_date, m.delivery_date) AS delivery_date,
               coalesce(k.file, m.file) AS file, coalesce(k.n, 0) AS rows_kept, coalesce(m.n, 0) AS records,
               coalesce(k.n, 0) - coalesce(m.n, 0) AS unaccounted
        FROM kept k FULL JOIN made m USING (source, delivery_date, file)
        ORDER BY 1, 3
        """,
    )
