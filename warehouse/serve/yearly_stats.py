"""The yearly statistics of the returnee survey (每年集中开展1次调查统计, 渝人社规〔2026〕9号 一).

Per survey year: the persons who answered that year's survey, by study country, overseas degree,
district, return year and employer kind, each with the count of the year before and the change.
A person counts once a year (their latest answer); an attribute the answer leaves empty is taken
from the person's profile (the integrated data completes the survey), else 未知.

Counts are suppressed by the analyst file's rules (warehouse/serve/disclosure.py): below 5 they are
null (shown as `<5`), and where a year's column would give one suppressed cell back by subtraction
from its published total, the smallest shown cell is suppressed with it. Changes are computed from
shown counts only. The statistics are the analyst file's `stats_yearly` and `stats_yearly_total`
(read by the HTML report and analysts) and the workbook of `returnees export yearly-stats`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.disclosure import MIN_CELL, SUPPRESSED_LABEL, suppress_small_cells
from warehouse.store.db import query

UNKNOWN = "未知"
DIMENSIONS: dict[str, str] = {
    "study_country": "留学国家（地区）",
    "degree": "最高海外学位",
    "district": "所在区县",
    "return_year": "回国年份",
    "employer_kind": "单位性质",
}


def _answers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per survey year and person, the latest answer's attributes (standardised)."""
    raw = query(
        con,
        f"""
        SELECT g.person_id, r.record_uid, r.study_country, r.district_raw,
               coalesce(TRY_CAST(regexp_extract(b.file, 'survey_(\\d{{4}})', 1) AS INTEGER),
                        year(TRY_CAST(r.delivery_date AS DATE))) AS survey_year,
               e.degree, year(e.return_date)::INTEGER AS return_year,
               j.employer_kind, j.as_of_date AS reported_on
        FROM records r
        JOIN person_registry g USING (record_uid)
        JOIN bronze.survey b ON b.record_key = r.record_key AND b.delivery_date = r.delivery_date
        LEFT JOIN {RESTRICTED}.fact_education e ON e.record_uid = r.record_uid
        LEFT JOIN {RESTRICTED}.fact_employment j ON j.record_uid = r.record_uid AND j.source = 'survey'
        WHERE r.source = 'survey'
        """,
    )
    return (
        raw.with_columns(nz.standardise_districts(raw["district_raw"]).alias("district"))
        .sort("survey_year", "person_id", "reported_on", "record_uid", nulls_last=False)
        .group_by("survey_year", "person_id", maintain_order=True)
        .last()
    )


