"""Incremental nights: ids survive new deliveries, withdrawals retire, --full agrees, late deliveries wait."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dedup.evaluate import score
from returnees.synthetic import generate_landing
from returnees.synthetic.evolve import next_night
from sources.contract import load_contract


def _run(landing: Path, warehouse: Path, *extra: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "returnees.cli",
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def _table(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("nights")
    generate_landing(800, 21, out)
    warehouse = out / "w.duckdb"
    _run(out / "landing", warehouse)
    first = out / "first.duckdb"
    shutil.copy(warehouse, first)
    next_night(out, delivery_date="2026-11-22", withdrawn_share=0.01, seed=4)
    log = _run(out / "landing", warehouse)
    (out / "second.log").write_text(log, encoding="utf-8")
    return {"out": out, "first": first, "second": warehouse}


def test_existing_persons_keep_their_ids(nights: dict[str, Path]) -> None:
    before = _table(nights["first"], "SELECT source, record_key, person_id FROM person_xref")
    after = _table(nights["second"], "SELECT source, record_key, person_id FROM person_xref")
    both = before.join(after, on=["source", "record_key"], suffix="_after")
    assert both.height > 0.95 * before.height
    changed = both.filter(pl.col("person_id") != pl.col("person_id_after"))["person_id"].n_unique()
    assert changed <= 0.001 * before["person_id"].n_unique() + 1


def test_only_new_deliveries_are_read(nights: dict[str, Path]) -> None:
    log = (nights["out"] / "second.log").read_text(encoding="utf-8")
    assert "[采集] archives: 无新交付" in log and "[采集] survey: 无新交付" in log
    assert "[采集] social_insurance: 无新交付" not in log
    run_log = _table(nights["second"], "SELECT * FROM run_log ORDER BY finished_at")
    assert run_log["mode"].to_list() == ["full", "incremental"]
    consumed = run_log["deliveries_consumed"][1].to_list()
    assert consumed == ["fx_accounts/2026-11-22", "social_insurance/2026-11-22"]
    assert run_log["records_added"][1] > 0 and run_log["records_withdrawn"][1] > 0


def test_the_run_log_times_every_stage(nights: dict[str, Path]) -> None:
    stages = _table(nights["second"], "SELECT stage_seconds FROM run_log ORDER BY finished_at DESC LIMIT 1")
    seconds = json.loads(stages["stage_seconds"][0])
    expected = [
        *(f"bronze_{source}" for source in load_contract()),
        "records",
        "link",
        "person_xref",
        "review_queue",
        "warehouse_quality",
        "warehouse_facts",
        "dim_person",
        "person_conflicts",
        "person_profile",
        "policy_push",
        "policy_push_events",
        "analyst_file",
        "analyst_file_masked",
        "job_posting",
        "job_match",
        "analyst_exports",
    ]
    assert sorted(seconds) == sorted(expected)
    assert all(value >= 0 for value in seconds.values())


def test_withdrawn_records_leave_xref_and_stay_in_history(nights: dict[str, Path]) -> None:
    truth = pl.read_csv(nights["out"] / "truth.csv", infer_schema=False)
    after = _table(nights["second"], "SELECT source, record_key, person_id FROM person_xref")
    before = _table(nights["first"], "SELECT source, record_key, person_id FROM person_xref")
    gone = before.join(after, on=["source", "record_key"], how="anti")
    assert gone.height > 0
    assert gone.join(truth, on=["source", "record_key"]).is_empty()
    retired = _table(nights["second"], "SELECT person_id FROM person_id_history WHERE event = 'retired'")
    vanished = set(before["person_id"]) - set(after["person_id"])
    assert vanished == set(retired["person_id"])


def test_incremental_accuracy_matches_full_rebuild(nights: dict[str, Path], tmp_path: Path) -> None:
    full = tmp_path / "full.duckdb"
    shutil.copy(nights["first"], full)
    _run(nights["out"] / "landing", full, "--full")
    sql = "SELECT source, record_key, person_id FROM person_xref ORDER BY ALL"
    assert _table(full, sql).equals(_table(nights["second"], sql))
    truth = pl.read_csv(nights["out"] / "truth.csv", infer_schema=False)
    assert score(truth, _table(nights["second"], sql)).pair_f1 >= 0.99


def test_late_older_delivery_is_kept_but_not_current(nights: dict[str, Path], tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(nights["out"] / "landing", landing)
    current = max((landing / "archives").iterdir())
    shutil.copytree(current, landing / "archives" / "2020-01-01")
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(nights["second"], warehouse)
    _run(landing, warehouse)
    deliveries = _table(warehouse, "SELECT delivery_date, status FROM deliveries WHERE source = 'archives'")
    assert dict(deliveries.iter_rows()) == {current.name: "current", "2020-01-01": "superseded"}
    sql = "SELECT source, record_key, person_id FROM person_xref ORDER BY ALL"
    assert _table(warehouse, sql).equals(_table(nights["second"], sql))


def test_vanished_source_stops_the_run(nights: dict[str, Path], tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(nights["out"] / "landing", landing)
    shutil.rmtree(landing / "archives")
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(nights["second"], warehouse)
    before = warehouse.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "returnees.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode != 0
    assert "archives" in result.stderr and "未挂载" in result.stderr
    assert warehouse.read_bytes() == before


def test_a_changed_standardiser_restandardises_without_a_hand_bump(nights: dict[str, Path], tmp_path: Path) -> None:
    """The night after a standardiser changed (here: how 男 is coded), every unchanged raw row is
    standardised again: the version is a fingerprint of the code, not a constant to bump."""
    root = Path(__file__).resolve().parents[1]
    code = tmp_path / "code"
    shutil.copytree(root / "dedup", code / "dedup", ignore=shutil.ignore_patterns("__pycache__"))
    records_py = code / "dedup" / "records.py"
    source = records_py.read_text(encoding="utf-8")
    assert '"男": "M",' in source
    records_py.write_text(source.replace('"男": "M",', '"男": "M",  # a reviewed mapping\n    "男士": "M",'), "utf-8")
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(nights["second"], warehouse)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "returnees.cli",
            "run",
            "--landing",
            str(nights["out"] / "landing"),
            "--warehouse",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{root}"},
    )
    assert result.returncode == 0, result.stderr
    last = _table(warehouse, "SELECT * FROM run_log ORDER BY finished_at DESC LIMIT 1").row(0, named=True)
    assert last["records_added"] == 0 and last["records_withdrawn"] == 0
    assert last["records_changed"] == last["records_total"]  # all standardised again
    unchanged_code = _run(nights["out"] / "landing", warehouse)  # back to the repository's code: again all
    assert "沿用 0" in unchanged_code
