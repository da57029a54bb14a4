"""Train the Splink model on a landing area and save it as JSON (run once, not nightly)."""

from __future__ import annotations

from pathlib import Path

from dedup import model
from dedup.groups import profiles, with_matching_fields
from dedup.records import raw_records, standardise_records
from sources.contract import load_contract
from sources.ingest import load_source
from warehouse.store.db import DuckDBSettings, connect


def train_model(landing: Path, out: Path = model.MODEL_PATH, settings: DuckDBSettings | None = None) -> Path:
    """Ingest and standardise `landing` in memory, train, and write the model JSON to `out`."""
    bronze = {}
    for spec in load_contract().values():
        bronze.update(load_source(landing, spec).bronze)
    records = with_matching_fields(standardise_records(raw_records(bronze)))
    profile_rows, _ = profiles(records)
    with connect(":memory:", settings) as con:
        model.train(con, profile_rows, out)
    return out
