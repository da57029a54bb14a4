"""Rendering dates and months in every format the sources use, including broken ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from returnees.synthetic.draws import categorical, choose

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
IMPOSSIBLE_DAYS = ((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31))


@dataclass
class Ymd:
    """Calendar parts as integer arrays; they may form an impossible date (2021-02-30)."""

    year: np.ndarray
    month: np.ndarray
    day: np.ndarray

    @classmethod
    def of(cls, dates: np.ndarray) -> Ymd:
        """Split ``datetime64[D]`` values into year, month and day."""
        months = dates.astype("datetime64[M]")
        return cls(
            year=months.astype("datetime64[Y]").astype(np.int64) + 1970,
            month=months.astype(np.int64) % 12 + 1,
            day=(dates - months.astype("datetime64[D]")).astype(np.int64) + 1,
        )


def _text(values: np.ndarray, width: int = 0) -> pl.Series:
    out = pl.Series(values).cast(pl.String)
    return out.str.zfill(width) if width else out


def _render(parts: Ymd, fmt: str) -> pl.Series:
    y, m, d = _text(parts.year), _text(parts.month), _text(parts.day)
    mm, dd = _text(parts.month, 2), _text(parts.day, 2)
    return {
        "iso": lambda: y + "-" + mm + "-" + dd,
        "iso_time": lambda: y + "-" + mm + "-" + dd + "T00:00:00",
        "slash": lambda: y + "/" + m + "/" + d,
        "slash_pad": lambda: y + "/" + mm + "/" + dd,
        "compact": lambda: y + mm + dd,
        "dot": lambda: y + "." + mm + "." + dd,
        "cn": lambda: y + "年" + m + "月" + d + "日",
        "month": lambda: y + "-" + mm,
        "month_cn": lambda: y + "年" + m + "月",
    }[fmt]()


def render_dates(rng: np.random.Generator, parts: Ymd, formats: Mapping[str, float]) -> pl.Series:
    """Each date written in a format drawn from ``formats`` (name -> weight).

    Formats: iso 2021-07-15, iso_time 2021-07-15T00:00:00, slash 2021/7/15, slash_pad
    2021/07/15, compact 20210715, dot 2021.07.15, cn 2021年7月15日, and the month-only
    month 2021-07 and month_cn 2021年7月.
    """
    names = list(formats)
    index = categorical(rng, parts.year.size, list(formats.values()))
    return choose(index, [_render(parts, f) for f in names])


def render_months(rng: np.random.Generator, months: np.ndarray, formats: Mapping[str, float]) -> pl.Series:
    """Months (``datetime64`` values) as yyyymm text: dash 2021-07, compact 202107, dot 2021.7,
    dot_pad 2021.07, cn 2021年7月, slash 2021/07, or a whole first-of-month date (date)."""
    parts = Ymd.of(months.astype("datetime64[M]").astype("datetime64[D]"))
    y, m, mm = _text(parts.year), _text(parts.month), _text(parts.month, 2)
    rendered = {
        "dash": lambda: y + "-" + mm,
        "compact": lambda: y + mm,
        "dot": lambda: y + "." + m,
        "dot_pad": lambda: y + "." + mm,
        "cn": lambda: y + "年" + m + "月",
        "slash": lambda: y + "/" + mm,
        "date": lambda: y + "-" + mm + "-01",
    }
    index = categorical(rng, months.size, list(formats.values()))
    return choose(index, [rendered[f]() for f in formats])


def contradict(rng: np.random.Generator, dates: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Dates changed where ``mask`` holds the way birth dates are mistyped: day and month
    swapped, one day or one year off, or a lunar-calendar date about a month away."""
    out = dates.copy()
    rows = np.flatnonzero(mask)
    parts = Ymd.of(dates[rows])
    kind = rng.integers(0, 4, rows.size)
    swappable = (parts.day <= 12) & (parts.day != parts.month)
    swapped_month = (parts.year - 1970) * 12 + np.minimum(parts.day, 12) - 1
    swapped = swapped_month.astype("datetime64[M]").astype("datetime64[D]") + (parts.month - 1).astype("timedelta64[D]")
    shift = np.choose(
        kind,
        [
            np.ones(rows.size),
            -np.ones(rows.size),
            np.where(rng.random(rows.size) < 0.5, 365, -365),
            rng.integers(20, 50, rows.size),
        ],
    ).astype("timedelta64[D]")
    out[rows] = np.where((kind == 0) & swappable, swapped, dates[rows] + shift)
    return out


def make_impossible(rng: np.random.Generator, parts: Ymd, mask: np.ndarray) -> Ymd:
    """Copy of ``parts`` with impossible month/day pairs (2021-02-30) where ``mask`` holds."""
    pick = rng.integers(0, len(IMPOSSIBLE_DAYS), parts.year.size)
    bad_month = np.asarray([p[0] for p in IMPOSSIBLE_DAYS])[pick]
    bad_day = np.asarray([p[1] for p in IMPOSSIBLE_DAYS])[pick]
    return Ymd(parts.year.copy(), np.where(mask, bad_month, parts.month), np.where(mask, bad_day, parts.day))


def excel_serial(dates: np.ndarray) -> np.ndarray:
    """Excel's 1900-system day numbers (44392 is 2021-07-15)."""
    return (dates.astype("datetime64[D]") - EXCEL_EPOCH).astype(np.int64)


def random_days(rng: np.random.Generator, start: np.ndarray, end: np.ndarray | np.datetime64) -> np.ndarray:
    """A uniformly drawn day in ``[start, end]`` per row (``end`` clipped to ``start``)."""
    span = np.maximum((end - start).astype(np.int64), 0) + 1
    days: np.ndarray = start + (rng.random(start.size) * span).astype(np.int64).astype("timedelta64[D]")
    return days
