"""Placeholders, vectorisation and robustness of every standardisation function."""

from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup.standardise as std
from dedup.standardise import _common, null_placeholders


@pytest.mark.parametrize(
    "value", [None, "", "   ", "\u3000", "无", "不详", "/", "-", "NULL", "null", "0", "空", "N/A", "n/a", "未知"]
)
def test_placeholders_become_null(value: str | None) -> None:
    assert null_placeholders(pl.Series([value], dtype=pl.Utf8)).item() is None


def test_values_are_nfkc_trimmed() -> None:
    out = null_placeholders(pl.Series("x", ["  ＡＢＣ１２３ ", "无人机", "00"]))
    assert out.name == "x"
    assert out.to_list() == ["ABC123", "无人机", "00"]


def test_per_value_work_is_done_once_per_distinct_value(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = _common.map_distinct

    def counting(s: pl.Series, fn: Callable, schema: dict) -> pl.DataFrame:
        return original(s, lambda v: calls.append(v) or fn(v), schema)

    monkeypatch.setattr("dedup.standardise.names.map_distinct", counting)
    out = std.standardise_names(pl.Series(["张三", "李四", None, "张三"] * 1000))
    assert sorted(calls) == ["张三", "李四"]
    assert out["name"].to_list()[:4] == ["张三", "李四", None, "张三"]


def test_non_string_input_is_accepted() -> None:
    assert std.parse_dates(pl.Series([44392, None]))["date"].to_list()[0] is not None
    assert std.standardise_id_numbers(pl.Series([5.00103199e17]))["id_kind"].item() == "EXCEL_FLOAT"
    assert std.standardise_phones(pl.Series([None, None]))["mobile"].to_list() == [None, None]


FRAME_FUNCTIONS = {
    std.standardise_id_numbers: {
        "id_number": pl.Utf8,
        "id_kind": pl.Utf8,
        "id_issue": pl.Utf8,
        "id_birth_date": pl.Date,
        "id_sex": pl.Utf8,
        "id_address_code": pl.Utf8,
        "passport_no": pl.Utf8,
        "id_shape": pl.Utf8,
    },
    std.standardise_names: {
        "name": pl.Utf8,
        "name_has_unknown_char": pl.Boolean,
        "name_is_latin": pl.Boolean,
        "surname": pl.Utf8,
        "given_name": pl.Utf8,
        "surname_pinyin": pl.Utf8,
        "given_pinyin": pl.Utf8,
        "name_pinyin": pl.Utf8,
        "given_wade_giles": pl.Utf8,
    },
    std.parse_latin_names: {
        "latin_surname": pl.Utf8,
        "latin_given": pl.Utf8,
        "surname_pinyin_candidates": pl.List(pl.Utf8),
        "surname_pinyin": pl.Utf8,
        "given_pinyin": pl.Utf8,
        "name_pinyin": pl.Utf8,
    },
    std.parse_dates: {"date": pl.Date, "precision": pl.Utf8, "date_issue": pl.Utf8},
    std.parse_yyyymm: {"date": pl.Date, "precision": pl.Utf8, "date_issue": pl.Utf8},
    std.standardise_phones: {"mobile": pl.Utf8, "phone": pl.Utf8, "phone_kind": pl.Utf8},
    std.standardise_institutions: {
        "institution_id": pl.Utf8,
        "institution_country": pl.Utf8,
        "institution_tier": pl.Utf8,
    },
}
SERIES_FUNCTIONS = [std.null_placeholders, std.standardise_countries]

# Arbitrary text, and text built from the characters the parsers look at.
TRICKY = st.text(alphabet="0123456789xXEeH.-/+ :年月日号·•?？张三吕歐陽LYUzhang,，\u3000\x00\n\ufffd٣①", max_size=25)
VALUES = st.lists(st.one_of(st.none(), st.text(max_size=40), TRICKY), max_size=6)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("function", list(FRAME_FUNCTIONS), ids=lambda f: f.__name__)
@SETTINGS
@given(values=VALUES)
def test_frame_functions_never_raise(function: Callable, values: list[str | None]) -> None:
    out = function(pl.Series(values, dtype=pl.Utf8))
    assert out.schema == pl.Schema(FRAME_FUNCTIONS[function])
    assert out.height == len(values)
    for value, row in zip(values, out.iter_rows(), strict=True):
        if value is None:
            assert all(cell in (None, False) for cell in row)


@pytest.mark.parametrize("function", SERIES_FUNCTIONS, ids=lambda f: f.__name__)
@SETTINGS
@given(values=VALUES)
def test_series_functions_never_raise(function: Callable, values: list[str | None]) -> None:
    out = function(pl.Series("raw", values, dtype=pl.Utf8))
    assert (out.dtype, out.name, out.len()) == (pl.Utf8, "raw", len(values))
