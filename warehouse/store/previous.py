"""What a run can take over from the last published warehouse instead of recomputing.

A source whose delivery folders are exactly those the last run saw is not re-read (its bronze
segments are carried over, see warehouse/store/bronze.py); a re-delivered snapshot is compared
row by row with bronze. Records whose raw values are unchanged keep their standardised form;
link scores between unchanged profiles are reused. `returnees run --full` switches all of this off.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.store.db import query, table_exists


def attach_previous(con: duckdb.DuckDBPyConnection, published: Path) -> bool:
    """Attach the last published warehouse read-only as `prev`; False when there is none."""
    if not published.is_file():
        return False
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    if "prev" not in attached:
        con.execute(f"ATTACH '{published}' AS prev (READ_ONLY)")
    return True


def previous_delivery_dates(con: duckdb.DuckDBPyConnection, source: str) -> set[str] | None:
    """Delivery dates of `source` the last run saw (any status), or None without a previous run."""
    if not table_exists(con, "prev.main.deliveries"):
        return None
    rows = con.execute("SELECT delivery_date FROM prev.main.deliveries WHERE source = ?", [source]).fetchall()
    return {r[0] for r in rows}


def previous_scores(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """The last run's scored profile pairs and (profile hash, group hash) counts, or None."""
    if not (table_exists(con, "prev.main.links") and table_exists(con, "prev.main.link_profiles")):
        return None
    columns = {r[0] for r in con.execute("DESCRIBE prev.main.link_profiles").fetchall()}
    if "group_hash" not in columns:  # written before pairs inside a group stopped being scored
        return None
    links = query(
        con,
        "SELECT * EXCLUDE (unique_id_l, unique_id_r, det_group_l, det_group_r, record_uid_l, "
        "record_uid_r, accepted) FROM prev.main.links",
    )
    return links, query(con, "SELECT profile_hash, group_hash, n FROM prev.main.link_profiles")
