"""Dates and year-months (contract README: Dates; sources.yaml: date_formats_seen)."""

import datetime as dt

import polars as pl
import pytest

from dedup.standardise import parse_dates, parse_yyyymm

JULY_15 = dt.date(2021, 7, 15)
JULY = dt.date(2021, 7, 1)


def one(value: str | None, parse=parse_dates) -> tuple:
    return parse(pl.Series([value], dtype=pl.Utf8)).row(0)


@pytest.mark.parametrize(
    "written",
    [
        "2021-07-15",
        "2021/7/15",
        "20210715",
        "2021.07.15",
        "2021年7月15日",
        "2021年07月15号",
        "2021-07-15 00:00:00",
        "2021-07-15T08:30:00Z",
        "2021/7/15 8:30",
        "２０２１－０７－１５",
        "44392",  # Excel serial
        "44392.0",
        "44392.35",  # serial with a time of day
    ],
)
def test_day_formats(written: str) -> None:
    assert one(written) == (JULY_15, "day", None)


@pytest.mark.parametrize("written", ["2021-07", "202107", "2021.7", "2021年7月", "2021/07"])
def test_month_formats(written: str) -> None:
    assert one(written) == (JULY, "month", None)
    assert one(written, parse_yyyymm) == (JULY, "month", None)


def test_five_digit_values_below_1954_are_not_serials() -> None:
    assert one("19905") == (None, None, "无法解析")  # 1990-5 typed without a separator, not 1954-06-30
    assert one("19905", parse_yyyymm)[0] is None


def test_year_only() -> None:
    assert one("2021") == (dt.date(2021, 1, 1), "year", None)
    assert one("2021年") == (dt.date(2021, 1, 1), "year", None)


def test_yyyymm_keeps_a_full_date_and_reads_day_zero_as_month() -> None:
    assert one("2021-07-15", parse_yyyymm) == (JULY_15, "day", None)
    assert one("20210700", parse_yyyymm) == (JULY, "month", None)
    assert one("20210700") == (None, None, "日期不存在")


@pytest.mark.parametrize("written", ["2021-02-30", "2021-13-01", "20210230", "2021-13"])
def test_impossible_dates(written: str) -> None:
    assert one(written) == (None, None, "日期不存在")


@pytest.mark.parametrize("written", ["abc", "12345", "99999", "2021-07-15x", "15/07/2021"])
def test_unparseable(written: str) -> None:
    assert one(written) == (None, None, "无法解析")


def test_out_of_range_year() -> None:
    assert one("1850-01-01") == (None, None, "日期超出范围")


@pytest.mark.parametrize("value", [None, "", "无", "不详", "0", "/"])
def test_empty_values(value: str | None) -> None:
    assert one(value) == (None, None, None)


def test_many_rows_keep_their_order() -> None:
    values = ["2021-07-15", None, "202107", "2021-02-30", "2021-07-15"] * 3
    out = parse_dates(pl.Series(values))
    assert out.schema == pl.Schema({"date": pl.Date, "precision": pl.Utf8, "date_issue": pl.Utf8})
    assert out["precision"].to_list() == ["day", None, "month", None, "day"] * 3
