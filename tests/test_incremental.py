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
from sources.contract import load_contract


def _run(
    landing: Path, warehouse: Path, *extra: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> str:
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
        cwd=cwd,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def _table(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


@pytest.fixture(scope="module")
def nights(two_nights: dict[str, Path]) -> dict[str, Path]:
    """The session's two nights (conftest.py), never written: a test that runs again copies first."""
    return two_nights


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


# What a run did rather than what the data is: its timings, its log and the segment catalogue.
RUN_BOOKKEEPING = {
    "main.run_log",
    "main.run_stages",
    "main.quality_timings",
    "main._segments",
    "main._segments_previous",
}
RUN_COLUMNS = {"run_id", "validated_run_id", "recorded_at", "built_at", "finished_at", "event_id"}
# Linkage internals: scores reused from the last night keep that night's term frequencies, and the
# per-run row numbers differ; their keys and decisions must agree, their weights nearly.
LINK_TABLES = {"main.links", "main.link_evidence", "main.link_refusals", "main.review_candidates"}
# The gate validated only the re-delivered snapshot's new and changed rows tonight (so fewer
# elements); its verdicts must agree.
VALIDATION_TABLES = {
    "main.quality_results": ("element_count", "unexpected_count", "unexpected_percent"),
    "main.quality_validations": ("batch", "result_json"),
}


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " UNION SELECT schema_name || '.' || view_name FROM duckdb_views()"
        " WHERE database_name = current_database() AND NOT internal"
    ).fetchall()
    return {r[0] for r in rows}


def _compared_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    described = con.execute(f"DESCRIBE {relation}").fetchall()
    skipped = RUN_COLUMNS | set(VALIDATION_TABLES.get(relation, ()))
    if relation in LINK_TABLES:  # scores, the queue's order by score, row numbers, a profile's representative
        skipped |= {
            name
            for name, kind, *_ in described
            if kind == "DOUBLE" or name.startswith(("unique_id_", "det_group_", "record_uid_"))
        } | {"evidence", "rank"}
    return [name for name, *_ in described if name not in skipped]


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> pl.DataFrame:
    columns = ", ".join(f'"{c}"' for c in _compared_columns(con, relation))
    return con.sql(f"SELECT {columns} FROM {relation} ORDER BY ALL").pl()


def _differences(incremental: Path, full: Path) -> list[str]:
    """Relations whose rows differ between two warehouse (or analyst) files."""
    with duckdb.connect(str(incremental), read_only=True) as a, duckdb.connect(str(full), read_only=True) as b:
        assert _relations(a) == _relations(b)
        return [
            relation
            for relation in sorted(_relations(a) - RUN_BOOKKEEPING)
            if not _rows(a, relation).equals(_rows(b, relation))
        ]


def test_incremental_night_equals_full_rebuild_table_by_table(nights: dict[str, Path], tmp_path: Path) -> None:
    full = tmp_path / "full.duckdb"
    shutil.copy(nights["first"], full)
    _run(nights["out"] / "landing", full, "--full")
    assert _differences(nights["second"], full) == []
    assert _differences(nights["second"].with_name("analyst.duckdb"), full.with_name("analyst.duckdb")) == []
    weights = "SELECT profile_hash_l, profile_hash_r, match_weight FROM links"
    both = _table(nights["second"], weights).join(_table(full, weights), on=["profile_hash_l", "profile_hash_r"])
    assert both.height == _table(full, weights).height
    assert (both["match_weight"] - both["match_weight_right"]).abs().max() < 0.05
    sql = "SELECT source, record_key, person_id FROM person_xref ORDER BY ALL"
    truth = pl.read_csv(nights["out"] / "truth.csv", infer_schema=False)
    assert score(truth, _table(nights["second"], sql)).pair_f1 >= 0.99


def test_a_redelivered_snapshot_rewrites_only_what_changed(nights: dict[str, Path]) -> None:
    """Unchanged rows keep the lineage of their first delivery; the gate and standardisation see the rest."""
    stages = _table(
        nights["second"],
        "SELECT stage, counts FROM run_stages WHERE run_id = (SELECT run_id FROM run_log ORDER BY finished_at DESC"
        " LIMIT 1)",
    )
    counts = {stage: json.loads(c) for stage, c in stages.iter_rows()}
    insurance = counts["bronze_social_insurance"]
    assert 0.9 * insurance["rows"] < insurance["unchanged"] < insurance["rows"]
    records = counts["records"]
    assert records["added"] + records["changed"] < 0.1 * records["unchanged"]
    lineage = _table(nights["second"], "SELECT delivery_date, count(*) AS n FROM bronze.social_insurance GROUP BY 1")
    by_date = dict(lineage.iter_rows())
    assert set(by_date) == {"2026-11-21", "2026-11-22"} and by_date["2026-11-21"] > 9 * by_date["2026-11-22"]
    validated = _table(
        nights["second"],
        "SELECT max(element_count) AS n FROM quality_results WHERE source = 'social_insurance'"
        " AND delivery_date = '2026-11-22' AND suite = 'rows'",
    )["n"][0]
    assert validated < 0.1 * insurance["rows"]
    changes = _table(nights["second"], "SELECT change, count(*) AS n FROM person_changes GROUP BY 1")
    persons = _table(nights["second"], "SELECT count(DISTINCT person_id) AS n FROM person_xref")["n"][0]
    assert 0 < changes["n"].sum() < 0.2 * persons


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
    _run(
        nights["out"] / "landing",
        warehouse,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{root}"},
    )
    last = _table(warehouse, "SELECT * FROM run_log ORDER BY finished_at DESC LIMIT 1").row(0, named=True)
    assert last["records_added"] == 0 and last["records_withdrawn"] == 0
    assert last["records_changed"] == last["records_total"]  # all standardised again
    unchanged_code = _run(nights["out"] / "landing", warehouse)  # back to the repository's code: again all
    assert "沿用 0" in unchanged_code
