"""How values read on the pages: dates by precision, codes and flags in Chinese, '—' for nothing."""

from __future__ import annotations

from datetime import date, datetime

from console.labels import ID_KIND_LABELS, SEX_LABELS, SOURCE_LABELS

CODE_LABELS = {"sex": SEX_LABELS, "id_kind": ID_KIND_LABELS, "id_sex": SEX_LABELS}


def display(value: object, column: str = "", precision: str | None = None) -> str:
    """One value as text for a steward."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime({"month": "%Y-%m", "year": "%Y"}.get(precision or "", "%Y-%m-%d"))
    if isinstance(value, list):
        return "、".join(SOURCE_LABELS.get(str(v), str(v)) for v in value) or "—"
    if column in CODE_LABELS:
        return CODE_LABELS[column].get(str(value), str(value))
    if column.endswith("_source"):
        return SOURCE_LABELS.get(str(value), str(value))
    return str(value)


def cell_text(record: dict[str, object], column: str) -> str:
    """A record's standardised value (its birth date at the precision the source gave)."""
    precision = record.get("birth_precision") if column == "birth_date" else None
    return display(record.get(column), column, precision if isinstance(precision, str) else None)
