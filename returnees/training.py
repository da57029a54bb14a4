"""Train the Splink model on a landing area and save it as JSON (run once, not nightly).

With steward decisions, the decided pairs are labels: the pairs decided to be one person add
an m estimate (see `dedup.model.train`), and the new model is scored on every decided pair to
report how far it agrees with the stewards.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dedup import model
from dedup.agreement import Agreement, agreement
from dedup.constraints import labelled_pairs, labelled_unit_pairs
from dedup.groups import profiles, with_matching_fields
from dedup.link import MATCH_THRESHOLD
from dedup.records import raw_records, standardise_records
from sources.contract import load_contract
from sources.ingest import load_source
from warehouse.store.db import DuckDBSettings, connect


def train_model(
    landing: Path,
    out: Path = model.MODEL_PATH,
    settings: DuckDBSettings | None = None,
    decisions: pl.DataFrame | None = None,
) -> Agreement | None:
    """Ingest and standardise `landing` in memory, train (learning from `decisions`, the active steward
    decisions, if given) and write the model JSON to `out`.

    Returns the new model's agreement with the decisions about records of this landing area, or
    None without decisions.
    """
    bronze = {}
    for spec in load_contract().values():
        bronze.update(load_source(landing, spec).bronze)
    records = with_matching_fields(standardise_records(raw_records(bronze)))
    profile_rows, record_profile = profiles(records)
    labels = None if decisions is None else profile_labels(labelled_pairs(decisions), record_profile)
    with connect(":memory:", settings) as con:
        model.train(con, profile_rows, out, matches=None if labels is None else labels.filter("same"))
    if labels is None:
        return None
    if labels.is_empty():
        return agreement(labels.with_columns(pl.lit(None, pl.Float64).alias("match_probability")), MATCH_THRESHOLD)
    with connect(":memory:", settings) as con:
        scored = model.score_labelled_pairs(con, profile_rows, labels, out)
    return agreement(scored, MATCH_THRESHOLD)


def profile_labels(pairs: pl.DataFrame, record_profile: pl.DataFrame) -> pl.DataFrame:
    """Labelled record pairs (record_uid_l/r, same, decision_id) as profile pairs: unique_id_l < unique_id_r,
    same. Records of one profile carry no information; when decisions disagree about a profile pair,
    the latest counts.
    """
    return labelled_unit_pairs(pairs, record_profile, "unique_id").drop("decision_id")
