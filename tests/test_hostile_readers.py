"""Hostile input for every reader: arbitrary bytes and text never raise anything but a rejection.

Property: `read_file` either raises `StructuralError` (the delivery is rejected with a reason)
or accounts for every record: each is a row or a quarantine row with a reason, and the rows
load into a real DuckDB unchanged. Well-formed files with hostile values read back exactly.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sources.contract import FileSpec, load_contract
from sources.readers import FileRead, StructuralError, read_file

CONTRACT = load_contract()
ARCHIVES = CONTRACT["archives"].person_file  # utf-8, "|"
PI_HR = CONTRACT["pi_hr"].person_file  # gbk, ","
PERSONS = CONTRACT["prof_tech"].person_file  # utf-8-sig, ","
SI = CONTRACT["social_insurance"].person_file  # gzip csv
SOE = CONTRACT["soe_staff"].person_file  # jsonl
SURVEY = CONTRACT["survey"].person_file  # xlsx

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Characters CSV and JSON parsers care about, plus ones that break naive code.
TRICKY = "|,\"'\r\n\t \x00\ufeff\ufffd\u2028\u0085\x0b\u3000\\{}[]:张三吕歐E+.0123456789xX"
FIELD = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(exclude_categories=("Cs",)), max_size=12)


def _read(data: bytes, spec: FileSpec, name: str) -> FileRead | None:
    """Read `data` as a delivered file; None when rejected. Asserts the reader's promises."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            read = read_file(path, spec)
        except StructuralError as exc:
            assert str(exc).strip(), "a rejection must say why"
            return None
    _assert_accounted(read, spec)
    return read


def _assert_accounted(read: FileRead, spec: FileSpec) -> None:
    assert read.rows.columns == [*[c.field for c in spec.columns], "line_no"]
    assert all(dtype == pl.Utf8 for dtype in read.rows.drop("line_no").dtypes)
    assert read.rows.height + read.quarantine.height == read.records_read
    assert read.quarantine["reason"].null_count() == 0
    assert all(reason.strip() for reason in read.quarantine["reason"])
    assert read.rows["line_no"].null_count() == 0 and (read.rows["line_no"] >= 1).all()
    assert (read.quarantine["line_no"] >= 1).all()
    with duckdb.connect() as con:  # what the bronze asset does with the frames
        con.register("rows_frame", read.rows.to_arrow())
        con.register("quarantine_frame", read.quarantine.to_arrow())
        assert con.sql("SELECT * FROM rows_frame ORDER BY line_no").pl().equals(read.rows.sort("line_no"))
        assert con.execute("SELECT count(reason) FROM quarantine_frame").fetchall()[0][0] == read.quarantine.height


def _written_csv(spec: FileSpec, rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=spec.delimiter, lineterminator="\r\n")
    writer.writerows([spec.headers, *rows])
    return out.getvalue()


def _rows(spec: FileSpec) -> st.SearchStrategy[list[list[str]]]:
    width = len(spec.headers)
    return st.lists(st.lists(FIELD, min_size=width, max_size=width), max_size=8)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_in_every_format(data: bytes) -> None:
    for spec, name in ((ARCHIVES, "archives.csv"), (PI_HR, "staff.csv"), (SI, "si_extract.csv.gz"), (SOE, "e.jsonl")):
        _read(data, spec, name)
    _read(data, SURVEY, "survey_2026.xlsx")


@SETTINGS
@given(rows=_rows(ARCHIVES))
def test_well_formed_csv_with_hostile_values_reads_back_exactly(rows: list[list[str]]) -> None:
    rows = [r for r in rows if any(r)]  # a record of empty fields only may be a blank line
    read = _read(_written_csv(ARCHIVES, rows).encode("utf-8"), ARCHIVES, "archives.csv")
    assert read is not None and read.quarantine.is_empty()
    assert read.rows.drop("line_no").rows() == [tuple(r) for r in rows]


@SETTINGS
@given(rows=_rows(PERSONS), tail=st.text(alphabet=TRICKY, max_size=30), cut=st.integers(min_value=0, max_value=400))
def test_csv_cut_anywhere_or_with_junk_accounts_for_every_record(rows: list[list[str]], tail: str, cut: int) -> None:
    text = "\ufeff" + _written_csv(PERSONS, rows)
    _read((text + tail).encode("utf-8"), PERSONS, "persons.csv")
    _read(text[: len(text) - cut].encode("utf-8"), PERSONS, "persons.csv")


def _csv_module_reading(text: str, spec: FileSpec) -> tuple[list[tuple], list[tuple[int, str]], int]:
    """The oracle: every record read by the csv module alone, line by line.

    Returns (rows as (line_no, *header-ordered fields)), (line_no, raw) of rejected records, records.
    """
    lines = io.StringIO(text, newline="").readlines()
    position, pending = 0, []

    def feed():  # physical lines, remembering those of the current record
        nonlocal position
        while position < len(lines):
            pending.append(lines[position])
            position += 1
            yield lines[position - 1]

    reader = csv.reader(feed(), delimiter=spec.delimiter, strict=True)
    width = len(next(reader))
    pending.clear()
    rows, rejects, records = [], [], 0
    while True:
        line_no = position + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            records += 1
            rejects.append((line_no, "".join(pending).removesuffix("\n").removesuffix("\r")))
            pending.clear()
            reader = csv.reader(feed(), delimiter=spec.delimiter, strict=True)
            continue
        raw = "".join(pending).removesuffix("\n").removesuffix("\r")
        pending.clear()
        if not record:
            continue
        records += 1
        if len(record) == width:
            rows.append((line_no, *record))
        else:
            rejects.append((line_no, raw))
    return rows, rejects, records


