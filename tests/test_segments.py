"""Segmented tables: a night writes only what changed, readers of a catalogue see its own version,
compaction and garbage collection keep the folder small."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from warehouse.store import segments
from warehouse.store.segments import SegmentStore, collect_garbage, referenced_files


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def _night(tmp_path: Path, name: str, previous: Path | None = None) -> tuple[duckdb.DuckDBPyConnection, SegmentStore]:
    con = duckdb.connect(str(tmp_path / name))
    store = SegmentStore(con, tmp_path / "segments", run_id=name)
    if previous is not None:
        con.execute(f"ATTACH '{previous}' AS prev (READ_ONLY)")
        store.carry_over("prev.main._segments")
    return con, store


def test_a_delta_replaces_changed_rows_and_removes_withdrawn_ones(tmp_path: Path) -> None:
    con, store = _night(tmp_path, "n1.duckdb")
    store.replace("restricted.people", "SELECT i AS id, 'p' || i AS name FROM range(1, 41) t(i)", ["id"])
    assert _rows(con, "restricted.people")[:3] == [(1, "p1"), (2, "p2"), (3, "p3")]
    added, deleted = store.update(
        "restricted.people",
        "SELECT * FROM (VALUES (2, 'B'), (41, 'new')) v(id, name)",
        "SELECT * FROM (VALUES (2), (3)) v(id)",
    )
    assert (added, deleted) == (2, 2)
    rows = _rows(con, "restricted.people")
    assert rows[:3] == [(1, "p1"), (2, "B"), (4, "p4")] and rows[-1] == (41, "new") and len(rows) == 40
    assert len(store.segments("restricted.people")) == 2


def test_write_diff_writes_only_the_difference(tmp_path: Path) -> None:
    con, store = _night(tmp_path, "n1.duckdb")
    base = "SELECT i AS id, i % 7 AS bucket FROM range(1000) t(i)"
    assert store.write_diff("facts", base, ["id"]) == (1000, 0)
    changed = "SELECT i AS id, CASE WHEN i = 5 THEN 99 ELSE i % 7 END AS bucket FROM range(1, 1001) t(i)"
    added, deleted = store.write_diff("facts", changed, ["id"])
    assert added == 2  # id 5 changed, id 1000 is new
    assert deleted == 2  # id 5 replaced, id 0 gone
    assert _rows(con, "facts") == con.execute(f"{changed} ORDER BY ALL").fetchall()


def test_a_new_night_sees_the_old_rows_without_copying_them(tmp_path: Path) -> None:
    con, store = _night(tmp_path, "n1.duckdb")
    store.replace("people", "SELECT i AS id, 'x' || i AS name FROM range(100) t(i)", ["id"])
    con.close()
    con2, store2 = _night(tmp_path, "n2.duckdb", previous=tmp_path / "n1.duckdb")
    assert con2.execute("SELECT count(*) FROM people").fetchall() == [(100,)]
    store2.update("people", "SELECT 7 AS id, 'seven' AS name", "SELECT 7 AS id")
    # the first night's catalogue still shows its own version; its files were not touched
    with duckdb.connect(str(tmp_path / "n1.duckdb"), read_only=True) as old:
        assert old.execute("SELECT name FROM people WHERE id = 7").fetchall() == [("x7",)]
    assert con2.execute("SELECT name FROM people WHERE id = 7").fetchall() == [("seven",)]
    files = list((tmp_path / "segments" / "people").rglob("*.parquet"))
    assert len(files) == 3  # the base, and the second night's rows and deletes


def test_many_deltas_are_compacted_into_one_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "COMPACT_SEGMENTS", 3)
    con, store = _night(tmp_path, "n1.duckdb")
    store.replace("t", "SELECT i AS id, 0 AS v FROM range(1000) t(i)", ["id"])
    for night in range(1, 5):
        store.update("t", f"SELECT {night} AS id, {night} AS v", f"SELECT {night} AS id")
    assert len(store.segments("t")) <= 3
    assert con.execute("SELECT count(*), sum(v) FROM t").fetchall() == [(1000, 1 + 2 + 3 + 4)]


def test_garbage_collection_keeps_what_catalogues_list(tmp_path: Path) -> None:
    con, store = _night(tmp_path, "n1.duckdb")
    store.replace("t", "SELECT 1 AS id", ["id"])
    stray = tmp_path / "segments" / "t" / "failed-0009.deletes.parquet"
    con.execute(f"COPY (SELECT 2 AS id) TO '{stray}' (FORMAT parquet)")
    removed = collect_garbage(tmp_path / "segments", referenced_files(con, "_segments"))
    assert removed == 1 and not stray.exists()
    assert con.execute("SELECT * FROM t").fetchall() == [(1,)]


def test_refresh_transforms_only_rows_whose_content_changed(tmp_path: Path) -> None:
    con, store = _night(tmp_path, "n1.duckdb")
    seen: list[int] = []

    def upper(frame: pl.DataFrame) -> pl.DataFrame:
        seen.append(frame.height)
        return frame.with_columns(pl.col("raw").str.to_uppercase().alias("clean"))

    source = "SELECT 'r' || i AS uid, 'value' || i AS raw, hash('value' || i) AS h FROM range(100) t(i)"
    first = store.refresh("records", source, "uid", "h", upper, chunk_rows=30, full=False)
    assert (first.added, first.unchanged) == (100, 0) and seen == [30, 30, 30, 10]
    seen.clear()
    changed = (
        "SELECT 'r' || i AS uid, CASE WHEN i = 7 THEN 'edited' ELSE 'value' || i END AS raw,"
        " hash(CASE WHEN i = 7 THEN 'edited' ELSE 'value' || i END) AS h FROM range(1, 101) t(i)"
    )
    second = store.refresh("records", changed, "uid", "h", upper, chunk_rows=30, full=False)
    assert (second.added, second.changed, second.withdrawn, second.unchanged) == (1, 1, 1, 98)
    assert seen == [2]  # only r7 (edited) and r100 (new) went through the transform
    rows = dict(con.execute("SELECT uid, clean FROM records").fetchall())
    assert len(rows) == 100 and rows["r7"] == "EDITED" and rows["r100"] == "VALUE100" and "r0" not in rows
