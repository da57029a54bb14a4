"""Nothing lost: for every file, rows read = rows kept + rows quarantined."""

from __future__ import annotations

import duckdb
import polars as pl

from sources.contract import load_contract
from sources.ingest import table_name
from warehouse.store.bronze import bronze_tables
from warehouse.store.db import query


def file_accounting(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per delivered file: rows read, kept in bronze, quarantined, and the difference; then per
    source (`file` = `bronze`): rows kept from its files against the rows its bronze tables hold.

    Rows kept are counted when the file is read (`file_counts.rows_kept`): an unchanged row of a
    re-delivered snapshot keeps the lineage of the delivery it first came in (see
    warehouse/store/bronze.py), so bronze cannot be grouped by this run's files."""
    present = set(bronze_tables(con))
    tables = [
        (name, table_name(spec, f))
        for name, spec in load_contract().items()
        for f in spec.files
        if table_name(spec, f) in present
    ]
    held = (
        " UNION ALL ".join(f"SELECT '{s}' AS source, count(*) AS n FROM bronze.{t}" for s, t in tables)
        or "SELECT NULL::VARCHAR source, 0::BIGINT n WHERE false"
    )
    return query(
        con,
        f"""
        WITH quarantined AS (SELECT source, delivery_date, file, count(*) AS n FROM quarantine GROUP BY ALL),
        files AS (
            SELECT f.source, f.delivery_date, f.file, f.rows_read, coalesce(f.rows_kept, 0) AS rows_kept,
                   coalesce(q.n, 0) AS rows_quarantined
            FROM file_counts f LEFT JOIN quarantined q USING (source, delivery_date, file)
        ),
        in_bronze AS (SELECT source, sum(n)::BIGINT AS n FROM ({held}) GROUP BY source)
        SELECT source, delivery_date, file, rows_read, rows_kept, rows_quarantined,
               rows_read - rows_kept - rows_quarantined AS unaccounted
        FROM files
        UNION ALL
        SELECT source, NULL, 'bronze', sum(f.rows_kept)::BIGINT, coalesce(any_value(b.n), 0), 0,
               sum(f.rows_kept)::BIGINT - coalesce(any_value(b.n), 0)
        FROM files f FULL JOIN in_bronze b USING (source)
        GROUP BY source
        ORDER BY 1, 3, 2
        """,
    )


def record_accounting(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per person file: rows kept in bronze, rows that became `records`, and the difference."""
    present = set(bronze_tables(con))
    sources = [name for name, spec in load_contract().items() if spec.person_bearing and name in present]
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
