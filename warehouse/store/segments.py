"""Large tables kept as Parquet segments beside the warehouse, so a night writes only what changed.

The published warehouse file is a catalogue: small tables, and one view per segmented table over
the Parquet files that hold its rows. A table is a base segment and the deltas of later nights;
a delta holds the rows that are new or changed and the keys of rows it replaces or removes:

    <warehouse>.segments/<table>/<run>-<n>.rows/*.parquet    rows of segment n
    <warehouse>.segments/<table>/<run>-<n>.deletes.parquet   keys that rows of earlier segments lose

A row of segment n is current unless a later segment's deletes name its key. The list of segments
lives in the catalogue's `_segments` table, so a catalogue (the published one, or a run's build)
always sees the files it was built with: a run's new files are invisible to readers until the
catalogue that lists them is published, and a failed run's files are never listed.

A run starts by carrying over the previous catalogue's segment lists (no rows are copied), then
each stage replaces a table whole (`replace`), adds a delta (`update`; `write_diff` finds the delta
by comparing whole rows), or lets `refresh` transform only the rows whose content hash is new.
When a table's deltas grow past `COMPACT_SHARE` of its base or `COMPACT_SEGMENTS` segments, it is
rewritten as one base. Files that neither the published catalogue nor its predecessor list are
removed at the start of the next run (`start_build`), so a reader still holding yesterday's
catalogue keeps working.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from warehouse.store.db import table_exists

CATALOGUE = "_segments"
PREVIOUS_CATALOGUE = "_segments_previous"  # the segments of the catalogue this build follows on from
CATALOGUE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {CATALOGUE} (table_name VARCHAR, seq INTEGER, rows_path VARCHAR, "
    "deletes_path VARCHAR, row_count BIGINT, delete_count BIGINT, key_columns VARCHAR[], run_id VARCHAR)"
)
COMPACT_SHARE = 0.25  # deltas holding more rows than this share of the base: rewrite the table as one base
COMPACT_SEGMENTS = 8  # or more segments than this


@dataclass(frozen=True)
class Segment:
    """One segment of a table as the catalogue lists it (`rows_path` may be a glob of part files)."""

    seq: int
    rows_path: str | None
    deletes_path: str | None
    row_count: int
    delete_count: int


@dataclass(frozen=True)
class Refreshed:
    """What `SegmentStore.refresh` found: source rows by how they compare with the table's rows."""

    added: int
    changed: int
    withdrawn: int
    unchanged: int


def segments_root(published: Path) -> Path:
    """The folder of the segment files, beside the published warehouse."""
    return published.absolute().with_name(f"{published.name}.segments")


