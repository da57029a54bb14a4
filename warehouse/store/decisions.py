"""Steward decisions: an append-only store beside the warehouse that every run honours.

The published warehouse is replaced by each run, so decisions live in their own DuckDB file
(`<warehouse>.decisions.duckdb`). The console appends; a run reads. Rows are never edited:
an undo is a new row of action `undo` naming the decision it cancels.

Actions and the records they name (`record_uids`):
- `confirm`   the records form one person as they are (must-link between all of them)
- `merge`     the records of two persons are one person (must-link between all of them)
- `split`     `record_uids` leave their person and form a new one; `other_record_uids` are the
              records that stay (cannot-link between the two sides, must-link within the split part)
- `different` two records belong to different people (cannot-link); or, with
              `other_record_uids`, no record of one side is the same person as one of the other
- `undo`      cancels decision `undoes`

Decisions a steward made in one action over several queue items share a `batch_id` (each item
is still its own decision, undone on its own or with its batch).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import polars as pl

from warehouse.store.db import query, table_exists

ACTIONS = ("confirm", "merge", "split", "different", "undo")

DECISIONS_DDL = """
CREATE SEQUENCE IF NOT EXISTS decision_seq START 1;
CREATE TABLE IF NOT EXISTS steward_decisions (
    decision_id BIGINT PRIMARY KEY DEFAULT nextval('decision_seq'),
    made_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    made_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    record_uids VARCHAR[] NOT NULL,
    other_record_uids VARCHAR[],
    person_ids VARCHAR[],
    comment VARCHAR,
    run_id VARCHAR,
    undoes BIGINT
);
ALTER TABLE steward_decisions ADD COLUMN IF NOT EXISTS batch_id BIGINT;
CREATE SEQUENCE IF NOT EXISTS batch_seq START 1;
"""


# Column types of `steward_decisions` as polars reads them.
DECISION_SCHEMA = pl.Schema(
    {
        "decision_id": pl.Int64(),
        "made_at": pl.Datetime(),
        "made_by": pl.Utf8(),
        "action": pl.Utf8(),
        "record_uids": pl.List(pl.Utf8()),
        "other_record_uids": pl.List(pl.Utf8()),
        "person_ids": pl.List(pl.Utf8()),
        "comment": pl.Utf8(),
        "run_id": pl.Utf8(),
        "undoes": pl.Int64(),
        "batch_id": pl.Int64(),
    }
)


def decisions_path(warehouse: Path) -> Path:
    """The decisions file that belongs to a warehouse file."""
    return warehouse.with_name(f"{warehouse.stem}.decisions.duckdb")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the decisions table if the file is new."""
    con.execute(DECISIONS_DDL)


@dataclass(frozen=True)
class Decision:
    """One steward action to record."""

    made_by: str
    action: str
    record_uids: list[str]
    other_record_uids: list[str] | None = None
    person_ids: list[str] | None = None
    comment: str | None = None
    run_id: str | None = None
    undoes: int | None = None
    batch_id: int | None = None


def record_decision(con: duckdb.DuckDBPyConnection, decision: Decision) -> int:
    """Append a decision; return its id."""
    if decision.action not in ACTIONS:
        raise ValueError(f"未知的操作：{decision.action}")
    ensure_schema(con)
    row = con.execute(
        """
        INSERT INTO steward_decisions
            (made_by, action, record_uids, other_record_uids, person_ids, comment, run_id, undoes, batch_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING decision_id
        """,
        [
            decision.made_by,
            decision.action,
            decision.record_uids,
            decision.other_record_uids,
            decision.person_ids,
            decision.comment,
            decision.run_id,
            decision.undoes,
            decision.batch_id,
        ],
    ).fetchall()
    return int(row[0][0])


def record_batch(con: duckdb.DuckDBPyConnection, decisions: list[Decision]) -> tuple[int, list[int]]:
    """Append decisions made in one action under a new batch id, all or none; return (batch id, their ids)."""
    ensure_schema(con)
    batch_id = int(con.execute("SELECT nextval('batch_seq')").fetchall()[0][0])
    con.execute("BEGIN TRANSACTION")
    try:
        ids = [record_decision(con, replace(d, batch_id=batch_id)) for d in decisions]
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return batch_id, ids


def decision_columns(con: duckdb.DuckDBPyConnection, columns: list[str]) -> str:
    """A SELECT list of `columns` of `steward_decisions`; NULL for `batch_id` in a file older than it."""
    present = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'steward_decisions'"
        ).fetchall()
    }
    return ", ".join(c if c in present or c != "batch_id" else "NULL::BIGINT AS batch_id" for c in columns)


def active_decisions(warehouse: Path) -> pl.DataFrame:
    """Decisions in force (not undone), oldest first; empty when there is no decisions file."""
    schema = pl.Schema({c: t for c, t in DECISION_SCHEMA.items() if c != "undoes"})
    path = decisions_path(warehouse)
    if not path.is_file():
        return pl.DataFrame(schema=schema)
    with open_decisions(path, read_only=True) as con:
        if not table_exists(con, "steward_decisions"):
            return pl.DataFrame(schema=schema)
        return query(
            con,
            f"""
            SELECT {decision_columns(con, list(schema))} FROM steward_decisions d
            WHERE action <> 'undo'
              AND decision_id NOT IN (SELECT undoes FROM steward_decisions WHERE action = 'undo' AND undoes IS NOT NULL)
            ORDER BY decision_id
            """,
        )


def open_decisions(path: Path, read_only: bool, attempts: int = 25, pause: float = 0.2) -> duckdb.DuckDBPyConnection:
    """Connect to a decisions file, retrying while another process (console or run) holds it."""
    for _ in range(attempts - 1):
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException:
            time.sleep(pause)
    return duckdb.connect(str(path), read_only=read_only)
