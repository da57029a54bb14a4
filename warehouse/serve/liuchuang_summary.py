"""附件2《留创计划申报人员情况汇总表》of the 2025 call (渝人社办〔2025〕104号), filled from the
warehouse for the persons with a 留创计划 application in a year.

The columns are the attachment's, in its order (`COLUMNS`, checked against the text by the
tests). Per its notes: 海外学习及工作年限 is counted to the month (说明 1: departure to return,
as 年 and 个月), and residents of Hong Kong, Macao and Taiwan give their passport number as
身份号码 (说明 2). 所在单位 and the district filter use the current employer; age is counted to
the form date (the run's reference date, at most 31 December of the year).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from warehouse.serve.context import RESTRICTED, reference_date
from warehouse.serve.profile import DEGREE_RANK_SQL

TITLE = "留创计划申报人员情况汇总表"
COLUMNS = (
    "序号",
    "姓名",
    "性别",
    "身份号码",
    "年龄",
    "最高学历或学位",
    "留学国别",
    "海外学习及工作年限",
    "专业技术职务",
    "所在单位",
    "项目/课题名称",
    "联系电话",
    "备注",
)
NOTES = ("说明: 1. “海外学习及工作年限”可累计计算到“月”。", "2. 港澳台人员在身份号码栏填写护照号。")
# Residence permits of Hong Kong, Macao and Taiwan residents carry these address codes; their
# travel permits are standardised as HKMO / TW.
HKMOTW_PREFIXES = ("81", "82", "83")
HKMOTW_KINDS = ("HKMO", "TW")


def form_date(con: duckdb.DuckDBPyConnection, year: int) -> dt.date:
    """The date ages are counted to: the reference date, at most the last day of `year`."""
    return min(reference_date(con), dt.date(year, 12, 31))


def summary_sql() -> str:
    """SQL (parameters `$year`, `$district`, `$as_of`): one row per 留创计划 application of the year."""
    prefixes = ", ".join(f"'{p}'" for p in HKMOTW_PREFIXES)
    kinds = ", ".join(f"'{k}'" for k in HKMOTW_KINDS)
    return f"""
        WITH hkmotw AS (
            SELECT DISTINCT g.person_id FROM records r JOIN person_registry g USING (record_uid)
            WHERE r.id_kind IN ({kinds}) OR left(r.id_number, 2) IN ({prefixes})
        ),
        degree AS (
            SELECT person_id, max({DEGREE_RANK_SQL}) AS degree_rank
            FROM {RESTRICTED}.fact_education GROUP BY person_id
        ),
        rows AS (
            SELECT a.application_id, a.category, a.status, a.project_title, p.name, p.sex, p.birth_date,
                   p.id_number, p.passport_no, p.mobile, p.employer_name,
                   coalesce(p.employer_district, p.district) AS district,
                   h.person_id IS NOT NULL AS is_hkmotw,
                   coalesce(CASE d.degree_rank WHEN 3 THEN '博士' WHEN 2 THEN '硕士' WHEN 1 THEN '学士' END,
                            f.highest_overseas_degree) AS degree,
                   f.study_country_name, f.departure_date, f.return_date,
                   CASE WHEN f.title_rank >= 1 THEN coalesce(f.title_name, f.title_level) END AS title
            FROM {RESTRICTED}.fact_application a
            JOIN {RESTRICTED}.dim_person p USING (person_id)
            LEFT JOIN {RESTRICTED}.person_profile f USING (person_id)
            LEFT JOIN degree d USING (person_id)
            LEFT JOIN hkmotw h USING (person_id)
            WHERE a.is_liuchuang AND a.year = $year
        ),
        months AS (
            SELECT *, CASE WHEN return_date >= departure_date
                           THEN (year(return_date) - year(departure_date)) * 12
                                + month(return_date) - month(departure_date) END AS abroad_months
            FROM rows WHERE $district IS NULL OR district = $district
        )
        SELECT row_number() OVER (ORDER BY category, application_id)::INTEGER AS "序号",
               name AS "姓名", CASE sex WHEN 'M' THEN '男' WHEN 'F' THEN '女' END AS "性别",
               CASE WHEN is_hkmotw THEN passport_no ELSE coalesce(id_number, passport_no) END AS "身份号码",
               date_sub('year', birth_date, $as_of)::INTEGER AS "年龄",
               degree AS "最高学历或学位", study_country_name AS "留学国别",
               CASE WHEN abroad_months >= 12 AND abroad_months % 12 = 0 THEN (abroad_months // 12)::VARCHAR || '年'
                    WHEN abroad_months >= 12
                        THEN (abroad_months // 12)::VARCHAR || '年' || (abroad_months % 12)::VARCHAR || '个月'
                    WHEN abroad_months IS NOT NULL THEN abroad_months::VARCHAR || '个月' END AS "海外学习及工作年限",
               title AS "专业技术职务", employer_name AS "所在单位", project_title AS "项目/课题名称",
               mobile AS "联系电话",
               concat_ws('；', category, status,
                         CASE WHEN is_hkmotw AND passport_no IS NULL THEN '港澳台人员，护照号缺失' END) AS "备注"
        FROM months ORDER BY "序号"
    """


def summary_rows(con: duckdb.DuckDBPyConnection, year: int, district: str | None = None) -> pl.DataFrame:
    """The rows of the summary table (columns `COLUMNS`) for the applications of `year`."""
    params = {"year": year, "district": district, "as_of": form_date(con, year)}
    rows: pl.DataFrame = con.sql(summary_sql(), params=params).pl()
    return rows.select(COLUMNS)


def write_summary_xlsx(rows: pl.DataFrame, path: Path, year: int, district: str | None = None) -> Path:
    """The attachment as a workbook: its title and filing lines, the header row (row 6), the rows
    and its notes, on one sheet named after it."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet(TITLE)
        bold = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True})
        cell = book.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
        title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
        last = len(COLUMNS) - 1
        sheet.merge_range(0, 0, 0, last, f"{TITLE}（{year}年）", title)
        sheet.write(1, 0, f"主管部门/区县人社局(盖章): {district or ''}")
        sheet.write(2, 0, "填表人:")
        sheet.write(3, 0, "联系电话:")
        sheet.write(4, 0, "填表日期:     年   月   日")
        header = 5
        sheet.write_row(header, 0, COLUMNS, bold)
        for r, values in enumerate(rows.iter_rows(), start=header + 1):
            sheet.write_row(r, 0, ["" if v is None else v for v in values], cell)
        end = header + 1 + rows.height
        for i, note in enumerate(NOTES):
            sheet.write(end + 1 + i, 0, note)
        widths = (6, 10, 6, 22, 6, 10, 12, 12, 14, 28, 28, 14, 20)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(header + 1, 0)
    return path
