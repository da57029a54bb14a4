"""Hostile input for every standardiser: any text or number yields a value or a null (with a reason).

Complements tests/test_standardise_common.py (never raises, schema, nulls stay null) with what
each output promises: a date or a date issue, an ID kind with its issue, ISO codes that exist,
institutions from the reference list, well-formed phones; numbers as Excel delivers them; and
the same answer for a value alone as within any batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl
import pycountry
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

import dedup.standardise as std
from dedup.standardise.placeholders import PLACEHOLDERS

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text shaped like the values the parsers look for, so the examples reach their inner branches.
SHAPED = st.one_of(
    st.from_regex(r"\s*[0-9０-９]{2,6}[-/.年 ]?[0-9]{0,2}[-/.月]?[0-9]{0,3}[日号]?\s*", fullmatch=True),
    st.from_regex(r"[0-9]{14,18}[0-9xX]?|[0-9]\.[0-9]{1,12}E\+?[0-9]{1,3}|[A-Z]{1,2}[0-9]{6,9}", fullmatch=True),
    st.from_regex(r"(\+86|0086|0)?[ -]?1[0-9]{2}[ -]?[0-9]{4}[ -]?[0-9]{2,4}(\.0)?", fullmatch=True),
    st.from_regex(r"[A-Za-z]{1,8}([ ,/·-]{1,2}[A-Za-z]{1,8}){0,3}", fullmatch=True),
    st.sampled_from(["张三", "欧阳·娜娜", "吕", "?", "·", "美国", "UK", "英國", "哈佛大学", "University of", "无"]),
)
TEXT = st.one_of(st.none(), st.text(max_size=30), SHAPED)
VALUES = st.lists(TEXT, max_size=6)
NUMBERS = st.lists(st.one_of(st.none(), st.floats(), st.integers(min_value=-(2**63), max_value=2**63 - 1)), max_size=6)


def _is_unknown(value: str | None) -> bool:
    """What `null_placeholders` turns into null."""
    return value is None or std.null_placeholders(pl.Series([value], dtype=pl.Utf8)).item() is None


ALL = [
    std.null_placeholders,
    std.parse_dates,
    std.parse_yyyymm,
    std.standardise_id_numbers,
    std.standardise_names,
    std.parse_latin_names,
    std.standardise_countries,
    std.standardise_institutions,
    std.standardise_phones,
]


def _rows(out: pl.DataFrame | pl.Series) -> list[tuple]:
    return out.to_frame().rows() if isinstance(out, pl.Series) else out.rows()


@pytest.mark.parametrize("function", ALL, ids=lambda f: f.__name__)
@SETTINGS
@given(values=VALUES)
def test_a_value_alone_gets_the_answer_it_gets_in_any_batch(function: Callable, values: list[str | None]) -> None:
    batch = _rows(function(pl.Series("raw", values, dtype=pl.Utf8)))
    alone = [_rows(function(pl.Series("raw", [v], dtype=pl.Utf8)))[0] for v in values]
    assert batch == alone


@pytest.mark.parametrize("function", ALL, ids=lambda f: f.__name__)
@SETTINGS
@given(values=NUMBERS)
def test_numbers_as_excel_delivers_them_never_raise(function: Callable, values: list[float | int | None]) -> None:
    series = pl.Series("raw", values, dtype=pl.Float64 if any(isinstance(v, float) for v in values) else pl.Int64)
    assert len(function(series)) == len(values)


@SETTINGS
@given(values=VALUES)
def test_placeholders_become_null_and_the_rest_is_trimmed(values: list[str | None]) -> None:
    for out in std.null_placeholders(pl.Series(values, dtype=pl.Utf8)):
        assert out is None or (out == out.strip(" \t\r\n\xa0") and out and out.lower() not in PLACEHOLDERS)


@pytest.mark.parametrize("function", [std.parse_dates, std.parse_yyyymm], ids=lambda f: f.__name__)
@SETTINGS
@given(values=VALUES)
def test_every_date_is_a_plausible_date_or_an_issue(function: Callable, values: list[str | None]) -> None:
    out = function(pl.Series(values, dtype=pl.Utf8))
    for value, (date, precision, issue) in zip(values, out.rows(), strict=True):
        if _is_unknown(value):
            assert (date, precision, issue) == (None, None, None)
        elif date is None:
            assert issue, f"{value!r}: null date without a reason"
        else:
            assert issue is None and precision in ("day", "month", "year")
            assert dt.date(1900, 1, 1) <= date <= dt.date(2100, 12, 31)


@SETTINGS
@given(values=VALUES)
def test_every_id_number_is_classified_and_failures_say_why(values: list[str | None]) -> None:
    out = std.standardise_id_numbers(pl.Series(values, dtype=pl.Utf8))
    for value, row in zip(values, out.iter_rows(named=True), strict=True):
        if _is_unknown(value):
            assert row["id_kind"] is None
            continue
        kind = row["id_kind"]
        assert kind in ("RIC", "RIC_INVALID", "PASSPORT", "HKMO", "TW", "EXCEL_FLOAT", "OTHER")
        if kind == "RIC":
            number = row["id_number"]
            assert len(number) == 18 and ric.calc_check_digit(number[:17] + "0") == number[17]
        else:
            assert row["id_number"] is None
        if kind in ("RIC_INVALID", "EXCEL_FLOAT", "OTHER"):
            assert row["id_issue"], f"{value!r}: {kind} without a reason"
        if kind in ("PASSPORT", "HKMO", "TW"):
            assert row["passport_no"]


@SETTINGS
@given(values=VALUES)
def test_names_are_compact_and_split_when_present(values: list[str | None]) -> None:
    out = std.standardise_names(pl.Series(values, dtype=pl.Utf8))
    for value, row in zip(values, out.iter_rows(named=True), strict=True):
        if _is_unknown(value):
            assert row["name"] is None
        if row["name"] is None:
            continue
        assert row["name"] == row["name"].strip()
        if row["name_is_latin"]:
            assert row["surname"] is None and row["surname_pinyin"]
        else:
            assert row["surname"] and not any(ch.isspace() for ch in row["name"])
            assert row["name_pinyin"].startswith(row["surname_pinyin"])


@SETTINGS
@given(values=VALUES)
def test_latin_names_always_offer_a_surname_reading(values: list[str | None]) -> None:
    out = std.parse_latin_names(pl.Series(values, dtype=pl.Utf8))
    for row in out.iter_rows(named=True):
        if row["latin_surname"] is not None:
            assert row["surname_pinyin_candidates"] and row["surname_pinyin"] == row["surname_pinyin_candidates"][0]


@SETTINGS
@given(values=VALUES)
def test_countries_are_real_iso_codes(values: list[str | None]) -> None:
    known = {c.alpha_3 for c in pycountry.countries}
    for code in std.standardise_countries(pl.Series(values, dtype=pl.Utf8)):
        assert code is None or code in known


@SETTINGS
@given(values=VALUES)
def test_institutions_come_from_the_reference_list(values: list[str | None]) -> None:
    reference = {r["institution_id"]: (r["country_iso3"], r["tier"]) for r in std.load_institutions().to_dicts()}
    out = std.standardise_institutions(pl.Series(values, dtype=pl.Utf8))
    for institution, country, tier in out.rows():
        assert (institution is None and country is None and tier is None) or reference[institution] == (country, tier)


@SETTINGS
@given(values=VALUES)
def test_phones_are_well_formed(values: list[str | None]) -> None:
    out = std.standardise_phones(pl.Series(values, dtype=pl.Utf8))
    for mobile, phone, kind in out.rows():
        assert mobile is None or (len(mobile) == 11 and mobile.isdigit() and mobile.startswith("1"))
        assert phone is None or (phone.startswith("+") and phone[1:].isdigit())
        assert kind in (None, "mobile", "landline")
        assert kind is None or phone is not None
