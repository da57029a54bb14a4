"""附件2《留创计划申报人员情况汇总表》on hand-built persons: the attachment's notes 1 and 2, age,
degree and the year and district filters; the workbook read back with its header row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from warehouse.serve.liuchuang_summary import COLUMNS, summary_rows, write_summary_xlsx
from warehouse.store.db import write_table

PERSONS = pl.DataFrame(
    {
        "person_id": ["P1", "P2", "P3"],
        "name": ["李娜", "陳大文", "王伟"],
        "sex": ["F", "M", "M"],
        "birth_date": [dt.date(1990, 3, 1), dt.date(1985, 12, 31), dt.date(1992, 6, 15)],
        "id_number": ["500103199003011223", "810000198512310017", "500103199206151234"],
        "passport_no": [None, "K12345678", None],
        "mobile": ["13800000001", "13800000002", "13800000003"],
        "employer_name": ["重庆星河科技有限公司", "重庆港渝贸易有限公司", "重庆大学"],
        "employer_district": ["渝北区", "渝中区", "沙坪坝区"],
        "district": ["渝北区", None, None],
    }
)
PROFILES = pl.DataFrame(
    {
        "person_id": ["P1", "P2", "P3"],
        "highest_overseas_degree": ["硕士", "学士", None],
        "study_country_name": ["英国", "美国", "德国"],
        "departure_date": [dt.date(2012, 9, 1), dt.date(2010, 1, 1), None],
        "return_date": [dt.date(2016, 2, 1), dt.date(2013, 1, 1), dt.date(2020, 7, 1)],
        "title_rank": [0, 3, 2],
        "title_level": ["无", "副高级", "中级"],
        "title_name": [None, "高级工程师", None],
    }
)
APPLICATIONS = pl.DataFrame(
    {
        "application_id": ["SB2025000002", "SB2025000001", "SB2025000003", "SB2024000001"],
        "person_id": ["P1", "P2", "P3", "P3"],
        "is_liuchuang": [True, True, True, True],
        "category": ["创新类", "创业类", "创新类", "创新类"],
        "year": [2025, 2025, 2025, 2024],
        "project_title": ["石墨烯电池研究", "跨境贸易平台", "智能网联汽车", "旧项目"],
        "status": ["已资助", "未通过", "专家评审", "未通过"],
    }
)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_table(connection, "restricted.dim_person", PERSONS)
    write_table(connection, "restricted.person_profile", PROFILES)
    write_table(connection, "restricted.fact_application", APPLICATIONS)
    write_table(
        connection,
        "restricted.fact_education",
        pl.DataFrame({"person_id": ["P1", "P3"], "degree": ["硕士", "博士"]}),
    )
    # P2 is a Hong Kong resident: a travel permit on one record, a residence permit number as ID
    write_table(
        connection,
        "records",
        pl.DataFrame({"record_uid": ["survey:1", "si:2"], "id_kind": ["HKMO", "RIC"], "id_number": [None, "x"]}),
    )
    write_table(
        connection, "person_registry", pl.DataFrame({"record_uid": ["survey:1", "si:2"], "person_id": ["P2", "P1"]})
    )
    write_table(connection, "deliveries", pl.DataFrame({"delivery_date": ["2026-11-21"], "status": ["current"]}))
    return connection


def test_rows_follow_the_attachments_notes(con: duckdb.DuckDBPyConnection) -> None:
    rows = summary_rows(con, 2025)
    assert tuple(rows.columns) == COLUMNS
    by_name = {r["姓名"]: r for r in rows.iter_rows(named=True)}
    assert list(rows["序号"]) == [1, 2, 3]
    assert list(rows["姓名"]) == ["陳大文", "李娜", "王伟"]  # 创业类 first, then by application
    hk, li, wang = by_name["陳大文"], by_name["李娜"], by_name["王伟"]
    assert hk["身份号码"] == "K12345678"  # 说明 2: passport for Hong Kong, Macao and Taiwan residents
    assert li["身份号码"] == "500103199003011223"
    assert li["海外学习及工作年限"] == "3年5个月" and hk["海外学习及工作年限"] == "3年"  # 说明 1: to the month
    assert wang["海外学习及工作年限"] is None
    assert li["年龄"] == 35 and hk["年龄"] == 40  # on 2025-12-31, the last day of the form year
    assert wang["最高学历或学位"] == "博士" and hk["最高学历或学位"] == "学士"
    assert hk["专业技术职务"] == "高级工程师" and wang["专业技术职务"] == "中级" and li["专业技术职务"] is None
    assert hk["性别"] == "男" and li["性别"] == "女"
    assert li["备注"] == "创新类；已资助" and wang["项目/课题名称"] == "智能网联汽车"


def test_year_and_district_filters(con: duckdb.DuckDBPyConnection) -> None:
    assert summary_rows(con, 2024)["姓名"].to_list() == ["王伟"]
    assert summary_rows(con, 2025, "渝北区")["姓名"].to_list() == ["李娜"]
    assert summary_rows(con, 2025, "万州区").is_empty()


def test_a_hong_kong_resident_without_passport_is_flagged(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE restricted.dim_person SET passport_no = NULL WHERE person_id = 'P2'")
    row = summary_rows(con, 2025).filter(pl.col("姓名") == "陳大文").row(0, named=True)
    assert row["身份号码"] is None and "港澳台人员，护照号缺失" in row["备注"]


def test_the_workbook_reads_back_with_the_header_row(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write_summary_xlsx(summary_rows(con, 2025), tmp_path / "out" / "summary.xlsx", 2025, "渝北区")
    sheet = pl.read_excel(path, read_options={"header_row": 5}, infer_schema_length=0)
    assert tuple(sheet.columns) == COLUMNS
    assert sheet["姓名"].head(3).to_list() == ["陳大文", "李娜", "王伟"]
    top = pl.read_excel(path, read_options={"header_row": None}, infer_schema_length=0)
    assert top.row(0)[0] == "留创计划申报人员情况汇总表（2025年）"
    assert top.row(1)[0] == "主管部门/区县人社局(盖章): 渝北区"
