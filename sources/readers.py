"""Read one delivered file into text columns named by canonical field, plus its rejects.

Every data record of a file ends up either in `FileRead.rows` (one row per record, every
contract column as raw text, with its physical line number) or in `FileRead.quarantine`
(line number, raw content as delivered, reason). Problems that make the whole file unusable
(unreadable, not a workbook, a cut gzip, a missing contract column, the wrong encoding, no
header) raise `StructuralError`, which rejects the delivery. Nothing else is raised, whatever
the bytes.

CSV keeps physical line numbers, the delivered text of a rejected record and a per-record width
check (quoted fields span lines, the last line may be cut). Lines without quotes (nearly all) are
split at the delimiter with polars, a thousand times faster; a line with quotes, a NUL, an
undecodable byte or more characters than the csv field limit is read record by record with
Python's `csv` module (strict quoting), exactly as before.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from sources.contract import FileSpec

# Excel keeps 15 significant digits: a number this large has lost digits already.
EXCEL_PRECISION_LIMIT = 1e15
# Share of rejected records beyond which the file is taken to be in the wrong format.
MAX_REJECTED_SHARE = 0.5
# Share of undecodable characters beyond which the file is taken to be in the wrong encoding.
MAX_UNDECODABLE_CHAR_SHARE = 1 / 20
# Encodings tried, for the rejection message only, when a file does not read as its contract says.
KNOWN_ENCODINGS = ("utf-8", "gbk")

QUARANTINE_SCHEMA = pl.Schema({"line_no": pl.Int64(), "raw": pl.Utf8(), "reason": pl.Utf8()})

# Bytes the contract encoding cannot decode are kept as lone surrogates (`surrogateescape`).
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class StructuralError(Exception):
    """The file cannot be read as the contract describes; its delivery is rejected."""


@dataclass
class FileRead:
    """What one file yielded: good rows, quarantined rows, and notes for the operator."""

    rows: pl.DataFrame
    quarantine: pl.DataFrame
    records_read: int
    warnings: list[str] = field(default_factory=list)
    # Rows that look blank but are not empty (xlsx cells holding ""), not counted in `records_read`.
    blank_rows: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=QUARANTINE_SCHEMA))

    def counting_blank_rows(self) -> FileRead:
        """The read as a manifest sees it that counts the blank rows as records: they go to the
        quarantine (a blank row is no person) and count as read."""
        return FileRead(
            self.rows,
            pl.concat([self.quarantine, self.blank_rows]),
            self.records_read + self.blank_rows.height,
            self.warnings,
        )


def read_file(path: Path, spec: FileSpec) -> FileRead:
    """Read a delivered file per its contract spec; raise only `StructuralError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StructuralError(f"{path.name}: 文件无法读取 ({exc.strerror or exc})") from exc
    if spec.compression == "gzip":
        data = _gunzip(data, path.name)
    if spec.format == "csv":
        return _read_csv(data, spec, path.name)
    if spec.format == "jsonl":
        return _read_jsonl(data, spec, path.name)
    if spec.format == "xlsx":
        return _read_xlsx(data, spec, path.name)
    raise StructuralError(f"契约中未知的文件格式: {spec.format}")


def _gunzip(data: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise StructuralError(f"{name}: gzip 文件损坏或不完整 ({exc})") from exc


def _printable(text: str) -> str:
    """Text safe to store: undecodable bytes and lone surrogates become U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


# GB18030 is a superset of GBK, and GBK of GB2312: a GBK file decodes the same, and a rare
# character a newer system wrote in GB18030's four bytes (𠮷) survives instead of being lost.
_SUPERSET_CODECS = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030"}


def _codec(spec: FileSpec) -> str:
    """The codec that reads the contract's encoding (BOM removed separately)."""
    encoding = spec.encoding.lower().replace("_", "-")
    if encoding in ("utf-8", "utf-8-sig", "utf8"):
        return "utf-8"
    return _SUPERSET_CODECS.get(encoding, spec.encoding)


def _encoding_hint(data: bytes, spec: FileSpec) -> str:
    """`，文件似乎是 gbk 编码` when the first line holds every contract header in another encoding."""
    first_line = data[: 1 << 16].split(b"\n", 1)[0]
    for encoding in KNOWN_ENCODINGS:
        if encoding == _codec(spec):
            continue
        text = first_line.decode(encoding, errors="ignore")
        if all(h in text for h in spec.headers):
            return f"，文件似乎是 {encoding} 编码"
    return ""


def _decode(data: bytes, spec: FileSpec, name: str) -> str:
    """Decode with the contract encoding; undecodable bytes are kept as surrogates (quarantined later)."""
    codec = _codec(spec)
    try:
        text = data.decode(codec)
    except LookupError:
        raise StructuralError(f"{name}: 契约编码 {spec.encoding} 无法识别") from None
    except UnicodeDecodeError:
        text = data.decode(codec, errors="surrogateescape")
        undecodable = len(_UNDECODABLE.findall(text))
        if undecodable > max(1, len(text) * MAX_UNDECODABLE_CHAR_SHARE):
            detail = f"{undecodable} 个字节无法识别"
            raise StructuralError(
                f"{name}: 无法按契约编码 {spec.encoding} 解码（{detail}）{_encoding_hint(data, spec)}"
            ) from None
    return text.removeprefix("\ufeff")


def _header_key(header: str) -> str:
    """A header as compared: printable, NFKC, without BOM and surrounding spaces."""
    return unicodedata.normalize("NFKC", _printable(header).strip().removeprefix("\ufeff")).strip()


def _map_header(header: list[str], spec: FileSpec, name: str) -> tuple[list[int], list[str]]:
    """Column positions of the contract fields in this header; warnings for extra or repeated columns.

    Headers are compared after NFKC, so `留学国家（地区）` with full-width brackets is the contract's column.
    """
    cleaned = [_header_key(h) for h in header]
    wanted = [_header_key(h) for h in spec.headers]
    missing = [h for h, key in zip(spec.headers, wanted, strict=True) if key not in cleaned]
    if missing:
        raise StructuralError(f"{name}: 缺少契约列 {', '.join(missing)}")
    positions = [cleaned.index(key) for key in wanted]
    warnings = []
    extra = [h for h in cleaned if h not in wanted]
    if extra:
        warnings.append(f"{name}: 忽略契约外的列 {', '.join(extra)}")
    repeated = sorted({h for h in cleaned if h in wanted and cleaned.count(h) > 1})
    if repeated:
        warnings.append(f"{name}: 契约列 {', '.join(repeated)} 出现多次，只读取第一列")
    return positions, warnings


def _frame(spec: FileSpec, columns: list[list[str | None]], line_nos: list[int]) -> pl.DataFrame:
    data = {c.field: pl.Series(c.field, col, dtype=pl.Utf8) for c, col in zip(spec.columns, columns, strict=True)}
    return pl.DataFrame(data).with_columns(pl.Series("line_no", line_nos, dtype=pl.Int64))


def _quarantine(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=QUARANTINE_SCHEMA, orient="row")


def _check_share(name: str, rejected: int, records: int) -> None:
    if rejected > MAX_REJECTED_SHARE * records and records > 10:
        raise StructuralError(f"{name}: 超过半数的记录无法解析（{rejected}/{records}），疑似编码、分隔符或格式错误")


class _LineTap:
    """Feeds physical lines, from `start` on, to the csv module and keeps those of the record being read."""

    def __init__(self, lines: list[str], start: int) -> None:
        self._lines = lines
        self._pending: list[str] = []
        self.position = start  # index of the next line to hand out

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.position >= len(self._lines):
            raise StopIteration
        line = self._lines[self.position]
        self.position += 1
        self._pending.append(line)
        return line

    def take(self) -> str:
        """The delivered text of the lines read since the last call, without the final line end."""
        raw = "".join(self._pending).removesuffix("\n").removesuffix("\r")
        self._pending.clear()
        return raw


def _needs_csv_module(lines: list[str], text: str) -> list[bool]:
    """Per physical line: whether only the csv module can read it (quotes, NUL, undecodable bytes,
    a field that may exceed the csv field limit). Every other line is one record split at the delimiter."""
    limit = csv.field_size_limit()
    flagged = [('"' in line) or ("\x00" in line) or len(line) > limit for line in lines]
    if _LONE_SURROGATE.search(text):
        flagged = [f or bool(_LONE_SURROGATE.search(line)) for f, line in zip(flagged, lines, strict=True)]
    return flagged


def _split_plain_lines(
    lines: list[str], line_nos: np.ndarray, spec: FileSpec, positions: list[int], width: int
) -> tuple[pl.DataFrame, list[tuple[int, str, str]], int]:
    """Lines without quotes, vectorised: (rows, rejects, records); what the csv module would make of them."""
    frame = (
        pl.DataFrame(
            {
                "raw": pl.Series(lines, dtype=pl.Utf8).str.strip_chars_end("\r\n"),
                "line_no": pl.Series(line_nos, dtype=pl.Int64),
            }
        )
        .filter(pl.col("raw") != "")  # a blank line is not a record
        .with_columns(pl.col("raw").str.split(spec.delimiter).alias("fields"))
        .with_columns(pl.col("fields").list.len().alias("width"))
    )
    good = frame.filter(pl.col("width") == width)
    rows = good.select(
        *(pl.col("fields").list.get(pos).alias(c.field) for c, pos in zip(spec.columns, positions, strict=True)),
        "line_no",
    )
    bad = frame.filter(pl.col("width") != width)
    rejects = [
        (line_no, raw, f"字段数为 {n}，表头为 {width}（行不完整或多余分隔符）")
        for line_no, raw, n in bad.select("line_no", "raw", "width").iter_rows()
    ]
    return rows, rejects, frame.height


def _read_csv(data: bytes, spec: FileSpec, name: str) -> FileRead:
    text = _decode(data, spec, name)
    lines = io.StringIO(text, newline="").readlines()
    tap = _LineTap(lines, 0)
    try:
        header = next(csv.reader(tap, delimiter=spec.delimiter, strict=True))
    except StopIteration:
        raise StructuralError(f"{name}: 文件为空，没有表头") from None
    except csv.Error as exc:
        raise StructuralError(f"{name}: 表头无法解析 ({exc})") from exc
    try:
        positions, warnings = _map_header(header, spec, name)
    except StructuralError as exc:
        raise StructuralError(f"{exc}{_encoding_hint(data, spec)}") from None
    width = len(header)
    # Records that need the csv module start at a flagged line and may take the lines after it.
    plain = np.ones(len(lines), dtype=bool)
    plain[: tap.position] = False
    quoted = _QuotedRecords(spec, positions, width)
    records = 0
    for start in np.flatnonzero(_needs_csv_module(lines, text)):
        if start >= max(tap.position, quoted.position):
            records += quoted.read(_LineTap(lines, int(start)))
            plain[start : quoted.position] = False
    line_index = np.flatnonzero(plain)
    rows, rejects, count = _split_plain_lines([lines[i] for i in line_index], line_index + 1, spec, positions, width)
    records += count
    rejects += quoted.rejects
    _check_share(name, len(rejects), records)
    rows = pl.concat([rows, quoted.frame()]).sort("line_no")
    return FileRead(rows, _quarantine(sorted(rejects)), records, warnings)


class _QuotedRecords:
    """Records read one at a time with the csv module (from lines with quotes, NUL, undecodable bytes
    or over the csv field limit)."""

    def __init__(self, spec: FileSpec, positions: list[int], width: int) -> None:
        self._spec, self._positions, self._width = spec, positions, width
        self._columns: list[list[str | None]] = [[] for _ in spec.columns]
        self._line_nos: list[int] = []
        self.rejects: list[tuple[int, str, str]] = []
        self.position = 0  # the line after the last record read

    def read(self, tap: _LineTap) -> int:
        """Read the record starting at the tap's position; return how many records it counts (0 or 1)."""
        line_no = tap.position + 1
        try:
            record = next(csv.reader(tap, delimiter=self._spec.delimiter, strict=True))
        except csv.Error as exc:  # bad quoting, or the file ends inside a quoted field
            self.rejects.append((line_no, _printable(tap.take()), f"CSV 格式错误: {exc}"))
            self.position = tap.position
            return 1
        self.position = tap.position
        raw = tap.take()
        if not record:  # a blank line is not a record
            return 0
        if len(record) != self._width:
            reason = f"字段数为 {len(record)}，表头为 {self._width}（行不完整或多余分隔符）"
            self.rejects.append((line_no, _printable(raw), reason))
        elif _UNDECODABLE.search(raw):
            self.rejects.append((line_no, _printable(raw), f"含有无法按 {self._spec.encoding} 解码的字节"))
        else:
            for col, pos in zip(self._columns, self._positions, strict=True):
                col.append(record[pos])
            self._line_nos.append(line_no)
        return 1

    def frame(self) -> pl.DataFrame:
        """The records read so far that have the header's width."""
        return _frame(self._spec, self._columns, self._line_nos)


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _parse_json_line(line: str) -> dict[str, object] | str:
    """The line's object, or the reason it cannot be used."""
    if _UNDECODABLE.search(line):
        return "含有无法按 utf-8 解码的字节"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"JSON 格式错误: {exc.msg}（第 {exc.pos} 个字符）"
    except (ValueError, RecursionError):  # a number too long to convert, or nesting too deep
        return "JSON 格式错误: 数值过长或嵌套过深"
    if not isinstance(obj, dict):
        return "JSON 行不是对象"
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        return "JSON 含有无效的 Unicode 转义（孤立的代理字符）"
    return obj


def _read_jsonl(data: bytes, spec: FileSpec, name: str) -> FileRead:
    text = _decode(data, spec, name)
    columns: list[list[str | None]] = [[] for _ in spec.columns]
    line_nos: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    seen_keys: set[str] = set()
    records = 0
    # JSON Lines are separated by \n only: a JSON string may hold U+2028 and other line breaks.
    for line_no, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        records += 1
        obj = _parse_json_line(line)
        if isinstance(obj, str):
            rejects.append((line_no, _printable(line), obj))
            continue
        seen_keys.update(obj)
        for col, c in zip(columns, spec.columns, strict=True):
            col.append(_json_text(obj.get(c.header)))
        line_nos.append(line_no)
    if records == 0:
        raise StructuralError(f"{name}: 文件为空")
    if line_nos:
        missing = [h for h in spec.headers if h not in seen_keys]
        if missing:
            raise StructuralError(f"{name}: 缺少契约字段 {', '.join(missing)}")
    _check_share(name, len(rejects), records)
    extra = sorted(seen_keys - set(spec.headers))
    warnings = [f"{name}: 忽略契约外的字段 {', '.join(extra)}"] if extra else []
    return FileRead(_frame(spec, columns, line_nos), _quarantine(rejects), records, warnings)


def _excel_number_text(value: float) -> str:
    """How Excel's General format shows a number that lost digits, e.g. `5.00103199E+17`."""
    mantissa, exponent = f"{value:.14E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E+{int(exponent):02d}"


def _as_excel_shows(text: pl.Series, number: pl.Series, numeric_cell: pl.Series) -> pl.Series:
    """A long number stored as a number cell has been rounded by Excel: show it as Excel does.

    Text cells are left alone even when they hold only digits (fastexcel parses those as
    floats too, so `numeric_cell` says which cells really are numbers).
    """
    rounded = numeric_cell.is_not_null() & (number.abs() >= EXCEL_PRECISION_LIMIT) & number.is_finite()
    at = rounded.fill_null(False).arg_true()
    if at.is_empty():
        return text
    shown = pl.Series([_excel_number_text(v) for v in number.gather(at).to_list()], dtype=pl.Utf8)
    return text.cast(pl.Utf8).scatter(at, shown)


def _read_xlsx(data: bytes, spec: FileSpec, name: str) -> FileRead:
    import fastexcel

    sheet = spec.sheet or "Sheet1"  # the contract names the sheet of every workbook
    try:
        workbook = fastexcel.read_excel(data)
        as_text = workbook.load_sheet_by_name(sheet, dtypes="string").to_polars()
        as_number = workbook.load_sheet_by_name(sheet, dtypes="float").to_polars()
        # Read as booleans, number cells are non-null and text cells null: the cell type.
        numeric_cells = workbook.load_sheet_by_name(sheet, dtypes="boolean").to_polars()
    except fastexcel.FastExcelError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StructuralError(f"{name}: 不是可读的 xlsx 工作簿或缺少工作表 {sheet} ({first_line})") from exc
    if not as_text.columns:
        raise StructuralError(f"{name}: 工作表 {spec.sheet} 为空，没有表头")
    positions, warnings = _map_header(as_text.columns, spec, name)
    names = as_text.columns
    # Rows without any text are not records. Rows left entirely empty by the sheet do not count at
    # all; rows of cells holding "" (what pandas writes) may or may not be counted by the manifest,
    # so they are kept aside (`blank_rows`) for the caller to decide.
    has_text = as_text.select(pl.all().cast(pl.Utf8).str.strip_chars().str.len_chars().fill_null(0) > 0)
    keep = has_text.select(pl.any_horizontal(pl.all())).to_series()
    present = as_text.select(pl.any_horizontal(pl.all().is_not_null())).to_series()
    blank_lines = (present & ~keep).arg_true() + 2
    blank = _quarantine([(int(n), "", "空行：各单元格均为空字符串") for n in blank_lines.to_list()])
    columns = {}
    for c, pos in zip(spec.columns, positions, strict=True):
        text = as_text[names[pos]].cast(pl.Utf8)
        columns[c.field] = (
            _as_excel_shows(text, as_number[names[pos]], numeric_cells[names[pos]]) if c.type == "str" else text
        )
    frame = (
        pl.DataFrame(columns, schema={c.field: pl.Utf8 for c in spec.columns})
        .with_row_index("line_no", offset=2)
        .with_columns(pl.col("line_no").cast(pl.Int64))
        .filter(keep)
    )
    frame = frame.select([*[c.field for c in spec.columns], "line_no"])
    return FileRead(frame, _quarantine([]), frame.height, warnings, blank)
