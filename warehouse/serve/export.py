"""Files beside the warehouse: the Parquet export of the analyst file and the per-run report.

A run writes them into a staging folder (`.serve.<run>.building/`) before the warehouse is
published; after publishing they are moved into place, so the files beside the warehouse always
describe the published warehouse:

- `<dir>/parquet/<table>.parquet`, one file per table of the analyst file;
- `<dir>/reports/report_<date>_<run>.html`, and `<dir>/report.html` as the latest copy.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from warehouse.serve.analyst import CATALOG
from warehouse.serve.report import render_report

PARQUET = "parquet"
REPORT = "report.html"


def staging_dir(published: Path, run_id: str) -> Path:
    """The run's staging folder beside the published warehouse."""
    return published.parent / f".serve.{run_id[:8]}.building"


def export_parquet(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    """Write every table of the attached analyst file to Parquet under `out`; return rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    objects = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1", [CATALOG]
    ).fetchall()
    counts = {}
    for (name,) in objects:
        con.execute(f"COPY {CATALOG}.main.{name} TO '{out / f'{name}.parquet'}' (FORMAT parquet)")
        counts[name] = con.execute(f"SELECT count(*) FROM {CATALOG}.main.{name}").fetchall()[0][0]
    return counts


def stage_exports(con: duckdb.DuckDBPyConnection, published: Path, run_id: str, as_of: dt.date) -> dict[str, int]:
    """Write the Parquet export and the report into the run's staging folder."""
    for stale in published.parent.glob(".serve.*.building"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = staging_dir(published, run_id)
    counts = export_parquet(con, staging / PARQUET)
    (staging / REPORT).write_text(render_report(con, run_id, as_of), encoding="utf-8")
    (staging / "as_of").write_text(as_of.isoformat(), encoding="utf-8")
    return counts


def publish_exports(published: Path, run_id: str) -> list[Path]:
    """Move the staged files into place after the warehouse was published; clear stale stagings."""
    staging = staging_dir(published, run_id)
    folder = published.parent
    if not staging.is_dir():
        return []
    as_of = (staging / "as_of").read_text(encoding="utf-8").strip()
    report = folder / "reports" / f"report_{as_of}_{run_id[:8]}.html"
    report.parent.mkdir(exist_ok=True)
    shutil.copyfile(staging / REPORT, report)
    (staging / REPORT).replace(folder / REPORT)
    target, old = folder / PARQUET, folder / f".{PARQUET}.{run_id[:8]}.old"
    if target.exists():
        target.rename(old)
    (staging / PARQUET).rename(target)
    shutil.rmtree(old, ignore_errors=True)
    for stale in folder.glob(".serve.*.building"):
        shutil.rmtree(stale, ignore_errors=True)
    for published_path in (target, report, folder / REPORT, report.parent):
        readable_by_analysts(published_path)
    return [target, report, folder / REPORT]


def readable_by_analysts(path: Path) -> None:
    """Give a published export the modes analysts need (the run creates files owner-only)."""
    paths = [path, *path.rglob("*")] if path.is_dir() else [path]
    for item in paths:
        item.chmod(0o755 if item.is_dir() else 0o644)
