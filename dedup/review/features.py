"""What the run knows about the two sides of a review candidate, as numbers a calibrated model weighs.

Per candidate (two sides, each a set of records):
- the strongest scored link across the sides: its Splink match weight (after term-frequency
  adjustment, so a common name counts for less), how many links cross, whether a constraint
  refused one;
- identifying keys (valid citizen ID, passport, Hong Kong/Macao and Taiwan permits, social
  insurance number): how many both sides hold without sharing a value; two valid citizen IDs one
  typo apart;
- contacts (mobile, e-mail, degree certificate): how many the sides share, and how many both hold
  but differently;
- name, birth date and sex: shared, or held by both and different; how similar the closest names
  are (Jaro-Winkler of the pinyin); how many persons hold the shared name.
"""

from __future__ import annotations

import duckdb
import polars as pl

# Keys: a shared value puts records into one deterministic group, so across two sides they mostly
# disagree or are missing. A passport and a travel permit are different documents, never a conflict.
DOCUMENTS = {"PASSPORT": "passport", "HKMO": "hkmo_permit", "TW": "tw_permit"}
KEYS = ("citizen_id", *DOCUMENTS.values(), "si_number")
CONTACTS = ("mobile", "email", "degree_cert_no")
DESCRIPTORS = ("name_pinyin", "dob_day", "sex")

FEATURE_NAMES = (
    "link_weight",
    "no_link",
    "log_links",
    "refused",
    "keys_disagree",
    "two_citizen_ids",
    "citizen_ids_one_typo_apart",
    "contacts_agree",
    "contacts_disagree",
    "same_name",
    "name_similarity",
    "log_namesakes",
    "same_birth_date",
    "birth_date_differs",
    "sex_differs",
)
# Match weights are clipped to this range and divided by 10: beyond it the evidence is decisive.
WEIGHT_RANGE = (-20.0, 30.0)

# The columns of `records` the review step reads.
MEMBER_COLUMNS = (
    "record_uid",
    "source",
    "name",
    "name_pinyin",
    "sex",
    "birth_date",
    "birth_precision",
    "id_number",
    "id_kind",
    "id_birth_date",
    "id_sex",
    "passport_no",
    "si_person_no",
    "mobile",
    "email",
    "degree_cert_no",
)


