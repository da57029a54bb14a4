"""The run lock, stale builds and the atomic swap, on real files and real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from warehouse.store.publish import (
    REQUIRED_TABLES,
    Build,
    PublishError,
    RunLocked,
    building_path,
    hold_run_lock,
    lock_path,
    publish,
    release_run_lock,
    remove_stale_builds,
    run_lock,
)

HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from warehouse.store.publish import RunLocked, hold_run_lock
    try:
        hold_run_lock(Path(sys.argv[1]))
    except RunLocked as exc:
        print(exc, flush=True)
        sys.exit(3)
    print("held", flush=True)
    sys.stdin.read()  # hold until the test closes stdin or kills us
    """
)


def _holder(warehouse: Path) -> subprocess.Popen[str]:
    """Another process holding (or failing to take) the run lock of `warehouse`."""
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _build(path: Path, persons: list[str]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE person_xref (source VARCHAR, record_key VARCHAR, person_id VARCHAR)")
        con.executemany("INSERT INTO person_xref VALUES ('archives', ?, ?)", [[p, p] for p in persons])
        for table in ("deliveries", "quarantine", "file_counts"):
            con.execute(f"CREATE TABLE {table} (source VARCHAR)")


def _persons(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT person_id FROM person_xref ORDER BY 1").fetchall()]


def test_second_process_is_refused_with_the_holders_pid_and_the_lock_is_reentrant(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with run_lock(warehouse):
        hold_run_lock(warehouse)  # the job's first step inside the CLI's lock: no deadlock
        with run_lock(warehouse):
            pass
        assert lock_path(warehouse).read_text(encoding="utf-8") == str(os.getpid())
        refused = _holder(warehouse)
        out, _ = refused.communicate(timeout=60)
        assert refused.returncode == 3
        assert out.count("\n") == 1 and f"进程 {os.getpid()}" in out and "本次运行被拒绝" in out
    free = _holder(warehouse)
    assert free.stdout is not None and free.stdout.readline().strip() == "held"
    free.communicate(input="", timeout=60)
    assert free.returncode == 0


def test_a_killed_holder_does_not_leave_the_lock_stuck(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = _holder(warehouse)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(RunLocked, match=f"进程 {holder.pid}"):
        hold_run_lock(warehouse)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    hold_run_lock(warehouse)
    release_run_lock(warehouse)


def test_only_other_runs_building_files_are_removed(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    own = building_path(warehouse, "bbbb2222-run")
    names = [
        "w.duckdb.aaaa1111.building",
        "w.duckdb.aaaa1111.building.wal",
        own.name,
        f"{own.name}.wal",
        "w.duckdb",
        "w.duckdb.lock",
        "w.decisions.duckdb",
        "v.duckdb.cccc3333.building",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = remove_stale_builds([warehouse], keep=[own])
    assert removed == ["w.duckdb.aaaa1111.building", "w.duckdb.aaaa1111.building.wal"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])


def test_publish_swaps_atomically_while_a_reader_keeps_its_view(tmp_path: Path) -> None:
    published = tmp_path / "w.duckdb"
    _build(published, ["P1", "P2"])
    building = building_path(published, "run00001")
    _build(building, ["P1", "P2", "P3"])
    reader = duckdb.connect(str(published), read_only=True)
    try:
        publish([Build(building, published, 0o600, REQUIRED_TABLES)])
        assert _persons(reader) == ["P1", "P2"]  # the old file, consistent, until the reader closes
    finally:
        reader.close()
    assert not building.exists() and not Path(f"{building}.wal").exists()
    with duckdb.connect(str(published), read_only=True) as con:
        assert _persons(con) == ["P1", "P2", "P3"]


def test_an_incomplete_build_is_never_published(tmp_path: Path) -> None:
    published = tmp_path / "w.duckdb"
    _build(published, ["P1"])
    before = published.read_bytes()
    building = building_path(published, "run00002")
    with duckdb.connect(str(building)) as con:
        con.execute("CREATE TABLE deliveries (source VARCHAR)")
    with pytest.raises(PublishError, match="person_xref"):
        publish([Build(building, published, 0o600, REQUIRED_TABLES)])
    assert published.read_bytes() == before
    assert building.exists()


def test_a_stale_wal_of_the_published_file_never_meets_the_new_file(tmp_path: Path) -> None:
    published = tmp_path / "w.duckdb"
    _build(published, ["P1"])
    Path(f"{published}.wal").write_bytes(b"left by a crashed writer")
    building = building_path(published, "run00003")
    _build(building, ["P9"])
    publish([Build(building, published, 0o600, REQUIRED_TABLES)])
    assert not Path(f"{published}.wal").exists()
    with duckdb.connect(str(published), read_only=True) as con:
        assert _persons(con) == ["P9"]


def test_a_dagster_launched_run_takes_the_same_lock(tmp_path: Path) -> None:
    from pipelines.definitions import defs
    from pipelines.resources import WarehouseResource
    from returnees.runner import failure_reason

    (tmp_path / "landing").mkdir()
    warehouse = tmp_path / "w.duckdb"
    holder = _holder(warehouse)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = defs.resolve_job_def("nightly").execute_in_process(
            resources={
                "warehouse": WarehouseResource(
                    landing_dir=str(tmp_path / "landing"), warehouse_path=str(warehouse), memory_limit="1GB", threads=1
                )
            },
            raise_on_error=False,
        )
    finally:
        holder.communicate(input="", timeout=60)
    assert not result.success
    started = [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]
    assert started[0] == "building_warehouse"  # before any step writes
    reason = failure_reason(result.all_events)
    assert reason.startswith("building_warehouse:") and "本次运行被拒绝" in reason
    assert "published_warehouse" not in started  # a run without the lock never publishes
    assert not warehouse.exists()


def test_two_files_publish_together_or_not_at_all(tmp_path: Path) -> None:
    published, analyst = tmp_path / "w.duckdb", tmp_path / "analyst.duckdb"
    _build(published, ["P1"])
    with duckdb.connect(str(analyst)) as con:
        con.execute("CREATE TABLE run_info AS SELECT 'old' AS run_id")
    before = (published.read_bytes(), analyst.read_bytes())
    building, analyst_building = building_path(published, "run00004"), building_path(analyst, "run00004")
    _build(building, ["P1", "P2"])
    with duckdb.connect(str(analyst_building)) as con:
        con.execute("CREATE TABLE other AS SELECT 1 AS x")  # no run_info: unfit
    builds = [
        Build(building, published, 0o600, REQUIRED_TABLES),
        Build(analyst_building, analyst, 0o644, ("run_info",)),
    ]
    with pytest.raises(PublishError, match="run_info"):
        publish(builds)
    assert (published.read_bytes(), analyst.read_bytes()) == before  # neither file changed
    with duckdb.connect(str(analyst_building)) as con:
        con.execute("CREATE TABLE run_info AS SELECT 'new' AS run_id")
    publish(builds)
    assert published.stat().st_mode & 0o777 == 0o600 and analyst.stat().st_mode & 0o777 == 0o644
    with duckdb.connect(str(analyst), read_only=True) as con:
        assert con.execute("SELECT run_id FROM run_info").fetchall() == [("new",)]
