"""Steward decisions as training labels: record pairs to profile pairs, the model's agreement, `returnees train`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from dedup.agreement import agreement
from returnees.training import profile_labels
from warehouse.store.decisions import Decision, decisions_path, ensure_schema, open_decisions, record_decision

ROOT = Path(__file__).resolve().parents[1]


def test_record_pairs_become_profile_pairs_the_latest_decision_winning() -> None:
    pairs = pl.DataFrame(
        {
            "record_uid_l": ["a", "a", "c", "a"],
            "record_uid_r": ["b", "c", "d", "d"],
            "same": [True, True, False, False],
            "decision_id": [1, 1, 2, 3],
        }
    )
    record_profile = pl.DataFrame({"record_uid": ["a", "b", "c", "d"], "unique_id": [7, 7, 3, 9]})
    labels = profile_labels(pairs, record_profile)
    # a and b share profile 7 (nothing to learn); a–c and c–d name profiles 3, 7 and 9; a–d says 7–9 differ.
    assert labels.rows() == [(3, 7, True), (3, 9, False), (7, 9, False)]


def test_agreement_counts_pairs_and_comparisons_that_spoke_against_the_decision() -> None:
    scored = pl.DataFrame(
        {
            "same": [True, True, False, False],
            "match_probability": [0.99, 0.3, 0.95, None],
            "mw_name": [8.0, -3.0, 9.0, None],
            "mw_tf_adj_name": [-1.0, 0.0, -2.0, None],
            "mw_dob": [5.0, 4.0, -1.0, None],
        }
    )
    result = agreement(scored, threshold=0.9)
    assert (result.pairs, result.agreeing) == (4, 2) and result.share == 0.5
    rows = {r["comparison"]: r for r in result.by_comparison.iter_rows(named=True)}
    assert (rows["name"]["weighed"], rows["name"]["against"], rows["name"]["against_when_wrong"]) == (3, 2, 2)
    assert rows["name"]["mean_against"] == pytest.approx((-3.0 + 7.0) / 2)
    assert (rows["dob"]["against"], rows["dob"]["against_when_wrong"]) == (0, 0)


def test_train_learns_from_decisions_and_reports_agreement(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    run = [sys.executable, "-m", "returnees.cli"]
    generated = subprocess.run(
        [*run, "generate", "--persons", "400", "--seed", "3", "--out", str(out)], capture_output=True, text=True
    )
    assert generated.returncode == 0, generated.stderr
    truth = pl.read_csv(out / "truth.csv", infer_schema=False).with_columns(
        (pl.col("source") + ":" + pl.col("record_key")).alias("record_uid")
    )
    held = truth.group_by("true_person_id").agg(pl.col("record_uid").sort()).filter(pl.col("record_uid").list.len() > 1)
    one, two = held.row(0, named=True), held.row(1, named=True)
    warehouse = tmp_path / "warehouse.duckdb"  # only its decisions file is read
    with open_decisions(decisions_path(warehouse), read_only=False) as con:
        ensure_schema(con)
        record_decision(con, Decision(made_by="t", action="merge", record_uids=one["record_uid"]))
        record_decision(
            con, Decision(made_by="t", action="different", record_uids=[one["record_uid"][0], two["record_uid"][0]])
        )
    model = tmp_path / "model.json"
    trained = subprocess.run(
        [*run, "train", "--landing", str(out / "landing"), "--warehouse", str(warehouse), "--out", str(model)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert trained.returncode == 0, trained.stderr
    assert model.is_file() and f"模型已保存：{model}" in trained.stdout
    assert "新模型与其中" in trained.stdout and "数据管理员的决定涉及本落地区" in trained.stdout
