"""The synthetic landing generator: contract layout, manifests, truth, determinism, quirks."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import opencc
import polars as pl
import pytest
import shared_runs
import yaml
from stdnum.cn import ric

from returnees.synthetic import GenerationSummary, generate_landing
from returnees.synthetic.draws import where
from returnees.synthetic.population import build_population

CONTRACT = Path(__file__).parents[1] / "sources" / "sources.yaml"  # the project's copy of the contract
SEED = 20


@pytest.fixture(scope="module")
def contract() -> dict:
    return yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["sources"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerationSummary, Path]:
    out = tmp_path_factory.mktemp("first")
    return generate_landing(300, SEED, out), out


@pytest.fixture(scope="module")
def quirky(published_run: shared_runs.PublishedRun) -> Path:
    """A larger set (the session's shared one, never written), so that quirks rarer than one in a
    few hundred records show up."""
    return published_run.out


def _file_spec(contract: dict, source: str, name: str) -> tuple[dict, list[dict]]:
    """The contract's file entry and column specs for a delivered file name."""
    spec = contract[source]
    if name in spec.get("related_files", {}):
        return next(f for f in spec["files"] if f["name"] == name), spec["related_files"][name]["columns"]
    pattern = re.compile(r"\d{4}")
    return next(f for f in spec["files"] if f["name"] == pattern.sub("<YYYY>", name)), spec["columns"]


def _headers(columns: list[dict]) -> list[str]:
    return [c["header"] for c in columns]


def _records(path: Path, file_spec: dict) -> tuple[list[str], list[list[str]]]:
    """Header and records of a delivered file, read the way the contract describes it."""
    if file_spec["format"] == "xlsx":
        frame = pl.read_excel(path, sheet_name=file_spec["sheet"], infer_schema_length=0)
        return frame.columns, [[v or "" for v in row] for row in frame.rows()]
    data = path.read_bytes()
    if file_spec.get("compression") == "gzip":
        data = gzip.decompress(data)
    text = data.decode(file_spec.get("encoding", "utf-8"))
    if file_spec["format"] == "jsonl":
        lines = text.split("\n")[:-1]
        return list(json.loads(max(lines, key=len))), [[line] for line in lines]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=file_spec.get("delimiter", ",")))
    return rows[0], rows[1:]


def _deliveries(out: Path) -> list[Path]:
    return sorted(p for p in (out / "landing").glob("*/*") if p.is_dir())


def _complete_rows(contract: dict, source: str, path: Path) -> tuple[list[dict], list[list]]:
    """Column specs and the fully readable records of a file (values in header order)."""
    file_spec, columns = _file_spec(contract, source, path.name)
    header = _headers(columns)
    _, rows = _records(path, file_spec)
    if file_spec["format"] != "jsonl":
        return columns, [r for r in rows if len(r) == len(header)]
    objects = []
    for (line,) in rows:
        try:
            objects.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return columns, [[obj[h] for h in header] for obj in objects]


def _data_files(out: Path) -> list[Path]:
    return [p for folder in _deliveries(out) for p in folder.iterdir() if p.name != "_manifest.json"]


def _keys(contract: dict, out: Path, source: str) -> set[str]:
    """Record keys (trimmed, joined by |) of every readable person record of a source."""
    keys: set[str] = set()
    for folder in (out / "landing" / source).iterdir():
        path = folder / contract[source]["files"][0]["name"].replace("<YYYY>", folder.name[:4])
        columns, rows = _complete_rows(contract, source, path)
        at = [_headers(columns).index(k) for k in contract[source]["record_key"]]
        keys.update("|".join(str(r[i]).strip() for i in at) for r in rows)
    return keys


def test_same_seed_gives_identical_bytes(generated, tmp_path):
    _, first = generated
    generate_landing(300, SEED, tmp_path)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_layout_follows_the_contract(generated, contract):
    summary, out = generated
    assert summary.persons == 300
    assert summary.truth == out / "truth.csv"
    assert {p.parent.name for p in _deliveries(out)} == set(contract)
    assert (out / "landing/survey/2025-03-31/survey_2025.xlsx").is_file()
    assert (out / "landing/survey/2026-03-31/survey_2026.xlsx").is_file()
    assert (out / "landing/social_insurance/2026-11-21/si_extract.csv.gz").is_file()
    assert set(summary.deliveries) == set(_deliveries(out))


