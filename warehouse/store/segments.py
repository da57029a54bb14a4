"""Large tables kept as Parquet segments beside the warehouse, so a night writes only what changed.

The published warehouse file is a catalogue: small tables, and one view per segmented table over
the Parquet files that hold its rows. A table is a base segment and the deltas of later nights;
each delta holds the rows that are new or changed and the keys of rows it replaces or removes:

    <warehouse>.segments/<schema>.<table>/<run>-<n>.rows.parquet     rows of segment n
    <warehouse>.segments/<schema>.<table>/<run>-<n>.deletes.parquet  keys that rows of earlier segments lose

A row of segment n is current unless a later segment's deletes name its key. The list of segments
lives in the catalogue's `_segments` table, so a catalogue (the published one, or a run's build)
always sees the files it was built with: a run's new files are invisible to readers until the
catalogue that lists them is published, and a failed run's files are never listed.

A run starts by carrying over the previous catalogue's segment lists (no rows are copied), then
each stage replaces a table whole (`replace`, a full rebuild) or adds a delta (`update`, or
`write_diff`, which finds the delta by comparing whole rows). When the deltas of a table grow past
`COMPACT_SHARE` of its rows or `COMPACT_SEGMENTS` files, the table is rewritten as one base.
Files that neither the published catalogue nor its predecessor list are removed at the start of
the next run (`collect_garbage`), so a reader still holding yesterday's catalogue keeps working.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.store.db import table_exists

CATALOGUE = "_segments"
CATALOGUE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CATALOGUE} (table_name VARCHAR, seq INTEGER, rows_path VARCHAR, "
    "deletes_path VARCHAR, row_count BIGINT, delete_count BIGINT, key_columns VARCHAR[], run_id VARCHAR)"
)
COMPACT_SHARE = 0.25  # deltas holding more rows than this share of the table: rewrite it as one base
COMPACT_SEGMENTS = 8  # or more segments than this


@dataclass(frozen=True)
class Segment:
    """One segment of a table as the catalogue lists it."""

    seq: int
    rows_path: str
    deletes_path: str | None
    row_count: int
    delete_count: int


def segments_root(published: Path) -> Path:
    """The folder of the segment files, beside the published warehouse."""
    return published.with_name(f"{published.name}.segments")


def _quoted(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _keys(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class SegmentStore:
    """The segmented tables of one build (`con` is the build's connection, `root` the segment folder)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path, run_id: str) -> None:
        self.con = con
        self.root = root
        self.run_id = run_id
        con.execute(CATALOGUE_DDL)

    # -- reading --------------------------------------------------------------------------------

    def segments(self, table: str, catalogue: str = CATALOGUE) -> list[Segment]:
        """The segments of `table` in this build (or in `catalogue`, e.g. `prev.main._segments`)."""
        rows = self.con.execute(
            f"SELECT seq, rows_path, deletes_path, row_count, delete_count FROM {catalogue}"
            " WHERE table_name = ? ORDER BY seq",
            [table],
        ).fetchall()
        return [Segment(int(s), str(r), d, int(n), int(m)) for s, r, d, n, m in rows]

    def key_columns(self, table: str) -> list[str]:
        """The key of a segmented table (empty when the table is not segmented)."""
        rows = self.con.execute(f"SELECT key_columns FROM {CATALOGUE} WHERE table_name = ? LIMIT 1", [table]).fetchall()
        return list(rows[0][0]) if rows else []

    def exists(self, table: str) -> bool:
        """Whether `table` is segmented in this build."""
        return bool(self.segments(table))

    def current_sql(self, table: str) -> str:
        """A query of the table's current rows, reading its files directly."""
        return _current_sql(self.segments(table), self.key_columns(table))

    # -- writing --------------------------------------------------------------------------------

    def carry_over(self, previous_catalogue: str) -> int:
        """Take over every segmented table of the previous catalogue (its segment lists; no rows are
        copied) and create their views; return the number of tables."""
        if not table_exists(self.con, previous_catalogue):
            return 0
        self.con.execute(f"DELETE FROM {CATALOGUE}")
        self.con.execute(f"INSERT INTO {CATALOGUE} SELECT * FROM {previous_catalogue}")
        tables = [r[0] for r in self.con.execute(f"SELECT DISTINCT table_name FROM {CATALOGUE}").fetchall()]
        for table in tables:
            self._create_view(table)
        return len(tables)

    def replace(self, table: str, select_sql: str, key: Sequence[str]) -> int:
        """Rewrite `table` whole from a query (sorted by its key); return its rows."""
        path = self._next_path(table, "rows")
        self.con.execute(f"COPY ({select_sql} ORDER BY {_keys(key)}) TO {_quoted(str(path))} (FORMAT parquet)")
        rows = self._count(path)
        self.con.execute(f"DELETE FROM {CATALOGUE} WHERE table_name = ?", [table])
        self._register(table, path, None, rows, 0, key)
        self._create_view(table)
        return rows

    def update(self, table: str, rows_sql: str, deleted_keys_sql: str) -> tuple[int, int]:
        """Add a delta: `rows_sql` gives new and changed rows, `deleted_keys_sql` the keys of rows that
        are replaced or removed (the keys of changed rows among them). Returns (rows, deleted keys)."""
        key = self.key_columns(table)
        rows_path, deletes_path = self._next_path(table, "rows"), self._next_path(table, "deletes")
        self.con.execute(f"COPY ({rows_sql} ORDER BY {_keys(key)}) TO {_quoted(str(rows_path))} (FORMAT parquet)")
        self.con.execute(
            f"COPY (SELECT DISTINCT {_keys(key)} FROM ({deleted_keys_sql})) TO {_quoted(str(deletes_path))}"
            " (FORMAT parquet)"
        )
        added, deleted = self._count(rows_path), self._count(deletes_path)
        if not added and not deleted:
            rows_path.unlink()
            deletes_path.unlink()
            return 0, 0
        self._register(table, rows_path, deletes_path, added, deleted, key)
        if self._needs_compaction(table):
            self.replace(table, f"SELECT * FROM ({self.current_sql(table)})", key)
        else:
            self._create_view(table)
        return added, deleted

    def write_diff(self, table: str, select_sql: str, key: Sequence[str]) -> tuple[int, int]:
        """Bring `table` to the rows of `select_sql`, writing only what differs from its current rows
        (whole rows compared); a table not yet segmented, or whose columns changed, is replaced."""
        if not self.exists(table) or not self._same_columns(table, select_sql):
            return self.replace(table, select_sql, key), 0
        current = self.current_sql(table)
        columns = _keys(key)
        changed = f"SELECT * FROM ({select_sql}) EXCEPT ALL SELECT * FROM ({current})"
        gone = f"SELECT {columns} FROM ({current}) EXCEPT SELECT {columns} FROM ({select_sql})"
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE _changed AS {changed}")
        try:
            return self.update(table, "SELECT * FROM _changed", f"SELECT {columns} FROM _changed UNION ALL {gone}")
        finally:
            self.con.execute("DROP TABLE IF EXISTS _changed")

    # -- internals ------------------------------------------------------------------------------

    def _same_columns(self, table: str, select_sql: str) -> bool:
        new = self.con.execute(f"DESCRIBE {select_sql}").fetchall()
        old = self.con.execute(f"DESCRIBE {self.current_sql(table)}").fetchall()
        return [(r[0], r[1]) for r in new] == [(r[0], r[1]) for r in old]

    def _needs_compaction(self, table: str) -> bool:
        segments = self.segments(table)
        deltas = sum(s.row_count + s.delete_count for s in segments[1:])
        return len(segments) > COMPACT_SEGMENTS or deltas > COMPACT_SHARE * max(segments[0].row_count, 1)

    def _next_path(self, table: str, kind: str) -> Path:
        folder = self.root / table
        folder.mkdir(parents=True, exist_ok=True)
        existing = self.con.execute(f"SELECT coalesce(max(seq), 0) FROM {CATALOGUE} WHERE table_name = ?", [table])
        seq = int(existing.fetchall()[0][0]) + 1
        return folder / f"{self.run_id[:8]}-{seq:04d}.{kind}.parquet"

    def _count(self, path: Path) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM read_parquet({_quoted(str(path))})").fetchall()[0][0])

    def _register(
        self, table: str, rows: Path, deletes: Path | None, row_count: int, delete_count: int, key: Sequence[str]
    ) -> None:
        seq = self.con.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {CATALOGUE} WHERE table_name = ?", [table])
        self.con.execute(
            f"INSERT INTO {CATALOGUE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                table,
                seq.fetchall()[0][0],
                str(rows),
                str(deletes) if deletes else None,
                row_count,
                delete_count,
                list(key),
                self.run_id,
            ],
        )

    def _create_view(self, table: str) -> None:
        schema = table.split(".")[0] if "." in table else "main"
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.con.execute(f"CREATE OR REPLACE VIEW {table} AS {self.current_sql(table)}")


