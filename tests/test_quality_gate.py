"""The quality gate on real delivered files and a real DuckDB, without Dagster."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest

from quality.checks import BRONZE_CHECKS, blocking_failures, gate_breaches, summarise
from quality.gate import GatedSource, gate_source
from quality.gx_worker import gx_session
from quality.results import TIMING_SCHEMA, VALIDATION_SCHEMA, replace_results, run_results
from quality.warehouse_suite import run_warehouse_suites
from returnees.synthetic import generate_landing
from sources.contract import load_contract
from sources.ingest import load_source
from warehouse.store.db import write_table
from warehouse.store.schema import ensure_run_tables

CONTRACT = load_contract()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gate")
    generate_landing(300, 5, out)
    return out / "landing"


@pytest.fixture
def landing(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "landing"
    shutil.copytree(generated, copy)
    return copy


def _only(landing: Path, source: str) -> Path:
    return next(p for p in sorted((landing / source).iterdir()) if p.is_dir())


def _edit(folder: Path, name: str, encoding: str, edit: Callable[[list[list[str]]], list[list[str]]]) -> None:
    """Rewrite a delimited file's complete records (header kept) and reseal the manifest."""
    spec = CONTRACT[folder.parent.name].file_spec(name)
    path = folder / name
    lines = path.read_bytes().decode(encoding).split("\n")
    header, body = lines[0], [line for line in lines[1:] if line]
    width = len(header.split(spec.delimiter))
    complete = [line.split(spec.delimiter) for line in body if len(line.split(spec.delimiter)) == width]
    rows = edit(complete)
    text = "\n".join([header, *(spec.delimiter.join(r) for r in rows)]) + "\n"
    path.write_bytes(text.encode(encoding))
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        if f["name"] == name:
            f["rows"], f["sha256"] = len(rows), hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _gate(con: duckdb.DuckDBPyConnection, landing: Path, published: Path, source: str, run_id: str) -> GatedSource:
    spec = CONTRACT[source]
    return gate_source(con, landing, published, spec, load_source(landing, spec), run_id)


def _publish(path: Path, gated: GatedSource, run_id: str) -> None:
    """Store a gated source the way a published warehouse holds it."""
    with duckdb.connect(str(path)) as con:
        ensure_run_tables(con)
        con.register("_f", gated.load.file_counts.to_arrow())
        con.execute("INSERT INTO file_counts BY NAME SELECT * FROM _f")
        outcomes = pl.DataFrame([o.__dict__ for o in gated.load.outcomes])
        con.register("_d", outcomes.to_arrow())
        con.execute("INSERT INTO deliveries SELECT *, ? FROM _d", [run_id])
        replace_results(con, "delivery", gated.load.source, gated.results, gated.validations, gated.timings)


def test_bad_enum_and_empty_required_field_send_rows_to_quarantine(landing: Path, tmp_path: Path) -> None:
    folder = _only(landing, "archives")
    headers = CONTRACT["archives"].person_file.headers
    sex, custodian, status = headers.index("性别"), headers.index("存档机构"), headers.index("档案状态")
    keys = {}

    def edit(rows: list[list[str]]) -> list[list[str]]:
        rows[0][sex] = "男性"  # not in the contract's enum, in a field the source does not promise
        rows[1][custodian] = "无"  # a required field holding a placeholder
        rows[2][sex] = "女 "  # trailing space: still 女
        rows[3][status] = "不详"  # placeholder in an optional enum: unknown, not wrong
        keys.update(bad_enum=rows[0][0], empty=rows[1][0], spaced=rows[2][0], unknown=rows[3][0])
        return rows

    _edit(folder, "archives.csv", "utf-8", edit)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        gated = _gate(con, landing, tmp_path / "none.duckdb", "archives", "run-1")
    bronze = gated.load.bronze["archives"]
    assert keys["empty"] not in bronze["record_key"].to_list()
    # An off-list value in an optional enum is reported; the record itself is kept.
    assert {keys["bad_enum"], keys["spaced"], keys["unknown"]} <= set(bronze["record_key"].to_list())
    held = gated.load.quarantine.filter(pl.col("reason").str.starts_with("质量规则"))
    assert held["reason"].str.split("：").list.first().to_list() == ["质量规则 required:custodian"]
    assert held["raw"].str.split("|").list.first().to_list() == [keys["empty"]]
    rows_read = gated.load.file_counts["rows_read"][0]
    assert bronze.height + gated.load.quarantine.height == rows_read
    enum = gated.results.filter(pl.col("rule") == "enum:sex").row(0, named=True)
    assert (enum["success"], enum["unexpected_count"], enum["severity"]) == (False, 1, "warn")
    assert json.loads(enum["sample"])[0]["值"] == "男性"
    assert enum["validated_run_id"] == "run-1" and enum["file_sha256"]


