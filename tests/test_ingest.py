"""Readers and delivery selection on hand-made files in the contract's formats."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from landing_helpers import deliver

from sources.contract import load_contract
from sources.ingest import load_source
from sources.readers import StructuralError, read_file

CONTRACT = load_contract()


def _archives_csv(rows: list[list[str]], line_end: str = "\n") -> str:
    header = CONTRACT["archives"].person_file.headers
    return line_end.join("|".join(r) for r in [header, *rows]) + line_end


def _archive_row(no: str, name: str = "张三") -> list[str]:
    row = [""] * 16
    row[0], row[1], row[2], row[6], row[7] = no, name, "500103199001011234", "重庆市人才交流服务中心", "2020/1/2"
    return row


def test_csv_with_bom_crlf_quoted_newline_and_truncated_last_line(tmp_path: Path) -> None:
    spec = CONTRACT["archives"].person_file
    good = [_archive_row("A1"), _archive_row("A2", '"王\n五"')]
    text = "\ufeff" + _archives_csv(good, "\r\n") + "A3|李四|5001"  # last line cut mid-record
    path = tmp_path / "archives.csv"
    path.write_bytes(text.encode("utf-8"))
    read = read_file(path, spec)
    assert read.records_read == 3
    assert read.rows["archive_no"].to_list() == ["A1", "A2"]
    assert read.rows["name"].to_list() == ["张三", "王\n五"]
    assert read.rows["line_no"].to_list() == [2, 3]
    assert read.quarantine["line_no"].to_list() == [5]  # the quoted field spans lines 3–4
    assert "字段数" in read.quarantine["reason"][0]


def test_gbk_csv_decodes(tmp_path: Path) -> None:
    spec = CONTRACT["pi_hr"].person_file
    row = ["S1", "張?明", "500103199001011234"] + [""] * 15
    path = tmp_path / "staff.csv"
    path.write_bytes((",".join(spec.headers) + "\r\n" + ",".join(row) + "\r\n").encode("gbk"))
    read = read_file(path, spec)
    assert read.rows["name"].to_list() == ["張?明"]


def test_gbk_file_with_gb18030_rare_characters_keeps_them(tmp_path: Path) -> None:
    # A newer system exports GBK's superset: 𠮷 and 䶮 take four bytes there, and must survive.
    spec = CONTRACT["pi_hr"].person_file
    rows = [["S1", "张𠮷", "500103199001011234"] + [""] * 15, ["S2", "李䶮", "500103199001011234"] + [""] * 15]
    path = tmp_path / "staff.csv"
    text = ",".join(spec.headers) + "\r\n" + "".join(",".join(r) + "\r\n" for r in rows)
    path.write_bytes(text.encode("gb18030"))
    read = read_file(path, spec)
    assert read.rows["name"].to_list() == ["张𠮷", "李䶮"]
    assert read.quarantine.is_empty()


def test_missing_contract_column_names_it(tmp_path: Path) -> None:
    spec = CONTRACT["archives"].person_file
    headers = [h for h in spec.headers if h != "存档机构"]
    path = tmp_path / "archives.csv"
    path.write_text("|".join(headers) + "\n", encoding="utf-8")
    with pytest.raises(StructuralError, match="存档机构"):
        read_file(path, spec)


def test_extra_column_is_ignored_with_warning(tmp_path: Path) -> None:
    spec = CONTRACT["archives"].person_file
    path = tmp_path / "archives.csv"
    path.write_text(
        "|".join([*spec.headers, "备注"]) + "\n" + "|".join([*_archive_row("A1"), "x"]) + "\n", encoding="utf-8"
    )
    read = read_file(path, spec)
    assert read.rows.height == 1
    assert any("备注" in w for w in read.warnings)


def test_jsonl_malformed_line_is_quarantined(tmp_path: Path) -> None:
    spec = CONTRACT["soe_staff"].person_file
    good = {h: None for h in spec.headers} | {
        "emp_no": "E1",
        "company_uscc": "91500000MA5U000000",
        "name": "赵六",
        "overseas_edu": True,
    }
    path = tmp_path / "employees.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + '\n{"emp_no": "E2", "name": "钱\n', encoding="utf-8")
    read = read_file(path, spec)
    assert read.records_read == 2
    assert read.rows["emp_no"].to_list() == ["E1"]
    assert read.rows["studied_abroad"].to_list() == ["true"]
    assert read.quarantine["line_no"].to_list() == [2]
    assert "JSON" in read.quarantine["reason"][0]


def test_cut_gzip_is_structural(tmp_path: Path) -> None:
    spec = CONTRACT["social_insurance"].person_file
    data = gzip.compress(("\n".join([",".join(spec.headers)] * 200)).encode())
    path = tmp_path / "si_extract.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StructuralError, match="gzip"):
        read_file(path, spec)


def test_xlsx_float_id_and_serial_date(tmp_path: Path) -> None:
    spec = CONTRACT["survey"].person_file
    path = tmp_path / "survey_2026.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("调查表")
    sheet.write_row(0, 0, spec.headers)
    sheet.write_row(1, 0, ["DC2026-1", "张三", "男", "居民身份证"])
    sheet.write_number(1, 4, 5.00103199e17)
    sheet.write_number(1, 5, 44392)
    sheet.write_row(2, 0, ["DC2026-2", "李四", "男", "居民身份证"])
    sheet.write_string(2, 4, "500103199001011234")  # digits stored as text stay exact
    workbook.close()
    read = read_file(path, spec)
    assert read.rows["id_number"].to_list() == ["5.00103199E+17", "500103199001011234"]
    assert read.rows["birth_date"].to_list() == ["44392", None]
    assert read.rows["line_no"].to_list() == [2, 3]


def test_header_with_full_width_brackets_is_the_contract_column(tmp_path: Path) -> None:
    spec = CONTRACT["survey"].person_file
    headers = [h.replace("(", "（").replace(")", "）") for h in spec.headers]
    assert "留学国家（地区）" in headers
    path = tmp_path / "survey_2026.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("调查表")
    sheet.write_row(0, 0, headers)
    sheet.write_row(1, 0, ["DC2026-1", "张三", "男", "居民身份证", "", "", "", "", "美国"])
    workbook.close()
    read = read_file(path, spec)
    assert read.rows["study_country"].to_list() == ["美国"]
    assert read.warnings == []


def test_not_a_workbook_is_structural(tmp_path: Path) -> None:
    path = tmp_path / "survey_2026.xlsx"
    path.write_text("这不是工作簿", encoding="utf-8")
    with pytest.raises(StructuralError, match="xlsx"):
        read_file(path, CONTRACT["survey"].person_file)


def test_mismatched_manifest_rejects_delivery_and_keeps_previous(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    old = _archives_csv([_archive_row("A1")]).encode()
    new = _archives_csv([_archive_row("A1"), _archive_row("A2")]).encode()
    deliver(landing, "archives", "2026-11-01", {"archives.csv": old}, {"archives.csv": 1})
    deliver(landing, "archives", "2026-11-08", {"archives.csv": new}, {"archives.csv": 5})
    load = load_source(landing, CONTRACT["archives"])
    status = {o.delivery_date: (o.status, o.reason) for o in load.outcomes}
    assert status["2026-11-08"][0] == "rejected"
    assert "记录数为 2，清单为 5" in status["2026-11-08"][1]
    assert status["2026-11-01"][0] == "current"
    assert load.bronze["archives"]["record_key"].to_list() == ["A1"]


def test_sha_mismatch_and_incomplete_delivery(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    data = _archives_csv([_archive_row("A1")]).encode()
    folder = deliver(landing, "archives", "2026-11-01", {"archives.csv": data}, {"archives.csv": 1})
    (folder / "archives.csv").write_bytes(data + b"A9|x\n")
    (landing / "archives" / "2026-11-09").mkdir()  # still being copied: no manifest
    load = load_source(landing, CONTRACT["archives"])
    assert [(o.delivery_date, o.status) for o in load.outcomes] == [("2026-11-01", "rejected")]
    assert "sha256" in load.outcomes[0].reason
    assert load.bronze["archives"].is_empty()


def test_empty_and_duplicate_keys_are_quarantined(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    data = _archives_csv([_archive_row("A1"), _archive_row(" "), _archive_row("A1 ")]).encode()
    deliver(landing, "archives", "2026-11-01", {"archives.csv": data}, {"archives.csv": 3})
    load = load_source(landing, CONTRACT["archives"])
    assert load.bronze["archives"]["record_key"].to_list() == ["A1"]
    reasons = sorted(load.quarantine["reason"].to_list())
    assert len(reasons) == 2
    assert any("为空" in r for r in reasons) and any("重复" in r for r in reasons)


def test_survey_years_accumulate(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    headers = CONTRACT["survey"].person_file.headers
    for year in ("2025", "2026"):
        path = tmp_path / f"survey_{year}.xlsx"
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet("调查表")
        sheet.write_row(0, 0, headers)
        sheet.write_row(1, 0, [f"DC{year}-1", "张三"])
        workbook.close()
        deliver(landing, "survey", f"{year}-03-31", {path.name: path.read_bytes()}, {path.name: 1})
    load = load_source(landing, CONTRACT["survey"])
    assert sorted(load.bronze["survey"]["record_key"].to_list()) == ["DC2025-1", "DC2026-1"]


def test_vendored_contract_matches_shared(shared_inputs: Path) -> None:
    shared = shared_inputs / "contract" / "sources.yaml"
    vendored = Path(__file__).resolve().parents[1] / "sources" / "sources.yaml"
    assert vendored.read_bytes() == shared.read_bytes()


def _survey_with_empty_string_rows(path: Path, blank: int) -> bytes:
    """A survey workbook of two answers followed by `blank` rows whose cells hold "" (as pandas
    writes them; xlsxwriter itself drops empty strings, so the rows are added to the sheet XML)."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("调查表")
    sheet.write_row(0, 0, CONTRACT["survey"].person_file.headers)
    sheet.write_row(1, 0, ["DC2026-1", "张三"])
    sheet.write_row(2, 0, ["DC2026-2", "李四"])
    workbook.close()
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    cells = "".join(f'<c r="{chr(65 + i)}{{row}}" t="inlineStr"><is><t></t></is></c>' for i in range(20))
    rows = "".join(f'<row r="{r}">{cells.format(row=r)}</row>' for r in range(4, 4 + blank))
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode().replace("</sheetData>", rows + "</sheetData>")
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path.read_bytes()


@pytest.mark.parametrize(("counted", "quarantined"), [(2, []), (5, [4, 5, 6])])
def test_xlsx_rows_of_empty_strings_are_no_records_whichever_way_the_manifest_counts(
    tmp_path: Path, counted: int, quarantined: list[int]
) -> None:
    landing = tmp_path / "landing"
    data = _survey_with_empty_string_rows(tmp_path / "survey_2026.xlsx", 3)
    deliver(landing, "survey", "2026-03-31", {"survey_2026.xlsx": data}, {"survey_2026.xlsx": counted})
    load = load_source(landing, CONTRACT["survey"])
    assert [o.status for o in load.outcomes] == ["current"]
    assert load.bronze["survey"]["record_key"].to_list() == ["DC2026-1", "DC2026-2"]
    assert load.quarantine["line_no"].to_list() == quarantined
    assert set(load.quarantine["reason"].to_list()) <= {"空行：各单元格均为空字符串"}
