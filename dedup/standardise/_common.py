"""Shared plumbing: do per-value Python work once per distinct value, and cached converters."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

_KEY = "__standardise_key"
MAX_TEXT_LENGTH = 200  # longer free-text values are not names of anything; they yield null


def as_utf8(s: pl.Series) -> pl.Series:
    """The series as strings (numbers from Excel become their text form)."""
    return s if s.dtype == pl.Utf8 else s.cast(pl.Utf8, strict=False)


def by_distinct(s: pl.Series, compute: Callable[[pl.Series], pl.DataFrame]) -> pl.DataFrame:
    """Run `compute` on the distinct non-null values of `s` and spread the result back to every row.

    `compute` gets the distinct values and returns a frame with one row per value, in order.
    Null inputs get null outputs.
    """
    s = as_utf8(s)
    keys = s.drop_nulls().unique()
    table = compute(keys).with_columns(keys.alias(_KEY))
    return pl.DataFrame({_KEY: s}).join(table, on=_KEY, how="left", maintain_order="left").drop(_KEY)


def map_distinct(s: pl.Series, fn: Callable[[str], Sequence[Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Apply the Python function `fn` (value -> one tuple per schema column) per distinct value."""
    return by_distinct(s, lambda keys: pl.DataFrame([fn(v) for v in keys], schema=schema, orient="row"))


@functools.cache
def _opencc_t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese (OpenCC `t2s`)."""
    return _opencc_t2s().convert(text) if text else text


@functools.cache
def _opencc_s2hk() -> Any:
    from opencc import OpenCC

    return OpenCC("s2hk")


def to_hong_kong_traditional(text: str) -> str:
    """Simplified to traditional Chinese as Hong Kong writes it (OpenCC `s2hk`)."""
    return _opencc_s2hk().convert(text) if text else text


def nfkc(text: str) -> str:
    """NFKC-normalised and trimmed (full-width digits, letters, spaces become ASCII)."""
    return unicodedata.normalize("NFKC", text).strip()


def strip_accents(text: str) -> str:
    """Drop combining marks (é -> e, ü -> u)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