def test_bad_value_of_a_required_enum_sends_the_row_to_quarantine(landing: Path, tmp_path: Path) -> None:
    folder = _only(landing, "fx_accounts")
    kind = CONTRACT["fx_accounts"].person_file.headers.index("证件类型")
    keys = {}

    def edit(rows: list[list[str]]) -> list[list[str]]:
        rows[0][kind] = "军官证"  # 证件类型 is required and enumerated: 军官证 is not one of its values
        keys["bad"] = rows[0][0]
        return rows

    _edit(folder, "fx_records.csv", "utf-8-sig", edit)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        gated = _gate(con, landing, tmp_path / "none.duckdb", "fx_accounts", "run-1")
    assert keys["bad"].strip() not in gated.load.bronze["fx_accounts"]["record_key"].to_list()
    held = gated.load.quarantine.filter(pl.col("reason").str.starts_with("质量规则"))
    assert held["reason"].to_list() == ["质量规则 enum:id_type：证件类型（id_type）取值须在契约枚举内：身份证/护照"]
    enum = gated.results.filter(pl.col("rule") == "enum:id_type").row(0, named=True)
    assert (enum["success"], enum["unexpected_count"], enum["severity"]) == (False, 1, "block_rows")


def test_invalid_ids_only_warn(landing: Path, tmp_path: Path) -> None:
    folder = _only(landing, "pi_hr")
    column = CONTRACT["pi_hr"].person_file.headers.index("公民身份号码")

    def edit(rows: list[list[str]]) -> list[list[str]]:
        for row in rows[::3]:  # a third of the IDs get a wrong check character
            number = row[column].strip()
            row[column] = number[:17] + ("0" if number[17:] != "0" else "1")
        return rows

    _edit(folder, "staff.csv", "gbk", edit)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        gated = _gate(con, landing, tmp_path / "none.duckdb", "pi_hr", "run-1")
    ids = gated.results.filter(pl.col("rule") == "id_checksum:id_number").row(0, named=True)
    assert ids["success"] is False and ids["severity"] == "warn"
    assert 30 < ids["unexpected_percent"] < 40
    sample = json.loads(ids["sample"])[0]
    assert "*" in sample["值"] and len(sample["值"]) == 18  # masked
    assert gated.load.quarantine.filter(pl.col("reason").str.starts_with("质量规则")).is_empty()


