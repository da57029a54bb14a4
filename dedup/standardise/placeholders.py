"""Values that mean "unknown" in the source systems."""

from __future__ import annotations

import polars as pl

from dedup.standardise._common import as_utf8

# Compared case-insensitively after NFKC and trimming.
PLACEHOLDERS = frozenset({"无", "不详", "/", "-", "--", "—", "null", "none", "nan", "0", "空", "n/a", "未知", "暂无"})


def null_placeholders(s: pl.Series) -> pl.Series:
    """NFKC-normalise and trim; placeholders meaning "unknown" and blank values become null."""
    cleaned = as_utf8(s).str.normalize("NFKC").str.strip_chars()
    is_placeholder = cleaned.str.to_lowercase().is_in(list(PLACEHOLDERS)) | (cleaned == "")
    return pl.select(pl.when(is_placeholder).then(None).otherwise(cleaned).alias(s.name)).to_series()
