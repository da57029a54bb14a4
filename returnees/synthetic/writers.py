"""Serialising extracts to their delivery formats and writing the manifest last."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import xlsxwriter

Format = Literal["csv", "csv.gz", "jsonl", "xlsx"]
# Cell kinds for xlsx columns: text, number, date (number shown as a date), date and time.
TEXT, NUMBER, DATE, DATETIME = range(4)
XLSX_CREATED = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class OutFile:
    """One file of a delivery: its records and how they are written.

    ``truncate_last`` cuts the last record short (an interrupted copy); ``malformed`` lists
    jsonl rows written as broken JSON; ``cell_kinds`` gives xlsx cell kinds per column.
    """

    name: str
    frame: pl.DataFrame
    format: Format
    encoding: str = "utf-8"
    delimiter: str = ","
    crlf: bool = False
    truncate_last: bool = False
    malformed: tuple[int, ...] = ()
    sheet: str = "Sheet1"
    cell_kinds: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """A source's delivery: its files, and the truth for the readable person records."""

    source: str
    date: str
    files: tuple[OutFile, ...]
    truth: pl.DataFrame  # record_key, true_person_id
    unreadable: int = 0


def _csv_text(frame: pl.DataFrame, out: OutFile, header: bool) -> str:
    """CSV text; empty strings are written as bare empty fields, not as ``""``."""
    buffer = io.BytesIO()
    frame.with_columns(pl.col(pl.String).replace("", None)).write_csv(
        buffer, separator=out.delimiter, include_header=header, line_terminator="\r\n" if out.crlf else "\n"
    )
    return buffer.getvalue().decode("utf-8")


def _truncated(row: str, first_field: str) -> str:
    """The first part of a record, as when a copy is interrupted: the key survives, and the
    cut falls before any quoted field so the remains still parse as one short record."""
    cut = max(len(row) // 2, len(first_field) + 2)
    if '"' in row[:cut]:
        cut = row.index('"')
    return row[:cut]


def csv_bytes(out: OutFile) -> bytes:
    """The file bytes of a CSV extract (encoding, BOM, line ends, truncated last line)."""
    frame = out.frame
    if out.truncate_last and frame.height:
        head = _csv_text(frame.head(frame.height - 1), out, header=True)
        last = _csv_text(frame.tail(1), out, header=False).rstrip("\r\n")
        text = head + _truncated(last, str(frame[-1, 0]))
    else:
        text = _csv_text(frame, out, header=True)
    if out.encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode(out.encoding, errors="replace")


def jsonl_bytes(out: OutFile) -> bytes:
    """One JSON object per line; rows in ``out.malformed`` are cut off mid-object."""
    lines = out.frame.select(pl.struct(pl.all()).struct.json_encode()).to_series().to_list()
    for row in out.malformed:
        lines[row] = lines[row][: len(lines[row]) * 2 // 3]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_xlsx(out: OutFile, path: Path) -> None:
    """Write the sheet (header row 1) with numbers, dates and datetimes where
    ``cell_kinds`` says so; creation time is fixed so the bytes are reproducible."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": XLSX_CREATED})
    formats = {
        DATE: workbook.add_format({"num_format": "yyyy-mm-dd"}),
        DATETIME: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    sheet = workbook.add_worksheet(out.sheet)
    sheet.write_row(0, 0, out.frame.columns)
    kinds = [out.cell_kinds.get(c) for c in out.frame.columns]
    for r, row in enumerate(out.frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            if not value:
                continue
            column_kinds = kinds[c]
            kind = TEXT if column_kinds is None else column_kinds[r - 1]
            if kind == TEXT:
                sheet.write_string(r, c, value)
            elif kind == NUMBER:
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_number(r, c, float(value), formats[kind])
    workbook.close()


def write_file(out: OutFile, folder: Path) -> Path:
    """Write one extract file into ``folder``."""
    path = folder / out.name
    if out.format == "xlsx":
        write_xlsx(out, path)
    elif out.format == "jsonl":
        path.write_bytes(jsonl_bytes(out))
    elif out.format == "csv.gz":
        path.write_bytes(gzip.compress(csv_bytes(out), compresslevel=6, mtime=0))
    else:
        path.write_bytes(csv_bytes(out))
    return path


def write_delivery(delivery: Delivery, landing: Path) -> Path:
    """Write a delivery's files, then its ``_manifest.json`` (last: it marks completeness)."""
    folder = landing / delivery.source / delivery.date
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for out in delivery.files:
        path = write_file(out, folder)
        entries.append(
            {"name": out.name, "rows": out.frame.height, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        )
    manifest = {"source": delivery.source, "delivery_date": delivery.date, "files": entries}
    (folder / "_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder
