"""Read one delivered file into text columns named by canonical field, plus its rejects.

Every data record of a file ends up either in `FileRead.rows` (one row per record, every
contract column as raw text, with its physical line number) or in `FileRead.quarantine`
(line number, raw content, reason). Problems that make the whole file unusable (not a
workbook, a cut gzip, a missing contract column, the wrong encoding) raise `StructuralError`,
which rejects the delivery.

CSV is split with Python's `csv` module rather than a bulk reader because the contract needs
physical line numbers and a per-record width check (quoted fields span lines, the last line
may be cut); the parsed columns go straight into polars.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sources.contract import FileSpec

# Excel keeps 15 significant digits: a number this large has lost digits already.
EXCEL_PRECISION_LIMIT = 1e15
# Share of undecodable records beyond which the file is taken to be in the wrong encoding.
MAX_UNDECODABLE_SHARE = 0.5

QUARANTINE_SCHEMA = {"line_no": pl.Int64, "raw": pl.Utf8, "reason": pl.Utf8}


class StructuralError(Exception):
    """The file cannot be read as the contract describes; its delivery is rejected."""


@dataclass
class FileRead:
    """What one file yielded: good rows, quarantined rows, and notes for the operator."""

    rows: pl.DataFrame
    quarantine: pl.DataFrame
    records_read: int
    warnings: list[str] = field(default_factory=list)


def read_file(path: Path, spec: FileSpec) -> FileRead:
    """Read a delivered file per its contract spec."""
    if spec.format == "csv":
        return _read_csv(path, spec)
    if spec.format == "jsonl":
        return _read_jsonl(path, spec)
    if spec.format == "xlsx":
        return _read_xlsx(path, spec)
    raise StructuralError(f"契约中未知的文件格式: {spec.format}")


def _file_bytes(path: Path, spec: FileSpec) -> bytes:
    data = path.read_bytes()
    if spec.compression != "gzip":
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise StructuralError(f"{path.name}: gzip 文件损坏或不完整 ({exc})") from exc


def _decode(data: bytes, spec: FileSpec, name: str) -> str:
    """Decode with the contract encoding; undecodable bytes become U+FFFD (quarantined later)."""
    encoding = "utf-8" if spec.encoding.lower() in ("utf-8", "utf-8-sig", "utf8") else spec.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = data.decode(encoding, errors="replace")
        if text.count("\ufffd") > max(1, len(text) // 20):
            raise StructuralError(f"{name}: 无法按契约编码 {spec.encoding} 解码") from None
    return text.removeprefix("\ufeff")


def _map_header(header: list[str], spec: FileSpec, name: str) -> tuple[list[int | None], list[str]]:
    """Column positions of the contract fields in this header; warnings for extra columns."""
    cleaned = [h.strip().removeprefix("\ufeff").strip() for h in header]
    missing = [h for h in spec.headers if h not in cleaned]
    if missing:
        raise StructuralError(f"{name}: 缺少契约列 {', '.join(missing)}")
    positions: list[int | None] = [cleaned.index(h) for h in spec.headers]
    extra = [h for h in cleaned if h not in spec.headers]
    warnings = [f"{name}: 忽略契约外的列 {', '.join(extra)}"] if extra else []
    return positions, warnings


def _frame(spec: FileSpec, columns: list[list[str | None]], line_nos: list[int]) -> pl.DataFrame:
    data = {c.field: pl.Series(c.field, col, dtype=pl.Utf8) for c, col in zip(spec.columns, columns, strict=True)}
    return pl.DataFrame(data).with_columns(pl.Series("line_no", line_nos, dtype=pl.Int64))


def _quarantine(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=QUARANTINE_SCHEMA, orient="row")


def _read_csv(path: Path, spec: FileSpec) -> FileRead:
    text = _decode(_file_bytes(path, spec), spec, path.name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=spec.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise StructuralError(f"{path.name}: 文件为空，没有表头") from None
    except csv.Error as exc:
        raise StructuralError(f"{path.name}: 表头无法解析 ({exc})") from exc
    positions, warnings = _map_header(header, spec, path.name)
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in spec.columns]
    line_nos: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    records = 0
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. NUL byte; skip the offending line, keep going
            records += 1
            rejects.append((start, "", f"CSV 解析错误: {exc}"))
            start = reader.line_num + 1
            continue
        line_no, start = start, reader.line_num + 1
        if not record:  # a blank line is not a record
            continue
        records += 1
        raw = spec.delimiter.join(record)
        if len(record) != width:
            rejects.append((line_no, raw, f"字段数为 {len(record)}，表头为 {width}（行不完整或多余分隔符）"))
        elif "\ufffd" in raw:
            rejects.append((line_no, raw, f"含有无法按 {spec.encoding} 解码的字节"))
        else:
            for col, pos in zip(columns, positions, strict=True):
                col.append(record[pos] if pos is not None else None)
            line_nos.append(line_no)
    if rejects and len(rejects) > MAX_UNDECODABLE_SHARE * max(records, 1) and records > 10:
        raise StructuralError(f"{path.name}: 超过半数的记录无法解析，疑似编码或分隔符错误")
    return FileRead(_frame(spec, columns, line_nos), _quarantine(rejects), records, warnings)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _read_jsonl(path: Path, spec: FileSpec) -> FileRead:
    text = _decode(_file_bytes(path, spec), spec, path.name)
    columns: list[list[str | None]] = [[] for _ in spec.columns]
    line_nos: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    seen_keys: set[str] = set()
    records = 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        records += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejects.append((line_no, line, f"JSON 格式错误: {exc.msg}（第 {exc.pos} 个字符）"))
            continue
        if not isinstance(obj, dict):
            rejects.append((line_no, line, "JSON 行不是对象"))
            continue
        seen_keys.update(obj)
        for col, c in zip(columns, spec.columns, strict=True):
            col.append(_json_text(obj.get(c.header)))
        line_nos.append(line_no)
    if records == 0:
        raise StructuralError(f"{path.name}: 文件为空")
    if line_nos:
        missing = [h for h in spec.headers if h not in seen_keys]
        if missing:
            raise StructuralError(f"{path.name}: 缺少契约字段 {', '.join(missing)}")
    extra = sorted(seen_keys - set(spec.headers))
    warnings = [f"{path.name}: 忽略契约外的字段 {', '.join(extra)}"] if extra else []
    return FileRead(_frame(spec, columns, line_nos), _quarantine(rejects), records, warnings)


def _excel_number_text(value: float) -> str:
    """How Excel's General format shows a number that lost digits, e.g. `5.00103199E+17`."""
    mantissa, exponent = f"{value:.14E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E+{int(exponent):02d}"


