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
    coverage = joined["person_id"].is_not_null().mean() or 0.0
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
    return Scores(p, r, _f1(p, r), bp, br, _f1(bp, br), float(coverage), _source_recall(joined))


def _source_recall(joined: pl.DataFrame) -> dict[str, float]:
    """Per source: share of true pairs involving one of its records that were linked."""
    result = {}
    for source in sorted(joined["source"].unique()):
        flagged = joined.with_columns((pl.col("source") == source).alias("mine"))

        def involving(keys: list[str], frame: pl.DataFrame = flagged) -> float:
            sizes = frame.group_by(keys).agg(pl.len().alias("n"), pl.col("mine").sum().alias("m"))
            return sizes.select((_pairs(pl.col("n")) - _pairs(pl.col("n") - pl.col("m"))).sum()).item()

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
