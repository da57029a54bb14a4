"""Real `returnees run` processes: killed at every stage, refused while another run holds the lock,
read by an analyst while they run.

The previous warehouse (W0) is built from a landing area without two sources' newest
deliveries; every run below then builds on W0 from the full landing area. The uninterrupted
reference is a run that Dagster itself launches (the path of the schedule and the sensor), so
it also shows that such runs take the same lock and leave readers alone.

Each kill (SIGKILL, at the progress line that precedes the stage) happens in its own copy of
W0, and must leave W0 byte for byte. A rerun's only inputs are then the landing area, the
published file (identical to W0 after every kill) and the building files the killed runs left,
so one rerun beside all of those leftovers stands for a rerun after each kill: it must clean
them up and give exactly the reference's person_xref.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl
import pytest

from returnees.synthetic import generate_landing
from warehouse.store.publish import RunLocked, hold_run_lock, release_run_lock

PERSONS = 600
TIMEOUT = 600
LATER_SOURCES = ("fx_accounts", "survey/2026-03-31")  # delivered after W0 was published
# Stage -> the progress line after which it is killed (found in W0's own run, see `_triggers`).
STAGES = ("ingest", "standardise", "link", "publish")
DAGSTER_LAUNCHED = """
from pipelines.definitions import defs
result = defs.resolve_job_def("nightly").execute_in_process(raise_on_error=False)
raise SystemExit(0 if result.success else 1)
"""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "returnees.cli", "run", *args]


def _run(landing: Path, warehouse: Path) -> subprocess.CompletedProcess[str]:
    command = _cli("--landing", str(landing), "--warehouse", str(warehouse))
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _xref(warehouse: Path) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("SELECT source, record_key, person_id FROM person_xref ORDER BY ALL").pl()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("w.duckdb.*.building*"))


def _progress(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.match(r"\[[^\]]+\] ", line)]


def _triggers(progress: list[str]) -> dict[str, tuple[str, int]]:
    """Per stage: (line prefix, occurrence) after which that stage is running."""

    def prefix(line: str) -> str:
        return re.match(r"\[[^\]]+\][^0-9，,：:]*", line)[0]

    def after(index: int) -> tuple[str, int]:
        head = prefix(progress[index])
        return head, sum(1 for line in progress[: index + 1] if line.startswith(head))

    def before(stage: str) -> tuple[str, int]:
        return after(next(i for i, line in enumerate(progress) if line.startswith(stage)) - 1)

    return {
        "ingest": ("[采集]", 1),
        "standardise": before("[标准化]"),
        "link": before("[关联]"),
        "publish": before("[发布]"),
    }


def _kill_at(landing: Path, folder: Path, base: Path, trigger: tuple[str, int]) -> dict[str, object]:
    """Copy W0 into `folder`, start a run on it and SIGKILL it after the trigger line."""
    folder.mkdir()
    warehouse = folder / "w.duckdb"
    shutil.copy(base, warehouse)
    command = _cli("--landing", str(landing), "--warehouse", str(warehouse))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    head, count = trigger
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line.rstrip("\n"))
        if line.startswith(head):
            count -= 1
            if count == 0:
                proc.kill()
                break
    proc.wait(timeout=TIMEOUT)
    proc.stderr.close()
    return {
        "triggered": count == 0,
        "killed": proc.returncode == -9,
        "seen": seen,
        "sha": _sha(warehouse),
        "xref": _xref(warehouse),
        "leftovers": _leftovers(folder),
    }


def _dagster_launched_run(landing: Path, folder: Path, base: Path) -> dict[str, object]:
    """A run as the schedule starts it, with an analyst reading the published file throughout."""
    folder.mkdir()
    warehouse = folder / "w.duckdb"
    shutil.copy(base, warehouse)
    env = os.environ | {"RETURNEES_LANDING": str(landing), "RETURNEES_WAREHOUSE": str(warehouse)}
    reader = duckdb.connect(str(warehouse), read_only=True)  # open before, during and after the run
    query = "SELECT source, record_key, person_id FROM person_xref ORDER BY ALL"
    outcome: dict[str, object] = {"before": reader.sql(query).pl()}
    with (folder / "dagster.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-c", DAGSTER_LAUNCHED], env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + TIMEOUT
        while not list(folder.glob("w.duckdb.*.building")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        outcome["building_seen"] = bool(list(folder.glob("w.duckdb.*.building")))
        try:
            hold_run_lock(warehouse)
        except RunLocked as exc:
            outcome["lock_held_by_run"] = str(exc)
        else:
            release_run_lock(warehouse)
        outcome["during"] = reader.sql(query).pl()
        outcome["returncode"] = proc.wait(timeout=TIMEOUT)
    outcome["after_on_old_connection"] = reader.sql(query).pl()
    reader.close()
    outcome["xref"] = _xref(warehouse)
    return outcome


@pytest.fixture(scope="module")
def landing_areas(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(earlier landing area without the later deliveries, full landing area)."""
    out = tmp_path_factory.mktemp("landing")
    generate_landing(PERSONS, 5, out)
    earlier = out / "earlier"
    shutil.copytree(out / "landing", earlier)
    for later in LATER_SOURCES:
        shutil.rmtree(earlier / later)
    return earlier, out / "landing"


