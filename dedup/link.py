"""Link canonical records into persons: deterministic groups, Splink scores, constrained clusters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dedup import model
from dedup.cluster import cluster_groups
from dedup.constraints import decision_constraints
from dedup.corroboration import (
    CORROBORATION_BITS,
    corroborating_values,
    corroboration_bits,
    employer_bits,
    undecided_links,
)
from dedup.engine import Engine
from dedup.groups import (
    LIST_COLUMNS,
    PROFILE_COLUMNS,
    VALID_ID_KINDS,
    deterministic_links,
    profiles,
    typo_id_keys,
    with_matching_fields,
)

# Chosen from measured precision/recall on generated truth (see README "Linkage thresholds").
MATCH_THRESHOLD = 0.9
# Why a link between look-alikes of two people who cannot be one was left to a steward.
NAMESAKE_REASON = "与同名同出生日期的多名人员相似：与另一人员在手机、邮箱、院校、单位、区县等信息上更一致，或无法区分"
# Pairs kept as evidence even far below the match threshold: the review queue weighs them (a true
# match whose birth date or name was mistyped often scores 0.01–0.2).
EVIDENCE_THRESHOLD = 0.001
# The columns of `records` that linkage reads (the raw values and lineage stay in the warehouse).
LINK_COLUMNS = (
    "record_uid",
    "source",
    "name",
    "name_is_latin",
    "surname",
    "given_name",
    "latin_name_key",
    "surname_pinyin",
    "given_pinyin",
    "given_wade_giles",
    "name_pinyin",
    "surname_pinyin_candidates",
    "sex",
    "birth_date",
    "birth_precision",
    "id_type_raw",
    "id_number",
    "id_kind",
    "id_birth_date",
    "id_sex",
    "id_address_code",
    "id_shape",
    "passport_no",
    "si_person_no",
    "mobile",
    "email",
    "degree_cert_no",
    "institution_id",
    "study_country",
    "employer_uscc",
    "employer_name_raw",
    "district_raw",
)


@dataclass
class LinkResult:
    """Everything the linkage stage produced."""

    clusters: pl.DataFrame  # record_uid, det_group, cluster
    links: pl.DataFrame  # scored profile pairs with per-comparison weights, mapped to records
    refused: pl.DataFrame  # links refused by a constraint, with the reason
    decision_conflicts: pl.DataFrame  # steward decisions the current data contradicts
    profile_counts: pl.DataFrame  # profile_hash, group_hash, n: what the next run's score cache needs
    deterministic: pl.DataFrame  # record_uid_l, record_uid_r, evidence: why records share a group


@dataclass(frozen=True)
class ScoreCache:
    """The last run's scored profile pairs, and how many groups of each composition held each profile."""

    links: pl.DataFrame  # profile_hash_l, profile_hash_r, match_probability, match_weight, mw_*
    profiles: pl.DataFrame  # profile_hash, group_hash, n


def _hashed(profile_rows: pl.DataFrame, salt: str) -> pl.DataFrame:
    """Content hash of each profile's compared values, salted with the model version."""
    values = [pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in PROFILE_COLUMNS if c not in LIST_COLUMNS]
    lists = [pl.col(c).list.join(",").fill_null("\x00") for c in LIST_COLUMNS]
    return profile_rows.with_columns(
        pl.concat_str([pl.lit(salt), *values, *lists], separator="\x1f").hash(seed=17).alias("profile_hash")
    )


def _with_group_hash(profile_rows: pl.DataFrame) -> pl.DataFrame:
    """Add `group_hash`: which profiles share the row's deterministic group (its sorted profile hashes)."""
    groups = profile_rows.group_by("det_group").agg(
        pl.col("profile_hash").sort().cast(pl.Utf8).str.join(",").hash(seed=19).alias("group_hash")
    )
    return profile_rows.join(groups, on="det_group", how="left", maintain_order="left")


def _profile_counts(keyed: pl.DataFrame) -> pl.DataFrame:
    """How many groups hold each (profile, group composition): the key of the next run's score cache."""
    return keyed.group_by("profile_hash", "group_hash").len("n")


