"""The run's Great Expectations Data Docs, beside the warehouse file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from quality.gx_worker import RemoteGxSession
from warehouse.store.db import query


def docs_dir(published: Path) -> Path:
    """Where the Data Docs of a warehouse are built: `<warehouse dir>/data_docs/<warehouse name>/`."""
    return published.parent / "data_docs" / published.stem


def build_run_docs(
    con: duckdb.DuckDBPyConnection, session: RemoteGxSession, published: Path, run_id: str, more: pl.DataFrame
) -> Path:
    """Render every suite result stored in this build plus `more` (validation rows); return the index page."""
    stored = query(con, "SELECT suite, batch, result_json FROM quality_validations WHERE scope = 'delivery'")
    rows = pl.concat([stored, more.select("suite", "batch", "result_json")]).sort("suite", "batch")
    out = docs_dir(published)
    out.parent.mkdir(parents=True, exist_ok=True)
    return session.build_data_docs(list(rows.iter_rows()), out, run_id)
