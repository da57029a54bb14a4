"""Read-only access to the published warehouse, one connection per request.

A run publishes by renaming a new file over the warehouse, so a request that opened the old
file keeps reading it consistently and the next request sees the new one. The console never
opens the warehouse for writing and so never blocks the nightly run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.store.db import connect, scalar, table_exists

# Where golden records and conflicts may live: unmasked serving tables are kept in `restricted`.
SERVING_SCHEMAS = ("main", "restricted")


@dataclass(frozen=True)
class Snapshot:
    """One published version of the warehouse, open read-only for the request."""

    con: duckdb.DuckDBPyConnection
    run_id: str | None
    published_at: datetime
    fingerprint: str

    @property
    def version(self) -> str:
        """What identifies this version's content: the run that published it (else the file's identity)."""
        return self.run_id or self.fingerprint

    def has(self, table: str) -> bool:
        """Whether this version holds a table or view in the main schema."""
        return table_exists(self.con, f"main.{table}")

    def locate(self, table: str) -> str | None:
        """`schema.table` of a serving table (main, else the restricted schema), or None."""
        return next((f"{s}.{table}" for s in SERVING_SCHEMAS if table_exists(self.con, f"{s}.{table}")), None)


@contextmanager
def open_snapshot(warehouse: Path) -> Iterator[Snapshot]:
    """Open the published warehouse read-only; FileNotFoundError when it is not published yet."""
    stat = warehouse.stat()
    with connect(warehouse, read_only=True) as con:
        run_id = (
            scalar(con, "SELECT run_id FROM run_log ORDER BY finished_at DESC LIMIT 1")
            if table_exists(con, "main.run_log")
            else None
        )
        yield Snapshot(
            con,
            None if run_id is None else str(run_id),
            datetime.fromtimestamp(stat.st_mtime),
            f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}",
        )
