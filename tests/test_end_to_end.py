"""The whole path through the real CLI on a small generated landing area."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
from shared_runs import PublishedRun

from dedup.evaluate import score
from quality.accounting import file_accounting
from warehouse.store.db import scalar


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "returnees.cli", *args], capture_output=True, text=True, timeout=600, check=False
    )


def _xref(warehouse: Path) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("SELECT * FROM person_xref ORDER BY source, record_key").pl()


def test_run_succeeds_and_reports_stages(published_run: PublishedRun) -> None:
    for stage in ("[采集]", "[标准化]", "[关联]", "[编号]", "[发布]"):
        assert stage in published_run.stderr
    assert "人员数" in published_run.stdout


def test_score_reads_the_published_warehouse(published_run: PublishedRun) -> None:
    result = _cli("score", "--truth", str(published_run.truth), "--warehouse", str(published_run.warehouse))
    assert result.returncode == 0, result.stderr
    assert "成对指标" in result.stdout and "B-cubed" in result.stdout and "主要错误类别" in result.stdout


def test_every_record_resolved_or_quarantined(published_run: PublishedRun) -> None:
    truth = pl.read_csv(published_run.truth, infer_schema=False)
    xref = _xref(published_run.warehouse)
    assert xref.select("source", "record_key").is_duplicated().sum() == 0
    assert xref["person_id"].null_count() == 0
    with duckdb.connect(str(published_run.warehouse), read_only=True) as con:
        accounting = file_accounting(con)
        records = scalar(con, "SELECT count(*) FROM records")
    assert accounting.height >= 9  # every file of the seven sources
    assert accounting["unaccounted"].to_list() == [0] * accounting.height
    assert records == xref.height
    missing = truth.join(xref, on=["source", "record_key"], how="anti")
    # Truth rows absent from person_xref must have been quarantined (they are few).
    assert missing.height <= 0.02 * truth.height


def test_accuracy_floor(published_run: PublishedRun) -> None:
    truth = pl.read_csv(published_run.truth, infer_schema=False)
    scores = score(truth, _xref(published_run.warehouse))
    assert scores.pair_precision >= 0.97
    assert scores.pair_recall >= 0.9
    assert scores.bcubed_f1 >= 0.97


def test_rerun_gives_identical_xref(published_run: PublishedRun, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(published_run.out, out)
    warehouse = out / published_run.warehouse.name
    before = _xref(warehouse)
    result = _cli("run", "--landing", str(out / "landing"), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert _xref(warehouse).equals(before)


def test_mismatched_manifest_rejected_whole(published_run: PublishedRun, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(published_run.landing, landing)
    source_dir = landing / "archives"
    current = sorted(p for p in source_dir.iterdir())[-1]
    newer = source_dir / "2099-01-01"
    shutil.copytree(current, newer)
    manifest = json.loads((newer / "_manifest.json").read_text(encoding="utf-8"))
    manifest["files"][0]["rows"] += 1
    (newer / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    result = _cli("run", "--landing", str(landing), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql("SELECT delivery_date, status, reason FROM deliveries WHERE source = 'archives'").fetchall()
        archived = scalar(con, "SELECT count(*) FROM person_xref WHERE source = 'archives'")
    status = {d: (s, r) for d, s, r in rows}
    assert status["2099-01-01"][0] == "rejected" and "清单" in status["2099-01-01"][1]
    assert status[current.name][0] == "current"
    assert archived > 0


def test_missing_landing_fails_with_one_line(tmp_path: Path) -> None:
    result = _cli("run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1


def test_relative_paths_work_as_in_the_quick_start(published_run: PublishedRun, tmp_path: Path) -> None:
    shutil.copytree(published_run.landing, tmp_path / "landing")
    result = subprocess.run(
        [sys.executable, "-m", "returnees.cli", "run", "--landing", "landing", "--warehouse", "out/w.duckdb"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "w.duckdb").is_file()
