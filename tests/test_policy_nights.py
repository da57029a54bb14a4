"""Policies over generated nights: the first night tells each person once, the second only the
changes, and a `--full` rerun of the same deliveries tells nothing new; tonight's messages (JSONL
and CSV), the 留创计划 summary workbook and the yearly statistics come from the published warehouse."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from returnees.runner import run_nightly
from warehouse.serve.analyst import analyst_path
from warehouse.serve.liuchuang_summary import COLUMNS, NOTES
from warehouse.serve.policy_library import load_documents, normalise_text

TOLD = ("eligible", "needs_evidence")


def _table(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


def _last_run(warehouse: Path) -> str:
    return _table(warehouse, "SELECT run_id FROM run_log ORDER BY finished_at DESC LIMIT 1")["run_id"][0]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "returnees.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def nights(two_nights: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Night 1 and night 2 (new social-insurance and FX deliveries) of the session's two nights, and a
    `--full` rerun of night 2, in a private copy (exports are audited beside the warehouse they read)."""
    out = tmp_path_factory.mktemp("push") / "nights"
    shutil.copytree(two_nights["out"], out)
    warehouse = out / "warehouse.duckdb"
    shutil.copy(warehouse, out / "second.duckdb")
    run_nightly(out / "landing", warehouse, full=True)
    return {"out": out, "first": out / "first.duckdb", "second": out / "second.duckdb", "rerun": warehouse}


def _verified(warehouse: Path) -> set[str]:
    return set(_table(warehouse, "SELECT policy_id FROM restricted.dim_policy WHERE clauses_verified")["policy_id"])


def _statuses(warehouse: Path) -> dict[tuple[str, str], str]:
    frame = _table(warehouse, "SELECT person_id, policy_id, status FROM restricted.policy_push")
    return {(p, q): s for p, q, s in frame.iter_rows()}


def _events(warehouse: Path, run_id: str) -> pl.DataFrame:
    return _table(warehouse, f"SELECT * FROM restricted.policy_push_events WHERE run_id = '{run_id}'")


def test_the_first_night_tells_every_told_status_once(nights: dict[str, Path]) -> None:
    first = nights["first"]
    events = _events(first, _last_run(first))
    verified = _verified(first)
    expected = {k for k, s in _statuses(first).items() if s in TOLD and k[1] in verified}
    got = set(zip(events["person_id"], events["policy_id"], strict=True))
    assert got == expected and len(got) == events.height
    assert set(events["change"]) == {"newly_eligible", "now_needs_evidence"}
    assert "employment_internship" not in set(events["policy_id"])  # not verified: never told


def test_the_second_night_lists_only_the_changes(nights: dict[str, Path]) -> None:
    first, second = nights["first"], nights["second"]
    events = _events(second, _last_run(second))
    verified = _verified(second)
    before = {k: s for k, s in _statuses(first).items() if s in TOLD and k[1] in verified}
    after = {k: s for k, s in _statuses(second).items() if k[1] in verified}
    persons = set(_table(second, "SELECT person_id FROM restricted.dim_person")["person_id"])
    expected = {
        k: after.get(k, "not_evaluated")
        for k in before.keys() | after.keys()
        if k[0] in persons and before.get(k) != after.get(k) and (k in before or after[k] in TOLD)
    }
    got = {(p, q): s for p, q, s in events.select("person_id", "policy_id", "status").iter_rows()}
    assert got == expected
    assert 0 < events.height < 0.5 * len(before)
    assert set(events["change"]) <= {"newly_eligible", "now_needs_evidence", "no_longer_eligible"}
    lost = events.filter(pl.col("change") == "no_longer_eligible")
    assert lost["previous_status"].is_in(TOLD).all() and (~lost["status"].is_in(TOLD)).all()
    all_events = _table(second, "SELECT * FROM restricted.policy_push_events")
    assert all_events.height == _events(first, _last_run(first)).height + events.height


def test_a_full_rerun_of_the_same_night_sends_nothing_new(nights: dict[str, Path]) -> None:
    rerun, second = nights["rerun"], nights["second"]
    assert _last_run(rerun) != _last_run(second)
    assert _events(rerun, _last_run(rerun)).is_empty()
    table = "SELECT * EXCLUDE (event_id) FROM restricted.policy_push_events ORDER BY run_seq, person_id, policy_id"
    assert _table(rerun, table).equals(_table(second, table))
    out = nights["out"] / "push_rerun"
    printed = _cli("export", "push", "--warehouse", str(rerun), "--out", str(out)).stdout
    assert "0 人" in printed
    assert (out / "push_messages.jsonl").read_text(encoding="utf-8") == ""


