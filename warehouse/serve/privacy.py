"""Scan what analysts receive for personal data that escaped masking.

Two scans over every text-bearing column (strings, and lists, maps and structs read as text) of
every table and view of one DuckDB catalog (the analyst file):

- **shapes**: a citizen ID (18 characters, GB 11643 check character and a real birth date; with or
  without spaces or dashes between its groups) or a mainland mobile (11 digits from 13x–19x, with
  or without +86 / 0086 and separators), anywhere in the text, also inside sentences. A unified
  social credit code with a valid GB 32100 check character is an organisation's public
  identifier, not personal data, even where its digits look like a phone or ID number; in a
  column that holds organisation identifiers (统一社会信用代码, 组织机构代码, 参保单位编号) only a
  valid citizen ID that is no valid credit code counts.
- **known identifiers**: a word equal to an identifier the warehouse holds for a person (an ID,
  passport, social-insurance or certificate number, mobile, e-mail) — this finds passports and
  numbers with a broken check character, which have no shape of their own.

A finding names table, column, kind, a masked example and how many distinct values were found.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import duckdb
import polars as pl
from stdnum.cn import ric, uscc

from quality.results import RESULT_SCHEMA, TIMING_SCHEMA, VALIDATION_SCHEMA, replace_results
from sources.contract import load_contract
from warehouse.serve.analyst import CATALOG

NON_TEXT: tuple[str, ...] = ("BOOLEAN", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "FLOAT", "DATE", "TIMESTAMP")
NON_TEXT += ("DECIMAL", "SMALLINT", "TINYINT", "UINTEGER", "UBIGINT", "USMALLINT", "UTINYINT", "TIME", "INTERVAL")
NON_TEXT += ("UUID",)
ORGANISATION_HEADERS = ("统一社会信用代码", "组织机构代码", "单位编号")

# Runs of letters and digits, with single spaces or dashes inside (a number typed in groups).
RUN = r"[+0-9A-Za-z][0-9A-Za-z]*(?:[ -][0-9A-Za-z]+)*"
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_ID = re.compile(_EDGE_BEFORE + r"(\d{6})[ -]?(\d{4})[ -]?(\d{4})[ -]?(\d{3}[0-9Xx])" + _EDGE_AFTER)
_MOBILE = re.compile(_EDGE_BEFORE + r"(?:(?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})" + _EDGE_AFTER)
_CODE = re.compile(_EDGE_BEFORE + r"[0-9A-Z]{18}" + _EDGE_AFTER)
_FULL_WIDTH_DIGITS = ("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Finding:
    """Personal data found where analysts can read it."""

    table: str
    column: str
    kind: str  # 身份证号 / 手机号 / 护照号 / …
    example: str  # masked
    values: int  # distinct values of this kind in the column

    def line(self) -> str:
        """`table.column 身份证号 500103********1234（共 2 个）`."""
        return f"{self.table}.{self.column} {self.kind} {self.example}（共 {self.values} 个）"


def is_citizen_id(value: str) -> bool:
    """Whether an 18-character string is a citizen ID: GB 11643 check character and a real birth date
    (the address code is not checked, so IDs of any region and era count)."""
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit():
        return False
    if ric.calc_check_digit(value[:17] + "0") != value[17]:
        return False
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14])).year >= 1900
    except ValueError:
        return False


def mask_example(kind: str, value: str) -> str:
    """A value as a finding shows it: enough to find it again, not enough to use it."""
    if kind == "身份证号":
        return f"{value[:6]}********{value[-4:]}"
    if kind == "手机号":
        return f"{value[:3]}****{value[-4:]}"
    keep = max(1, min(3, len(value) // 4))
    return f"{value[:keep]}{'*' * (len(value) - 2 * keep)}{value[-keep:]}"


@cache
def organisation_fields() -> frozenset[str]:
    """Canonical fields that hold organisation identifiers, from the contract's headers."""
    return frozenset(
        column.field
        for spec in load_contract().values()
        for file_spec in spec.files
        for column in file_spec.columns
        if any(header in column.header for header in ORGANISATION_HEADERS)
    )


def is_organisation_column(column: str) -> bool:
    """Whether a warehouse column holds organisation identifiers (named after a contract field)."""
    return column in organisation_fields() or column.endswith("_uscc")


def shapes_in(text: str, organisation: bool) -> list[tuple[str, str]]:
    """(kind, value) of every citizen ID and mobile in a run of text; see the module docstring."""
    text = unicodedata.normalize("NFKC", text)
    codes = [m.span() for m in _CODE.finditer(text.upper()) if uscc.is_valid(m.group())]

    def in_code(span: tuple[int, int]) -> bool:
        return any(start <= span[0] and span[1] <= end for start, end in codes)

    found: list[tuple[str, str]] = []
    for match in _ID.finditer(text):
        value = "".join(match.groups()).upper()
        if is_citizen_id(value) and not in_code(match.span()):
            found.append(("身份证号", value))
    if not organisation:
        found += [("手机号", "".join(m.groups())) for m in _MOBILE.finditer(text) if not in_code(m.span())]
    return found


