"""Validation frames: the bronze text made comparable, plus the derived columns the rules check.

Great Expectations compares values; it cannot read Chinese date formats, Excel serials or check
a citizen ID. So those judgements are made here (dates with the pipeline's own standardisers,
the ID check digit vectorised) into status columns (`有效` / the problem found) that the
expectations then test.
Frames are kept narrow (only the columns the rules use) because they are converted to pandas.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypedDict

import polars as pl
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

from dedup.standardise import null_placeholders, parse_dates, parse_yyyymm
from dedup.standardise.ids import ID_SEPARATORS, ric_check_character
from dedup.standardise.numbers import parse_numbers
from quality.rules import PARSEABLE, VALID, Rule
from sources.contract import Column, FileSpec

ROW_ID = "line_no"
MIN_ID_BIRTH_YEAR = 1900
EXCEL_FLOAT = r"^\d(?:\.\d+)?E\+?\d+$"  # 5.00103199E+17: Excel kept 15 digits of the number
EXCEL_DAMAGED = "Excel科学计数法，号码已损坏"
SENSITIVE_FIELDS = ("id_number", "mobile", "phone")
USCC_ISSUES = {
    stdnum_errors.InvalidLength: "长度错误",
    stdnum_errors.InvalidFormat: "格式错误",
    stdnum_errors.InvalidChecksum: "校验位错误",
    stdnum_errors.InvalidComponent: "登记管理部门或机构类别代码无效",
}


def _per_distinct(s: pl.Series, fn: Callable[[str], object], dtype: pl.DataType) -> pl.Series:
    """Apply a Python function once per distinct non-null value."""
    values = s.drop_nulls().unique().to_list()
    return s.replace_strict({v: fn(v) for v in values}, default=None, return_dtype=dtype)


def normalise_enum(s: pl.Series, values: tuple[str, ...]) -> pl.Series:
    """NFKC, trimmed, case-insensitively matched to the contract's spelling; placeholders become null.

    A value that is itself in the enum (`无` for a degree, `0` for a flag) is kept.
    """
    canonical = {v.upper(): v for v in values}
    frame = pl.DataFrame({"value": s})
    distinct = frame.unique("value")["value"]  # enums repeat: judge each spelling once
    cleaned = distinct.str.normalize("NFKC").str.strip_chars()
    matched = cleaned.str.to_uppercase().replace_strict(canonical, default=None)
    judged = pl.DataFrame(
        {
            "value": distinct,
            "judged": pl.select(pl.coalesce(pl.lit(matched), pl.lit(null_placeholders(cleaned)))).to_series(),
        }
    )
    joined = frame.join(judged, on="value", how="left", nulls_equal=True, maintain_order="left")
    return joined["judged"].alias(s.name)


def _id_status(s: pl.Series) -> pl.Series:
    """`有效`, or what is wrong with a citizen-ID-shaped value (check digit, birth date, Excel damage); else null."""
    text = null_placeholders(s).str.to_uppercase()
    digits = text.str.replace_all(ID_SEPARATORS, "")
    check = ric_check_character(pl.col("d"))
    born = pl.col("d").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    return (
        pl.DataFrame({"t": text, "d": digits})
        .select(
            pl.when(pl.col("t").str.contains(EXCEL_FLOAT))
            .then(pl.lit(EXCEL_DAMAGED))
            .when(~pl.col("d").str.contains(r"^\d{17}[\dX]$").fill_null(False))
            .then(None)
            .when(pl.col("d").str.slice(17, 1) != check)
            .then(pl.lit("校验位错误"))
            .when(born.is_null() | (born.dt.year() < MIN_ID_BIRTH_YEAR))
            .then(pl.lit("出生日期无效"))
            .otherwise(pl.lit(VALID))
        )
        .to_series()
    )


def _parsed(s: pl.Series, column: Column) -> pl.DataFrame:
    return parse_yyyymm(s) if column.type == "yyyymm" else parse_dates(s)


def _date_status(parsed: pl.DataFrame) -> pl.Series:
    return parsed.select(
        pl.when(pl.col("date").is_not_null()).then(pl.lit(PARSEABLE)).otherwise(pl.col("date_issue"))
    ).to_series()


def _number_status(raw: pl.Series, column: Column) -> pl.Series:
    """`可解析` for a plain number (a whole one in an int column), `非数值` for text; null when empty."""
    present = null_placeholders(raw).is_not_null()
    parsed = parse_numbers(raw, whole=column.type == "int").is_not_null()
    return pl.select(
        pl.when(parsed).then(pl.lit(PARSEABLE)).when(present).then(pl.lit("非数值")).alias(raw.name)
    ).to_series()


def _uscc_issue(value: str) -> str:
    try:
        uscc.validate(value)
    except stdnum_errors.ValidationError as exc:
        return USCC_ISSUES.get(type(exc), "格式错误")
    return VALID


def _uscc_status(s: pl.Series) -> pl.Series:
    cleaned = null_placeholders(s).str.to_uppercase().str.replace_all(r"[\s\-]", "")
    return _per_distinct(cleaned, _uscc_issue, pl.Utf8())


def _derived(raw: pl.Series, column: Column, suffix: str, parsed: Callable[[], pl.DataFrame]) -> pl.Series:
    if suffix == "":
        return normalise_enum(raw, column.values) if column.values else null_placeholders(raw)
    if suffix == "__checksum":
        return _id_status(raw)
    if suffix == "__parse":
        return _date_status(parsed())
    if suffix == "__year":
        return parsed()["date"].dt.year().cast(pl.Int64)
    if suffix == "__date":
        return parsed()["date"]
    if suffix == "__uscc":
        return _uscc_status(raw)
    if suffix == "__number":
        return _number_status(raw, column)
    raise ValueError(f"未知的派生列后缀 {suffix}")


def rule_columns(rules: list[Rule]) -> list[str]:
    """The validation-frame columns the rules refer to, in first-use order."""
    names: list[str] = []
    for rule in rules:
        for key in ("column", "column_A", "column_B"):
            if key in rule.kwargs and rule.kwargs[key] not in names:
                names.append(rule.kwargs[key])
    return names


def rows_frame(bronze: pl.DataFrame, file_spec: FileSpec, rules: list[Rule]) -> pl.DataFrame:
    """One row per bronze row: `line_no` and each column the rules test (see module docstring).

    Each date field is parsed once, however many rules test it.
    """
    columns = {c.field: c for c in file_spec.columns}
    parses: dict[str, pl.DataFrame] = {}

    def parsed(field: str) -> pl.DataFrame:
        if field not in parses:
            parses[field] = _parsed(bronze[field], columns[field])
        return parses[field]

    derived = []
    for name in rule_columns(rules):
        field, _, suffix = name.partition("__")
        column = columns[field]
        suffix = f"__{suffix}" if suffix else ""
        derived.append(_derived(bronze[field], column, suffix, partial(parsed, field)).alias(name))
    return pl.DataFrame([bronze[ROW_ID], *derived])


class DeliveredFile(TypedDict):
    """What `delivery_frame` is told about one delivered file."""

    file: str
    missing_headers: list[str]
    rows_read: int
    manifest_rows: int | None
    previous_rows: int | None


def delivery_frame(files: list[DeliveredFile]) -> pl.DataFrame:
    """One row per delivered file: missing headers, rows read, manifest rows, drop from the previous delivery."""
    frame = pl.DataFrame(
        [
            {
                "file": f["file"],
                "missing_headers": "、".join(f["missing_headers"]) or None,
                "rows_read": f["rows_read"],
                "manifest_rows": f["manifest_rows"],
                "previous_rows": f["previous_rows"],
            }
            for f in files
        ],
        schema={
            "file": pl.Utf8,
            "missing_headers": pl.Utf8,
            "rows_read": pl.Int64,
            "manifest_rows": pl.Int64,
            "previous_rows": pl.Int64,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.when(pl.col("previous_rows") > 0)
        .then((1 - pl.col("rows_read") / pl.col("previous_rows")).clip(lower_bound=0))
        .alias("drop_share")
    )


def mask(value: str | None) -> str | None:
    """A personal number shown in a sample: its first and last characters only."""
    if value is None or len(value) < 6:
        return None if value is None else "*" * len(value)
    keep_head, keep_tail = (6, 4) if len(value) >= 14 else (3, 4) if len(value) >= 10 else (2, 2)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def row_samples(bronze: pl.DataFrame, line_nos: list[int], field: str | None, size: int) -> list[dict[str, object]]:
    """The failing rows' line, record key and delivered value (personal numbers masked)."""
    wanted = pl.DataFrame({ROW_ID: line_nos[:size]}, schema={ROW_ID: pl.Int64})
    rows = wanted.join(bronze, on=ROW_ID, how="left", maintain_order="left")
    sensitive = field in SENSITIVE_FIELDS
    return [
        {
            "行号": row[ROW_ID],
            "记录键": row["record_key"],
            "值": (mask(row[field]) if sensitive else row[field]) if field else None,
        }
        for row in rows.iter_rows(named=True)
    ]
