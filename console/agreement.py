"""Where stewards' decisions disagree with the model, from the links the last run scored.

Each active decision says which records are (not) one person (`dedup.constraints.labelled_pairs`).
Clustering works on evidence groups, so the labels become group pairs; the model's view of a
pair is its strongest scored link between the two groups (none: the model never linked them).
"""

from __future__ import annotations

import polars as pl

from console.snapshot import Snapshot
from dedup.agreement import Agreement, agreement
from dedup.constraints import labelled_pairs, labelled_unit_pairs
from dedup.link import MATCH_THRESHOLD
from warehouse.store.db import query


def decided_groups(snapshot: Snapshot, active: pl.DataFrame) -> pl.DataFrame:
    """det_group_l < det_group_r, same, decision_id: what the active decisions say about groups of this warehouse."""
    pairs = labelled_pairs(active)
    if pairs.is_empty():
        return pl.DataFrame(
            schema={"det_group_l": pl.Int64, "det_group_r": pl.Int64, "same": pl.Boolean, "decision_id": pl.Int64}
        )
    groups = query(snapshot.con, "SELECT record_uid, det_group FROM record_clusters")
    return labelled_unit_pairs(pairs, groups, "det_group")


def decision_agreement(snapshot: Snapshot, active: pl.DataFrame) -> tuple[Agreement, pl.DataFrame]:
    """The model's agreement with the decisions, and per decision that it disagrees with: decision_id,
    same, pairs (group pairs it disagrees on), best (the highest probability among them, null if never scored).
    """
    decided = decided_groups(snapshot, active)
    snapshot.con.register("_decided", decided.select("det_group_l", "det_group_r").to_arrow())
    try:
        scored = query(
            snapshot.con,
            """
            WITH l AS (
                SELECT least(det_group_l, det_group_r) AS a, greatest(det_group_l, det_group_r) AS b,
                       match_probability, COLUMNS('^mw_')
                FROM links
            )
            SELECT d.det_group_l, d.det_group_r, l.* EXCLUDE (a, b)
            FROM l JOIN _decided d ON l.a = d.det_group_l AND l.b = d.det_group_r
            QUALIFY row_number() OVER (PARTITION BY l.a, l.b ORDER BY l.match_probability DESC) = 1
            """,
        )
    finally:
        snapshot.con.unregister("_decided")
    judged = decided.join(scored, on=["det_group_l", "det_group_r"], how="left")
    result = agreement(judged, MATCH_THRESHOLD)
    wrong = (pl.col("match_probability").fill_null(0.0) >= MATCH_THRESHOLD) != pl.col("same")
    disagreeing = (
        judged.filter(wrong)
        .group_by("decision_id", "same")
        .agg(pl.len().alias("pairs"), pl.col("match_probability").max().alias("best"))
        .sort("decision_id", descending=True)
    )
    return result, disagreeing
