"""Dates and year-months in the formats the sources deliver, with their precision."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dedup.standardise._common import by_distinct
from dedup.standardise.placeholders import null_placeholders

SCHEMA: dict[str, pl.DataType] = {"date": pl.Date(), "precision": pl.Utf8(), "date_issue": pl.Utf8()}

_TIME = r"(?:[ T]+[0-9]{1,2}:[0-9]{1,2}(?::[0-9]{1,2}(?:\.[0-9]+)?)?\s*(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
# (pattern, precision); the first group tells whether it matched. NFKC has made ASCII digits.
_PATTERNS = (
    (rf"^(?<y>[0-9]{{4}})\s*[-/.年]\s*(?<m>[0-9]{{1,2}})\s*[-/.月]\s*(?<d>[0-9]{{1,2}})\s*[日号]?{_TIME}$", "day"),
    (rf"^(?<y>[0-9]{{4}})(?<m>[0-9]{{2}})(?<d>[0-9]{{2}}){_TIME}$", "day"),
    (r"^(?<y>[0-9]{4})\s*[-/.年]\s*(?<m>[0-9]{1,2})\s*月?$", "month"),
    (r"^(?<y>[0-9]{4})(?<m>[0-9]{2})$", "month"),
    (r"^(?<y>[0-9]{4})\s*年?$", "year"),
    (r"^(?<n>[0-9]{5})(?:\.[0-9]+)?$", "day"),  # Excel serial day number; a fraction is the time
)
_SERIAL_RANGE = (20000, 60000)  # 1954-10-03 .. 2064-04-09; below, 19905 is rather a mistyped 1990-5
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_YEAR_RANGE = (1900, 2100)
_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _parse(values: pl.Series, yyyymm: bool) -> pl.DataFrame:
    """Parse distinct values: ISO days (the usual case) directly, everything else by pattern."""
    iso = values.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    quick = values.str.contains(_ISO_DAY) & iso.is_not_null() & iso.dt.year().is_between(*_YEAR_RANGE)
    if not quick.any():
        return _parse_patterns(values, yyyymm)
    parsed = pl.concat(
        [
            pl.DataFrame({"value": values.filter(quick), "date": iso.filter(quick)}).with_columns(
                pl.lit("day").alias("precision"), pl.lit(None, pl.Utf8).alias("date_issue")
            ),
            _parse_patterns(values.filter(~quick), yyyymm).with_columns(values.filter(~quick).alias("value")),
        ],
        how="diagonal",
    )
    return pl.DataFrame({"value": values}).join(parsed, on="value", how="left", maintain_order="left").drop("value")


def _parse_patterns(values: pl.Series, yyyymm: bool) -> pl.DataFrame:
    matches = [values.str.extract_groups(pattern) for pattern, _ in _PATTERNS]

    def group(name: str) -> pl.Expr:
        found = [
            pl.lit(match.struct.field(name))
            for match, (pattern, _) in zip(matches, _PATTERNS, strict=True)
            if f"<{name}>" in pattern
        ]
        return pl.coalesce(found).cast(pl.Int32, strict=False)

    precision = pl.coalesce(
        pl.when(pl.lit(match.struct[0]).is_not_null()).then(pl.lit(p))
        for match, (_, p) in zip(matches, _PATTERNS, strict=True)
    )
    y, m, d, n = group("y"), group("m"), group("d"), group("n")
    if yyyymm:  # a year-month field may carry day 0 (2021-07-00)
        precision = pl.when(d == 0).then(pl.lit("month")).otherwise(precision)
        d = pl.when(d == 0).then(None).otherwise(d)
    date = pl.coalesce(
        pl.format("{}-{}-{}", y, m.fill_null(1), d.fill_null(1)).str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        pl.when(n.is_between(*_SERIAL_RANGE)).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=n)),
    )
    issue = (
        pl.when(y.is_not_null() & ~y.is_between(*_YEAR_RANGE))
        .then(pl.lit("日期超出范围"))
        .when(date.is_null() & y.is_not_null())
        .then(pl.lit("日期不存在"))
        .when(date.is_null())
        .then(pl.lit("无法解析"))
    )
    return pl.select(
        pl.when(issue.is_null()).then(date).alias("date"),
        pl.when(issue.is_null()).then(precision).alias("precision"),
        issue.alias("date_issue"),
    )


def parse_dates(s: pl.Series) -> pl.DataFrame:
    """Parse dates in any delivered format; see `SCHEMA` for the columns.

    Formats: 2021-07-15, 2021/7/15, 20210715, 2021.07.15, 2021年7月15日 (optionally with a
    time), Excel serial numbers 20000-60000 (44392 or 44392.0), year-months (2021-07, 202107,
    2021.7, 2021年7月: the first of the month, precision `month`) and years (precision `year`).
    An impossible date (2021-02-30) gives null and `date_issue` 日期不存在.
    """
    return by_distinct(null_placeholders(s), lambda values: _parse(values, yyyymm=False))


def parse_yyyymm(s: pl.Series) -> pl.DataFrame:
    """Parse a year-month field: like `parse_dates`, and day 00 (2021-07-00) means the month."""
    return by_distinct(null_placeholders(s), lambda values: _parse(values, yyyymm=True))
