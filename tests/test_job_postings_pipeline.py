"""The eighth source through the whole nightly run: ingest, quality gate, matching, analyst objects.

Scored against the generator's truth: no listed person breaks a hard requirement by their true
attributes, and the person a posting was written for is listed for nearly every posting.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from shared_runs import PERSONS, SEED, PublishedRun, run

from returnees.synthetic.job_score import score_job_match
from returnees.synthetic.population import build_population
from warehouse.serve.analyst import analyst_path
from warehouse.serve.disclosure import MIN_CELL


@pytest.fixture(scope="module")
def published(published_run: PublishedRun) -> tuple[Path, Path]:
    return published_run.landing, published_run.warehouse


def _frame(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


def test_matches_meet_hard_requirements_and_find_the_planted_person(published: tuple[Path, Path]) -> None:
    landing, warehouse = published
    out = landing.parent
    score = score_job_match(
        _frame(warehouse, "SELECT * FROM job_match"),
        _frame(warehouse, "SELECT source, record_key, person_id FROM person_xref"),
        pl.read_csv(out / "truth.csv", infer_schema=False),
        pl.read_csv(out / "job_truth.csv", infer_schema=False),
        build_population(SEED, PERSONS, (2025, 2026)).frame,
    )
    assert score.listed_pairs > 0
    assert score.violations == dict.fromkeys(score.violations, 0)
    assert score.planted >= 15
    assert score.planted_recall >= 0.85, score


def test_postings_are_ingested_like_every_source(published: tuple[Path, Path]) -> None:
    _, warehouse = published
    quarantined = _frame(warehouse, "SELECT reason FROM quarantine WHERE source = 'job_postings'")["reason"]
    assert quarantined.len() >= 1 and quarantined.str.starts_with("记录键重复").all()  # the row delivered twice
    assert _frame(warehouse, "SELECT count(*) AS n FROM person_xref WHERE source = 'job_postings'")["n"][0] == 0
    warned = _frame(
        warehouse,
        "SELECT rule, severity, success FROM quality_results WHERE source = 'job_postings' "
        "AND rule LIKE 'number_parseable:%' AND NOT success",
    )
    assert {"number_parseable:max_age", "number_parseable:salary_min"} <= set(warned["rule"])
    assert set(warned["severity"]) == {"warn"}
    postings = _frame(warehouse, "SELECT status, count(*) AS n FROM restricted.job_posting GROUP BY 1")
    assert set(postings["status"]) == {"open", "expired", "duplicate"}
    listed = _frame(warehouse, "SELECT DISTINCT posting_id FROM job_match")["posting_id"]
    open_ids = _frame(warehouse, "SELECT posting_id FROM restricted.job_posting WHERE status = 'open'")["posting_id"]
    assert set(listed) <= set(open_ids)


def test_analyst_objects_and_run_log(published: tuple[Path, Path]) -> None:
    _, warehouse = published
    analyst = analyst_path(warehouse)
    by_category = _frame(analyst, "SELECT * FROM stats_postings_by_category")
    open_postings = _frame(warehouse, "SELECT count(*) AS n FROM restricted.job_posting WHERE status = 'open'")["n"][0]
    shown, hidden = by_category["open_postings"].sum(), by_category["open_postings"].null_count()
    assert shown <= open_postings <= shown + hidden * (MIN_CELL - 1)  # small cells suppressed
    unmet = _frame(analyst, "SELECT count(*) AS n FROM job_posting WHERE status = 'open' AND NOT has_candidates")
    restricted_unmet = _frame(
        warehouse,
        "SELECT count(*) AS n FROM restricted.job_posting j WHERE status = 'open'"
        " AND NOT EXISTS (SELECT 1 FROM job_match m WHERE m.posting_id = j.posting_id)",
    )
    assert unmet["n"][0] == restricted_unmet["n"][0] >= 1
    # the analyst file lists who a posting matched, without the reasons that name degree, age and major
    assert _frame(analyst, "SELECT * FROM job_match LIMIT 1").columns == ["posting_id", "person_id", "rank_for_posting"]
    stage = _frame(warehouse, "SELECT seconds, counts FROM run_stages WHERE stage = 'job_match'")
    assert stage.height == 1 and stage["seconds"][0] > 0
    assert '"postings_with_candidates"' in stage["counts"][0]


def test_a_landing_area_without_postings_still_runs(published: tuple[Path, Path], tmp_path: Path) -> None:
    landing, _ = published
    copy = tmp_path / "landing"
    shutil.copytree(landing, copy, ignore=shutil.ignore_patterns("job_postings"))
    warehouse = tmp_path / "warehouse.duckdb"
    run(copy, warehouse)
    assert _frame(warehouse, "SELECT count(*) AS n FROM job_match")["n"][0] == 0
    assert _frame(analyst_path(warehouse), "SELECT count(*) AS n FROM stats_postings_by_category")["n"][0] == 0
    assert _frame(warehouse, "SELECT count(*) AS n FROM person_xref")["n"][0] > 0
