"""Broken deliveries through the real `nightly` job: quarantine, rejections, Dagster checks, person_xref."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity, DagsterInstance, ExecuteInProcessResult

import quality.warehouse_suite as warehouse_suite
from pipelines.definitions import defs
from pipelines.resources import WarehouseResource
from returnees.cli import main
from returnees.synthetic import generate_landing
from sources.contract import load_contract
from warehouse.store.settings import load_settings

CONTRACT = load_contract()
LATER = "2099-01-01"


def _run(landing: Path, warehouse: Path) -> ExecuteInProcessResult:
    resource = WarehouseResource.from_settings(load_settings({"landing": landing, "warehouse": warehouse}))
    with DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def("nightly").execute_in_process(
            instance=instance, resources={"warehouse": resource}, raise_on_error=False
        )


def _checks(result: ExecuteInProcessResult) -> dict[tuple[str, str], object]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def _folder(landing: Path, source: str) -> Path:
    return max(p for p in (landing / source).iterdir() if p.is_dir())


def _seal(folder: Path, rows: dict[str, int] | None = None) -> None:
    """Rewrite the manifest after editing files (rows as given, else unchanged)."""
    manifest = json.loads((folder / "_manifest.json").read_text(encoding="utf-8"))
    manifest["delivery_date"] = folder.name
    for f in manifest["files"]:
        f["sha256"] = hashlib.sha256((folder / f["name"]).read_bytes()).hexdigest()
        f["rows"] = (rows or {}).get(f["name"], f["rows"])
    (folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _xref(warehouse: Path, source: str) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT record_key FROM person_xref WHERE source = ?", [source]).fetchall()}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A landing area with an empty required field, a bad optional enum, invalid IDs, a missing column
    and a wrong manifest."""
    root = tmp_path_factory.mktemp("quality_pipeline")
    generate_landing(300, 13, root)
    landing = root / "landing"

    archives = _folder(landing, "archives") / "archives.csv"
    lines = archives.read_text(encoding="utf-8").split("\n")
    headers = CONTRACT["archives"].person_file.headers
    fields = lines[1].split("|")
    fields[headers.index("存档机构")] = "/"  # a required field holding a placeholder
    lines[1] = "|".join(fields)
    bad_key = fields[0].strip()
    fields = lines[2].split("|")
    fields[headers.index("性别")] = "未婚"  # a value from another column: not a sex, but sex is optional
    lines[2] = "|".join(fields)
    odd_sex_key = fields[0].strip()
    archives.write_text("\n".join(lines), encoding="utf-8")
    _seal(archives.parent)

    staff = _folder(landing, "pi_hr") / "staff.csv"
    lines = staff.read_bytes().decode("gbk").split("\n")
    column = CONTRACT["pi_hr"].person_file.headers.index("公民身份号码")
    for i in range(1, len(lines), 2):  # every other ID gets a wrong check character
        fields = lines[i].split(",")
        if len(fields) > column and len(fields[column]) == 18:
            fields[column] = fields[column][:17] + ("1" if fields[column][17] == "0" else "0")
            lines[i] = ",".join(fields)
    staff.write_bytes("\n".join(lines).encode("gbk"))
    _seal(staff.parent)

    soe = landing / "soe_staff" / LATER
    shutil.copytree(_folder(landing, "soe_staff"), soe)
    rows = []
    for line in (soe / "employees.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # the generator cuts a line now and then
            continue
    (soe / "employees.jsonl").write_text(
        "\n".join(json.dumps({k: v for k, v in r.items() if k != "status"}, ensure_ascii=False) for r in rows) + "\n",
        encoding="utf-8",
    )
    _seal(soe, {"employees.jsonl": len(rows)})

    fx = landing / "fx_accounts" / LATER
    shutil.copytree(_folder(landing, "fx_accounts"), fx)
    manifest = json.loads((fx / "_manifest.json").read_text(encoding="utf-8"))
    _seal(fx, {"fx_records.csv": manifest["files"][0]["rows"] + 1})

    warehouse = root / "warehouse.duckdb"
    return {
        "landing": landing,
        "warehouse": warehouse,
        "bad_key": bad_key,
        "odd_sex_key": odd_sex_key,
        "first": _run(landing, warehouse),
    }


def test_broken_deliveries_are_held_back_and_reported(broken: dict) -> None:
    result, warehouse = broken["first"], broken["warehouse"]
    assert result.success
    checks = _checks(result)
    rows = checks[("bronze_archives", "row_rules")]
    assert not rows.passed and rows.severity == AssetCheckSeverity.WARN
    assert rows.metadata["rows_quarantined"].value == 1
    assert "required:custodian" in rows.metadata["failed_rules"].value
    odd = checks[("bronze_archives", "warning_rules")]
    assert not odd.passed and odd.severity == AssetCheckSeverity.WARN
    assert "enum:sex" in odd.metadata["failed_rules"].value
    ids = checks[("bronze_pi_hr", "warning_rules")]
    assert not ids.passed and ids.severity == AssetCheckSeverity.WARN
    assert "id_checksum:id_number" in ids.metadata["failed_rules"].value
    for source in ("soe_staff", "fx_accounts"):
        structure = checks[(f"bronze_{source}", "delivery_structure")]
        assert not structure.passed and structure.severity == AssetCheckSeverity.WARN
        assert structure.metadata["deliveries_rejected"].value == 1
    assert checks[("bronze_social_insurance", "row_rules")].passed
    for name in warehouse_suite.CHECKS:
        assert checks[("person_xref", name)].passed

    with duckdb.connect(str(warehouse), read_only=True) as con:
        held = con.execute(
            "SELECT reason FROM quarantine WHERE source = 'archives' AND reason LIKE '质量规则%'"
        ).fetchall()
        rejected = dict(
            con.execute(
                "SELECT source, reason FROM deliveries WHERE status = 'rejected' AND delivery_date = ?", [LATER]
            ).fetchall()
        )
        current = dict(con.execute("SELECT source, delivery_date FROM deliveries WHERE status = 'current'").fetchall())
    assert [r[0].split("：")[0] for r in held] == ["质量规则 required:custodian"]
    assert "status" in rejected["soe_staff"] and "清单" in rejected["fx_accounts"]
    assert current["soe_staff"] != LATER and current["fx_accounts"] != LATER
    assert broken["bad_key"] not in _xref(warehouse, "archives")
    assert broken["odd_sex_key"] in _xref(warehouse, "archives")  # an odd optional value is only reported
    assert len(_xref(warehouse, "pi_hr")) > 0  # warnings do not hold rows back
    assert len(_xref(warehouse, "soe_staff")) > 0  # the previous delivery stayed current


def test_quality_command_and_data_docs(broken: dict, capsys: pytest.CaptureFixture[str]) -> None:
    warehouse = broken["warehouse"]
    assert main(["quality", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "enum:sex" in out and "id_checksum:id_number" in out and "required:custodian" in out
    assert "隔离区（按来源和原因）" in out and "质量规则 required:custodian" in out
    assert f"soe_staff {LATER}" in out  # the rejected delivery with its reason
    index = warehouse.parent / "data_docs" / warehouse.stem / "index.html"
    assert index.is_file()
    pages = list(index.parent.glob("validations/**/*.html"))
    assert any("archives" in str(p) for p in pages)
    assert any("性别（sex）取值须在契约枚举内" in p.read_text(encoding="utf-8") for p in pages)


def test_row_count_collapse_is_rejected_and_the_rest_reused(broken: dict) -> None:
    landing, warehouse = broken["landing"], broken["warehouse"]
    before = _xref(warehouse, "social_insurance")
    current = _folder(landing, "social_insurance")
    collapsed = landing / "social_insurance" / LATER
    shutil.copytree(current, collapsed)
    text = gzip.decompress((collapsed / "si_extract.csv.gz").read_bytes()).decode("utf-8").splitlines()
    kept = text[: len(text) // 5]
    (collapsed / "si_extract.csv.gz").write_bytes(gzip.compress(("\n".join(kept) + "\n").encode("utf-8")))
    _seal(collapsed, {"si_extract.csv.gz": len(kept) - 1})

    result = _run(landing, warehouse)
    assert result.success
    structure = _checks(result)[("bronze_social_insurance", "delivery_structure")]
    assert not structure.passed and "row_count_drop" in structure.metadata["failed_rules"].value
    assert _xref(warehouse, "social_insurance") == before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reason = con.execute(
            "SELECT reason FROM deliveries WHERE source = 'social_insurance' AND delivery_date = ?", [LATER]
        ).fetchone()[0]
        runs = con.execute(
            "SELECT DISTINCT validated_run_id = run_id FROM quality_results WHERE source = 'archives'"
        ).fetchall()
    assert "row_count_drop" in reason
    assert runs == [(False,)]  # archives was not validated again


def test_a_failing_warehouse_rule_blocks_publishing(broken: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    landing, warehouse = broken["landing"], broken["warehouse"]
    published = warehouse.read_bytes()
    strict = [
        dataclasses.replace(s, rules=tuple(dataclasses.replace(r, kwargs=r.kwargs | {"max_value": 0}) for r in s.rules))
        if s.name == "citizen_ids"
        else s
        for s in warehouse_suite.SUITES
    ]
    monkeypatch.setattr(warehouse_suite, "SUITES", tuple(strict))
    result = _run(landing, warehouse)
    assert not result.success
    check = _checks(result)[("person_xref", "citizen_id_one_person")]
    assert not check.passed and check.severity == AssetCheckSeverity.ERROR
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "person_xref" in materialized and "published_warehouse" not in materialized
    assert warehouse.read_bytes() == published
