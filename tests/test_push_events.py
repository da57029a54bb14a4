"""Push events on hand-built nights: which status changes are told, and that each is told once."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from warehouse.serve.push_events import record_push_events
from warehouse.store.db import write_table

POLICIES = pl.DataFrame(
    {
        "policy_id": ["loan", "card", "draft"],
        "policy_name": ["创业担保贷款", "新重庆人才卡", "未核对的政策"],
        "clauses_verified": [True, True, False],
    }
)


def _night(path: Path, statuses: dict[tuple[str, str], str], persons: list[str]) -> duckdb.DuckDBPyConnection:
    """A build file holding `dim_policy`, `dim_person` and tonight's `policy_push`."""
    con = duckdb.connect(str(path))
    names = dict(zip(POLICIES["policy_id"], POLICIES["policy_name"], strict=True))
    rows = [
        {
            "person_id": person,
            "policy_id": policy,
            "policy_name": names[policy],
            "status": status,
            "reasons": f"{status} 的理由",
            "met_conditions": ["留学回国人才"],
            "unknown_conditions": ["企业为小微企业"] if status == "needs_evidence" else [],
            "missing_evidence": ["企业规模材料"] if status == "needs_evidence" else [],
            "failed_conditions": ["已创业（是否创业者：否）"] if status == "not_eligible" else [],
            "evaluated_on": dt.date(2026, 11, 21),
        }
        for (person, policy), status in statuses.items()
    ]
    write_table(con, "restricted.dim_policy", POLICIES)
    write_table(con, "restricted.dim_person", pl.DataFrame({"person_id": persons}))
    write_table(con, "restricted.policy_push", pl.DataFrame(rows))
    return con


def _publish(con: duckdb.DuckDBPyConnection, build: Path, published: Path) -> None:
    con.close()
    shutil.copy(build, published)


def _events(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[tuple[str, str], tuple[str, str | None, str]]:
    rows = con.execute(
        "SELECT person_id, policy_id, change, previous_status, status FROM restricted.policy_push_events "
        "WHERE run_id = ?",
        [run_id],
    ).fetchall()
    return {(p, q): (c, prev, s) for p, q, c, prev, s in rows}


@pytest.fixture
def first_night(tmp_path: Path) -> Path:
    """Night 1, published: P1 eligible and P2 needing evidence for the loan, P3 not eligible, every
    returnee needing evidence for the card, and P1 eligible for the unverified draft."""
    statuses = {
        ("P1", "loan"): "eligible",
        ("P2", "loan"): "needs_evidence",
        ("P3", "loan"): "not_eligible",
        ("P1", "card"): "needs_evidence",
        ("P2", "card"): "needs_evidence",
        ("P3", "card"): "needs_evidence",
        ("P1", "draft"): "eligible",
    }
    con = _night(tmp_path / "night1.building", statuses, ["P1", "P2", "P3", "P4"])
    counts = record_push_events(con, "run-1", None)
    assert counts == {"newly_eligible": 1, "now_needs_evidence": 4}
    assert ("P3", "loan") not in _events(con, "run-1")  # never told, not eligible: no news
    assert not [k for k in _events(con, "run-1") if k[1] == "draft"]  # unverified: never told
    published = tmp_path / "published.duckdb"
    _publish(con, tmp_path / "night1.building", published)
    return published


def test_the_next_night_tells_only_what_changed(tmp_path: Path, first_night: Path) -> None:
    statuses = {
        ("P1", "loan"): "not_eligible",  # told eligible: no longer eligible
        ("P2", "loan"): "eligible",  # told needs evidence: newly eligible
        ("P3", "loan"): "needs_evidence",  # never told: now needs evidence
        ("P1", "card"): "needs_evidence",  # unchanged: nothing
        ("P3", "card"): "needs_evidence",
        ("P4", "loan"): "not_eligible",  # new in the library, not eligible: nothing
        ("P1", "draft"): "not_eligible",
        # P2 left the talent library (no card row): no longer eligible for the card
    }
    con = _night(tmp_path / "night2.building", statuses, ["P1", "P2", "P3", "P4"])
    record_push_events(con, "run-2", first_night)
    assert _events(con, "run-2") == {
        ("P1", "loan"): ("no_longer_eligible", "eligible", "not_eligible"),
        ("P2", "loan"): ("newly_eligible", "needs_evidence", "eligible"),
        ("P3", "loan"): ("now_needs_evidence", None, "needs_evidence"),
        ("P2", "card"): ("no_longer_eligible", "needs_evidence", "not_evaluated"),
    }
    total = con.execute("SELECT count(*) FROM restricted.policy_push_events").fetchall()[0][0]
    assert total == 5 + 4  # night 1's events carried over
    reason = con.execute(
        "SELECT reasons FROM restricted.policy_push_events WHERE run_id = 'run-2' AND person_id = 'P2' "
        "AND policy_id = 'card'"
    ).fetchall()[0][0]
    assert "已不在人才库" in reason


def test_a_person_told_once_is_not_told_again(tmp_path: Path, first_night: Path) -> None:
    same = {("P1", "loan"): "eligible", ("P2", "loan"): "needs_evidence", ("P3", "loan"): "not_eligible"}
    same |= {(p, "card"): "needs_evidence" for p in ("P1", "P2", "P3")}
    con = _night(tmp_path / "rerun.building", same, ["P1", "P2", "P3", "P4"])
    assert record_push_events(con, "run-2", first_night) == {}
    # a retry of the same run (after a failure later in the night) does not double anything
    assert record_push_events(con, "run-2", first_night) == {}
    assert con.execute("SELECT count(*) FROM restricted.policy_push_events").fetchall()[0][0] == 5


def test_a_merged_away_person_is_not_told(tmp_path: Path, first_night: Path) -> None:
    statuses = {("P1", "loan"): "eligible", ("P1", "card"): "needs_evidence", ("P3", "card"): "needs_evidence"}
    # P2 was merged into P1: its id is gone from dim_person; nobody can be reached under it
    con = _night(tmp_path / "merged.building", statuses, ["P1", "P3"])
    record_push_events(con, "run-2", first_night)
    assert not [k for k in _events(con, "run-2") if k[0] == "P2"]


def test_a_retried_run_replaces_its_own_events(tmp_path: Path, first_night: Path) -> None:
    statuses = {("P1", "loan"): "not_eligible", ("P2", "loan"): "needs_evidence"}
    statuses |= {(p, "card"): "needs_evidence" for p in ("P1", "P2", "P3")}
    con = _night(tmp_path / "retry.building", statuses, ["P1", "P2", "P3", "P4"])
    assert record_push_events(con, "run-2", first_night) == {"no_longer_eligible": 1}
    assert record_push_events(con, "run-2", first_night) == {"no_longer_eligible": 1}
    assert len(_events(con, "run-2")) == 1