CELL = st.sampled_from(["a", "张三", "", " ", '"q"', '"x|y"', '"two\nlines"', '"say ""hi"""', '"', 'a"b', "\x00"])
LINE_END = st.sampled_from(["\n", "\r\n", "\r"])
RECORD = st.builds(lambda cells, end: "|".join(cells) + end, st.lists(CELL, min_size=16, max_size=16), LINE_END)
JUNK_PART = st.sampled_from(["a", "|", '"', " ", "\x00"])
JUNK = st.builds(lambda parts, end: "".join(parts) + end, st.lists(JUNK_PART, max_size=6), LINE_END)


@SETTINGS
@given(lines=st.lists(st.one_of(RECORD, RECORD, RECORD, JUNK), max_size=40))
def test_csv_reads_as_the_csv_module_does(lines: list[str]) -> None:
    """Plain lines are split with polars, lines with quotes by the csv module: together exactly the
    csv module's reading (rows, line numbers, rejected lines, record count)."""
    text = "|".join(ARCHIVES.headers) + "\n" + "".join(lines)
    read = _read(text.encode("utf-8"), ARCHIVES, "archives.csv")
    rows, rejects, records = _csv_module_reading(text, ARCHIVES)
    if read is None:  # refused: more than half of the records cannot be read
        assert len(rejects) > records / 2
        return
    fields = [c.field for c in ARCHIVES.columns]
    assert read.rows.select("line_no", *fields).rows() == rows
    assert read.quarantine.select("line_no", "raw").rows() == rejects
    assert read.records_read == records


@SETTINGS
@given(rows=_rows(PI_HR), body=st.binary(max_size=300))
def test_gbk_csv_with_hostile_bytes(rows: list[list[str]], body: bytes) -> None:
    _read(_written_csv(PI_HR, rows).encode("gbk", errors="replace") + body, PI_HR, "staff.csv")


@SETTINGS
@given(rows=_rows(SI), cut=st.integers(min_value=0, max_value=3000), flip=st.integers(min_value=0, max_value=3000))
def test_gzip_cut_or_damaged(rows: list[list[str]], cut: int, flip: int) -> None:
    data = bytearray(gzip.compress(_written_csv(SI, rows).encode("utf-8")))
    _read(bytes(data[:cut]), SI, "si_extract.csv.gz")
    data[flip % len(data)] ^= 0x5A
    _read(bytes(data), SI, "si_extract.csv.gz")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | FIELD,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(FIELD, children, max_size=3),
    max_leaves=6,
)
SOE_OBJECTS = st.fixed_dictionaries({h: JSON_VALUES for h in SOE.headers}, optional={"备注": JSON_VALUES})


@SETTINGS
@given(
    objects=st.lists(SOE_OBJECTS, min_size=1, max_size=6),
    junk=st.lists(st.text(alphabet=TRICKY, max_size=30), max_size=3),
    ascii_only=st.booleans(),
)
def test_jsonl_one_record_per_line_whatever_the_values(objects: list[dict], junk: list[str], ascii_only: bool) -> None:
    lines = [json.dumps(o, ensure_ascii=ascii_only) for o in objects]
    lines += [j.replace("\n", " ") for j in junk]
    lines.append('{"emp_no": "E\\ud800", "name": "孤立代理"}')  # an escape JSON allows and UTF-8 cannot hold
    read = _read("\n".join(lines).encode("utf-8"), SOE, "employees.jsonl")
    assert read is not None
    assert read.records_read == sum(1 for line in lines if line.strip())
    assert read.rows.height >= len(objects)  # every object line is a row, whatever its values hold
    assert read.quarantine["line_no"].to_list()[-1] == len(lines)


CELLS = st.one_of(
    st.none(),
    FIELD,
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
)


def _workbook(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(SURVEY.sheet)
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value.replace("\x00", "") if isinstance(value, str) else value)
    workbook.close()
    return buffer.getvalue()


@SETTINGS
@given(rows=st.lists(st.lists(CELLS, max_size=22), max_size=6), cut=st.integers(min_value=1, max_value=20000))
def test_xlsx_with_hostile_cells_or_cut(rows: list[list[object]], cut: int) -> None:
    data = _workbook([*SURVEY.headers, "备注"], rows)
    read = _read(data, SURVEY, "survey_2026.xlsx")
    assert read is not None
    written = [r for r in rows if any(v is not None and v != "" for v in r)]
    assert read.records_read == len(written)
    _read(data[:cut], SURVEY, "survey_2026.xlsx")


def test_xlsx_that_is_a_zip_but_not_a_workbook_is_rejected(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<不是工作簿/>")
    path = tmp_path / "survey_2026.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(StructuralError, match="xlsx"):
        read_file(path, SURVEY)
