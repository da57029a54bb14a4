"""Values that mean "unknown" in the source systems."""

from __future__ import annotations

import polars as pl

from dedup.standardise._common import as_utf8

# Compared case-insensitively after NFKC and trimming.
PLACEHOLDERS = frozenset({"无", "不详", "/", "-", "--", "—", "null", "none", "nan", "0", "空", "n/a", "未知", "暂无"})


def null_placeholders(s: pl.Series) -> pl.Series:
    """NFKC-normalise and trim; placeholders meaning "unknown" and blank values become null.

    Computed once per distinct value (codes, dates and enums repeat a lot) and joined back.
    """
    frame = pl.DataFrame({"value": as_utf8(s)})
    cleaned = pl.col("value").str.normalize("NFKC").str.strip_chars()
    distinct = frame.unique("value").with_columns(
        pl.when(cleaned.str.to_lowercase().is_in(list(PLACEHOLDERS)) | (cleaned == ""))
        .then(None)
        .otherwise(cleaned)
        .alias("cleaned")
    )
    joined = frame.join(distinct, on="value", how="left", nulls_equal=True, maintain_order="left")
    return joined["cleaned"].alias(s.name)