@pytest.fixture(scope="module")
def base(landing_areas: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """W0, the last published warehouse, and the progress lines of the run that built it."""
    warehouse = tmp_path_factory.mktemp("base") / "w.duckdb"
    result = _run(landing_areas[0], warehouse)
    assert result.returncode == 0, result.stderr
    return warehouse, _progress(result.stderr)


@pytest.fixture(scope="module")
def nights(
    landing_areas: tuple[Path, Path], base: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, object]]:
    """Every killed run and the Dagster-launched reference, side by side."""
    _, landing = landing_areas
    warehouse, progress = base
    root = tmp_path_factory.mktemp("nights")
    triggers = _triggers(progress)
    with ThreadPoolExecutor(max_workers=3) as pool:
        reference = pool.submit(_dagster_launched_run, landing, root / "reference", warehouse)
        kills = {s: pool.submit(_kill_at, landing, root / s, warehouse, triggers[s]) for s in STAGES}
        results = {s: future.result() for s, future in kills.items()}
        rerun = pool.submit(_rerun_beside_leftovers, landing, root, warehouse, results)
        return results | {"reference": reference.result(), "rerun": rerun.result()}


def _rerun_beside_leftovers(landing: Path, root: Path, base: Path, kills: dict[str, dict]) -> dict[str, object]:
    folder = root / "rerun"
    folder.mkdir()
    warehouse = folder / "w.duckdb"
    shutil.copy(base, warehouse)
    moved = []
    for stage in STAGES:
        if kills[stage]["sha"] == _sha(base):
            for name in kills[stage]["leftovers"]:
                shutil.move(root / stage / name, folder / name)
                moved.append(name)
    result = _run(landing, warehouse)
    return {"moved": moved, "result": result, "leftovers": _leftovers(folder), "xref": _xref(warehouse)}


@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_any_stage_leaves_the_published_warehouse_untouched(
    stage: str, nights: dict[str, dict[str, object]], base: tuple[Path, list[str]]
) -> None:
    night = nights[stage]
    assert night["triggered"] and night["killed"], night["seen"]
    if night["sha"] != _sha(base[0]):  # killed just after the swap: the complete new warehouse is published
        assert stage == "publish" and night["xref"].equals(nights["reference"]["xref"])
        return
    assert night["leftovers"], "the killed run was building a file of its own"


def test_rerun_after_the_kills_cleans_up_and_equals_an_uninterrupted_run(nights: dict[str, dict[str, object]]) -> None:
    rerun, reference = nights["rerun"], nights["reference"]
    assert rerun["result"].returncode == 0, rerun["result"].stderr
    assert len(rerun["moved"]) >= 3
    assert rerun["leftovers"] == []
    assert reference["returncode"] == 0
    assert rerun["xref"].equals(reference["xref"])


def test_a_dagster_launched_run_holds_the_lock_and_never_blocks_readers(
    nights: dict[str, dict[str, object]],
) -> None:
    reference = nights["reference"]
    assert reference["building_seen"]
    assert "本次运行被拒绝" in str(reference.get("lock_held_by_run", ""))
    assert reference["returncode"] == 0
    # The reader's connection saw the old warehouse, whole, during and after the swap.
    assert reference["during"].equals(reference["before"])
    assert reference["after_on_old_connection"].equals(reference["before"])
    assert not reference["xref"].equals(reference["before"])  # the later deliveries brought persons


def test_second_cli_run_is_refused_at_once_with_one_line(landing_areas: tuple[Path, Path], tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    hold_run_lock(warehouse)
    try:
        started = time.monotonic()
        result = _run(landing_areas[1], warehouse)
    finally:
        release_run_lock(warehouse)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "本次运行被拒绝" in result.stderr and str(os.getpid()) in result.stderr
    assert time.monotonic() - started < 30
    assert not warehouse.exists()
