"""The serving layer after a real nightly run on a generated landing area: the analyst file as an
analyst opens it (no restricted data, small cells suppressed), comments, the schema reference, the
Parquet export and report, and the privacy scan stopping a run that would leak."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from shared_runs import PERSONS, PublishedRun

from returnees.runner import RunFailed, run_nightly
from warehouse.serve import analyst
from warehouse.serve.analyst import (
    COMPUTED_STATISTICS,
    PERSON_LEVEL,
    QUASI_IDENTIFIERS,
    STATISTICS,
    TABLES,
    analyst_path,
)
from warehouse.serve.disclosure import MIN_CELL
from warehouse.serve.schema_doc import render_schema_doc

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
def published(published_run: PublishedRun) -> Path:
    """The shared published warehouse (never written)."""
    return published_run.warehouse


@pytest.fixture(scope="module")
def con(published: Path) -> duckdb.DuckDBPyConnection:
    """The restricted warehouse (as the console opens it)."""
    return duckdb.connect(str(published), read_only=True)


@pytest.fixture(scope="module")
def analyst_con(published: Path) -> duckdb.DuckDBPyConnection:
    """The analyst file, opened as an analyst opens it: on its own."""
    return duckdb.connect(str(analyst_path(published)), read_only=True)


def _text_cells(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal"
    ).fetchall()
    cells = []
    for table, column, kind in columns:
        if kind.startswith(NUMERIC):
            continue
        for (value,) in con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}"').fetchall():
            if value is not None:
                cells.append((table, column, value))
    return cells


def test_both_files_carry_the_run_id_and_their_modes(published: Path, con, analyst_con) -> None:
    run_id = con.execute("SELECT run_id FROM run_log ORDER BY finished_at DESC LIMIT 1").fetchall()[0][0]
    assert analyst_con.execute("SELECT run_id FROM run_info").fetchall() == [(run_id,)]
    assert published.stat().st_mode & 0o777 == 0o600  # personal data: its owner only
    assert analyst_path(published).stat().st_mode & 0o777 == 0o644


def test_the_analyst_file_holds_only_its_own_tables(analyst_con: duckdb.DuckDBPyConnection) -> None:
    schemas = {r[0] for r in analyst_con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
    assert schemas == {"main"}
    assert not analyst_con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall()[0][0]
    tables = {r[0] for r in analyst_con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {*TABLES, *STATISTICS, *COMPUTED_STATISTICS, "run_info"}
    with pytest.raises(duckdb.CatalogException):
        analyst_con.execute("SELECT * FROM restricted.dim_person")


def test_no_personal_data_reaches_the_analyst_file(con, analyst_con) -> None:
    cells = _text_cells(analyst_con)
    assert len(cells) > 100
    assert [(t, c, m) for t, c, v in cells for m in ID_RE.findall(v) if _valid_id(m)] == []
    assert [(t, c, m) for t, c, v in cells for m in MOBILE_RE.findall(v)] == []
    restricted = con.execute("SELECT id_number, passport_no, mobile, email, name FROM restricted.dim_person").fetchall()
    secrets = {v for row in restricted for v in row if v}
    names = {row[4] for row in restricted if row[4]}
    assert len(secrets) > PERSONS
    assert [(t, c) for t, c, v in cells if v in secrets] == []  # no cell is a person's identifier or name
    words = {w for _, _, v in cells for w in re.split(r"[\s,;，；、：:（）()]+", v)}
    assert not words & secrets
    # names as words inside longer text (reasons, descriptions): none of three or more characters
    long_text = " ".join(v for _, _, v in cells if len(v) > 8)
    assert [n for n in names if len(n) >= 3 and n in long_text] == []


def test_person_level_tables_keep_no_finer_quasi_identifiers(analyst_con: duckdb.DuckDBPyConnection) -> None:
    per_person = {
        r[0]
        for r in analyst_con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE NOT internal AND column_name = 'person_id'"
        ).fetchall()
    }
    assert per_person == set(PERSON_LEVEL)
    for table, allowed in PERSON_LEVEL.items():
        columns = {r[0] for r in analyst_con.execute(f"DESCRIBE {table}").fetchall()}
        assert columns == {"person_id", *allowed}
    forbidden = {"name", "id_number", "mobile", "email", "passport_no", "birth_date", "record_key", "raw"}
    all_columns = {
        r[0] for r in analyst_con.execute("SELECT column_name FROM duckdb_columns() WHERE NOT internal").fetchall()
    }
    assert not all_columns & forbidden
    assert set(QUASI_IDENTIFIERS) <= set(PERSON_LEVEL["person"])


def test_every_shown_statistic_is_at_least_five(analyst_con: duckdb.DuckDBPyConnection) -> None:
    suppressed = 0
    counts = {name: statistic.counts for name, statistic in STATISTICS.items()} | COMPUTED_STATISTICS
    for name, columns in counts.items():
        for column in columns:
            smallest, hidden = analyst_con.execute(
                f"SELECT min({column}), count(*) FILTER (WHERE {column} IS NULL) FROM {name}"
            ).fetchall()[0]
            assert smallest is None or smallest >= MIN_CELL, (name, column, smallest)
            suppressed += hidden
    for name, statistic in STATISTICS.items():
        for derived, count in statistic.derived.items():
            leaks = analyst_con.execute(
                f"SELECT count(*) FROM {name} WHERE {count} IS NULL AND {derived} IS NOT NULL"
            ).fetchall()[0][0]
            assert leaks == 0, (name, derived)
    assert suppressed > 0  # a thousand persons over 40 countries: there were small cells to hide


def test_statistics_agree_with_the_restricted_tables(con, analyst_con) -> None:
    library = con.execute("SELECT count(*) FROM restricted.person_profile WHERE is_returnee").fetchall()[0][0]
    assert 0 < library <= PERSONS * 1.1
    assert analyst_con.execute("SELECT returnees FROM stats_overview").fetchall() == [(library,)]
    for table in ("stats_by_study_country", "stats_by_degree", "stats_by_district", "stats_by_employer_kind"):
        shown, hidden = analyst_con.execute(
            f"SELECT sum(returnees), count(*) FILTER (WHERE returnees IS NULL) FROM {table}"
        ).fetchall()[0]
        assert shown <= library and (hidden != 1)  # never exactly one hidden cell in a column with a known total
        assert shown + hidden * (MIN_CELL - 1) >= library


def test_every_table_and_column_is_commented(con, analyst_con) -> None:
    for connection, where in ((analyst_con, "NOT internal"), (con, "schema_name = 'restricted'")):
        tables = connection.execute(f"SELECT table_name FROM duckdb_tables() WHERE {where} AND comment IS NULL")
        assert tables.fetchall() == []
        columns = connection.execute(
            f"SELECT table_name, column_name FROM duckdb_columns() WHERE {where} AND (comment IS NULL OR comment = '')"
        )
        assert columns.fetchall() == []


def test_schema_reference_is_current(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
        con.execute(f"ATTACH '{analyst_path(published)}' AS analyst (READ_ONLY)")
        assert DOCS.read_text(encoding="utf-8") == render_schema_doc(con), (
            "docs/schema.md 已过期：python -m warehouse.serve.schema_doc --warehouse <数仓文件>"
        )


def test_parquet_export_and_report_beside_the_warehouse(published: Path, analyst_con) -> None:
    folder = published.parent
    parquet = folder / "parquet"
    tables = {r[0] for r in analyst_con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {p.stem for p in parquet.glob("*.parquet")} == tables
    persons = duckdb.sql(f"SELECT count(*) FROM read_parquet('{parquet}/person.parquet')").fetchall()[0][0]
    assert persons == analyst_con.execute("SELECT count(*) FROM person").fetchall()[0][0]
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert (
        report.count("<svg") >= 6
        and "<script" not in report
        and "http" not in report.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert "&lt;5" in report  # suppressed cells are shown as such
    assert len(list((folder / "reports").glob("report_*.html"))) == 1
    assert not list(folder.glob(".serve.*"))
    assert (parquet / "person.parquet").stat().st_mode & 0o777 == 0o644


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


def test_a_leak_stops_the_run_names_both_places_and_publishes_nothing(
    published_run: PublishedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ID inside a reason text and a raw mobile in a 'masked' column: the scan blocks the run."""
    shutil.copytree(published_run.out, tmp_path / "out")
    published = tmp_path / "out" / published_run.warehouse.name
    before = {p: p.read_bytes() for p in (published, analyst_path(published))}
    leaky = TABLES["person"].replace(
        "returnee_status_label\n",
        "returnee_status_label, '不符合：身份证号 ' || id_number || ' 与出生日期不一致' AS reasons,"
        " mobile AS mobile_masked\n",
    )
    monkeypatch.setitem(analyst.TABLES, "person", leaky)
    with pytest.raises(RunFailed) as failure:
        run_nightly(published.parent / "landing", published, full=True)
    reason = str(failure.value)
    assert "analyst_file_masked" in reason and "person.reasons 身份证号" in reason
    assert "person.mobile_masked 手机号" in reason
    assert not ID_RE.search(reason) and not MOBILE_RE.search(reason)  # the reason shows masked examples only
    assert {p: p.read_bytes() for p in before} == before  # neither file was replaced
    from quality.report import quality_report

    report = quality_report(published)
    assert "隐私扫描未通过" in report and "person.reasons" in report and "person.mobile_masked" in report
