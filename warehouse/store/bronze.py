"""Bronze tables as Parquet segments, written as the difference from the previous snapshot.

A source re-delivers its whole current state (a snapshot) every time. A row whose record key
and values are those of a row already in bronze is *unchanged*: it keeps the lineage of the
delivery it first arrived in (`delivery_date`, `file`, `line_no`), so its record, its
standardised values, its links and its person's serving rows stay as they are, and the
quality gate does not validate it again. Only new and changed rows get the re-delivery's
lineage, and rows missing from the snapshot are withdrawn. The segment store then writes only
those rows.

First-seen lineage is history, not a cache: `returnees run --full` keeps it too (and validates
and standardises every row again), so an incremental night and a full rebuild give equal tables.

Because an unchanged row keeps its first lineage, the rows kept from each delivered file are
counted when the file is read (`file_counts.rows_kept`), which the row accounting checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from sources.contract import SourceSpec
from sources.ingest import LINEAGE, QUARANTINE_COLUMNS, SourceLoad, table_name
from warehouse.store.db import query
from warehouse.store.segments import SegmentStore

SCHEMA = "bronze"
KEY = ["record_key"]
POSITION = ["delivery_date", "file", "line_no"]  # where a row sits in this run's current deliveries
BOOKKEEPING = ("quarantine", "deliveries", "file_counts")
FILE_COUNTS = pl.Schema({"source": pl.Utf8, "delivery_date": pl.Utf8, "file": pl.Utf8, "rows_read": pl.Int64})
POSITION_SCHEMA = pl.Schema({"delivery_date": pl.Utf8, "file": pl.Utf8, "line_no": pl.Int64})
UNCHANGED_SCHEMA = pl.Schema({**POSITION_SCHEMA, **{f"first_{name}": dtype for name, dtype in POSITION_SCHEMA.items()}})


@dataclass(frozen=True)
class Unchanged:
    """Rows of a freshly read table that bronze already holds with the same values: their position
    in this run's deliveries (`POSITION`) and the lineage they first arrived with (`first_*`)."""

    rows: pl.DataFrame

    @property
    def positions(self) -> pl.DataFrame:
        """`POSITION` of the unchanged rows: what the quality gate need not validate again."""
        return self.rows.select(POSITION)


def bronze_table(table: str) -> str:
    """The qualified name of a bronze table."""
    return f"{SCHEMA}.{table}"


def bronze_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The bronze tables of this build (segmented ones are views)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND database_name = current_database()"
        " UNION SELECT view_name FROM duckdb_views() WHERE schema_name = ? AND database_name = current_database()"
        " ORDER BY 1",
        [SCHEMA, SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def unchanged_rows(store: SegmentStore, table: str, frame: pl.DataFrame, fields: list[str]) -> Unchanged:
    """Rows of `frame` whose record key and every field equal a row of the build's current bronze
    table (carried over from the last published warehouse); empty when there is none."""
    if frame.is_empty() or not store.exists(bronze_table(table)):
        return Unchanged(pl.DataFrame(schema=UNCHANGED_SCHEMA))
    con = store.con
    same = " AND ".join(f'n."{f}" IS NOT DISTINCT FROM o."{f}"' for f in fields)
    con.register("_bronze_read", frame.select(*KEY, *POSITION, *fields).to_arrow())
    try:
        rows = query(
            con,
            f"""
            SELECT n.delivery_date, n.file, n.line_no,
                   o.delivery_date AS first_delivery_date, o.file AS first_file, o.line_no AS first_line_no
            FROM _bronze_read n JOIN {bronze_table(table)} o ON o.record_key = n.record_key AND {same}
            """,
        )
    finally:
        con.unregister("_bronze_read")
    return Unchanged(rows.cast(UNCHANGED_SCHEMA))


def with_first_lineage(frame: pl.DataFrame, unchanged: Unchanged) -> pl.DataFrame:
    """`frame` with the unchanged rows' lineage replaced by the lineage they first arrived with."""
    if unchanged.rows.is_empty():
        return frame
    joined = frame.join(unchanged.rows, on=POSITION, how="left", maintain_order="left")
    return joined.with_columns([pl.coalesce(f"first_{c}", c).alias(c) for c in POSITION]).select(frame.columns)


def _file_counts(load: SourceLoad) -> pl.DataFrame:
    """Rows read and rows kept in bronze per delivered file of the load."""
    kept = pl.concat(
        [frame.group_by("source", "delivery_date", "file").len("rows_kept") for frame in load.bronze.values()]
    )
    kept = kept.group_by("source", "delivery_date", "file").agg(pl.col("rows_kept").sum())
    return (
        load.file_counts.cast(FILE_COUNTS)
        .join(kept, on=["source", "delivery_date", "file"], how="left")
        .with_columns(pl.col("rows_kept").fill_null(0).cast(pl.Int64))
    )


def _replace_rows(con: duckdb.DuckDBPyConnection, table: str, source: str, frame: pl.DataFrame) -> None:
    con.execute(f"DELETE FROM {table} WHERE source = ?", [source])
    con.register("_bookkeeping", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _bookkeeping")
    finally:
        con.unregister("_bookkeeping")


def write_source(
    store: SegmentStore,
    spec: SourceSpec,
    load: SourceLoad,
    unchanged: dict[str, Unchanged],
    outcomes: pl.DataFrame,
    run_id: str,
    full: bool,
) -> dict[str, tuple[int, int]]:
    """Write a gated source: its bronze tables (unchanged rows with their first lineage; as a delta,
    or as a new base when `full`), its quarantine, delivery outcomes and file counts. Returns
    (rows written, keys deleted) per bronze table."""
    con = store.con
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    written = {}
    for file_spec in spec.files:
        table = table_name(spec, file_spec)
        frame = with_first_lineage(load.bronze[table], unchanged.get(table, Unchanged(pl.DataFrame())))
        con.register("_bronze_rows", frame.select(*LINEAGE, *[c.field for c in file_spec.columns]).to_arrow())
        try:
            name = bronze_table(table)
            if full or not store.exists(name):
                written[table] = (store.replace(name, "FROM _bronze_rows", KEY), 0)
            else:
                written[table] = store.write_diff(name, "FROM _bronze_rows", KEY)
        finally:
            con.unregister("_bronze_rows")
    quarantine = load.quarantine.select(list(QUARANTINE_COLUMNS)).with_columns(pl.lit(run_id).alias("run_id"))
    _replace_rows(con, "quarantine", spec.name, quarantine)
    _replace_rows(con, "deliveries", spec.name, outcomes.with_columns(pl.lit(run_id).alias("run_id")))
    _replace_rows(con, "file_counts", spec.name, _file_counts(load))
    return written


def carry_source(store: SegmentStore, spec: SourceSpec) -> bool:
    """Keep a source whose deliveries did not change: its bronze tables are already in the build
    (carried over with the segment catalogue); copy its bookkeeping rows from `prev`. False when
    the last warehouse did not keep the source's bronze as segments."""
    if not all(store.exists(bronze_table(table_name(spec, f))) for f in spec.files):
        return False
    con = store.con
    for table in BOOKKEEPING:
        con.execute(f"DELETE FROM {table} WHERE source = ?", [spec.name])
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM prev.main.{table} WHERE source = ?", [spec.name])
    return True