def test_manifests_match_their_files(generated, contract):
    _, out = generated
    for folder in _deliveries(out):
        manifest_path = folder / "_manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        assert manifest["source"] == folder.parent.name
        assert manifest["delivery_date"] == folder.name
        on_disk = {p.name for p in folder.iterdir()} - {"_manifest.json"}
        assert {f["name"] for f in manifest["files"]} == on_disk
        for entry in manifest["files"]:
            path = folder / entry["name"]
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            _, rows = _records(path, _file_spec(contract, manifest["source"], entry["name"])[0])
            assert entry["rows"] == len(rows), path
            assert manifest_path.stat().st_mtime_ns >= path.stat().st_mtime_ns


def test_headers_are_the_contract_headers_in_order(generated, contract):
    _, out = generated
    for folder in _deliveries(out):
        for path in folder.iterdir():
            if path.name == "_manifest.json":
                continue
            file_spec, columns = _file_spec(contract, folder.parent.name, path.name)
            header, _ = _records(path, file_spec)
            assert header == _headers(columns), path


def test_truth_keys_are_unique_and_found_in_the_files(generated, contract):
    summary, out = generated
    truth = pl.read_csv(out / "truth.csv", infer_schema=False)
    assert truth.columns == ["source", "record_key", "true_person_id"]
    assert not truth.select(pl.struct("source", "record_key").is_duplicated().any()).item()
    for source in (s for s, spec in contract.items() if spec.get("person_bearing", True)):
        keys = set(truth.filter(pl.col("source") == source)["record_key"])
        assert keys, source
        assert keys <= _keys(contract, out, source), source
    assert truth.height + summary.unreadable_rows == sum(summary.records_by_source.values())
    assert summary.unreadable_rows >= 3  # archives and fx cut-off lines, a malformed jsonl line


def test_enum_columns_use_contract_values(generated, contract):
    _, out = generated
    for path in _data_files(out):
        columns, rows = _complete_rows(contract, path.parent.parent.name, path)
        for at, column in enumerate(columns):
            if column["type"] == "enum":
                seen = {r[at] for r in rows if r[at]}
                assert seen, (path, column["header"])
                assert seen <= set(column["values"]), (path, column["header"], seen - set(column["values"]))


def test_required_columns_are_filled(generated, contract):
    _, out = generated
    for path in _data_files(out):
        columns, rows = _complete_rows(contract, path.parent.parent.name, path)
        for at, column in enumerate(columns):
            if column.get("required"):
                assert all(str(r[at]).strip() for r in rows), (path, column["header"])


def test_file_encodings(generated):
    _, out = generated
    landing = out / "landing"
    staff = next(landing.glob("pi_hr/*/staff.csv")).read_bytes()
    staff.decode("gbk")
    assert b"\r\n" in staff
    for name in ("persons.csv", "achievements.csv", "applications.csv"):
        assert next(landing.glob(f"prof_tech/*/{name}")).read_bytes().startswith(b"\xef\xbb\xbf")
    archives = next(landing.glob("archives/*/archives.csv")).read_bytes()
    assert not archives.startswith(b"\xef\xbb\xbf")
    assert not archives.endswith(b"\n")  # the last line was cut off


def test_citizen_ids_are_valid_in_social_insurance(generated, contract):
    _, out = generated
    path = next((out / "landing/social_insurance").glob("*/si_extract.csv.gz"))
    header, rows = _records(path, contract["social_insurance"]["files"][0])
    id_at, sex_at = header.index("公民身份号码"), header.index("性别")
    valid = [
        len(r[id_at]) == 18
        and ric.calc_check_digit(r[id_at]) == r[id_at][-1].upper()
        and (int(r[id_at][16]) % 2 == 1) == (r[sex_at] == "男")
        for r in rows
    ]
    assert sum(valid) / len(valid) > 0.98


