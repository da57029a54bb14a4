"""The golden record (`dim_person`) and attribute conflicts (`person_conflicts`) of persons, when built."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from console.formatting import display
from console.snapshot import Snapshot

PROVENANCE_SUFFIXES = ("_source", "_record_uid")


@dataclass(frozen=True)
class GoldenField:
    """One attribute of a golden record with the source and record that supplied it."""

    label: str
    description: str
    value: str
    source: str | None
    record_uid: str | None


def _labels(snapshot: Snapshot, qualified: str) -> dict[str, str]:
    """Column → its documented comment (the column name when it has none)."""
    schema, table = qualified.split(".")
    rows = snapshot.con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, table]
    ).fetchall()
    return {name: comment or name for name, comment in rows}


def _placeholders(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


def golden_records(snapshot: Snapshot, person_ids: list[str]) -> dict[str, list[GoldenField]]:
    """Per person: the golden record's attributes with provenance; empty when not built.

    An attribute's provenance is `<column>_source` / `<column>_record_uid`, else that of its
    group (`employer_name` → `employer_source`); codes with a `<column>_label` show the label.
    """
    table = snapshot.locate("dim_person")
    if table is None or not person_ids:
        return {}
    labels = _labels(snapshot, table)
    rows = snapshot.con.sql(
        f"SELECT * FROM {table} WHERE person_id IN ({_placeholders(person_ids)})", params=person_ids
    ).pl()
    golden = {}
    for row in rows.to_dicts():
        fields = []
        for column, value in row.items():
            hidden = column in ("person_id", "birth_precision") or f"{column}_label" in row
            if hidden or column.endswith(PROVENANCE_SUFFIXES):
                continue
            group = column.split("_")[0]
            provenance = column if f"{column}_source" in row else group
            description = labels.get(column, column)
            precision = row.get("birth_precision") if column == "birth_date" else None
            fields.append(
                GoldenField(
                    label=description.split("（")[0],
                    description=description,
                    value=display(value, column, precision),
                    source=row.get(f"{provenance}_source"),
                    record_uid=row.get(f"{provenance}_record_uid"),
                )
            )
        golden[str(row["person_id"])] = fields
    return golden


def person_conflicts(snapshot: Snapshot, person_ids: list[str]) -> list[dict[str, object]]:
    """The persons' attribute conflicts (description, disagreeing values with sources, golden value)."""
    table = snapshot.locate("person_conflicts")
    if table is None or not person_ids:
        return []
    conflicts: pl.DataFrame = snapshot.con.sql(
        f"SELECT * FROM {table} WHERE person_id IN ({_placeholders(person_ids)}) ORDER BY person_id, attribute",
        params=person_ids,
    ).pl()
    return conflicts.to_dicts()
