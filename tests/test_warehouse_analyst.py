"""The serving layer after a real nightly run on a generated landing area: masking, comments,
the schema reference, the Parquet export and report, facts and statistics."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from returnees.runner import run_nightly
from returnees.synthetic import generate_landing
from warehouse.serve.analyst import TABLES, VIEWS
from warehouse.serve.policy import load_policies
from warehouse.serve.privacy import scan_unmasked
from warehouse.serve.schema_doc import render_schema_doc
from warehouse.serve.yearly_stats import ANALYST_TABLES

PERSONS = 500
DOCS = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
NUMERIC = ("BOOLEAN", "INTEGER", "BIGINT", "DOUBLE", "DATE", "TIMESTAMP", "DECIMAL")


def _valid_id(text: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(text[:17], weights, strict=True)) % 11]
    month, day = int(text[10:12]), int(text[12:14])
    return check == text[17].upper() and 1 <= month <= 12 and 1 <= day <= 31


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serve")
    generate_landing(PERSONS, 5, out)
    warehouse = out / "warehouse.duckdb"
    run_nightly(out / "landing", warehouse)
    return warehouse


@pytest.fixture(scope="module")
def con(published: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(published), read_only=True)


def _analyst_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'analyst'"
        " UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'analyst' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def test_analyst_schema_has_every_object(con: duckdb.DuckDBPyConnection) -> None:
    assert set(_analyst_objects(con)) == set(TABLES) | set(VIEWS) | set(ANALYST_TABLES)


def test_no_text_column_of_analyst_holds_an_unmasked_id_or_mobile(con: duckdb.DuckDBPyConnection) -> None:
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'analyst'"
    ).fetchall()
    text_columns = [(t, c) for t, c, kind in columns if not kind.startswith(NUMERIC)]
    assert len(text_columns) > 100
    leaks = []
    for table, column in text_columns:
        values = con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM analyst.{table}').fetchall()
        for (value,) in values:
            if value is None:
                continue
            leaks += [(table, column, m) for m in ID_RE.findall(value) if _valid_id(m)]
            leaks += [(table, column, m) for m in MOBILE_RE.findall(value)]
    assert leaks == []
    # the restricted golden records do hold them: there was something to mask
    raw = con.execute("SELECT count(id_number), count(mobile) FROM restricted.dim_person").fetchall()[0]
    assert min(raw) > PERSONS // 4


def test_masked_values_keep_the_agreed_shape(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT a.id_number_masked, r.id_number, a.mobile_masked, r.mobile FROM analyst.person a"
        " JOIN restricted.dim_person r USING (person_id) WHERE r.id_number IS NOT NULL AND r.mobile IS NOT NULL"
    ).fetchall()
    assert rows
    for id_masked, id_number, mobile_masked, mobile in rows:
        assert id_masked == id_number[:6] + "********" + id_number[-4:]
        assert mobile_masked == mobile[:3] + "****" + mobile[-4:]
    person_columns = {r[0] for r in con.execute("DESCRIBE analyst.person").fetchall()}
    assert not person_columns & {"id_number", "mobile", "email", "passport_no", "name", "birth_date"}


def test_scanner_finds_a_planted_leak(published: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(published.read_bytes())
    with duckdb.connect(str(copy)) as rw:
        assert scan_unmasked(rw, "analyst") == []
        rw.execute("CREATE VIEW analyst.leak AS SELECT person_id, '电话 ' || mobile AS note FROM restricted.dim_person")
        rw.execute("CREATE TABLE analyst.leak_ids AS SELECT [id_number] AS ids FROM restricted.dim_person")
        found = {(f.table, f.kind) for f in scan_unmasked(rw, "analyst", limit=1000)}
    assert found == {("leak", "手机号"), ("leak_ids", "身份证号")}


def test_every_analyst_table_and_column_is_commented(con: duckdb.DuckDBPyConnection) -> None:
    objects = con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name IN ('analyst', 'restricted')"
        " UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'analyst'"
    ).fetchall()
    assert [name for name, comment in objects if not comment] == []
    columns = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns()"
        " WHERE schema_name IN ('analyst', 'restricted') AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert columns == []


def test_schema_reference_is_current(con: duckdb.DuckDBPyConnection) -> None:
    assert DOCS.read_text(encoding="utf-8") == render_schema_doc(con), (
        "docs/schema.md 已过期：python -m warehouse.serve.schema_doc --warehouse <数仓文件>"
    )


def test_parquet_export_and_report_beside_the_warehouse(published: Path, con: duckdb.DuckDBPyConnection) -> None:
    folder = published.parent
    parquet = folder / "parquet"
    assert (parquet / "person.parquet").is_file() and (parquet / "talent_library.parquet").is_file()
    assert sorted(p.name for p in (parquet / "policy_push").iterdir()) == sorted(
        f"policy_id={p.id}" for p in load_policies()
    )
    pushes = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{parquet}/policy_push/*/*.parquet', hive_partitioning = true)"
    ).fetchall()[0][0]
    assert pushes == con.execute("SELECT count(*) FROM analyst.policy_push").fetchall()[0][0]
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert (
        report.count("<svg") >= 6
        and "<script" not in report
        and "http" not in report.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert len(list((folder / "reports").glob("report_*.html"))) == 1
    assert not list(folder.glob(".serve.*"))


def test_platform_facts_are_joined_through_the_platform_record(con: duckdb.DuckDBPyConnection) -> None:
    mismatched = con.execute(
        """
        SELECT count(*) FROM restricted.fact_achievement a
        JOIN person_registry r ON r.record_uid = 'prof_tech:' || a.user_id
        WHERE a.person_id IS DISTINCT FROM r.person_id
        """
    ).fetchall()[0][0]
    joined = con.execute("SELECT count(person_id), count(*) FROM restricted.fact_application").fetchall()[0]
    assert mismatched == 0
    assert joined[0] == joined[1] > 0


def test_statistics_add_up_to_the_talent_library(con: duckdb.DuckDBPyConnection) -> None:
    library = con.execute("SELECT count(*) FROM analyst.talent_library").fetchall()[0][0]
    assert 0 < library <= PERSONS * 1.1
    for view in ("stats_by_study_country", "stats_by_degree", "stats_by_district", "stats_by_employer_kind"):
        total, share = con.execute(f"SELECT sum(returnees), sum(share_pct) FROM analyst.{view}").fetchall()[0]
        assert total == library and abs(share - 100) < 0.1
    by_year = con.execute("SELECT sum(returnees) FROM analyst.stats_by_return_year").fetchall()[0][0]
    assert by_year <= library
    statuses = con.execute("SELECT DISTINCT status FROM analyst.policy_push").fetchall()
    assert {s for (s,) in statuses} == {"eligible", "needs_evidence", "not_eligible"}
