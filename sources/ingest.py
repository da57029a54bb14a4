"""Turn a source's current deliveries into bronze frames and quarantine rows.

The newest complete delivery that matches its manifest is the source's current state; a
newer one that does not match is rejected whole and the previous one stays current. For an
accumulating source (the survey) every yearly file counts: the newest valid delivery of each
file name is current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import polars as pl

from sources.contract import FileSpec, SourceSpec
from sources.deliveries import Delivery, ManifestError, UnreadableDelivery, check_files, check_rows, discover
from sources.readers import QUARANTINE_SCHEMA, FileRead, StructuralError, read_file

LINEAGE = ["source", "delivery_date", "file", "line_no", "record_key"]
QUARANTINE_COLUMNS = pl.Schema(
    {
        "source": pl.Utf8,
        "delivery_date": pl.Utf8,
        "file": pl.Utf8,
        "line_no": pl.Int64,
        "raw": pl.Utf8,
        "reason": pl.Utf8,
    }
)


class DeliveryStatus(StrEnum):
    """What a run made of a delivery folder (the `deliveries.status` column)."""

    CURRENT = "current"  # read: the source's current state (for the survey, of its yearly files)
    REJECTED = "rejected"  # does not match its manifest or the contract; the previous one stays current
    SUPERSEDED = "superseded"  # a newer valid delivery replaces it


@dataclass(frozen=True)
class DeliveryOutcome:
    """What happened to one delivery folder in this run."""

    source: str
    delivery_date: str
    status: DeliveryStatus
    reason: str | None
    rows: int


@dataclass
class SourceLoad:
    """A source's current state: bronze frames per file kind, quarantine, outcomes."""

    source: str
    bronze: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame
    outcomes: list[DeliveryOutcome]
    file_counts: pl.DataFrame  # per file: rows read, rows kept, rows quarantined
    warnings: list[str] = field(default_factory=list)


def table_name(spec: SourceSpec, file_spec: FileSpec) -> str:
    """Bronze table of a file kind: the source name for person files, else `source__stem`."""
    if file_spec is spec.person_file:
        return spec.name
    return f"{spec.name}__{file_spec.name.split('.')[0]}"


