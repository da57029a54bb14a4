"""Yearly survey statistics on hand-built respondents: counts per year, change against the year
before, and no published count below five (with complementary suppression); the workbook."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from warehouse.serve.disclosure import MIN_CELL, suppress_small_cells
from warehouse.serve.yearly_stats import DIMENSIONS, write_yearly_stats_xlsx, yearly_statistics


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ([10, 3, 7, 20], [10, None, None, 20]),  # one small cell: the smallest other one goes with it
        ([10, 3, 2, 20], [10, None, None, 20]),  # two small cells protect each other
        ([12, 4], [None, None]),
        ([3], [None]),
        ([8, 6, 5], [8, 6, 5]),
    ],
)
def test_suppression_leaves_no_cell_to_subtract(counts: list[int], shown: list[int | None]) -> None:
    assert suppress_small_cells(pl.DataFrame({"n": counts}), ["n"])["n"].to_list() == shown


def _people(year: int, countries: dict[str, int], start: int = 0) -> list[dict]:
    rows, n = [], start
    for country, count in countries.items():
        for _ in range(count):
            rows.append(
                {
                    "survey_year": year,
                    "person_id": f"P{n}",
                    "study_country": country,
                    "degree": "硕士",
                    "district": "渝北区",
                    "return_year": "2020",
                    "employer_kind": "民营企业",
                }
            )
            n += 1
    return rows


@pytest.fixture
def statistics() -> tuple[pl.DataFrame, pl.DataFrame]:
    people = _people(2025, {"美国": 20, "英国": 9, "日本": 6, "法国": 2}) + _people(
        2026, {"美国": 25, "英国": 7, "日本": 6, "德国": 3}, start=100
    )
    return yearly_statistics(pl.DataFrame(people))


def _cell(cells: pl.DataFrame, year: int, dimension: str, category: str) -> dict:
    return cells.filter(
        (pl.col("survey_year") == year) & (pl.col("dimension") == dimension) & (pl.col("category") == category)
    ).row(0, named=True)


def test_counts_and_change_against_the_year_before(statistics: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    cells, totals = statistics
    us = _cell(cells, 2026, "study_country", "美国")
    assert (us["returnees"], us["previous_returnees"], us["change"], us["change_pct"]) == (25, 20, 5, 25.0)
    assert _cell(cells, 2025, "study_country", "美国")["previous_returnees"] is None  # no year before
    assert totals.rows() == [(2025, 37, None, None, None), (2026, 41, 37, 4, 10.8)]
    assert set(cells["dimension"]) == set(DIMENSIONS)
    assert _cell(cells, 2026, "degree", "硕士")["returnees"] == 41


def test_no_published_count_below_five(statistics: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    cells, _ = statistics
    shown = cells["returnees"].drop_nulls()
    assert shown.min() >= MIN_CELL and cells["previous_returnees"].drop_nulls().min() >= MIN_CELL
    # 2025: 法国 (2) is hidden, and 日本 (6), the smallest other, with it
    assert _cell(cells, 2025, "study_country", "法国")["returnees"] is None
    assert _cell(cells, 2025, "study_country", "日本")["returnees"] is None
    japan = _cell(cells, 2026, "study_country", "日本")
    assert japan["returnees"] is None and japan["change"] is None  # 德国 (3) hides 日本 (6) in 2026 too
    for (_, _), group in cells.group_by("survey_year", "dimension"):
        assert group["returnees"].null_count() != 1
    order = cells.filter((pl.col("survey_year") == 2026) & (pl.col("dimension") == "study_country"))["category"]
    assert order.to_list() == ["美国", "英国", "德国", "日本"]  # hidden cells last, by name, not by size


def test_the_workbook_shows_suppressed_counts_as_less_than_five(
    statistics: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path
) -> None:
    cells, totals = statistics
    path = write_yearly_stats_xlsx(cells, totals, tmp_path / "stats.xlsx")
    countries = pl.read_excel(path, sheet_name="留学国家（地区）", infer_schema_length=0)
    assert countries.columns == ["调查年度", "留学国家（地区）", "人数", "上年人数", "增减", "增减（%）"]
    row = countries.filter((pl.col("调查年度") == "2026") & (pl.col("留学国家（地区）") == "美国")).row(0)
    assert row[2:] == ("25", "20", "5", "25")
    hidden = countries.filter(pl.col("人数") == "<5")["留学国家（地区）"].to_list()
    assert sorted(hidden) == sorted(["法国", "日本", "德国", "日本"])
    overall = pl.read_excel(path, sheet_name="总体", infer_schema_length=0)
    assert overall["人数"].to_list() == ["37", "41"]
    assert overall["上年人数"].to_list() == [None, "37"]  # no year before 2025: blank, not <5
    first_year = countries.filter(pl.col("调查年度") == "2025")
    assert first_year["上年人数"].null_count() == first_year.height
