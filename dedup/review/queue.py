"""The review step of the nightly run: candidates, their features, the calibrated estimate, the reasons."""

from __future__ import annotations

import polars as pl

from dedup.review.budget import MIN_ESTIMATE, budget_items
from dedup.review.calibration import ReviewModel
from dedup.review.candidates import candidate_sides, merged_halves, pair_candidates, person_links
from dedup.review.features import FEATURE_NAMES, review_members, side_features
from dedup.review.reasons import evidence_text, reason_codes

QUEUE_COLUMNS = (
    "candidate",
    "kind",
    "person_ids",
    "estimate",
    "rank",
    "reasons",
    "evidence",
    "records",
    "split_record_uids",
    "best_link_probability",
    "calibration_version",
    *FEATURE_NAMES,
)


def candidate_features(
    records: pl.DataFrame, persons: pl.DataFrame, links: pl.DataFrame, refusals: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(sides, features) of every review candidate.

    `records`: at least `features.MEMBER_COLUMNS`; `persons`: record_uid, person_id, det_group;
    `links`: record_uid_l/r, det_group_l/r, match_weight, match_probability, accepted;
    `refusals`: det_group_l/r, match_probability, reason. `sides` is candidate, kind, person_id,
    side, record_uid; `features` is one row per candidate (see `features.side_features`) with `kind`.
    """
    members = review_members(records, persons)
    linked = person_links(links, members)
    pairs = pair_candidates(linked, refusals, members)
    sides = candidate_sides(pairs, merged_halves(linked), members)
    kinds = sides.select("candidate", "kind").unique()
    features = side_features(sides, members, linked, refusals).join(kinds, on="candidate")
    return sides, features


def wrong_chance(features: pl.DataFrame, model: ReviewModel) -> pl.Series:
    """The chance that tonight's resolution of each candidate is wrong.

    A pair left apart is wrong when its sides are one person; a person joined is wrong when its
    halves are not.
    """
    same = model.same_person(features)
    return features.select(
        pl.when(pl.col("kind") == "pair").then(same).otherwise(1 - same).alias("estimate")
    ).to_series()


def review_candidates(
    records: pl.DataFrame,
    persons: pl.DataFrame,
    links: pl.DataFrame,
    refusals: pl.DataFrame,
    model: ReviewModel,
) -> pl.DataFrame:
    """The ranked review candidates (`QUEUE_COLUMNS`), most likely wrong first (inputs as `candidate_features`)."""
    sides, features = candidate_features(records, persons, links, refusals)
    per_candidate = sides.group_by("candidate").agg(
        pl.col("person_id").unique().sort().alias("person_ids"),
        pl.len().alias("records"),
        pl.col("record_uid").filter(pl.col("side") == 1).sort().alias("split_record_uids"),
    )
    return (
        features.with_columns(
            wrong_chance(features, model),
            reason_codes(features),
            evidence_text(features),
            pl.lit(model.version).alias("calibration_version"),
        )
        .join(per_candidate, on="candidate")
        .with_columns(pl.when(pl.col("kind") == "person").then(pl.col("split_record_uids")).alias("split_record_uids"))
        .sort(["estimate", "candidate"], descending=[True, False])
        .with_row_index("rank", offset=1)
        .select(QUEUE_COLUMNS)
    )


def above_cut(estimates: pl.Series, persons: int, per_thousand: float, min_estimate: float = MIN_ESTIMATE) -> pl.Series:
    """Which items (`estimates` in rank order) the queue holds: the first within the budget that are
    at least `min_estimate` likely wrong. The rest stay reachable below the cut.
    """
    ranked = pl.int_range(0, estimates.len(), eager=True)
    return (ranked < budget_items(persons, per_thousand)) & (estimates >= min_estimate)
