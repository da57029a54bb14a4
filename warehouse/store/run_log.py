"""The run log: one row per published run, with what it consumed, changed and how long it took."""

from __future__ import annotations

import json
from typing import TypedDict

import duckdb

from warehouse.store.db import query, scalar, table_exists

STAGES_DDL = "CREATE TABLE IF NOT EXISTS run_stages (run_id VARCHAR, stage VARCHAR, seconds DOUBLE, counts JSON)"
RUN_LOG_DDL = """
CREATE TABLE IF NOT EXISTS run_log (
    run_id VARCHAR, finished_at TIMESTAMP, mode VARCHAR, deliveries_consumed VARCHAR[], rows_read BIGINT,
    records_added BIGINT, records_changed BIGINT, records_withdrawn BIGINT, records_total BIGINT,
    persons_total BIGINT, persons_created BIGINT, persons_merged BIGINT, persons_split BIGINT,
    persons_retired BIGINT, id_churn BIGINT, model_version VARCHAR, stage_seconds JSON,
    duckdb_memory_limit VARCHAR, duckdb_threads BIGINT
)
"""


class RunLogRow(TypedDict):
    """One `run_log` row, as `append_run_log` inserts it (`finished_at` is set by DuckDB)."""

    run_id: str
    mode: str
    deliveries_consumed: list[str]
    rows_read: int
    records_added: int
    records_changed: int
    records_withdrawn: int
    records_total: int
    persons_total: int
    persons_created: int
    persons_merged: int
    persons_split: int
    persons_retired: int
    id_churn: int
    model_version: str
    stage_seconds: str  # JSON object: stage -> seconds
    duckdb_memory_limit: str
    duckdb_threads: int


def record_stage(con: duckdb.DuckDBPyConnection, run_id: str, stage: str, seconds: float, **counts: int) -> None:
    """Note a stage's duration and counts for this run's log row."""
    con.execute(STAGES_DDL)
    con.execute("DELETE FROM run_stages WHERE run_id = ? AND stage = ?", [run_id, stage])
    con.execute("INSERT INTO run_stages VALUES (?, ?, ?, ?)", [run_id, stage, round(seconds, 3), json.dumps(counts)])


def _stage_count(con: duckdb.DuckDBPyConnection, run_id: str, stage: str, key: str) -> int:
    value = scalar(con, "SELECT counts->>? FROM run_stages WHERE run_id = ? AND stage = ?", [key, run_id, stage])
    return int(value) if value is not None else 0


def append_run_log(con: duckdb.DuckDBPyConnection, run_id: str, mode: str, model_version: str) -> RunLogRow:
    """Add this run's row to `run_log` (carrying over the previous runs' rows); return it."""
    con.execute(STAGES_DDL)
    con.execute(RUN_LOG_DDL)
    if table_exists(con, "prev.main.run_log") and not scalar(con, "SELECT count(*) FROM run_log"):
        con.execute("INSERT INTO run_log BY NAME SELECT * FROM prev.main.run_log")
    consumed = [
        f"{s}/{d}"
        for s, d in con.execute(
            "SELECT source, delivery_date FROM deliveries WHERE run_id = ? AND status = 'current' ORDER BY ALL",
            [run_id],
        ).fetchall()
    ]
    events = dict(
        con.execute(
            "SELECT event, count(*) FROM person_id_history WHERE run_id = ? GROUP BY event", [run_id]
        ).fetchall()
    )
    stages = query(con, "SELECT stage, seconds FROM run_stages WHERE run_id = ? ORDER BY rowid", [run_id])
    row: RunLogRow = {
        "run_id": run_id,
        "mode": mode,
        "deliveries_consumed": consumed,
        "rows_read": int(
            scalar(
                con,
                "SELECT coalesce(sum(rows_read), 0) FROM file_counts f WHERE EXISTS (SELECT 1 FROM deliveries d "
                "WHERE d.run_id = ? AND d.status = 'current' AND d.source = f.source "
                "AND d.delivery_date = f.delivery_date)",
                [run_id],
            )
        ),
        "records_added": _stage_count(con, run_id, "records", "added"),
        "records_changed": _stage_count(con, run_id, "records", "changed"),
        "records_withdrawn": _stage_count(con, run_id, "records", "withdrawn"),
        "records_total": int(scalar(con, "SELECT count(*) FROM records")),
        "persons_total": int(scalar(con, "SELECT count(DISTINCT person_id) FROM person_registry")),
        "persons_created": events.get("created", 0),
        "persons_merged": events.get("merged", 0),
        "persons_split": events.get("split", 0),
        "persons_retired": events.get("retired", 0),
        "id_churn": _stage_count(con, run_id, "person_xref", "id_churn"),
        "model_version": model_version,
        "stage_seconds": json.dumps(dict(stages.iter_rows())),
        # what reached DuckDB, as it reports it (the settings of this connection, like every stage's)
        "duckdb_memory_limit": scalar(con, "SELECT current_setting('memory_limit')"),
        "duckdb_threads": scalar(con, "SELECT current_setting('threads')"),
    }
    con.execute(
        "INSERT INTO run_log VALUES ($run_id, now(), $mode, $deliveries_consumed, $rows_read, $records_added, "
        "$records_changed, $records_withdrawn, $records_total, $persons_total, $persons_created, $persons_merged, "
        "$persons_split, $persons_retired, $id_churn, $model_version, $stage_seconds, $duckdb_memory_limit, "
        "$duckdb_threads)",
        row,
    )
    return row