def respondents(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per survey year and person: the five classifying attributes (未知 when unknown)."""
    answers = _answers(con)
    profile = query(
        con,
        f"""
        SELECT person_id, study_country AS p_country, highest_overseas_degree AS p_degree,
               coalesce(district, employer_district) AS p_district, return_year AS p_return_year,
               employer_kind AS p_kind
        FROM {RESTRICTED}.person_profile
        """,
    )
    names = nz.country_names().rename({"code": "country_code", "name_zh": "country_name"})
    joined = answers.join(profile, on="person_id", how="left").with_columns(
        pl.coalesce("study_country", "p_country").alias("country_code")
    )
    joined = joined.join(names, on="country_code", how="left")
    return joined.select(
        "survey_year",
        "person_id",
        pl.col("country_name").fill_null(UNKNOWN).alias("study_country"),
        pl.coalesce("degree", "p_degree").fill_null(UNKNOWN).alias("degree"),
        pl.coalesce("district", "p_district").fill_null(UNKNOWN).alias("district"),
        pl.coalesce("return_year", "p_return_year").cast(pl.Utf8).fill_null(UNKNOWN).alias("return_year"),
        pl.coalesce(pl.col("employer_kind"), pl.col("p_kind")).fill_null(UNKNOWN).alias("employer_kind"),
    )


def _with_change(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Add the previous year's (shown) count, the change and the change in percent."""
    previous = frame.select(
        (pl.col("survey_year") + 1).alias("survey_year"), *keys, pl.col("returnees").alias("previous_returnees")
    )
    return frame.join(previous, on=["survey_year", *keys], how="left").with_columns(
        (pl.col("returnees") - pl.col("previous_returnees")).alias("change"),
        ((pl.col("returnees") - pl.col("previous_returnees")) * 100.0 / pl.col("previous_returnees"))
        .round(1)
        .alias("change_pct"),
    )


def yearly_statistics(people: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per year, dimension and category; per year) counts with the change against the year before,
    suppressed. `people` is `respondents`."""
    parts = []
    for dimension, label in DIMENSIONS.items():
        counts = people.group_by("survey_year", dimension).len("returnees").rename({dimension: "category"})
        parts.append(counts.with_columns(pl.lit(dimension).alias("dimension"), pl.lit(label).alias("dimension_label")))
    cells = pl.concat(parts).with_columns(pl.col("returnees").cast(pl.Int64))
    cells = cells.sort(["survey_year", "dimension", "returnees", "category"], descending=[False, False, True, False])
    suppressed = cells.group_by("survey_year", "dimension", maintain_order=True).map_groups(
        lambda group: suppress_small_cells(group, ["returnees"])
    )
    cells = _with_change(suppressed, ["dimension", "category"]).select(
        "survey_year",
        "dimension",
        "dimension_label",
        "category",
        "returnees",
        "previous_returnees",
        "change",
        "change_pct",
    )
    # ordered by the shown counts only: the order must not rank the suppressed cells
    cells = cells.sort(
        ["survey_year", "dimension", "returnees", "category"], descending=[False, False, True, False], nulls_last=True
    )
    totals = people.group_by("survey_year").len("returnees").sort("survey_year")
    # a year's total is a line of its own: no grand total over the years is published
    totals = suppress_small_cells(
        totals.with_columns(pl.col("returnees").cast(pl.Int64)), ["returnees"], column_totals=False
    )
    return cells, _with_change(totals, []).sort("survey_year")


def read_yearly_stats(analyst: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The statistics a run stored, read from a connection to the analyst file."""
    order = "ORDER BY survey_year, dimension, returnees DESC NULLS LAST, category"
    return (
        query(analyst, f"SELECT * FROM stats_yearly {order}"),
        query(analyst, "SELECT * FROM stats_yearly_total ORDER BY 1"),
    )


def _shown(value: object) -> object:
    return SUPPRESSED_LABEL if value is None else value


def write_yearly_stats_xlsx(cells: pl.DataFrame, totals: pl.DataFrame, path: Path) -> Path:
    """A workbook: 说明, 总体 and one sheet per dimension; suppressed counts read `<5`."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    change_header = ["上年人数", "增减", "增减（%）"]
    with xlsxwriter.Workbook(str(path)) as book:
        bold = book.add_format({"bold": True})
        notes = book.add_worksheet("说明")
        for line_no, line in enumerate(
            [
                "留学人员信息统计调查年度统计（每年集中开展1次调查统计，渝人社规〔2026〕9号 一）",
                "每个调查年度按当年填报了调查的人员计数，同一人一年只计一次；填报项为空时取人员画像中的值，仍无则为“未知”。",
                f"小于{MIN_CELL}的人数不公布（显示为“{SUPPRESSED_LABEL}”）；同一年度同一分类中只有一格不公布时，另隐去最小的一格，"
                "以免由合计推算；增减只在两年人数都公布时给出。",
            ]
        ):
            notes.write(line_no, 0, line)
        years = set(totals["survey_year"])

        def change(record: dict[str, Any]) -> list[object]:
            """Last year's count (`<5` only when there was a last year), the change and the percentage."""
            had_last_year = record["survey_year"] - 1 in years
            previous = _shown(record["previous_returnees"]) if had_last_year else None
            return [previous, record["change"], record["change_pct"]]

        sheet = book.add_worksheet("总体")
        sheet.write_row(0, 0, ["调查年度", "人数", *change_header], bold)
        for r, record in enumerate(totals.iter_rows(named=True), start=1):
            sheet.write_row(r, 0, [record["survey_year"], _shown(record["returnees"]), *change(record)])
        for dimension, label in DIMENSIONS.items():
            sheet = book.add_worksheet(label)
            sheet.write_row(0, 0, ["调查年度", label, "人数", *change_header], bold)
            records = cells.filter(pl.col("dimension") == dimension).iter_rows(named=True)
            for r, record in enumerate(records, start=1):
                values = [record["survey_year"], record["category"], _shown(record["returnees"]), *change(record)]
                sheet.write_row(r, 0, values)
            sheet.set_column(0, 5, 14)
    return path
