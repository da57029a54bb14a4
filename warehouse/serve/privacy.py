"""Scan a schema for unmasked personal data: valid 18-digit citizen IDs and 11-digit mobiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
from stdnum.cn import ric

# An 18-character citizen ID or an 11-digit mobile, not part of a longer digit run.
PATTERN = r"(^|[^0-9])([1-9][0-9]{16}[0-9Xx]|1[3-9][0-9]{9})([^0-9]|$)"
NON_TEXT = ("BOOLEAN", "INTEGER", "BIGINT", "DOUBLE", "FLOAT", "DATE", "TIMESTAMP", "DECIMAL", "SMALLINT", "TINYINT")


@dataclass(frozen=True)
class Finding:
    """An unmasked value found in a column."""

    table: str
    column: str
    kind: str  # 身份证号 / 手机号
    value: str


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


def text_columns(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[str, str]]:
    """(table or view, column) of every column that can hold text (strings, lists, maps, structs)."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = ?"
        " ORDER BY table_name, column_index",
        [schema],
    ).fetchall()
    return [(t, c) for t, c, kind in rows if not kind.startswith(NON_TEXT)]


def scan_unmasked(con: duckdb.DuckDBPyConnection, schema: str, limit: int = 20) -> list[Finding]:
    """Every text column of every table and view in `schema`, searched for a valid citizen ID
    number (checksum and birth date verified) or a mainland mobile number; up to `limit` findings."""
    columns: dict[str, list[str]] = {}
    for table, column in text_columns(con, schema):
        columns.setdefault(table, []).append(column)
    findings: list[Finding] = []
    for table, names in columns.items():
        scans = " UNION ALL ".join(
            f"SELECT '{name}' AS col, unnest(regexp_extract_all(CAST(\"{name}\" AS VARCHAR), '{PATTERN}', 2)) AS v"
            f" FROM {schema}.{table} WHERE regexp_matches(CAST(\"{name}\" AS VARCHAR), '[0-9]{{11}}')"
            for name in names
        )
        for column, value in con.execute(f"SELECT DISTINCT col, v FROM ({scans}) ORDER BY col, v").fetchall():
            if len(value) == 11:
                findings.append(Finding(table, column, "手机号", value))
            elif is_citizen_id(value):
                findings.append(Finding(table, column, "身份证号", value))
            if len(findings) >= limit:
                return findings
    return findings