def test_row_count_collapse_rejects_delivery_and_previous_results_are_reused(landing: Path, tmp_path: Path) -> None:
    current = _only(landing, "archives")
    first = tmp_path / "published-1.duckdb"
    with duckdb.connect(str(tmp_path / "build-1.duckdb")) as con:
        gated = _gate(con, landing, tmp_path / "none.duckdb", "archives", "run-1")
    _publish(first, gated, "run-1")
    kept = gated.load.bronze["archives"].height

    collapsed = landing / "archives" / "2099-01-01"
    shutil.copytree(current, collapsed)
    _edit(collapsed, "archives.csv", "utf-8", lambda rows: rows[: len(rows) // 10])
    with duckdb.connect(str(tmp_path / "build-2.duckdb")) as con:
        gated = _gate(con, landing, first, "archives", "run-2")
    status = {o.delivery_date: (o.status, o.reason) for o in gated.load.outcomes}
    assert status["2099-01-01"][0] == "rejected" and "row_count_drop" in status["2099-01-01"][1]
    assert status[current.name][0] == "current"
    assert gated.load.bronze["archives"].height == kept
    assert set(gated.load.bronze["archives"]["delivery_date"].to_list()) == {current.name}
    drop = gated.results.filter(pl.col("rule") == "row_count_drop").sort("delivery_date")
    assert drop["success"].to_list() == [True, False]
    assert json.loads(drop["sample"][1])[0]["下降比例"] > 0.5
    # the unchanged delivery was not validated again
    reused = gated.results.filter(pl.col("delivery_date") == current.name)
    assert set(reused["validated_run_id"].to_list()) == {"run-1"}
    assert set(reused["run_id"].to_list()) == {"run-2"}

    second = tmp_path / "published-2.duckdb"
    _publish(second, gated, "run-2")
    with duckdb.connect(str(tmp_path / "build-3.duckdb")) as con:
        again = _gate(con, landing, second, "archives", "run-3")
    assert "gx" not in again.timings["step"].to_list()  # nothing new: GE did not run at all
    assert {o.delivery_date: o.status for o in again.load.outcomes}["2099-01-01"] == "rejected"
    assert again.load.bronze["archives"].height == kept
    with duckdb.connect(str(tmp_path / "build-4.duckdb")) as con:
        full = gate_source(
            con,
            landing,
            second,
            CONTRACT["archives"],
            load_source(landing, CONTRACT["archives"]),
            "run-4",
            reuse_results=False,
        )
    assert "gx" in full.timings["step"].to_list()  # --full: every delivery validated again
    assert set(full.results["validated_run_id"].to_list()) == {"run-4"}


def test_warehouse_suites_catch_a_broken_build(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        ensure_run_tables(con)
        con.execute(
            """
            CREATE TABLE bronze.archives AS SELECT * FROM (VALUES
                ('archives', 'd', 'a.csv', 2, 'A1'), ('archives', 'd', 'a.csv', 3, 'A2'),
                ('archives', 'd', 'a.csv', 4, 'A3')) t(source, delivery_date, file, line_no, record_key);
            INSERT INTO file_counts VALUES ('archives', 'd', 'a.csv', 5, 3);
            INSERT INTO quarantine VALUES ('archives', 'd', 'a.csv', 4, 'A3|…', '质量规则 enum:sex：…', 'r');
            CREATE TABLE records AS SELECT 'archives:' || record_key AS record_uid, source, record_key,
                delivery_date, file, line_no, '110101199003074258' AS id_number FROM bronze.archives;
            CREATE TABLE person_registry AS SELECT * FROM (VALUES
                ('archives:A1', 'P1'), ('archives:A2', 'P2'), ('archives:A3', 'P3'), ('archives:GONE', 'P4'))
                t(record_uid, person_id);
            CREATE TABLE person_xref AS SELECT * FROM (VALUES
                ('archives', 'A1', 'P1'), ('archives', 'A1', 'P1'), ('archives', 'A3', 'P3'))
                t(source, record_key, person_id);
            """
        )
        with gx_session() as session:
            results, _ = run_warehouse_suites(con, session, "run-1", 5)
        replace_results(
            con, "warehouse", None, results, pl.DataFrame(schema=VALIDATION_SCHEMA), pl.DataFrame(schema=TIMING_SCHEMA)
        )
        failures = blocking_failures(con)
    failed = dict(results.filter(~pl.col("success")).select("rule", "unexpected_count").iter_rows())
    assert failed == {
        "xref_exactly_once": 2,  # A1 twice, A2 missing
        "xref_not_quarantined": 1,  # A3's row is in the quarantine
        "persons_have_records": 2,  # P2 (record not resolved), P4 (record gone)
        "citizen_id_one_person": 1,  # one ID, three persons
        "file_accounting": 1,  # 5 read, 3 kept + 1 quarantined
    }
    assert set(failures["rule"].to_list()) == set(failed)


def test_a_gate_breach_in_bronze_is_a_blocking_failure(landing: Path, tmp_path: Path) -> None:
    folder = _only(landing, "archives")
    custodian = CONTRACT["archives"].person_file.headers.index("存档机构")

    def edit(rows: list[list[str]]) -> list[list[str]]:
        rows[0][custodian] = "无"  # a required field left empty: the row must be blocked
        return rows

    _edit(folder, "archives.csv", "utf-8", edit)
    spec = CONTRACT["archives"]
    ungated = load_source(landing, spec)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        ensure_run_tables(con)
        gated = gate_source(con, landing, tmp_path / "none.duckdb", spec, ungated, "run-1")
        replace_results(con, "delivery", "archives", gated.results, gated.validations, gated.timings)
        write_table(con, "bronze.archives", ungated.bronze["archives"])  # as if the gate had been bypassed
        assert gate_breaches(con, "archives", "blocked") == 1
        assert gate_breaches(con, "archives", "rejected") == 0
        rows = next(c for c in BRONZE_CHECKS if c.name == "row_rules")
        summary = summarise(rows.select(run_results(con, "delivery", "archives")), "run-1", 1)
    assert summary.blocking and not summary.passed
    assert summary.counts["rows_quarantined"] == 1 and "应被拦截" in summary.description
