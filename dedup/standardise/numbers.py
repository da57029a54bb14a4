"""Numbers in int and decimal columns: only plain numerals count; text (面议, 35周岁, 8千) is unknown."""

from __future__ import annotations

import polars as pl

from dedup.standardise.placeholders import null_placeholders

_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"  # 12,000 or 12,000.50
_DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_WHOLE = r"^[+-]?\d+(\.0*)?$"  # 35 or 35.0 (a whole number an Excel export wrote as a float)


def parse_numbers(s: pl.Series, whole: bool = False) -> pl.Series:
    """The number each value states: Float64, or Int64 with `whole` (then 3.5 is not a value).

    Full-width digits, surrounding spaces and thousands separators are accepted; placeholders,
    units and words (面议, 35周岁, 8千, 8k, 5000-8000) give null: such a value is unknown.
    """
    text = null_placeholders(s)
    plain = pl.when(text.str.contains(_THOUSANDS)).then(text.str.replace_all(",", "")).otherwise(text)
    frame = pl.DataFrame({"t": text}).with_columns(plain.alias("t"))
    pattern = _WHOLE if whole else _DECIMAL
    value = pl.when(pl.col("t").str.contains(pattern)).then(pl.col("t").cast(pl.Float64, strict=False))
    typed = value.cast(pl.Int64, strict=False) if whole else value
    return frame.select(typed.alias(s.name)).to_series()
