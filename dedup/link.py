"""Link canonical records into persons: deterministic groups, Splink scores, constrained clusters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dedup import model
from dedup.cluster import cluster_groups
from dedup.constraints import decision_constraints
from dedup.groups import profiles, with_matching_fields
from warehouse.db import DEFAULT_SETTINGS, DuckDBSettings, connect

# Chosen from measured precision/recall on generated truth (see README "Linkage thresholds").
MATCH_THRESHOLD = 0.9
# Pairs kept as evidence for stewards even below the match threshold.
EVIDENCE_THRESHOLD = 0.2


@dataclass
class LinkResult:
    """Everything the linkage stage produced."""

    clusters: pl.DataFrame  # record_uid, det_group, cluster
    links: pl.DataFrame  # scored profile pairs with per-comparison weights, mapped to records
    refused: pl.DataFrame  # links refused by a constraint, with the reason
    decision_conflicts: pl.DataFrame  # steward decisions the current data contradicts


def link_records(
    records: pl.DataFrame,
    decisions: pl.DataFrame,
    threshold: float = MATCH_THRESHOLD,
    model_path: Path = model.MODEL_PATH,
    settings: DuckDBSettings = DEFAULT_SETTINGS,
) -> LinkResult:
    """Resolve records to clusters of the same person, honouring steward decisions."""
    matched = with_matching_fields(records)
    profile_rows, record_profile = profiles(matched)
    # Splink works in its own in-memory database so its scratch tables stay out of the warehouse.
    with connect(":memory:", settings) as con:
        scored = model.predict(con, profile_rows, EVIDENCE_THRESHOLD, model_path)
    groups = matched.group_by("det_group").agg(
        pl.col("id_number").filter(pl.col("id_kind") == "RIC").unique().drop_nulls().alias("valid_ids")
    )
    accepted = scored.filter(pl.col("match_probability") >= threshold)
    constraints = decision_constraints(decisions, matched)
    assignment, refused = cluster_groups(groups, accepted, constraints.must_link, constraints.cannot_link)
    clusters = matched.select("record_uid", "det_group").join(assignment, on="det_group")
    representative = record_profile.group_by("unique_id").agg(pl.col("record_uid").min())
    links = (
        scored.join(representative.rename({"unique_id": "unique_id_l", "record_uid": "record_uid_l"}), on="unique_id_l")
        .join(representative.rename({"unique_id": "unique_id_r", "record_uid": "record_uid_r"}), on="unique_id_r")
        .with_columns((pl.col("match_probability") >= threshold).alias("accepted"))
    )
    return LinkResult(clusters, links, refused, constraints.conflicts)