def _score(profile_rows: pl.DataFrame, cache: ScoreCache | None, model_path: Path, engine: Engine) -> pl.DataFrame:
    """Scores of all blocked profile pairs across groups: cached where both sides are unchanged, else Splink.

    `profile_rows` carry `profile_hash` and `group_hash` (see `_with_group_hash`).

    A profile is new when it was not scored last time in a group of the same composition, or
    now occurs in more such groups than then (a new group holding identical values needs its
    pairs scored). A changed group makes its profiles new because pairs inside a group are not
    scored: two profiles that a withdrawn record held together must now be compared.
    """
    if cache is None:
        is_new = pl.Series("is_new", [True] * profile_rows.height)
        cached = None
    else:
        stale = (
            _profile_counts(profile_rows)
            .join(cache.profiles, on=["profile_hash", "group_hash"], how="left", suffix="_before")
            .filter(pl.col("n_before").is_null() | (pl.col("n") > pl.col("n_before")))
        )
        is_new = profile_rows.join(
            stale.select("profile_hash", "group_hash", pl.lit(True).alias("is_new")),
            on=["profile_hash", "group_hash"],
            how="left",
            maintain_order="left",
        )["is_new"].fill_null(False)
        old = profile_rows.filter(~is_new).select("profile_hash", "unique_id", "det_group")
        cached = (
            cache.links.unique(subset=["profile_hash_l", "profile_hash_r"])
            .join(old.rename(lambda c: f"{c}_l"), on="profile_hash_l")
            .join(old.rename(lambda c: f"{c}_r"), on="profile_hash_r")
            .filter((pl.col("unique_id_l") != pl.col("unique_id_r")) & (pl.col("det_group_l") != pl.col("det_group_r")))
        )
    scored = None
    if is_new.any():
        compared = profile_rows.drop("profile_hash", "group_hash")
        scored = model.predict(engine, compared, is_new, EVIDENCE_THRESHOLD, model_path)
    parts = [p for p in (cached, scored) if p is not None and p.height]
    if not parts:
        return pl.DataFrame(
            schema={
                "unique_id_l": pl.Int64,
                "unique_id_r": pl.Int64,
                "det_group_l": pl.Int64,
                "det_group_r": pl.Int64,
                "match_probability": pl.Float64,
                "match_weight": pl.Float64,
                "profile_hash_l": pl.UInt64,
                "profile_hash_r": pl.UInt64,
            }
        )
    hashes = profile_rows.select("unique_id", "profile_hash")
    return (
        pl.concat([p.drop("profile_hash_l", "profile_hash_r", strict=False) for p in parts], how="diagonal_relaxed")
        .with_columns(
            pl.min_horizontal("unique_id_l", "unique_id_r").alias("_a"),
            pl.max_horizontal("unique_id_l", "unique_id_r").alias("_b"),
        )
        .unique(subset=["_a", "_b"], keep="first")
        .drop("_a", "_b")
        .join(hashes.rename({"unique_id": "unique_id_l", "profile_hash": "profile_hash_l"}), on="unique_id_l")
        .join(hashes.rename({"unique_id": "unique_id_r", "profile_hash": "profile_hash_r"}), on="unique_id_r")
        .sort("unique_id_l", "unique_id_r")
    )


def valid_id_keys(matched: pl.DataFrame, typo_keys: pl.DataFrame) -> pl.DataFrame:
    """det_group, valid_ids: each group's valid identity numbers as `<kind>:<typo key>` (a citizen
    ID and a residence permit are different documents; see `dedup.cluster`)."""
    key = pl.col("id_kind") + ":" + pl.coalesce("id_key", "id_number")
    return (
        matched.join(typo_keys, on="id_number", how="left")
        .group_by("det_group")
        .agg(key.filter(pl.col("id_kind").is_in(VALID_ID_KINDS)).unique().drop_nulls().alias("valid_ids"))
    )


def link_records(
    records: pl.DataFrame,
    decisions: pl.DataFrame,
    engine: Engine,
    cache: ScoreCache | None = None,
    threshold: float = MATCH_THRESHOLD,
    model_path: Path = model.MODEL_PATH,
) -> LinkResult:
    """Resolve records (at least the `LINK_COLUMNS`) to clusters of the same person, honouring steward decisions.

    Splink blocks and scores on `engine` (DuckDB in a connection of the caller's, or Spark); the
    rest happens here. With a `cache` from the last run, only pairs involving new or changed
    profiles are scored.
    """
    matched = with_matching_fields(records)
    profile_rows, record_profile = profiles(matched)
    profile_rows = _with_group_hash(_hashed(profile_rows, model.model_version(model_path)))
    scored = _score(profile_rows, cache, model_path, engine)
    values = corroborating_values(matched)
    # A shared employer, which the model does not compare, adds its rarity to the match weight:
    # a platform record with a month-only birth date and a passport name meets the employee.
    scored = scored.with_columns(employer_bits(scored, values))
    adjusted = 1 / (1 + (2.0 ** -(pl.col("match_weight") + pl.col("employer_bits"))))
    accepted = corroboration_bits(scored.filter(adjusted >= threshold), values)
    # Two valid IDs one digit apart are one person's only when the records agree on something
    # personal too: namesakes born the same day in the same county have such IDs.
    corroborated = pl.col("personal_bits") >= CORROBORATION_BITS
    groups = valid_id_keys(matched, typo_id_keys(matched, accepted.filter(corroborated)))
    # A group resembling two people who cannot be one (namesakes) goes with the one its records
    # agree with beyond name and birth date; undecidable links wait for a steward.
    undecided = undecided_links(accepted, groups)
    constraints = decision_constraints(decisions, matched)
    assignment, refused = cluster_groups(
        groups,
        accepted.join(undecided, on=["unique_id_l", "unique_id_r"], how="anti"),
        constraints.must_link,
        constraints.cannot_link,
    )
    namesakes = (
        undecided.group_by("det_group_l", "det_group_r")
        .agg(pl.col("match_probability").max())
        .select("det_group_l", "det_group_r", "match_probability", pl.lit(NAMESAKE_REASON).alias("reason"))
    )
    refused = pl.concat([refused, namesakes.sort("det_group_l", "det_group_r")])
    clusters = matched.select("record_uid", "det_group").join(assignment, on="det_group")
    representative = record_profile.group_by("unique_id").agg(pl.col("record_uid").min())
    links = (
        scored.join(representative.rename({"unique_id": "unique_id_l", "record_uid": "record_uid_l"}), on="unique_id_l")
        .join(representative.rename({"unique_id": "unique_id_r", "record_uid": "record_uid_r"}), on="unique_id_r")
        .with_columns((adjusted >= threshold).alias("accepted"))
    )
    return LinkResult(
        clusters, links, refused, constraints.conflicts, _profile_counts(profile_rows), deterministic_links(matched)
    )
