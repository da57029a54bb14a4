"""Where stable ids live between runs: `person_registry` (segmented), the contract's `person_xref`
view, `person_id_history` (appended to), `person_id_sequence`, and tonight's `person_changes`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.store.db import query, scalar, table_exists
from warehouse.store.previous import attach_previous
from warehouse.store.segments import SegmentStore

PERSON_XREF_VIEW = """
CREATE OR REPLACE VIEW person_xref AS
SELECT r.source, r.record_key, p.person_id
FROM person_registry p JOIN records r USING (record_uid)
"""

# Persons whose serving rows tonight's run recomputes: every person holding a record that is new,
# changed or moved to them, and every person that lost one (`removed` when no record is left).
PERSON_CHANGES_SQL = """
CREATE OR REPLACE TABLE person_changes AS
WITH now AS (SELECT p.record_uid, p.person_id, r.raw_hash FROM person_registry p JOIN records r USING (record_uid)),
before AS (
    SELECT p.record_uid, p.person_id, r.raw_hash
    FROM prev.main.person_registry p JOIN prev.main.records r USING (record_uid)
),
touched AS (
    SELECT person_id FROM (FROM now EXCEPT FROM before)
    UNION SELECT person_id FROM (FROM before EXCEPT FROM now)
)
SELECT t.person_id,
       CASE WHEN t.person_id NOT IN (SELECT person_id FROM now) THEN 'removed'
            WHEN t.person_id NOT IN (SELECT person_id FROM before) THEN 'new'
            ELSE 'changed' END AS change
FROM touched t ORDER BY t.person_id
"""


def previous_identity(con: duckdb.DuckDBPyConnection, published: Path) -> tuple[pl.DataFrame, int]:
    """The last published record → person map and the next free id sequence."""
    empty = pl.DataFrame(schema={"record_uid": pl.Utf8, "person_id": pl.Utf8})
    if not attach_previous(con, published) or not table_exists(con, "prev.main.person_registry"):
        return empty, 1
    previous = query(con, "SELECT record_uid, person_id FROM prev.main.person_registry")
    next_seq = scalar(con, "SELECT next_seq FROM prev.main.person_id_sequence")
    return previous, int(next_seq)


def write_identity(
    con: duckdb.DuckDBPyConnection,
    store: SegmentStore,
    assignment: pl.DataFrame,
    events: pl.DataFrame,
    next_seq: int,
    full: bool,
) -> int:
    """Write the registry (only what changed, unless `full`), the contract's `person_xref` view, the
    id history (this run's events appended), the sequence and `person_changes` (against the last
    published warehouse, also when `full`: what changed since, not what was recomputed); return
    how many persons changed."""
    con.register("_assignment", assignment.to_arrow())
    con.register("_events", events.to_arrow())
    try:
        if full or not store.exists("person_registry"):
            store.replace("person_registry", "FROM _assignment", ["record_uid"])
        else:
            store.write_diff("person_registry", "FROM _assignment", ["record_uid"])
        con.execute(PERSON_XREF_VIEW)
        con.execute(f"CREATE OR REPLACE TABLE person_id_sequence AS SELECT {int(next_seq)}::BIGINT AS next_seq")
        history = "SELECT *, now()::TIMESTAMP AS recorded_at FROM _events"
        if store.exists("person_id_history"):
            store.update("person_id_history", history, f"SELECT * FROM ({history}) WHERE false")
        else:
            store.replace("person_id_history", history, ["run_id", "person_id", "event"])
    finally:
        con.unregister("_assignment")
        con.unregister("_events")
    if not (table_exists(con, "prev.main.records") and table_exists(con, "prev.main.person_registry")):
        con.execute(
            "CREATE OR REPLACE TABLE person_changes AS SELECT DISTINCT person_id, 'new' AS change FROM person_registry"
        )
    else:
        con.execute(PERSON_CHANGES_SQL)
    return int(scalar(con, "SELECT count(*) FROM person_changes"))