def _current_sql(segments: Sequence[Segment], key: Sequence[str]) -> str:
    """Rows of the segments that no later segment's deletes name."""
    if len(segments) == 1:
        return f"SELECT * FROM read_parquet({_quoted(segments[0].rows_path)})"
    rows = " UNION ALL BY NAME ".join(
        f"SELECT *, {s.seq} AS _segment FROM read_parquet({_quoted(s.rows_path)})" for s in segments
    )
    deletes = " UNION ALL ".join(
        f"SELECT {_keys(key)}, {s.seq} AS _segment FROM read_parquet({_quoted(s.deletes_path)})"
        for s in segments
        if s.deletes_path and s.delete_count
    )
    if not deletes:
        return f"SELECT * EXCLUDE (_segment) FROM ({rows})"
    match = " AND ".join(f'd."{c}" IS NOT DISTINCT FROM r."{c}"' for c in key)
    return (
        f"SELECT * EXCLUDE (_segment) FROM ({rows}) r WHERE NOT EXISTS "
        f"(SELECT 1 FROM ({deletes}) d WHERE {match} AND d._segment > r._segment)"
    )


def referenced_files(con: duckdb.DuckDBPyConnection, catalogue: str) -> set[Path]:
    """Every segment file a catalogue lists."""
    if not table_exists(con, catalogue):
        return set()
    rows = con.execute(f"SELECT rows_path, deletes_path FROM {catalogue}").fetchall()
    return {Path(p) for row in rows for p in row if p}


def collect_garbage(root: Path, keep: set[Path]) -> int:
    """Remove segment files under `root` that are not in `keep` (files of failed runs, and of
    catalogues older than the published one's predecessor); return how many were removed."""
    if not root.is_dir():
        return 0
    removed = 0
    for path in root.rglob("*.parquet"):
        if path not in keep:
            path.unlink()
            removed += 1
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            shutil.rmtree(folder)
    return removed
