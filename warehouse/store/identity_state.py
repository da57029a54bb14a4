"""Where stable ids live between runs: `person_xref`, `person_id_history`, `person_id_sequence`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.store.db import query, scalar, table_exists, write_table
from warehouse.store.previous import attach_previous


def previous_identity(con: duckdb.DuckDBPyConnection, published: Path) -> tuple[pl.DataFrame, int]:
    """The last published record → person map and the next free id sequence."""
    empty = pl.DataFrame(schema={"record_uid": pl.Utf8, "person_id": pl.Utf8})
    if not attach_previous(con, published) or not table_exists(con, "prev.main.person_registry"):
        return empty, 1
    previous = query(con, "SELECT record_uid, person_id FROM prev.main.person_registry")
    next_seq = scalar(con, "SELECT next_seq FROM prev.main.person_id_sequence")
    return previous, int(next_seq)


def write_identity(
    con: duckdb.DuckDBPyConnection, assignment: pl.DataFrame, events: pl.DataFrame, next_seq: int
) -> None:
    """Write the registry, the contract's `person_xref` view, the id history and the sequence."""
    write_table(con, "person_registry", assignment)
    con.execute(
        """
        CREATE OR REPLACE TABLE person_xref AS
        SELECT r.source, r.record_key, p.person_id
        FROM person_registry p JOIN records r USING (record_uid)
        ORDER BY r.source, r.record_key
        """
    )
    con.execute(f"CREATE OR REPLACE TABLE person_id_sequence AS SELECT {int(next_seq)}::BIGINT AS next_seq")
    con.register("_events", events.to_arrow())
    con.execute("CREATE TABLE IF NOT EXISTS person_id_history AS SELECT *, now() AS recorded_at FROM _events LIMIT 0")
    if table_exists(con, "prev.main.person_id_history"):
        con.execute("DELETE FROM person_id_history")
        con.execute("INSERT INTO person_id_history SELECT * FROM prev.main.person_id_history")
    con.execute("INSERT INTO person_id_history SELECT *, now() FROM _events")
    con.unregister("_events")
