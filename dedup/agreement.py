"""How far the model agrees with stewards' decisions, overall and per comparison.

A decided pair agrees when the model's probability is on the decision's side of the match
threshold. A comparison speaks against a decision when its weight (with its name-frequency
adjustment) points the other way: positive for two records a steward called different people,
negative for two a steward called one.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

COMPARISON_SCHEMA = {
    "comparison": pl.Utf8,
    "weighed": pl.UInt32,
    "against": pl.UInt32,
    "against_when_wrong": pl.UInt32,
    "mean_against": pl.Float64,
}


@dataclass(frozen=True)
class Agreement:
    """Decided pairs, how many the model agrees with, and per comparison where it spoke against them.

    `by_comparison`: comparison; weighed (decided pairs where it had a value on both sides);
    against (of those, pairs where its weight pointed against the decision); against_when_wrong
    (the same among pairs the model got wrong); mean_against (their mean weight).
    """

    pairs: int
    agreeing: int
    by_comparison: pl.DataFrame

    @property
    def share(self) -> float:
        """Share of decided pairs the model agrees with."""
        return self.agreeing / self.pairs if self.pairs else 1.0


def agreement(scored: pl.DataFrame, threshold: float) -> Agreement:
    """`scored`: one row per decided pair with `same` (the decision), `match_probability` (null when the
    model never scored it: counted as below the threshold) and `mw_<comparison>` / `mw_tf_adj_<comparison>`.
    """
    agrees = (pl.col("match_probability").fill_null(0.0) >= threshold) == pl.col("same")
    judged = scored.with_columns(agrees.alias("agrees"))
    names = [c.removeprefix("mw_") for c in scored.columns if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    rows = []
    for name in names:
        adjustment = pl.col(f"mw_tf_adj_{name}") if f"mw_tf_adj_{name}" in scored.columns else pl.lit(0.0)
        weight = pl.col(f"mw_{name}") + adjustment.fill_null(0.0)
        against = pl.when(pl.col("same")).then(weight < 0).otherwise(weight > 0)
        weighed = judged.filter(pl.col(f"mw_{name}").is_not_null() & (weight != 0)).with_columns(
            against.alias("against"), weight.alias("weight")
        )
        spoke = weighed.filter("against")
        rows.append(
            (
                name,
                weighed.height,
                spoke.height,
                spoke.filter(~pl.col("agrees")).height,
                spoke["weight"].mean() if spoke.height else None,
            )
        )
    by_comparison = pl.DataFrame(rows, schema=COMPARISON_SCHEMA, orient="row").sort(
        ["against_when_wrong", "against"], descending=True
    )
    return Agreement(scored.height, int(judged["agrees"].sum()), by_comparison)
