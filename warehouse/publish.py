"""Atomic publishing: a run builds a new warehouse file and swaps it in at the end."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.db import connect


def building_path(published: Path, run_id: str) -> Path:
    """The file a run builds into, beside the published warehouse."""
    return published.with_name(f"{published.name}.{run_id[:8]}.building")


def attach_previous(con: duckdb.DuckDBPyConnection, published: Path) -> bool:
    """Attach the last published warehouse read-only as `prev`; False when there is none."""
    if not published.is_file():
        return False
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    if "prev" not in attached:
        con.execute(f"ATTACH '{published}' AS prev (READ_ONLY)")
    return True


def publish(building: Path, published: Path) -> None:
    """Checkpoint the built file and rename it over the published one (atomic on POSIX)."""
    with connect(building) as con:
        con.execute("CHECKPOINT")
    os.replace(building, published)
    for stale in published.parent.glob(f"{published.name}.*.building"):
        stale.unlink(missing_ok=True)
    Path(f"{building}.wal").unlink(missing_ok=True)