def review_members(records: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """One row per record: its person and group, and the fields the features compare.

    `records`: at least `MEMBER_COLUMNS`; `persons`: record_uid, person_id, det_group.
    """
    valid_id = pl.col("id_kind") == "RIC"
    return records.join(persons, on="record_uid").select(
        "record_uid",
        "person_id",
        "det_group",
        "name",
        pl.when(valid_id).then(pl.col("id_number")).alias("citizen_id"),
        *[pl.when(pl.col("id_kind") == kind).then(pl.col("passport_no")).alias(f) for kind, f in DOCUMENTS.items()],
        # Social-insurance numbers are unique only within their source.
        pl.when(pl.col("si_person_no").is_not_null())
        .then(pl.col("source") + "|" + pl.col("si_person_no"))
        .alias("si_number"),
        "mobile",
        "email",
        "degree_cert_no",
        "name_pinyin",
        pl.when(valid_id)
        .then(pl.col("id_birth_date"))
        .when(pl.col("birth_precision") == "day")
        .then(pl.col("birth_date"))
        .cast(pl.Utf8)
        .alias("dob_day"),
        pl.when(valid_id & pl.col("sex").is_null()).then(pl.col("id_sex")).otherwise(pl.col("sex")).alias("sex"),
    )


def side_features(
    sides: pl.DataFrame, members: pl.DataFrame, linked: pl.DataFrame, refusals: pl.DataFrame
) -> pl.DataFrame:
    """candidate, the `FEATURE_NAMES`, and the raw facts behind them, for every candidate of `sides`.

    `sides`: candidate, side, record_uid; `linked`: scored links with persons (see
    `candidates.person_links`); `refusals`: det_group_l, det_group_r, match_probability, reason.
    Raw facts: best_link_weight, best_link_probability, refused_reason, namesakes, and
    agree_<field> / disagree_<field> for every compared field.
    """
    sides = sides.select("candidate", "side", "record_uid")
    frame = (
        sides.select("candidate")
        .unique()
        .join(_links_across(sides, linked), on="candidate", how="left")
        .join(_refused_across(sides, members, refusals), on="candidate", how="left")
        .join(_field_agreement(sides, members), on="candidate", how="left")
        .join(_typo_ids(sides, members), on="candidate", how="left")
        .join(_namesakes(sides, members), on="candidate", how="left")
        .join(_name_similarity(sides, members), on="candidate", how="left")
    )
    fields = [f"{k}_{f}" for k in ("agree", "disagree") for f in (*KEYS, *CONTACTS, *DESCRIPTORS)]
    frame = frame.with_columns(pl.col(c).fill_null(False) for c in [*fields, "refused", "one_typo"])
    lo, hi = WEIGHT_RANGE
    return frame.select(
        "candidate",
        (pl.col("best_link_weight").clip(lo, hi).fill_null(0.0) / 10).alias("link_weight"),
        pl.col("best_link_weight").is_null().cast(pl.Float64).alias("no_link"),
        pl.col("links").fill_null(0).cast(pl.Float64).log1p().alias("log_links"),
        pl.col("refused").cast(pl.Float64),
        _count("disagree", KEYS).alias("keys_disagree"),
        pl.col("disagree_citizen_id").cast(pl.Float64).alias("two_citizen_ids"),
        pl.col("one_typo").cast(pl.Float64).alias("citizen_ids_one_typo_apart"),
        _count("agree", CONTACTS).alias("contacts_agree"),
        _count("disagree", CONTACTS).alias("contacts_disagree"),
        pl.col("agree_name_pinyin").cast(pl.Float64).alias("same_name"),
        pl.col("name_similarity").fill_null(0.0),
        pl.col("namesakes").fill_null(1).cast(pl.Float64).log().alias("log_namesakes"),
        pl.col("agree_dob_day").cast(pl.Float64).alias("same_birth_date"),
        pl.col("disagree_dob_day").cast(pl.Float64).alias("birth_date_differs"),
        pl.col("disagree_sex").cast(pl.Float64).alias("sex_differs"),
        "best_link_weight",
        "best_link_probability",
        "refused_reason",
        "namesakes",
        *fields,
    )


def _count(kind: str, fields: tuple[str, ...]) -> pl.Expr:
    """How many of `fields` have their `<kind>_<field>` flag set."""
    return pl.sum_horizontal(pl.col(f"{kind}_{f}").cast(pl.Float64) for f in fields)


def _opposite(sides: pl.DataFrame, pairs: pl.DataFrame, key: str) -> pl.DataFrame:
    """Rows of `pairs` (`<key>_l`, `<key>_r`) whose two ends lie on opposite sides of one candidate.

    `sides`: candidate, side, `key`.
    """
    left = sides.rename({key: f"{key}_l", "side": "side_l"})
    right = sides.rename({key: f"{key}_r", "side": "side_r"})
    return (
        pairs.join(left, on=f"{key}_l")
        .join(right, on=["candidate", f"{key}_r"])
        .filter(pl.col("side_l") != pl.col("side_r"))
    )


def _links_across(sides: pl.DataFrame, linked: pl.DataFrame) -> pl.DataFrame:
    crossing = _opposite(
        sides, linked.select("record_uid_l", "record_uid_r", "match_weight", "match_probability"), "record_uid"
    )
    return crossing.group_by("candidate").agg(
        pl.col("match_weight").max().alias("best_link_weight"),
        pl.col("match_probability").max().alias("best_link_probability"),
        pl.len().alias("links"),
    )


def _refused_across(sides: pl.DataFrame, members: pl.DataFrame, refusals: pl.DataFrame) -> pl.DataFrame:
    groups = (
        sides.join(members.select("record_uid", "det_group"), on="record_uid")
        .select("candidate", "side", "det_group")
        .unique()
    )
    crossing = _opposite(groups, refusals, "det_group")
    return crossing.group_by("candidate").agg(
        pl.lit(True).alias("refused"),
        pl.col("reason").sort_by("match_probability", descending=True).first().alias("refused_reason"),
    )


def _field_agreement(sides: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """agree_<field>: the sides share a value; disagree_<field>: both hold values and share none."""
    fields = [*KEYS, *CONTACTS, *DESCRIPTORS]
    values = (
        sides.join(members.select("record_uid", *fields), on="record_uid")
        .unpivot(index=["candidate", "side"], on=fields, variable_name="field", value_name="value")
        .drop_nulls("value")
        .unique()
    )
    shared = (
        values.filter(pl.col("side") == 0)
        .join(values.filter(pl.col("side") == 1), on=["candidate", "field", "value"])
        .select("candidate", "field")
        .unique()
        .with_columns(pl.lit(True).alias("agree"))
    )
    status = (
        values.group_by("candidate", "field")
        .agg((pl.col("side").n_unique() == 2).alias("both"))
        .join(shared, on=["candidate", "field"], how="left")
        .select(
            "candidate",
            "field",
            pl.col("agree").fill_null(False),
            (pl.col("both") & pl.col("agree").is_null()).alias("disagree"),
        )
    )
    columns = {f"{k}_{f}": pl.Boolean for k in ("agree", "disagree") for f in fields}
    if status.is_empty():
        return pl.DataFrame(schema={"candidate": pl.Utf8, **columns})
    wide = status.pivot(on="field", index="candidate", values=["agree", "disagree"])
    return wide.with_columns(pl.lit(None, pl.Boolean).alias(c) for c in columns if c not in wide.columns)


def _typo_ids(sides: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """one_typo: the sides hold valid citizen IDs whose 17 body digits differ in one digit or one adjacent swap."""
    ids = (
        sides.join(members.select("record_uid", "citizen_id"), on="record_uid")
        .drop_nulls("citizen_id")
        .select("candidate", "side", "citizen_id")
        .unique()
    )
    pairs = ids.filter(pl.col("side") == 0).join(ids.filter(pl.col("side") == 1), on="candidate", suffix="_r")
    digit = [(pl.col("citizen_id").str.slice(i, 1), pl.col("citizen_id_r").str.slice(i, 1)) for i in range(17)]
    differs = [a != b for a, b in digit]
    swapped = [
        differs[i] & differs[i + 1] & (digit[i][0] == digit[i + 1][1]) & (digit[i + 1][0] == digit[i][1])
        for i in range(16)
    ]
    hamming = pl.sum_horizontal(d.cast(pl.Int32) for d in differs)
    close = (hamming == 1) | ((hamming == 2) & pl.any_horizontal(swapped))
    return pairs.filter(close).select("candidate").unique().with_columns(pl.lit(True).alias("one_typo"))


def _names(sides: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    return (
        sides.join(members.select("record_uid", "name_pinyin"), on="record_uid")
        .drop_nulls("name_pinyin")
        .select("candidate", "side", "name_pinyin")
        .unique()
    )


def _namesakes(sides: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """namesakes: how many persons hold the rarest name pinyin the two sides share."""
    holders = members.drop_nulls("name_pinyin").group_by("name_pinyin").agg(pl.col("person_id").n_unique().alias("n"))
    names = _names(sides, members)
    shared = names.filter(pl.col("side") == 0).join(names.filter(pl.col("side") == 1), on=["candidate", "name_pinyin"])
    return shared.join(holders, on="name_pinyin").group_by("candidate").agg(pl.col("n").min().alias("namesakes"))


def _name_similarity(sides: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """name_similarity: the highest Jaro-Winkler similarity between the two sides' name pinyin."""
    names = _names(sides, members)
    with duckdb.connect() as con:
        con.register("names", names.to_arrow())
        similarity: pl.DataFrame = con.sql(
            """
            SELECT l.candidate, max(jaro_winkler_similarity(l.name_pinyin, r.name_pinyin)) AS name_similarity
            FROM names l JOIN names r ON l.candidate = r.candidate AND l.side = 0 AND r.side = 1
            GROUP BY l.candidate
            """
        ).pl()
    return similarity