def test_twins_share_surname_birth_and_address():
    frame = build_population(SEED, 300, (2025, 2026)).frame
    ids = frame["citizen_id"]
    twins = frame.filter(ids.str.slice(0, 14).is_duplicated()).sort("citizen_id")
    assert twins.height >= 2
    assert twins.group_by(twins["citizen_id"].str.slice(0, 14)).agg(pl.col("surname").n_unique())["surname"].max() == 1


def test_delivery_dates_can_be_overridden(tmp_path):
    generate_landing(40, 1, tmp_path, {"social_insurance": "2026-12-01", "survey": "2027-03-31"})
    landing = tmp_path / "landing"
    assert (landing / "social_insurance/2026-12-01/_manifest.json").is_file()
    assert (landing / "survey/2026-03-31/survey_2026.xlsx").is_file()
    assert (landing / "survey/2027-03-31/survey_2027.xlsx").is_file()
    with pytest.raises(ValueError):
        generate_landing(40, 1, tmp_path, {"unknown": "2026-01-01"})


def _column(out: Path, contract: dict, source: str, file_name: str, column: str) -> list[str]:
    folder = next((out / "landing" / source).glob("*"))
    file_spec, _ = _file_spec(contract, source, file_name)
    header, rows = _records(folder / file_name, file_spec)
    return [r[header.index(column)] for r in rows if len(r) > header.index(column)]


def test_contract_quirks_appear(quirky, contract):
    out = quirky
    ids = (
        _column(out, contract, "archives", "archives.csv", "身份证号码")
        + _column(out, contract, "pi_hr", "staff.csv", "公民身份号码")
        + _column(out, contract, "prof_tech", "persons.csv", "证件号码")
    )
    assert any(re.search("[０-９]", v) for v in ids), "full-width digits"
    assert any(v.endswith("x") for v in ids), "lowercase x"
    assert any(re.fullmatch(r"\d{15}", v) for v in ids), "15-digit IDs"
    assert any(re.fullmatch(r"\d{6}[ -]\d{8}[ -]\d{3}[\dXx]", v) for v in ids), "spaces or dashes"
    assert any(len(v) == 18 and v[:17].isdigit() and ric.calc_check_digit(v) != v[-1].upper() for v in ids)

    names = _column(out, contract, "archives", "archives.csv", "姓名")
    to_simplified = opencc.OpenCC("t2s")
    assert any(to_simplified.convert(n) != n for n in names), "traditional characters"
    assert any("\u3000" in n for n in names), "full-width spaces"
    fx_names = _column(out, contract, "fx_accounts", "fx_records.csv", "客户姓名")
    assert any(re.search(r"[•.・\-]", n) for n in names + fx_names), "minority name separators"

    fx = next((out / "landing/fx_accounts").glob("*/fx_records.csv"))
    header, rows = _records(fx, contract["fx_accounts"]["files"][0])
    full = [r for r in rows if len(r) == len(header)]
    assert any(r[3] == "护照" and r[1] == "" for r in full), "passport-only customers"
    latin = {r[2] for r in full}
    assert any("," in v for v in latin) and any("/" in v for v in latin)

    jsonl = next((out / "landing/soe_staff").glob("*/employees.jsonl")).read_text(encoding="utf-8")
    broken = 0
    for line in jsonl.splitlines():
        try:
            json.loads(line)
        except json.JSONDecodeError:
            broken += 1
    assert broken >= 1

    titles = _column(out, contract, "prof_tech", "achievements.csv", "成果名称")
    assert any("\n" in t for t in titles), "quoted field spanning lines"

    sheet = zipfile.ZipFile(next((out / "landing/survey").glob("*/survey_2026.xlsx"))).read("xl/worksheets/sheet1.xml")
    assert re.search(rb'<c r="E\d+"( s="\d+")?><v>', sheet), "an ID stored as an Excel number"
    assert re.search(rb'<c r="F\d+" s="\d+"><v>\d+</v>', sheet), "a birth date stored as an Excel date"


