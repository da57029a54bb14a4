"""The analyst file's privacy scan: organisation codes are not personal data, IDs and mobiles are,
wherever they hide (free text, lists, maps, structs), and a finding says where and what."""

from __future__ import annotations

import duckdb
import pytest
from stdnum.cn import ric, uscc

from warehouse.serve.privacy import Finding, findings_summary, scan_unmasked, shapes_in


def credit_code(first17: str) -> str:
    """A unified social credit code with its GB 32100 check character."""
    return first17 + uscc.calc_check_digit(first17)


def citizen_id(first17: str) -> str:
    """A citizen ID with its GB 11643 check character."""
    return first17 + ric.calc_check_digit(first17 + "0")


# Real-shaped codes of 机构编制 bodies (11 机关, 12 事业单位, 13 编办直接管理机构编制的群众团体, 19 其他),
# of enterprises (91) and of a body whose digits start like a mobile (135… reads as 135 0010 1929).
CODES = [
    credit_code("11500000MB1520417"),
    credit_code("12500000450400120"),
    credit_code("13500101929000000"),
    credit_code("1350010192903734X"),
    credit_code("19500000MC0000451"),
    credit_code("91500000MA5U7HK20"),
    credit_code("91500112203115860"),
]
ID = citizen_id("50010319900115001")
MOBILE = "13912345678"


def _analyst(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    con.execute("ATTACH ':memory:' AS analyst")
    con.execute(f"CREATE TABLE analyst.main.t AS {sql}")


@pytest.mark.parametrize("code", CODES)
def test_credit_codes_are_valid_and_not_personal_data(code: str) -> None:
    assert uscc.is_valid(code)
    assert shapes_in(code, organisation=True) == []
    assert shapes_in(code, organisation=False) == []
    assert shapes_in(f"所在单位统一社会信用代码{code}，已核实", organisation=False) == []


def test_a_published_table_of_employer_codes_passes() -> None:
    con = duckdb.connect()
    values = ", ".join(f"('{c}', '{c[:11]}', '重庆某单位 {c}')" for c in CODES)
    _analyst(con, f"SELECT * FROM (VALUES {values}) v(employer_uscc, employer_si_no, employer_note)")
    assert scan_unmasked(con, "analyst") == []


def test_an_id_inside_a_reason_is_found_and_named() -> None:
    con = duckdb.connect()
    _analyst(con, f"SELECT 'P1' AS person_id, '不符合：身份证号 {ID} 与出生日期不一致' AS reasons")
    findings = scan_unmasked(con, "analyst")
    assert findings == [Finding("main.t", "reasons", "身份证号", f"{ID[:6]}********{ID[-4:]}", 1)]
    line = findings_summary(findings)
    assert "main.t.reasons" in line and "身份证号" in line and ID not in line and ID[-4:] in line


@pytest.mark.parametrize(
    "select",
    [
        f"SELECT ['无', '联系电话 {MOBILE}'] AS contacts",
        "SELECT {'kind': '手机', 'value': '+86 139-1234-5678'} AS contacts",
        f"SELECT MAP {{'手机': '0086{MOBILE}'}} AS contacts",
        f"SELECT 'call {MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]} after 5pm' AS contacts",
    ],
)
def test_mobiles_hidden_in_lists_maps_structs_and_text_are_found(select: str) -> None:
    con = duckdb.connect()
    _analyst(con, select)
    findings = scan_unmasked(con, "analyst")
    assert [(f.column, f.kind, f.example) for f in findings] == [("contacts", "手机号", "139****5678")]


def test_ids_typed_in_groups_or_full_width_are_found() -> None:
    spaced = f"{ID[:6]} {ID[6:14]} {ID[14:]}"
    full_width = ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert shapes_in(f"证件：{spaced}", organisation=False) == [("身份证号", ID)]
    con = duckdb.connect()
    _analyst(con, f"SELECT '证件 {full_width}' AS note")
    assert [f.kind for f in scan_unmasked(con, "analyst")] == ["身份证号"]


def test_an_organisation_column_still_gives_away_a_citizen_id() -> None:
    con = duckdb.connect()
    _analyst(con, f"SELECT '{ID}' AS employer_uscc, '{MOBILE}' AS employer_si_no")
    findings = scan_unmasked(con, "analyst")
    assert [(f.column, f.kind) for f in findings] == [("employer_uscc", "身份证号")]


def test_masked_values_and_wrong_check_characters_are_no_shape_findings() -> None:
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    con = duckdb.connect()
    _analyst(
        con,
        f"SELECT '{ID[:6]}********{ID[-4:]}' AS id_masked, '139****5678' AS mobile_masked, '{wrong}' AS other,"
        " '2025年资助10万元，编号20250001' AS note",
    )
    assert scan_unmasked(con, "analyst") == []


def test_identifiers_the_warehouse_holds_are_found_as_words() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE known AS SELECT * FROM (VALUES ('护照号', 'E12345678'), ('电子邮箱', 'li@example.cn'))"
        " v(kind, value)"
    )
    _analyst(con, "SELECT '护照 E12345678 已过期' AS note, 'li@example.cn' AS contact, 'E1234567' AS other")
    findings = scan_unmasked(con, "analyst", known="known")
    assert sorted((f.column, f.kind, f.example) for f in findings) == [
        ("contact", "电子邮箱", "li@*******.cn"),
        ("note", "护照号", "E1*****78"),
    ]
