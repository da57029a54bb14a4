"""Damaged and unexpected files, one case at a time, from the reader up to a real DuckDB.

Complements tests/test_ingest.py (which covers the everyday quirks) with the failure cases
of the reliability issue: truncated files, wrong encodings, empty files, missing and extra
columns per format, cut gzip and non-workbooks at the delivery level, hostile manifests.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter
from landing_helpers import deliver

from quality.accounting import file_accounting
from sources.contract import FileSpec, load_contract
from sources.ingest import load_source
from sources.readers import FileRead, StructuralError, read_file
from warehouse.store.bronze import write_source
from warehouse.store.schema import ensure_run_tables
from warehouse.store.segments import SegmentStore

CONTRACT = load_contract()
ARCHIVES = CONTRACT["archives"].person_file
PI_HR = CONTRACT["pi_hr"].person_file
SOE = CONTRACT["soe_staff"].person_file
SURVEY = CONTRACT["survey"].person_file


def _archives(rows: list[str]) -> str:
    return "\n".join(["|".join(ARCHIVES.headers), *rows]) + "\n"


def _archive_row(no: str, name: str = "张三", last: str = "") -> str:
    fields = [no, name, "500103199001011234", "", "", "", "重庆市人才交流服务中心", "2020/1/2", *[""] * 7, last]
    return "|".join(fields)


def _pi_hr(rows: list[str]) -> str:
    return "\r\n".join([",".join(PI_HR.headers), *rows]) + "\r\n"


def _staff_row(no: str, name: str) -> str:
    return ",".join([no, name, "500103199001011234", *[""] * 10, "重庆大学", "12500000450400000X", "", "", "在职"])


def _employee(no: str, **extra: object) -> dict[str, object]:
    return {h: None for h in SOE.headers} | {"emp_no": no, "company_uscc": "91500000MA5U000000", "name": "赵六"} | extra


def _jsonl(objects: list[dict]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode("utf-8")


def _survey(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(SURVEY.sheet)
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    workbook.close()
    return buffer.getvalue()


def _read(tmp_path: Path, name: str, data: bytes, spec: FileSpec = ARCHIVES) -> FileRead:
    path = tmp_path / name
    path.write_bytes(data)
    return read_file(path, spec)


# --- truncated files ---------------------------------------------------------------------


def test_file_cut_inside_a_quoted_field_quarantines_the_cut_record(tmp_path: Path) -> None:
    text = _archives([_archive_row("A1"), _archive_row("A2", last='"第一行\n第二')])  # closing quote lost
    read = _read(tmp_path, "archives.csv", text.removesuffix("\n").encode())
    assert read.records_read == 2
    assert read.rows["archive_no"].to_list() == ["A1"]
    assert read.quarantine["line_no"].to_list() == [3]
    assert read.quarantine["raw"][0] == _archive_row("A2", last='"第一行\n第二')  # as delivered, quotes and all
    assert "CSV" in read.quarantine["reason"][0]


def test_quarantined_record_keeps_the_delivered_text(tmp_path: Path) -> None:
    bad = 'A2|"王|五"|多余|字段'
    read = _read(tmp_path, "archives.csv", _archives([_archive_row("A1"), bad]).encode())
    assert read.quarantine.rows() == [(3, bad, "字段数为 4，表头为 16（行不完整或多余分隔符）")]


def test_jsonl_cut_mid_line_and_crlf(tmp_path: Path) -> None:
    data = _jsonl([_employee("E1")]).replace(b"\n", b"\r\n") + b'{"emp_no": "E2", "na'
    read = _read(tmp_path, "employees.jsonl", data, SOE)
    assert read.rows["emp_no"].to_list() == ["E1"]
    assert read.rows["name"].to_list() == ["赵六"]  # no stray \r
    assert read.quarantine["line_no"].to_list() == [2]


# --- wrong encoding ----------------------------------------------------------------------


def test_gbk_file_for_a_utf8_source_is_rejected_naming_the_encoding(tmp_path: Path) -> None:
    text = _archives([_archive_row(f"A{i}", name="欧阳娜娜") for i in range(20)])
    with pytest.raises(StructuralError, match=r"编码.*gbk"):
        _read(tmp_path, "archives.csv", text.encode("gbk"))


def test_utf8_file_for_the_gbk_source_is_rejected_naming_the_encoding(tmp_path: Path) -> None:
    text = _pi_hr([_staff_row(f"S{i}", "诸葛亮") for i in range(20)])
    with pytest.raises(StructuralError, match="utf-8 编码"):
        _read(tmp_path, "staff.csv", text.encode("utf-8"), PI_HR)


def test_undecodable_bytes_quarantine_only_their_record(tmp_path: Path) -> None:
    good = _pi_hr([_staff_row("S1", "張三"), _staff_row("S2", "李四")]).encode("gbk")
    bad = _staff_row("S3", "王").encode("gbk")[:-4] + b"\xff\xfe\r\n"
    read = _read(tmp_path, "staff.csv", good + bad, PI_HR)
    assert read.rows["staff_no"].to_list() == ["S1", "S2"]
    assert read.quarantine["line_no"].to_list() == [4]
    assert "gbk" in read.quarantine["reason"][0]
    assert "\ufffd" in read.quarantine["raw"][0]


def test_a_replacement_character_written_by_the_source_is_data(tmp_path: Path) -> None:
    read = _read(tmp_path, "archives.csv", _archives([_archive_row("A1", name="张\ufffd")]).encode())
    assert read.rows["name"].to_list() == ["张\ufffd"]
    assert read.quarantine.is_empty()


# --- empty files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "spec"),
    [
        ("archives.csv", b"", ARCHIVES),
        ("archives.csv", "\ufeff".encode(), ARCHIVES),
        ("si_extract.csv.gz", gzip.compress(b""), CONTRACT["social_insurance"].person_file),
        ("employees.jsonl", b"", SOE),
        ("employees.jsonl", b"\n\r\n  \n", SOE),
        ("survey_2026.xlsx", _survey([], []), SURVEY),
    ],
    ids=["csv", "csv-bom-only", "gzip", "jsonl", "jsonl-blank-lines", "xlsx-empty-sheet"],
)
def test_empty_file_is_rejected(tmp_path: Path, name: str, data: bytes, spec: FileSpec) -> None:
    with pytest.raises(StructuralError, match="为空"):
        _read(tmp_path, name, data, spec)


def test_header_only_file_has_no_records(tmp_path: Path) -> None:
    read = _read(tmp_path, "archives.csv", _archives([]).encode())
    assert (read.records_read, read.rows.height, read.quarantine.height) == (0, 0, 0)


# --- hostile JSON values -----------------------------------------------------------------


def test_jsonl_line_separator_inside_a_value_is_one_record(tmp_path: Path) -> None:
    read = _read(tmp_path, "employees.jsonl", _jsonl([_employee("E1", name="赵\u2028六\x85"), _employee("E2")]), SOE)
    assert read.records_read == 2
    assert read.rows["name"].to_list() == ["赵\u2028六\x85", "赵六"]


@pytest.mark.parametrize(
    "line",
    ['{"emp_no": "E\\udc80", "name": "x"}', '{"emp_no": ' + "9" * 5000 + "}", "[" * 100_000 + "]" * 100_000],
    ids=["lone-surrogate", "huge-integer", "deep-nesting"],
)
def test_jsonl_line_python_cannot_hold_is_quarantined(tmp_path: Path, line: str) -> None:
    data = _jsonl([_employee("E1")]) + line.encode() + b"\n"
    read = _read(tmp_path, "employees.jsonl", data, SOE)
    assert read.rows["emp_no"].to_list() == ["E1"]
    assert read.quarantine["line_no"].to_list() == [2]
    assert "JSON" in read.quarantine["reason"][0]


def test_repeated_contract_column_is_read_once_with_a_warning(tmp_path: Path) -> None:
    header = "|".join([*ARCHIVES.headers, "姓名"])
    read = _read(tmp_path, "archives.csv", (header + "\n" + _archive_row("A1") + "|李四\n").encode())
    assert read.rows["name"].to_list() == ["张三"]
    assert any("姓名" in w and "多次" in w for w in read.warnings)


# --- whole deliveries --------------------------------------------------------------------


def test_jsonl_missing_a_contract_field_rejects_the_delivery_naming_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    deliver(landing, "soe_staff", "2026-10-01", {"employees.jsonl": _jsonl([_employee("E1")])}, {"employees.jsonl": 1})
    newer = [{k: v for k, v in _employee(f"E{i}").items() if k != "id_no"} for i in range(3)]
    deliver(landing, "soe_staff", "2026-10-31", {"employees.jsonl": _jsonl(newer)}, {"employees.jsonl": 3})
    load = load_source(landing, CONTRACT["soe_staff"])
    status = {o.delivery_date: (o.status, o.reason) for o in load.outcomes}
    assert status["2026-10-31"][0] == "rejected" and "id_no" in status["2026-10-31"][1]
    assert status["2026-10-01"][0] == "current"
    assert load.bronze["soe_staff"]["record_key"].to_list() == ["91500000MA5U000000|E1"]


def test_xlsx_missing_a_contract_column_rejects_the_delivery_naming_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    header = [h for h in SURVEY.headers if h != "证件号码"]
    data = _survey(header, [["DC2026-1", "张三"]])
    deliver(landing, "survey", "2026-03-31", {"survey_2026.xlsx": data}, {"survey_2026.xlsx": 1})
    (outcome,) = load_source(landing, CONTRACT["survey"]).outcomes
    assert outcome.status == "rejected" and "证件号码" in outcome.reason


def test_gbk_csv_missing_a_contract_column_rejects_the_delivery_naming_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    header = ",".join(h for h in PI_HR.headers if h != "公民身份号码")
    data = (header + "\r\n" + ",".join(["S1", "张三", *[""] * 16]) + "\r\n").encode("gbk")
    deliver(landing, "pi_hr", "2026-11-01", {"staff.csv": data}, {"staff.csv": 1})
    (outcome,) = load_source(landing, CONTRACT["pi_hr"]).outcomes
    assert outcome.status == "rejected" and "公民身份号码" in outcome.reason


def test_extra_columns_in_jsonl_and_xlsx_are_ignored_with_a_warning(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    objects = [_employee("E1", 工号备注="x")]
    deliver(landing, "soe_staff", "2026-11-30", {"employees.jsonl": _jsonl(objects)}, {"employees.jsonl": 1})
    soe = load_source(landing, CONTRACT["soe_staff"])
    assert soe.bronze["soe_staff"].height == 1
    assert any("soe_staff/2026-11-30" in w and "工号备注" in w for w in soe.warnings)
    data = _survey([*SURVEY.headers, "备注"], [["DC2026-1", "张三", *[None] * 17, "2026-03-01", "x"]])
    deliver(landing, "survey", "2026-03-31", {"survey_2026.xlsx": data}, {"survey_2026.xlsx": 1})
    survey = load_source(landing, CONTRACT["survey"])
    assert survey.bronze["survey"]["record_key"].to_list() == ["DC2026-1"]
    assert any("备注" in w for w in survey.warnings)


@pytest.mark.parametrize(
    ("source", "name", "damage", "reason"),
    [
        ("social_insurance", "si_extract.csv.gz", lambda d: d[: len(d) // 2], "gzip"),
        ("social_insurance", "si_extract.csv.gz", lambda d: d + b"trailing garbage", "gzip"),
        ("survey", "survey_2025.xlsx", lambda d: d[:-100], "xlsx"),
        ("survey", "survey_2025.xlsx", lambda d: "这不是工作簿".encode(), "xlsx"),
    ],
    ids=["cut-gzip", "gzip-with-garbage", "cut-workbook", "text-as-workbook"],
)
def test_damaged_file_with_matching_manifest_rejects_only_its_delivery(
    tmp_path: Path, source: str, name: str, damage: Callable[[bytes], bytes], reason: str
) -> None:
    landing = tmp_path / "landing"
    spec = CONTRACT[source].person_file
    if source == "survey":
        good = _survey(SURVEY.headers, [["DC2025-1", "张三"]])
        deliver(landing, source, "2025-03-31", {"survey_2024.xlsx": good}, {"survey_2024.xlsx": 1})
    else:
        row = ["SI1", "", "", "", "", "职工基本医疗保险", *[""] * (len(spec.headers) - 6)]
        good = gzip.compress(("\n".join([",".join(spec.headers), ",".join(row)]) + "\n").encode())
        deliver(landing, source, "2026-11-20", {name: good}, {name: 1})
    deliver(landing, source, "2026-11-21", {name: damage(good)}, {name: 1})
    load = load_source(landing, CONTRACT[source])
    status = {o.delivery_date: (o.status, o.reason) for o in load.outcomes}
    assert status["2026-11-21"][0] == "rejected" and reason in status["2026-11-21"][1]
    assert sorted(s for s, _ in status.values()) == ["current", "rejected"]
    assert load.bronze[source].height == 1


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (
            '{"files": [{"name": "archives.csv", "rows": 1, "sha256": "x"}, '
            '{"name": "archives.csv", "rows": 1, "sha256": "x"}]}',
            "重复",
        ),
        ('{"files": [{"name": "archives\\ud800.csv", "rows": 1, "sha256": "x"}]}', "无法解析"),
        ('{"files": ' + "[" * 100_000 + "]" * 100_000 + "}", "无法解析"),
        ('{"files": "archives.csv"}', "无法解析"),
        ("\xff\xfe not json", "无法解析"),
    ],
    ids=["duplicate-file", "invalid-escape", "deep-nesting", "files-not-a-list", "not-json"],
)
def test_hostile_manifest_rejects_the_delivery_with_a_storable_reason(
    tmp_path: Path, manifest: str, reason: str
) -> None:
    folder = tmp_path / "landing" / "archives" / "2026-11-16"
    folder.mkdir(parents=True)
    (folder / "archives.csv").write_text(_archives([_archive_row("A1")]), encoding="utf-8")
    (folder / "_manifest.json").write_bytes(manifest.encode("utf-8", errors="surrogateescape"))
    (outcome,) = load_source(tmp_path / "landing", CONTRACT["archives"]).outcomes
    assert outcome.status == "rejected" and reason in outcome.reason
    outcome.reason.encode("utf-8")  # goes into the deliveries table


def test_hostile_delivery_lands_in_duckdb_and_every_row_is_accounted(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    rows = [
        _archive_row("A1", name="张\x00三"),
        _archive_row("A2", name="x" * 100_000),
        _archive_row("A3", name="🀄️ \u202e"),
        'A4|"引号"后有字|x',
        "A5|太少",
        _archive_row(" "),
        _archive_row("A1"),
        "",
    ]
    data = _archives(rows).encode("utf-8")
    deliver(landing, "archives", "2026-11-16", {"archives.csv": data}, {"archives.csv": 7})
    load = load_source(landing, CONTRACT["archives"])
    assert [o.status for o in load.outcomes] == ["current"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_run_tables(con)
        store = SegmentStore(con, tmp_path / "w.duckdb.segments", "test")
        outcomes = pl.DataFrame([o.__dict__ for o in load.outcomes])
        write_source(store, CONTRACT["archives"], load, {}, outcomes, "test", full=True)
        accounting = file_accounting(con)
        names = [r[0] for r in con.execute("SELECT name FROM bronze.archives ORDER BY line_no").fetchall()]
    assert accounting.select("file", "rows_read", "rows_kept", "rows_quarantined", "unaccounted").rows() == [
        ("archives.csv", 7, 3, 4, 0),
        ("bronze", 3, 3, 0, 0),  # rows kept from the source's files = rows its bronze tables hold
    ]
    assert names == ["张\x00三", "x" * 100_000, "🀄️ \u202e"]