def test_hard_identities_appear(quirky, contract):
    groups = pl.read_csv(quirky / "persons.csv")
    assert groups.columns == ["true_person_id", "residency_group", "is_namesake", "is_twin", "has_renewed_passport"]
    assert set(groups["residency_group"]) >= {"mainland", "hong_kong", "taiwan"}
    assert groups["is_namesake"].sum() > 0 and groups["has_renewed_passport"].sum() > 0

    fx = pl.DataFrame(
        {c: _column(quirky, contract, "fx_accounts", "fx_records.csv", c) for c in ("业务编号", "姓名拼音", "证件号码")}
    )
    truth = pl.read_csv(quirky / "truth.csv", infer_schema=False).filter(pl.col("source") == "fx_accounts")
    fx = fx.join(truth, left_on="业务编号", right_on="record_key")
    hong_kong = fx.filter(pl.col("证件号码").str.contains(r"^K\d{8}$"))
    assert hong_kong.height > 0  # Hong Kong passports, names in Cantonese: no pinyin ZH, X, Q
    assert not hong_kong["姓名拼音"].str.contains(r"\b(ZH|X|Q)").any()
    renewed = groups.filter(pl.col("has_renewed_passport") == 1)["true_person_id"]
    passports = fx.filter(
        pl.col("true_person_id").is_in(renewed.implode()) & ~pl.col("证件号码").str.contains(r"^\d{17}")
    )
    assert (
        passports.group_by("true_person_id").agg(pl.col("证件号码").str.to_uppercase().n_unique())["证件号码"] > 1
    ).any()


def test_namesakes_share_name_birth_date_and_county():
    frame = build_population(3, 4000, (2025, 2026)).frame.filter(pl.col("is_namesake"))
    pairs = frame.group_by("name", "birth").agg(pl.col("citizen_id"), pl.len())
    assert (pairs["len"] >= 2).all()
    for ids in pairs["citizen_id"]:
        assert len(set(ids)) == len(ids) and len({i[:14] for i in ids}) == 1


def test_job_postings_have_every_quirk_and_a_truth(quirky, contract):
    out = quirky
    truth = pl.read_csv(out / "job_truth.csv", infer_schema=False)
    assert set(truth["status"]) == {"open", "expired", "withdrawn", "duplicate"}
    assert truth.filter(pl.col("status") == "open")["written_for"].null_count() >= 1  # demand nobody meets
    people = set(build_population(shared_runs.SEED, shared_runs.PERSONS, (2025, 2026)).frame["person_id"])
    assert set(truth["written_for"].drop_nulls()) <= people
    folders = sorted((out / "landing/job_postings").iterdir())
    assert [f.name for f in folders] == ["2026-11-20", "2026-11-21"]
    spec = contract["job_postings"]["files"][0]
    header, yesterday = _records(folders[0] / "postings.csv", spec)
    _, today = _records(folders[1] / "postings.csv", spec)
    ids_today = [r[0] for r in today]
    withdrawn = set(truth.filter(pl.col("status") == "withdrawn")["posting_id"])
    assert withdrawn <= {r[0] for r in yesterday} and not withdrawn & set(ids_today)
    assert len(ids_today) > len(set(ids_today)), "a row delivered twice"
    columns = {h: header.index(h) for h in header}
    ints = [r[columns[h]] for r in today for h in ("年龄上限", "月薪下限(元)", "月薪上限(元)", "招聘人数")]
    assert (
        {"面议", "若干"} <= set(ints) and any(v.endswith("周岁") for v in ints) and any(v.endswith("千") for v in ints)
    )
    assert any("\n" in r[columns["岗位描述"]] for r in today), "a description spanning lines"
    same = truth.filter(pl.col("status") == "duplicate").select("posting_id", "same_as").rows()
    by_id = {r[0]: r for r in today}
    opening = [columns["单位统一社会信用代码"], columns["岗位名称"]]
    assert same and all([by_id[a][i] for i in opening] == [by_id[b][i] for i in opening] for a, b in same)
    truth_max_age = dict(truth.select("posting_id", "max_age").rows())
    assert all(truth_max_age[r[0]] is None for r in today if r[columns["年龄上限"]].endswith("周岁"))


def test_where_gives_a_full_series_when_the_mask_never_holds():
    out = where(np.zeros(3, dtype=bool), "x", "")
    assert isinstance(out, pl.Series)
    assert out.to_list() == ["", "", ""]