def text_columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    """Table or view → its columns that can hold text (strings, lists, maps, structs), of one catalog."""
    rows = con.execute(
        "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = ? AND schema_name NOT IN ('information_schema', 'pg_catalog')"
        " ORDER BY table_name, column_index",
        [catalog],
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column, kind in rows:
        if not kind.startswith(NON_TEXT):
            columns.setdefault(table, []).append(column)
    return columns


def _runs(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> list[str]:
    """Distinct runs of the column's text that hold at least 11 digits (an ID or a mobile can)."""
    text = f"translate(CAST(\"{column}\" AS VARCHAR), '{_FULL_WIDTH_DIGITS[0]}', '{_FULL_WIDTH_DIGITS[1]}')"
    rows = con.execute(
        f"""
        SELECT DISTINCT run FROM (
            SELECT unnest(regexp_extract_all({text}, '{RUN}')) AS run
            FROM {relation} WHERE regexp_matches({text}, '[0-9]{{3}}')
        ) WHERE length(regexp_replace(run, '[^0-9]', '', 'g')) >= 11
        """
    ).fetchall()
    return [r[0] for r in rows]


def _known_matches(
    con: duckdb.DuckDBPyConnection, relation: str, column: str, known: str
) -> list[tuple[str, str, int]]:
    """(kind, example value, distinct count) of words in the column equal to a known identifier."""
    return con.execute(
        f"""
        WITH words AS (
            SELECT DISTINCT unnest(regexp_extract_all(CAST("{column}" AS VARCHAR), '[0-9A-Za-z@._+-]{{6,}}')) AS word
            FROM {relation}
        )
        SELECT k.kind, min(w.word), count(DISTINCT w.word)
        FROM words w JOIN {known} k ON k.value = w.word
        GROUP BY k.kind ORDER BY k.kind
        """
    ).fetchall()


def scan_unmasked(
    con: duckdb.DuckDBPyConnection, catalog: str, known: str | None = None, limit: int = 50
) -> list[Finding]:
    """Every text column of every table and view of `catalog`, scanned for personal data.

    `known` names a relation (kind, value) of the identifiers the warehouse holds for persons;
    without it only the shapes are scanned. Returns up to `limit` findings, one per (table, column,
    kind).
    """
    findings: list[Finding] = []
    for table, columns in text_columns(con, catalog).items():
        relation = f"{catalog}.{table}"
        for column in columns:
            by_kind: dict[str, set[str]] = {}
            organisation = is_organisation_column(column)
            for run in _runs(con, relation, column):
                for kind, value in shapes_in(run, organisation):
                    by_kind.setdefault(kind, set()).add(value)
            for kind, values in by_kind.items():
                findings.append(Finding(table, column, kind, mask_example(kind, min(values)), len(values)))
            if known is not None and not organisation:
                for kind, value, count in _known_matches(con, relation, column, known):
                    if kind not in by_kind:
                        findings.append(Finding(table, column, kind, mask_example(kind, value), count))
            if len(findings) >= limit:
                return findings[:limit]
    return findings


# Identifiers the warehouse holds for persons, as words of text could repeat them. Numbers of no
# fixed shape (social-insurance person numbers) are left out: an organisation's number of the same
# digits would stop the run for nothing.
KNOWN_IDENTIFIERS_SQL = """
CREATE OR REPLACE TEMP TABLE _known_identifiers AS
SELECT DISTINCT kind, value FROM (
    SELECT '身份证号' AS kind, id_number AS value FROM records
    UNION ALL SELECT '护照号', passport_no FROM records
    UNION ALL SELECT '手机号', mobile FROM records
    UNION ALL SELECT '电子邮箱', email FROM records
) WHERE value IS NOT NULL AND length(value) >= 8
"""
RULE = "analyst_masked"
RULE_TITLE = "分析库中没有未脱敏的个人信息"


def scan_analyst_file(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Scan the analyst file attached to the run's connection, with the warehouse's own identifiers."""
    con.execute(KNOWN_IDENTIFIERS_SQL)  # a table: every text column of the analyst file is matched against it
    try:
        return scan_unmasked(con, CATALOG, known="_known_identifiers")
    finally:
        con.execute("DROP TABLE IF EXISTS _known_identifiers")


def record_findings(con: duckdb.DuckDBPyConnection, run_id: str, findings: list[Finding]) -> None:
    """Keep the scan's outcome among the run's quality results (scope `privacy`, shown by `returnees quality`)."""
    sample = json.dumps(
        [{"表": f.table, "列": f.column, "类别": f.kind, "样例": f.example, "个数": f.values} for f in findings],
        ensure_ascii=False,
    )
    row = {
        "run_id": run_id,
        "validated_run_id": run_id,
        "scope": "privacy",
        "rule": RULE,
        "title": RULE_TITLE,
        "severity": "block_run",
        "success": not findings,
        "unexpected_count": len(findings),
        "sample": sample,
    }
    results = pl.DataFrame([row]).with_columns(pl.lit(None).alias(c) for c in RESULT_SCHEMA if c not in row)
    replace_results(
        con, "privacy", None, results, pl.DataFrame(schema=VALIDATION_SCHEMA), pl.DataFrame(schema=TIMING_SCHEMA)
    )


def findings_summary(findings: list[Finding], shown: int = 3) -> str:
    """One line for the operator: how many findings and the first few."""
    if not findings:
        return "未发现未脱敏的个人信息"
    head = "；".join(f.line() for f in findings[:shown])
    more = f"；另有 {len(findings) - shown} 处" if len(findings) > shown else ""
    return f"分析库中发现 {len(findings)} 处未脱敏的个人信息：{head}{more}"