def _with_keys(read: FileRead, spec: FileSpec, delivery: Delivery, file_name: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Attach lineage and the record key; rows with an empty key part go to quarantine."""
    key_parts = [pl.col(f).str.strip_chars() for f in spec.key_fields]
    frame = read.rows.with_columns(
        pl.lit(delivery.source).alias("source"),
        pl.lit(delivery.delivery_date).alias("delivery_date"),
        pl.lit(file_name).alias("file"),
        pl.concat_str(key_parts, separator="|").alias("record_key"),
        pl.any_horizontal([p.fill_null("").eq("") for p in key_parts]).alias("_key_missing"),
    )
    raw = pl.concat_str([pl.col(c.field).fill_null("") for c in spec.columns], separator=spec.delimiter)
    missing = frame.filter("_key_missing").select(
        "line_no", raw.alias("raw"), pl.lit(f"记录键 {'+'.join(spec.record_key)} 为空").alias("reason")
    )
    quarantine = pl.concat([read.quarantine, missing.cast(QUARANTINE_SCHEMA)])
    return frame.filter(~pl.col("_key_missing")).drop("_key_missing"), quarantine


def _read_delivery(
    delivery: Delivery, spec: SourceSpec
) -> tuple[dict[str, tuple[FileSpec, pl.DataFrame, pl.DataFrame, int]], list[str]]:
    """Check and read every file of a delivery; raise to reject it whole."""
    warnings = check_files(delivery, spec)
    files: dict[str, tuple[FileSpec, pl.DataFrame, pl.DataFrame, int]] = {}
    for listed in delivery.files:
        file_spec = spec.file_spec(listed.name)
        assert file_spec is not None  # check_files rejected unknown files
        read = read_file(delivery.path / listed.name, file_spec)
        if read.blank_rows.height and listed.rows == read.records_read + read.blank_rows.height:
            read = read.counting_blank_rows()  # this manifest counts rows of empty cells as records
        check_rows(listed, read.records_read)
        warnings.extend(f"{delivery.delivery_id}: {w}" for w in read.warnings)
        rows, quarantine = _with_keys(read, file_spec, delivery, listed.name)
        files[listed.name] = (file_spec, rows, quarantine, read.records_read)
    return files, warnings


def _dedupe_keys(frame: pl.DataFrame, spec: FileSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first row of each record key; later rows with the same key are quarantined."""
    frame = frame.with_columns(pl.int_range(pl.len()).over("record_key").alias("_dup"))
    raw = pl.concat_str([pl.col(c.field).fill_null("") for c in spec.columns], separator=spec.delimiter)
    dupes = frame.filter(pl.col("_dup") > 0).select(
        "source",
        "delivery_date",
        "file",
        "line_no",
        raw.alias("raw"),
        pl.lit("记录键重复：同一交付中已有相同记录键的记录").alias("reason"),
    )
    return frame.filter(pl.col("_dup") == 0).drop("_dup"), dupes


def load_source(landing: Path, spec: SourceSpec) -> SourceLoad:
    """Select the current deliveries of one source and read them into bronze frames."""
    contract = {spec.name: spec}
    found = discover(landing, contract)
    outcomes: list[DeliveryOutcome] = []
    warnings: list[str] = []
    chosen: dict[str, tuple[Delivery, tuple[FileSpec, pl.DataFrame, pl.DataFrame, int]]] = {}
    for item in sorted(found, key=lambda d: d.delivery_date, reverse=True):
        if isinstance(item, UnreadableDelivery):
            outcomes.append(DeliveryOutcome(item.source, item.delivery_date, DeliveryStatus.REJECTED, item.reason, 0))
            continue
        names = [f.name for f in item.files]
        # Survey: each yearly file counts; other sources: only the newest valid delivery.
        wanted = [n for n in names if n not in chosen] if spec.accumulates or not chosen else []
        if not wanted:
            outcomes.append(DeliveryOutcome(item.source, item.delivery_date, DeliveryStatus.SUPERSEDED, None, 0))
            continue
        try:
            files, delivery_warnings = _read_delivery(item, spec)
        except (ManifestError, StructuralError) as exc:
            outcomes.append(DeliveryOutcome(item.source, item.delivery_date, DeliveryStatus.REJECTED, str(exc), 0))
            continue
        warnings.extend(delivery_warnings)
        for name in wanted:
            chosen[name] = (item, files[name])
        rows = sum(files[n][3] for n in wanted)
        outcomes.append(DeliveryOutcome(item.source, item.delivery_date, DeliveryStatus.CURRENT, None, rows))
    return _assemble(spec, chosen, outcomes, warnings)


def _assemble(
    spec: SourceSpec,
    chosen: dict[str, tuple[Delivery, tuple[FileSpec, pl.DataFrame, pl.DataFrame, int]]],
    outcomes: list[DeliveryOutcome],
    warnings: list[str],
) -> SourceLoad:
    bronze_parts: dict[str, list[pl.DataFrame]] = {}
    quarantine_parts: list[pl.DataFrame] = []
    counts = []
    for name, (delivery, (file_spec, rows, quarantine, records_read)) in sorted(chosen.items()):
        bronze_parts.setdefault(table_name(spec, file_spec), []).append(rows)
        quarantine_parts.append(
            quarantine.with_columns(
                pl.lit(spec.name).alias("source"),
                pl.lit(delivery.delivery_date).alias("delivery_date"),
                pl.lit(name).alias("file"),
            ).select(list(QUARANTINE_COLUMNS))
        )
        counts.append((spec.name, delivery.delivery_date, name, records_read))
    bronze: dict[str, pl.DataFrame] = {}
    for file_spec in spec.files:
        table = table_name(spec, file_spec)
        parts = bronze_parts.get(table)
        if parts is None:
            empty = {c.field: pl.Utf8 for c in file_spec.columns} | {"line_no": pl.Int64}
            frame = pl.DataFrame(schema=empty).with_columns(
                [pl.lit(None, pl.Utf8).alias(c) for c in LINEAGE if c != "line_no"]
            )
        else:
            frame = pl.concat(parts)
        frame, dupes = _dedupe_keys(frame, file_spec)
        quarantine_parts.append(dupes.cast(QUARANTINE_COLUMNS))
        bronze[table] = frame.select([*LINEAGE, *[c.field for c in file_spec.columns]])
    quarantine = pl.concat(quarantine_parts) if quarantine_parts else pl.DataFrame(schema=QUARANTINE_COLUMNS)
    file_counts = pl.DataFrame(
        counts,
        schema={"source": pl.Utf8, "delivery_date": pl.Utf8, "file": pl.Utf8, "rows_read": pl.Int64},
        orient="row",
    )
    return SourceLoad(spec.name, bronze, quarantine, outcomes, file_counts, warnings)
