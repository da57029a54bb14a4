"""Score `person_xref` against a generated truth: pairwise and B-cubed P/R/F1, per-source recall."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Scores:
    """Accuracy of a resolution against the truth."""

    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    coverage: float  # share of truth records present in person_xref
    source_recall: dict[str, float]


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: pl.Expr) -> pl.Expr:
    return n * (n - 1) / 2


def score(truth: pl.DataFrame, xref: pl.DataFrame) -> Scores:
    """`truth`: source, record_key, true_person_id; `xref`: source, record_key, person_id.

    Truth records missing from `xref` (quarantined) count as unresolved singletons.
    """
    joined = truth.join(xref, on=["source", "record_key"], how="left").with_columns(
        pl.coalesce("person_id", pl.lit("missing:") + pl.col("source") + ":" + pl.col("record_key")).alias("pred")
    )
    resolved_share = joined["person_id"].is_not_null().mean()  # None when there is no truth
    coverage = resolved_share if isinstance(resolved_share, float) else 0.0
    cells = joined.group_by("pred", "true_person_id").agg(pl.len().alias("n"))
    pred_sizes = joined.group_by("pred").len("pred_n")
    true_sizes = joined.group_by("true_person_id").len("true_n")
    tp = cells.select(_pairs(pl.col("n")).sum()).item()
    predicted = pred_sizes.select(_pairs(pl.col("pred_n")).sum()).item()
    actual = true_sizes.select(_pairs(pl.col("true_n")).sum()).item()
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    per_record = (
        joined.join(cells.select("pred", "true_person_id", "n"), on=["pred", "true_person_id"])
        .join(pred_sizes, on="pred")
        .join(true_sizes, on="true_person_id")
    )
    bp = per_record.select((pl.col("n") / pl.col("pred_n")).mean()).item()
    br = per_record.select((pl.col("n") / pl.col("true_n")).mean()).item()
    return Scores(p, r, _f1(p, r), bp, br, _f1(bp, br), coverage, _source_recall(joined))


def _source_recall(joined: pl.DataFrame) -> dict[str, float]:
    """Per source: share of true pairs involving one of its records that were linked."""
    result = {}
    for source in sorted(joined["source"].unique()):
        flagged = joined.with_columns((pl.col("source") == source).alias("mine"))

        def involving(keys: list[str], frame: pl.DataFrame = flagged) -> float:
            sizes = frame.group_by(keys).agg(pl.len().alias("n"), pl.col("mine").sum().alias("m"))
            return float(sizes.select((_pairs(pl.col("n")) - _pairs(pl.col("n") - pl.col("m"))).sum()).item())

        actual = involving(["true_person_id"])
        result[source] = involving(["pred", "true_person_id"]) / actual if actual else 1.0
    return result


def format_scores(s: Scores) -> str:
    """Human-readable report (Chinese labels)."""
    lines = [
        f"成对指标   精确率 {s.pair_precision:.4f}  召回率 {s.pair_recall:.4f}  F1 {s.pair_f1:.4f}",
        f"B-cubed    精确率 {s.bcubed_precision:.4f}  召回率 {s.bcubed_recall:.4f}  F1 {s.bcubed_f1:.4f}",
        f"覆盖率（真值记录出现在 person_xref 中的比例） {s.coverage:.4f}",
        "各来源成对召回率：",
        *[f"  {src:<18} {r:.4f}" for src, r in s.source_recall.items()],
    ]
    return "\n".join(lines)


def error_categories(
    truth: pl.DataFrame, registry: pl.DataFrame, links: pl.DataFrame, refusals: pl.DataFrame
) -> pl.DataFrame:
    """The largest causes of false merges and missed links, by person pair.

    `registry`: record_uid, source, record_key, person_id, det_group. `links`: the scored pairs
    (record_uid_l/r, match_probability, accepted, mw_*). `refusals`: det_group_l/r, reason.
    A false merge is a pair of true persons put into one predicted person; its cause is the
    evidence of the accepted links between them (or a shared deterministic key). A missed link is
    a pair of predicted persons holding one true person; its cause is the best link between them:
    scored below the threshold, refused by a constraint, or never compared (blocking).
    """
    rec = registry.join(truth, on=["source", "record_key"])
    weights = [c for c in links.columns if c.startswith("mw_") and not c.startswith("mw_tf_adj")]
    side = rec.select("record_uid", "person_id", "true_person_id", "det_group")
    scored = links.join(side.rename(lambda c: f"{c}_l"), on="record_uid_l").join(
        side.rename(lambda c: f"{c}_r"), on="record_uid_r"
    )
    evidence = pl.concat_str(
        [pl.when(pl.col(w) > 1).then(pl.lit(w.removeprefix("mw_"))) for w in weights], separator="+", ignore_nulls=True
    )
    merges_by_link = (
        scored.filter(
            (pl.col("person_id_l") == pl.col("person_id_r"))
            & (pl.col("true_person_id_l") != pl.col("true_person_id_r"))
        )
        .with_columns(("误合并：" + evidence).alias("cause"))
        .group_by("cause")
        .agg(pl.struct("true_person_id_l", "true_person_id_r").n_unique().alias("pairs"))
    )
    merges_by_key = (
        rec.group_by("det_group")
        .agg(pl.col("true_person_id").n_unique().alias("k"))
        .filter(pl.col("k") > 1)
        .select(pl.lit("误合并：共用身份证号/社保编号/护照号").alias("cause"), (pl.col("k") - 1).alias("pairs"))
        .group_by("cause")
        .agg(pl.col("pairs").sum())
    )
    split = (
        rec.group_by("true_person_id")
        .agg(pl.col("person_id").unique().alias("pids"))
        .filter(pl.col("pids").list.len() > 1)
    )
    missed_pairs = split.explode("pids").rename({"pids": "person_id"})
    missed_pairs = missed_pairs.join(missed_pairs, on="true_person_id", suffix="_r").filter(
        pl.col("person_id") < pl.col("person_id_r")
    )
    best = (
        scored.filter(pl.col("true_person_id_l") == pl.col("true_person_id_r"))
        .with_columns(
            pl.min_horizontal("person_id_l", "person_id_r").alias("a"),
            pl.max_horizontal("person_id_l", "person_id_r").alias("b"),
        )
        .group_by("a", "b")
        .agg(pl.col("match_probability").max().alias("p"), pl.col("accepted").any().alias("acc"))
    )
    group_person = rec.select("det_group", "person_id").unique()
    refused = (
        refusals.join(group_person.rename({"det_group": "det_group_l", "person_id": "pl"}), on="det_group_l")
        .join(group_person.rename({"det_group": "det_group_r", "person_id": "pr"}), on="det_group_r")
        .select(pl.min_horizontal("pl", "pr").alias("a"), pl.max_horizontal("pl", "pr").alias("b"), "reason")
        .unique(subset=["a", "b"])
    )
    missed = (
        missed_pairs.rename({"person_id": "a", "person_id_r": "b"})
        .join(best, on=["a", "b"], how="left")
        .join(refused, on=["a", "b"], how="left")
        .with_columns(
            pl.when(pl.col("reason").is_not_null())
            .then("漏链接：被约束拒绝（" + pl.col("reason") + "）")
            .when(pl.col("p").is_null())
            .then(pl.lit("漏链接：未进入比较（分块未覆盖）"))
            .when(pl.col("p") < 0.5)
            .then(pl.lit("漏链接：得分 < 0.5"))
            .otherwise(pl.lit("漏链接：得分低于阈值"))
            .alias("cause")
        )
        .group_by("cause")
        .agg(pl.len().alias("pairs"))
    )
    return pl.concat(
        [merges_by_link, merges_by_key.cast({"pairs": pl.UInt32}), missed.cast({"pairs": pl.UInt32})]
    ).sort("pairs", descending=True)


# The groups of people issue 17 reports on, when a persons file has these columns.
GROUP_COLUMNS = ("residency_group", "is_namesake", "is_twin", "has_renewed_passport")
_TRUE_VALUES = ("true", "1", "yes", "y", "t", "是")
_FALSE_VALUES = ("false", "0", "no", "n", "f", "否", "")


def person_groups(persons: pl.DataFrame, columns: tuple[str, ...] = GROUP_COLUMNS) -> pl.DataFrame:
    """true_person_id, group: the groups of people that a persons file labels.

    `persons` has the person id (`true_person_id` or `person_id`) and label columns; those of
    `columns` it has are read: a column of yes/no values (is_namesake, has_renewed_passport)
    makes one group of the people marked yes, any other one group per value
    (`residency_group=hong_kong`).
    """
    id_column = "true_person_id" if "true_person_id" in persons.columns else "person_id"
    labelled = persons.rename({id_column: "true_person_id"}).cast(pl.Utf8)
    parts = []
    for column in labelled.columns:
        if column == "true_person_id" or column not in columns:
            continue
        values = labelled[column].fill_null("").str.strip_chars().str.to_lowercase()
        if values.is_in(_TRUE_VALUES + _FALSE_VALUES).all():
            group = pl.when(values.is_in(_TRUE_VALUES)).then(pl.lit(column))
        else:
            group = pl.when(values != "").then(pl.lit(f"{column}=") + values)
        parts.append(labelled.select("true_person_id", group.alias("group")).drop_nulls())
    schema = {"true_person_id": pl.Utf8, "group": pl.Utf8}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def group_errors(truth: pl.DataFrame, xref: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Per group of people (see `person_groups`), the share split and the share falsely merged.

    A person is split when their records are in more than one resolved person (a record missing
    from `xref` counts as a person of its own); falsely merged when a resolved person holding their
    records also holds another true person's. Returns group, persons, split, split_share,
    merged, merged_share, sorted by group; the row `全部` covers everyone in the truth.
    """
    joined = truth.join(xref, on=["source", "record_key"], how="left").with_columns(
        pl.coalesce("person_id", pl.lit("missing:") + pl.col("source") + ":" + pl.col("record_key")).alias("pred")
    )
    mixed = joined.group_by("pred").agg(pl.col("true_person_id").n_unique().alias("true_n"))
    per_person = (
        joined.join(mixed, on="pred")
        .group_by("true_person_id")
        .agg(
            (pl.col("pred").n_unique() > 1).alias("split"),
            (pl.col("true_n").max() > 1).alias("merged"),
        )
    )
    everyone = per_person.select("true_person_id", pl.lit("全部").alias("group"))
    labelled = pl.concat(
        [everyone, person_groups(persons).join(per_person.select("true_person_id"), on="true_person_id")]
    )
    return (
        labelled.join(per_person, on="true_person_id")
        .group_by("group")
        .agg(
            pl.len().alias("persons"),
            pl.col("split").sum().alias("split"),
            pl.col("merged").sum().alias("merged"),
        )
        .with_columns(
            (pl.col("split") / pl.col("persons")).alias("split_share"),
            (pl.col("merged") / pl.col("persons")).alias("merged_share"),
        )
        .select("group", "persons", "split", "split_share", "merged", "merged_share")
        .sort(pl.col("group") != "全部", "group")
    )


def format_group_errors(errors: pl.DataFrame) -> str:
    """Human-readable table of `group_errors` (Chinese labels)."""
    lines = [f"{'人群':<32} {'人数':>8} {'被拆分':>8} {'拆分比例':>8} {'被误合并':>8} {'误合并比例':>10}"]
    for g, n, split, split_share, merged, merged_share in errors.iter_rows():
        lines.append(f"{g:<34} {n:>8} {split:>10} {split_share:>10.2%} {merged:>10} {merged_share:>12.2%}")
    return "\n".join(lines)