def _read_xlsx(path: Path, spec: FileSpec) -> FileRead:
    import fastexcel

    try:
        workbook = fastexcel.read_excel(path)
        as_text = workbook.load_sheet_by_name(spec.sheet, dtypes="string").to_polars()
        as_number = workbook.load_sheet_by_name(spec.sheet, dtypes="float").to_polars()
    except fastexcel.FastExcelError as exc:
        first_line = str(exc).splitlines()[0]
        raise StructuralError(f"{path.name}: 不是可读的 xlsx 工作簿或缺少工作表 {spec.sheet} ({first_line})") from exc
    positions, warnings = _map_header([str(c) for c in as_text.columns], spec, path.name)
    names = as_text.columns
    # A long number in a text column has been rounded by Excel: show it as Excel does.
    fixes = []
    for c, pos in zip(spec.columns, positions, strict=True):
        if pos is None or c.type not in ("str",):
            continue
        num = pl.col(names[pos])
        fixes.append(
            pl.when(as_number[names[pos]].abs() >= EXCEL_PRECISION_LIMIT)
            .then(as_number[names[pos]].map_elements(_excel_number_text, return_dtype=pl.Utf8))
            .otherwise(num)
            .alias(names[pos])
        )
    frame = as_text.with_columns(fixes) if fixes else as_text
    frame = (
        frame.select(
            [pl.col(names[pos]).cast(pl.Utf8).alias(c.field) for c, pos in zip(spec.columns, positions, strict=True)]
        )
        .with_row_index("line_no", offset=2)
        .with_columns(pl.col("line_no").cast(pl.Int64))
    )
    # Rows left entirely empty by the sheet are not records.
    frame = frame.filter(~pl.all_horizontal(pl.exclude("line_no").is_null()))
    frame = frame.select([*[c.field for c in spec.columns], "line_no"])
    return FileRead(frame, _quarantine([]), frame.height, warnings)