def test_tonights_messages_one_per_person_in_chinese(nights: dict[str, Path]) -> None:
    second = nights["second"]
    out = nights["out"] / "push"
    _cli("export", "push", "--warehouse", str(second), "--out", str(out))
    events = _events(second, _last_run(second))
    lines = [json.loads(line) for line in (out / "push_messages.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(m["person_id"] for m in lines) == sorted(set(events["person_id"]))
    persons = _table(second, "SELECT person_id, name, mobile FROM restricted.dim_person")
    contact = {p: (n, m) for p, n, m in persons.iter_rows()}
    for message in lines:
        assert (message["name"], message["mobile"]) == contact[message["person_id"]]
        assert message["message"].startswith("【重庆市留学回国人员服务】")
        for policy in message["policies"]:
            assert policy["policy_name"] in message["message"] and policy["change_label"] in message["message"]
            if policy["change"] == "no_longer_eligible":
                assert "原因：" in message["message"]
            else:
                assert policy["apply_at"] and policy["benefit"] and policy["document"]
                assert policy["to_submit"] or policy["status"] == "eligible"
        assert message["policy_count"] == len(message["policies"])
    csv = pl.read_csv(out / "push_messages.csv", infer_schema=False)
    assert csv["message_id"].to_list() == [m["message_id"] for m in lines]
    assert csv["message"].to_list() == [m["message"] for m in lines]


def test_push_data_stays_out_of_the_analyst_schema(nights: dict[str, Path]) -> None:
    analyst = _table(
        nights["second"],
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'analyst' "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'analyst'",
    )
    assert not [t for t in analyst["table_name"] if "event" in t or "message" in t]
    parquet = nights["out"] / "parquet"
    assert not list(parquet.glob("*event*")) and not list(parquet.glob("*message*"))


def test_the_summary_workbook_has_the_attachments_columns(nights: dict[str, Path]) -> None:
    second = nights["second"]
    apps = _table(
        second,
        "SELECT year, count(*) AS n FROM restricted.fact_application a JOIN restricted.dim_person USING (person_id) "
        "WHERE is_liuchuang GROUP BY year ORDER BY n DESC, year DESC LIMIT 1",
    )
    year, count = apps["year"][0], apps["n"][0]
    path = nights["out"] / "summary.xlsx"
    _cli("export", "liuchuang-summary", "--warehouse", str(second), "--year", str(year), "--out", str(path))
    sheet = pl.read_excel(path, read_options={"header_row": 5}, infer_schema_length=0)
    assert tuple(sheet.columns) == COLUMNS
    rows = sheet.filter(pl.col("序号").str.contains(r"^\d+$"))
    assert rows.height == count
    assert rows["序号"].to_list() == [str(i) for i in range(1, count + 1)]
    assert rows["姓名"].null_count() == 0 and rows["备注"].str.contains("创业类|创新类").all()
    assert rows["海外学习及工作年限"].drop_nulls().str.contains(r"^(\d+年)?(\d+个月)?$").all()
    notes = sheet.filter(pl.col("序号").str.starts_with("说明") | pl.col("序号").str.starts_with("2."))["序号"]
    assert notes.to_list() == list(NOTES)
    audit = _cli("audit", "--warehouse", str(second), "--action", "export", "--format", "jsonl").stdout
    exports = [json.loads(line) for line in audit.splitlines()]
    assert any(e["target"] == "liuchuang-summary" and e["detail"].startswith(f"{count} 行") for e in exports)


def test_the_summary_columns_are_the_attachments_header_row() -> None:
    text = normalise_text(load_documents()["渝人社办〔2025〕104号"].text)
    assert "".join(COLUMNS) in text
    assert all(normalise_text(note) in text for note in NOTES)


def test_the_district_filter_keeps_only_that_district(nights: dict[str, Path]) -> None:
    second = nights["second"]
    busiest = _table(
        second,
        "SELECT a.year, coalesce(p.employer_district, p.district) AS d, count(*) AS n "
        "FROM restricted.fact_application a JOIN restricted.dim_person p USING (person_id) "
        "WHERE a.is_liuchuang GROUP BY a.year, d HAVING d IS NOT NULL ORDER BY n DESC, d LIMIT 1",
    )
    year, district, count = busiest.row(0)
    path = nights["out"] / "district.xlsx"
    printed = _cli(
        "export",
        "liuchuang-summary",
        "--warehouse",
        str(second),
        "--year",
        str(year),
        "--district",
        district,
        "--out",
        str(path),
    ).stdout
    assert f"{district}，{count} 人" in printed
    sheet = pl.read_excel(path, read_options={"header_row": 5}, infer_schema_length=0)
    assert sheet.filter(pl.col("序号").str.contains(r"^\d+$")).height == count


def test_the_yearly_statistics_reach_the_report_and_the_workbook(nights: dict[str, Path]) -> None:
    published = nights["rerun"]  # the analyst file beside it belongs to this run
    cells = _table(analyst_path(published), "SELECT * FROM stats_yearly")
    assert sorted(set(cells["survey_year"])) == [2025, 2026]
    assert cells["returnees"].drop_nulls().min() >= 5
    changed = cells.filter((pl.col("survey_year") == 2026) & pl.col("change").is_not_null())
    assert changed.height > 0
    assert (changed["change"] == changed["returnees"] - changed["previous_returnees"]).all()
    report = (nights["out"] / "report.html").read_text(encoding="utf-8")
    assert "年度统计（留学人员信息统计调查）" in report and "与 2025 年比较" in report
    path = nights["out"] / "stats.xlsx"
    printed = _cli("export", "yearly-stats", "--warehouse", str(published), "--out", str(path)).stdout
    assert "调查年度 2025、2026" in printed
    degrees = pl.read_excel(path, sheet_name="最高海外学位", infer_schema_length=0)
    assert set(degrees["调查年度"]) == {"2025", "2026"}
    shown = degrees.filter(pl.col("人数") != "<5")["人数"].cast(pl.Int64)
    assert shown.min() >= 5
