"""Seeded random streams and vectorised pick/replace helpers over polars Series."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

Option = pl.Series | str | None


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per (seed, purpose): changing one source leaves others alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def unique_integers(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct integers from ``[low, high)`` in random order."""
    out = np.unique(rng.integers(low, high, size=n + n // 8 + 16))
    while out.size < n:
        out = np.unique(np.r_[out, rng.integers(low, high, size=n - out.size + 16)])
    rng.shuffle(out)
    return out[:n]


def categorical(rng: np.random.Generator, n: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """``n`` category indexes drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(p.size, size=n, p=p / p.sum())


def pick(values: Sequence[str], index: np.ndarray) -> pl.Series:
    """``values[index[i]]`` for each row, as a string Series."""
    return pl.Series(np.asarray(values, dtype=object)[index], dtype=pl.String)


def _lit(option: Option) -> pl.Expr:
    if isinstance(option, pl.Series):
        return pl.lit(option)
    return pl.lit(option, dtype=pl.String)


def choose(index: np.ndarray, options: Sequence[Option]) -> pl.Series:
    """Per row, ``options[index[row]]``; options are Series of that length or scalars."""
    idx = pl.Series(index)
    expr: Then | ChainedThen = pl.when(pl.lit(idx) == 0).then(_lit(options[0]))
    for k, option in enumerate(options[1:], start=1):
        expr = expr.when(pl.lit(idx) == k).then(_lit(option))
    return pl.select(expr.otherwise(None).alias("v")).to_series()


def where(mask: np.ndarray, then: Option, otherwise: Option) -> pl.Series:
    """``then`` where ``mask`` holds, else ``otherwise``: a Series as long as ``mask`` even when it never holds."""
    if not mask.any() and isinstance(otherwise, pl.Series):
        return otherwise
    expr = pl.when(pl.lit(pl.Series(mask))).then(_lit(then)).otherwise(pl.lit(otherwise))
    return pl.select(expr.alias("v")).to_series()


def chance(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """A boolean mask where each row is set with probability ``p``."""
    return rng.random(n) < p
