"""Values that mean "unknown" in the source systems."""

from __future__ import annotations

import polars as pl

from dedup.standardise._common import as_utf8

# Compared case-insensitively after NFKC and trimming.
PLACEHOLDERS = frozenset({"无", "不详", "/", "-", "--", "—", "null", "none", "nan", "0", "空", "n/a", "未知", "暂无"})


def null_placeholders(s: pl.Series) -> pl.Series:
    """NFKC-normalise and trim; placeholders meaning "unknown" and blank values become null.

    A column that repeats its values (codes, dates, enums) is cleaned once per distinct value and
    joined back; a column of mostly distinct values (names, IDs) is cleaned row by row.
    """
    text = as_utf8(s)
    cleaned = pl.col("value").str.normalize("NFKC").str.strip_chars()
    unknown = cleaned.str.to_lowercase().is_in(list(PLACEHOLDERS)) | (cleaned == "")
    judged = pl.when(unknown).then(None).otherwise(cleaned).alias("cleaned")
    frame = pl.DataFrame({"value": text})
    if 2 * text.n_unique() > text.len():
        return frame.select(judged)["cleaned"].alias(s.name)
    distinct = frame.unique("value").with_columns(judged)
    joined = frame.join(distinct, on="value", how="left", nulls_equal=True, maintain_order="left")
    return joined["cleaned"].alias(s.name)
