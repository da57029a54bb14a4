"""The review step's tables: what it reads from a run's build (or a published warehouse), and what it writes."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from warehouse.store.db import query, write_table

LINK_COLUMNS = ("record_uid_l", "record_uid_r", "det_group_l", "det_group_r", "match_weight", "match_probability")


def review_inputs(
    con: duckdb.DuckDBPyConnection, record_columns: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(records, persons, links, refusals): the `record_columns` of `records`; record_uid, person_id,
    det_group; the scored links; the links a constraint refused.
    """
    records = query(con, f"SELECT {', '.join(record_columns)} FROM records")
    persons = query(
        con,
        "SELECT p.record_uid, p.person_id, c.det_group "
        "FROM person_registry p JOIN record_clusters c USING (record_uid)",
    )
    links = query(con, f"SELECT {', '.join(LINK_COLUMNS)}, accepted FROM links")
    refusals = query(con, "SELECT det_group_l, det_group_r, match_probability, reason FROM link_refusals")
    return records, persons, links, refusals


def write_review_candidates(con: duckdb.DuckDBPyConnection, candidates: pl.DataFrame) -> int:
    """Replace `review_candidates` (one row per candidate, in rank order); return the count."""
    return write_table(con, "review_candidates", candidates)
