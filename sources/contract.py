"""The source contract (`sources.yaml`): which files each source delivers and their columns.

The repository carries a copy of the shared contract (`sources/sources.yaml`); a test keeps it
identical to `shared/contract/sources.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTRACT_PATH = Path(__file__).with_name("sources.yaml")


@dataclass(frozen=True)
class Column:
    """One contract column: header in the file → canonical field."""

    header: str
    field: str
    type: str
    required: bool
    values: tuple[str, ...] | None


@dataclass(frozen=True)
class FileSpec:
    """One file of a delivery: name pattern, format and how to parse it."""

    name: str
    format: str
    encoding: str
    delimiter: str
    compression: str | None
    sheet: str | None
    record_key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        """Contract headers in contract order."""
        return [c.header for c in self.columns]

    @property
    def key_fields(self) -> list[str]:
        """Canonical field names of the record key, in contract order."""
        by_header = {c.header: c.field for c in self.columns}
        return [by_header[h] for h in self.record_key]

    def matches(self, file_name: str) -> bool:
        """Whether a delivered file name is this spec's file (`survey_<YYYY>.xlsx` is a pattern)."""
        if "<YYYY>" in self.name:
            head, tail = self.name.split("<YYYY>")
            middle = file_name[len(head) : len(file_name) - len(tail)]
            return file_name.startswith(head) and file_name.endswith(tail) and len(middle) == 4 and middle.isdigit()
        return file_name == self.name


@dataclass(frozen=True)
class SourceSpec:
    """One source system of the contract."""

    name: str
    title: str
    accumulates: bool
    files: tuple[FileSpec, ...]
    person_bearing: bool = True  # False for registers whose rows are not persons (job_postings)

    @property
    def person_file(self) -> FileSpec:
        """The file whose rows are persons (the first file of the source)."""
        return self.files[0]

    def file_spec(self, file_name: str) -> FileSpec | None:
        """The spec a delivered file name belongs to, or None for an unknown file."""
        return next((f for f in self.files if f.matches(file_name)), None)


def _columns(entries: list[dict[str, Any]]) -> tuple[Column, ...]:
    return tuple(
        Column(
            header=str(e["header"]),
            field=str(e["field"]),
            type=str(e["type"]),
            required=bool(e.get("required", False)),
            values=tuple(str(v) for v in e["values"]) if "values" in e else None,
        )
        for e in entries
    )


def _file_spec(entry: dict[str, Any], record_key: list[str], columns: list[dict[str, Any]]) -> FileSpec:
    return FileSpec(
        name=entry["name"],
        format=entry["format"],
        encoding=entry.get("encoding", "utf-8"),
        delimiter=entry.get("delimiter", ","),
        compression=entry.get("compression"),
        sheet=entry.get("sheet"),
        record_key=tuple(record_key),
        columns=_columns(columns),
    )


@cache
def load_contract(path: Path = CONTRACT_PATH) -> dict[str, SourceSpec]:
    """Parse `sources.yaml` into source specs keyed by source name, in contract order."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    contract: dict[str, SourceSpec] = {}
    for name, src in raw["sources"].items():
        related = src.get("related_files", {})
        files = []
        for entry in src["files"]:
            if entry["name"] in related:
                rel = related[entry["name"]]
                files.append(_file_spec(entry, rel["record_key"], rel["columns"]))
            else:
                files.append(_file_spec(entry, src["record_key"], src["columns"]))
        contract[name] = SourceSpec(
            name=name,
            title=src["title"],
            accumulates=bool(src.get("accumulates", False)),
            files=tuple(files),
            person_bearing=bool(src.get("person_bearing", True)),
        )
    return contract