def _quoted(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _keys(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _read(path: str) -> str:
    return f"read_parquet({_quoted(path)}, union_by_name = true)"


class SegmentStore:
    """The segmented tables of one build (`con` is the build's connection, `root` the segment folder)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path, run_id: str) -> None:
        self.con = con
        self.root = root
        self.run_id = run_id
        con.execute(CATALOGUE_DDL)

    # -- reading --------------------------------------------------------------------------------

    def segments(self, table: str, catalogue: str = CATALOGUE) -> list[Segment]:
        """The segments of `table` in this build (or in another `catalogue`)."""
        rows = self.con.execute(
            f"SELECT seq, rows_path, deletes_path, row_count, delete_count FROM {catalogue}"
            " WHERE table_name = ? ORDER BY seq",
            [table],
        ).fetchall()
        return [Segment(int(s), r, d, int(n), int(m)) for s, r, d, n, m in rows]

    def tables(self) -> list[str]:
        """The segmented tables of this build."""
        return [r[0] for r in self.con.execute(f"SELECT DISTINCT table_name FROM {CATALOGUE} ORDER BY 1").fetchall()]

    def exists(self, table: str) -> bool:
        """Whether `table` is segmented in this build."""
        return bool(self.segments(table))

    def key_columns(self, table: str) -> list[str]:
        """The key of a segmented table."""
        rows = self.con.execute(f"SELECT key_columns FROM {CATALOGUE} WHERE table_name = ? LIMIT 1", [table]).fetchall()
        return list(rows[0][0]) if rows else []

    def current_sql(self, table: str) -> str:
        """A query of the table's current rows, reading its files directly."""
        return _current_sql(self.segments(table), self.key_columns(table))

    # -- writing --------------------------------------------------------------------------------

    def carry_over(self, previous_catalogue: str) -> int:
        """Take over every segmented table of a previous catalogue (its segment lists; no rows are
        copied) and create their views; return the number of tables."""
        self.con.execute(f"DELETE FROM {CATALOGUE}")
        self.con.execute(f"INSERT INTO {CATALOGUE} SELECT * FROM {previous_catalogue}")
        tables = self.tables()
        for table in tables:
            self._create_view(table)
        return len(tables)

    def replace(self, table: str, select_sql: str, key: Sequence[str]) -> int:
        """Rewrite `table` whole from a query (sorted by its key) as one base; return its rows."""
        folder = self._new_folder(table)
        path = folder / "part-00000.parquet"
        self.con.execute(
            f"COPY (SELECT * FROM ({select_sql}) ORDER BY {_keys(key)}) TO {_quoted(str(path))} (FORMAT parquet)"
        )
        return self._add_segment(table, f"{folder}/*.parquet", None, key, base=True)[0]

    def update(self, table: str, rows_sql: str, deleted_keys_sql: str) -> tuple[int, int]:
        """Add a delta: `rows_sql` gives new and changed rows, `deleted_keys_sql` the keys of rows that
        are replaced or removed. Returns (rows, deleted keys)."""
        key = self.key_columns(table)
        folder = self._new_folder(table)
        path = folder / "part-00000.parquet"
        self.con.execute(
            f"COPY (SELECT * FROM ({rows_sql}) ORDER BY {_keys(key)}) TO {_quoted(str(path))} (FORMAT parquet)"
        )
        return self._add_segment(table, f"{folder}/*.parquet", deleted_keys_sql, key, base=False)

    def write_diff(self, table: str, select_sql: str, key: Sequence[str]) -> tuple[int, int]:
        """Bring `table` to the rows of `select_sql`, writing only what differs from its current rows
        (whole rows compared); a table not yet segmented, or whose columns changed, is replaced."""
        if not self.exists(table) or not self._same_columns(table, select_sql):
            return self.replace(table, select_sql, key), 0
        current, columns = self.current_sql(table), _keys(key)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE _changed AS FROM ({select_sql}) EXCEPT ALL FROM ({current})")
        try:
            replaced = f"SELECT {columns} FROM _changed INTERSECT SELECT {columns} FROM ({current})"
            gone = f"SELECT {columns} FROM ({current}) EXCEPT SELECT {columns} FROM ({select_sql})"
            return self.update(table, "FROM _changed", f"FROM ({replaced}) UNION ALL FROM ({gone})")
        finally:
            self.con.execute("DROP TABLE IF EXISTS _changed")

    def refresh(
        self,
        table: str,
        source_sql: str,
        key: str,
        hash_column: str,
        transform: Callable[[pl.DataFrame], pl.DataFrame],
        chunk_rows: int,
        full: bool,
    ) -> Refreshed:
        """Bring `table` to the rows of `source_sql` passed through `transform`, transforming only the
        source rows whose (`key`, `hash_column`) the table does not hold yet, `chunk_rows` at a time
        (so a Python transform never holds every row); unchanged rows stay where they are. With
        `full`, every row is transformed and the table gets a new base."""
        con, k, h = self.con, f'"{key}"', f'"{hash_column}"'
        con.execute(f"CREATE OR REPLACE TEMP TABLE _source AS {source_sql}")
        total = int(con.execute("SELECT count(*) FROM _source").fetchall()[0][0])
        incremental = not full and self.exists(table)
        if incremental:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _before AS SELECT {k}, {h} FROM ({self.current_sql(table)})")
            con.execute(f"CREATE OR REPLACE TEMP TABLE _todo AS FROM _source ANTI JOIN _before USING ({k}, {h})")
            added, changed, withdrawn = con.execute(
                f"SELECT (SELECT count(*) FROM _todo ANTI JOIN _before USING ({k})),"
                f" (SELECT count(*) FROM _todo SEMI JOIN _before USING ({k})),"
                f" (SELECT count(*) FROM _before ANTI JOIN _source USING ({k}))"
            ).fetchall()[0]
            result = Refreshed(int(added), int(changed), int(withdrawn), total - int(added) - int(changed))
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE _todo AS FROM _source")
            result = Refreshed(total, 0, 0, 0)
        folder = self._new_folder(table)
        reader = con.sql(f"SELECT * FROM _todo ORDER BY {k}").to_arrow_reader(chunk_rows)
        for part, batch in enumerate(reader):
            transform(pl.DataFrame(batch)).write_parquet(folder / f"part-{part:05d}.parquet")
        rows = f"{folder}/*.parquet" if any(folder.iterdir()) else None
        if not incremental:
            if rows is None and not self.exists(table):
                raise ValueError(f"{table} 没有任何行：无法确定它的结构")
            if rows is not None:
                self._add_segment(table, rows, None, [key], base=True)
        elif rows is not None or result.withdrawn:
            gone = f"FROM _before SEMI JOIN _todo USING ({k}) UNION ALL FROM _before ANTI JOIN _source USING ({k})"
            self._add_segment(table, rows, f"SELECT {k} FROM ({gone})", [key], base=False)
        if rows is None:
            folder.rmdir()
        for temporary in ("_source", "_todo", "_before"):
            con.execute(f"DROP TABLE IF EXISTS {temporary}")
        return result

    # -- internals ------------------------------------------------------------------------------

    def _add_segment(
        self, table: str, rows: str | None, deleted_keys_sql: str | None, key: Sequence[str], base: bool
    ) -> tuple[int, int]:
        """List a new segment of written files; write its deletes; compact when due; refresh the view."""
        con = self.con
        seq = int(
            con.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {CATALOGUE} WHERE table_name = ?", [table]).fetchall()[
                0
            ][0]
        )
        row_count = int(con.execute(f"SELECT count(*) FROM {_read(rows)}").fetchall()[0][0]) if rows else 0
        deletes, delete_count = None, 0
        if deleted_keys_sql is not None:
            path = self.root / table / f"{self.run_id[:8]}-{seq:04d}.deletes.parquet"
            keys = f"SELECT DISTINCT {_keys(key)} FROM ({deleted_keys_sql})"
            con.execute(f"COPY ({keys}) TO {_quoted(str(path))} (FORMAT parquet)")
            delete_count = int(con.execute(f"SELECT count(*) FROM {_read(str(path))}").fetchall()[0][0])
            deletes = str(path)
        if base:
            con.execute(f"DELETE FROM {CATALOGUE} WHERE table_name = ?", [table])
        elif not row_count and not delete_count:
            return 0, 0
        con.execute(
            f"INSERT INTO {CATALOGUE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [table, seq, rows, deletes, row_count, delete_count, list(key), self.run_id],
        )
        if not base and self._needs_compaction(table):
            self.replace(table, self.current_sql(table), key)
        else:
            self._create_view(table)
        return row_count, delete_count

    def _same_columns(self, table: str, select_sql: str) -> bool:
        new = self.con.execute(f"DESCRIBE {select_sql}").fetchall()
        old = self.con.execute(f"DESCRIBE {self.current_sql(table)}").fetchall()
        return [(r[0], r[1]) for r in new] == [(r[0], r[1]) for r in old]

    def _needs_compaction(self, table: str) -> bool:
        segments = self.segments(table)
        deltas = sum(s.row_count + s.delete_count for s in segments[1:])
        return len(segments) > COMPACT_SEGMENTS or deltas > COMPACT_SHARE * max(segments[0].row_count, 1)

    def _new_folder(self, table: str) -> Path:
        """A fresh folder for the part files of the table's next segment."""
        seq = int(
            self.con.execute(
                f"SELECT coalesce(max(seq), 0) + 1 FROM {CATALOGUE} WHERE table_name = ?", [table]
            ).fetchall()[0][0]
        )
        folder = self.root / table / f"{self.run_id[:8]}-{seq:04d}.rows"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def _create_view(self, table: str) -> None:
        schema, name = table.split(".") if "." in table else ("main", table)
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        tables = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = ? AND table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
        if tables:  # a table of an older build, from before the table was segmented
            self.con.execute(f"DROP TABLE {table}")
        self.con.execute(f"CREATE OR REPLACE VIEW {table} AS {self.current_sql(table)}")


def _current_sql(segments: Sequence[Segment], key: Sequence[str]) -> str:
    """Rows of the segments that no later segment's deletes name."""
    with_rows = [s for s in segments if s.rows_path]
    if len(segments) == 1 and with_rows:
        return f"SELECT * FROM {_read(with_rows[0].rows_path or '')}"
    rows = " UNION ALL BY NAME ".join(
        f"SELECT *, {s.seq} AS _segment FROM {_read(s.rows_path or '')}" for s in with_rows
    )
    deletes = " UNION ALL ".join(
        f"SELECT {_keys(key)}, {s.seq} AS _segment FROM {_read(s.deletes_path)}"
        for s in segments
        if s.deletes_path and s.delete_count
    )
    if not deletes:
        return f"SELECT * EXCLUDE (_segment) FROM ({rows})"
    # A row is current unless a later segment deletes its key: join each key's last deleting
    # segment (an equality join, not a correlated subquery per row).
    match = " AND ".join(f'd."{c}" IS NOT DISTINCT FROM r."{c}"' for c in key)
    return (
        f"SELECT r.* EXCLUDE (_segment) FROM ({rows}) r LEFT JOIN "
        f"(SELECT {_keys(key)}, max(_segment) AS _deleted_in FROM ({deletes}) GROUP BY ALL) d ON {match} "
        "WHERE d._deleted_in IS NULL OR d._deleted_in <= r._segment"
    )


def start_build(con: duckdb.DuckDBPyConnection, published: Path, run_id: str) -> tuple[SegmentStore, int]:
    """Open this build's segment store: take over the published catalogue's segmented tables (views
    only) and remove segment files that no catalogue a reader may hold lists any more. Call under
    the run lock, with the published warehouse attached as `prev` when there is one; returns the
    store and the number of files removed."""
    store = SegmentStore(con, segments_root(published), run_id)
    con.execute(f"CREATE TABLE IF NOT EXISTS {PREVIOUS_CATALOGUE} AS FROM {CATALOGUE} LIMIT 0")
    keep: set[Path] = set()
    if table_exists(con, f"prev.main.{CATALOGUE}"):
        store.carry_over(f"prev.main.{CATALOGUE}")
        con.execute(f"DELETE FROM {PREVIOUS_CATALOGUE}")
        con.execute(f"INSERT INTO {PREVIOUS_CATALOGUE} FROM prev.main.{CATALOGUE}")
        keep = referenced_files(con, f"prev.main.{CATALOGUE}")
        keep |= referenced_files(con, f"prev.main.{PREVIOUS_CATALOGUE}")
    return store, collect_garbage(store.root, keep)


def referenced_files(con: duckdb.DuckDBPyConnection, catalogue: str) -> set[Path]:
    """Every segment file a catalogue lists (part globs expanded)."""
    if not table_exists(con, catalogue):
        return set()
    files: set[Path] = set()
    for rows, deletes in con.execute(f"SELECT rows_path, deletes_path FROM {catalogue}").fetchall():
        if rows:
            files.update(Path(rows).parent.glob(Path(rows).name))
        if deletes:
            files.add(Path(deletes))
    return files


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
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed
