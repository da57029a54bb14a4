"""Short-lived access to the decisions file beside the warehouse.

The nightly run opens the decisions file read-only while it clusters, so the console never
keeps a connection open: each read or write opens the file, does its work and closes it. A
write that meets the run's lock is retried for a few seconds before giving up. Within this
process one lock serialises access (DuckDB refuses a second connection to the same file
with a different read-only setting).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from warehouse.store.db import table_exists
from warehouse.store.decisions import (
    DECISION_SCHEMA,
    Decision,
    decision_columns,
    decisions_path,
    ensure_schema,
    open_decisions,
    record_batch,
    record_decision,
)

_LOCK = threading.Lock()

DECISION_COLUMNS = DECISION_SCHEMA


class StoreBusy(Exception):
    """The decisions file stayed locked by another process (the nightly run)."""


class DecisionStore:
    """The decisions file of one warehouse: decisions and console users."""

    def __init__(self, warehouse: Path) -> None:
        self.path = decisions_path(warehouse)

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection (creates the file), retried while another process holds it."""
        with _LOCK:
            con = _open(self.path, read_only=False)
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A read-only connection, or None while the decisions file does not exist yet."""
        with _LOCK:
            if not self.path.is_file():
                yield None
                return
            con = _open(self.path, read_only=True)
            try:
                yield con
            finally:
                con.close()

    def record(self, decision: Decision) -> int:
        """Append one decision; return its id."""
        with self.writing() as con:
            ensure_schema(con)
            return record_decision(con, decision)

    def record_batch(self, decisions: list[Decision]) -> tuple[int, list[int]]:
        """Append the decisions of one bulk action under a shared batch id; return it and their ids."""
        with self.writing() as con:
            return record_batch(con, decisions)

    def decisions(self) -> pl.DataFrame:
        """Every decision ever recorded (undo rows included), oldest first."""
        with self.reading() as con:
            if con is None or not table_exists(con, "steward_decisions"):
                return pl.DataFrame(schema=DECISION_COLUMNS)
            select = decision_columns(con, list(DECISION_COLUMNS))
            frame: pl.DataFrame = con.sql(f"SELECT {select} FROM steward_decisions ORDER BY decision_id").pl()
        return frame.cast(DECISION_COLUMNS)


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Connect, retrying while another process holds a conflicting lock on the file."""
    try:
        return open_decisions(path, read_only)
    except duckdb.IOException:
        raise StoreBusy("决定库正被夜间运行使用，请稍后重试") from None


def with_status(decisions: pl.DataFrame) -> pl.DataFrame:
    """Add `undone_by`: the id of the undo that cancelled each decision (null while in force)."""
    undos = decisions.filter(pl.col("action") == "undo").select(
        pl.col("undoes").alias("decision_id"), pl.col("decision_id").alias("undone_by")
    )
    return decisions.join(undos.unique("decision_id", keep="first"), on="decision_id", how="left")


def active(decisions: pl.DataFrame) -> pl.DataFrame:
    """Decisions in force: not undo rows and not undone (the same rule every run applies)."""
    return with_status(decisions).filter((pl.col("action") != "undo") & pl.col("undone_by").is_null())
