"""Splink on Spark links as Splink on DuckDB: every level means the same, the nightly job gives the same
pairs, scores and `person_xref`.

One local Spark session (Java 17, pyspark 4 with Splink's Spark-4 similarity jar) serves the module.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dedup.dialect import render
from dedup.engine import DuckDBEngine, Engine, SparkEngine, splink_backend
from dedup.link import LINK_COLUMNS, ScoreCache, link_records
from dedup.model import MODEL_PATH
from pipelines.resources import WarehouseResource
from returnees.runner import run_nightly
from returnees.synthetic import generate_landing
from warehouse.store.decisions import DECISION_SCHEMA
from warehouse.store.settings import load_settings

PERSONS = 300
# What the next night's score cache does not keep of `links` (see warehouse/store/previous.py).
NOT_CACHED = ["unique_id_l", "unique_id_r", "det_group_l", "det_group_r", "record_uid_l", "record_uid_r", "accepted"]
LIST_COLUMNS = ("surname_pinyin_candidates", "regional_names")
BOOLEAN_COLUMNS = ("name_romanised", "spelt_wade_giles")
PROFILE_SCHEMA: dict[str, Any] = {
    **{c: pl.String for c in ("name", "surname_pinyin", "given_pinyin", "given_wade_giles", "name_pinyin")},
    **{c: pl.String for c in ("name_tokens", "latin_name_key", "dob_precision", "birth_month", "sex")},
    **{c: pl.String for c in ("id_number", "id_shape", "id_prefix14", "passport_no", "document_kind")},
    **{c: pl.String for c in ("mobile", "email", "degree_cert_no", "institution_id")},
    **{c: pl.Boolean for c in BOOLEAN_COLUMNS},
    **{c: pl.List(pl.String) for c in LIST_COLUMNS},
    "dob": pl.Date,
    "birth_year": pl.Int32,
}


def _profile(name: str | None, dob: str | None = None, precision: str = "day", **values: Any) -> dict[str, Any]:
    day = datetime.date.fromisoformat(dob) if dob else None
    row: dict[str, Any] = dict.fromkeys(PROFILE_SCHEMA)
    row.update(name=name, dob=day, dob_precision=precision if day else None)
    row.update(birth_year=day.year if day else None, birth_month=day.strftime("%Y-%m") if day else None)
    row.update(values)
    return row


ZHANG = {"surname_pinyin": "ZHANG", "given_pinyin": "WEIMING", "name_tokens": "WEIMING ZHANG"}
# Profiles that reach each level of each comparison, and its edge cases: nulls on one or both sides,
# empty lists and lists holding a null, regex characters beside a `?` substitute, permits.
PROFILES = [
    _profile(
        "张伟明",
        "1990-01-15",
        **ZHANG,
        name_pinyin="ZHANGWEIMING",
        given_wade_giles="WEIMING",
        surname_pinyin_candidates=["ZHANG"],
        id_number="110101199001150011",
        id_shape="11010119900115001",
        id_prefix14="11010119900115",
        sex="M",
        mobile="13800000000",
        name_romanised=False,
    ),
    _profile(
        "张卫明",
        "1990-01-20",
        **ZHANG,
        name_pinyin="ZHANGWEIMING",
        surname_pinyin_candidates=["ZHANG"],
        id_number="110101199001150021",
        id_shape="11010119900115002",
        id_prefix14="11010119900115",
        sex="M",
    ),
    _profile(
        None,
        "1990-02-10",
        **ZHANG,
        name_pinyin="WEIMINGZHANG",
        name_romanised=True,
        surname_pinyin_candidates=["ZHANG", "CHANG"],
        latin_name_key="WEIMINGZHANG",
        passport_no="E1234567",
        document_kind="PASSPORT",
        id_prefix14="81000019900115",
        id_shape="81000019900115001",
    ),
    _profile(
        None,
        "1990-01-01",
        "year",
        surname_pinyin="CHANG",
        given_pinyin="WEIMING",
        name_pinyin="CHANGWEIMING",
        name_tokens="CHANG WEIMING",
        spelt_wade_giles=True,
        name_romanised=True,
        latin_name_key="CHANGWEIMING",
        surname_pinyin_candidates=["CHANG", "ZHANG"],
        passport_no="E1234567",
        document_kind="PASSPORT",
    ),
    _profile(
        "张?明",
        "1990-01-01",
        "month",
        surname_pinyin="ZHANG",
        name_pinyin="ZHANG?MING",
        email="a@b.cn",
        surname_pinyin_candidates=[],
        id_prefix14="11010119900115",
        id_number="110101199001150011",
    ),
    _profile("王.?", "1985-03-01", surname_pinyin="WANG", given_pinyin="XLI", surname_pinyin_candidates=[None]),
    _profile("王x丽", "1985-03-01", surname_pinyin="WANG", given_pinyin="XILI", email="a@b.cn"),
    _profile(
        "王.丽", "1985-03-31", "day", surname_pinyin="WANG", given_pinyin="LI", degree_cert_no="教留服认英[1990]1号"
    ),
    _profile(
        "陈大文",
        "1976-05-02",
        surname_pinyin="CHEN",
        given_pinyin="DAWEN",
        name_pinyin="CHENDAWEN",
        name_tokens="CHEN DAWEN",
        regional_names=["CHANTAIMAN", "TAIMANCHAN"],
        institution_id="hku",
    ),
    _profile(
        None,
        "1976-05-01",
        "month",
        surname_pinyin="CHAN",
        given_pinyin="TAIMAN",
        name_pinyin="CHANTAIMAN",
        name_tokens="CHAN TAIMAN",
        latin_name_key="TAIMANCHAN",
        name_romanised=True,
        institution_id="hku",
    ),
    _profile(
        "张伟明",
        "1991-07-04",
        **ZHANG,
        name_pinyin="ZHANGWEIMING",
        id_number="110101199001150013",
        id_shape="11010119900115001",
        id_prefix14="11010119900115",
        mobile="13800000000",
        degree_cert_no="教留服认英[1990]1号",
    ),
    _profile(None),
]


def _pairs() -> pl.DataFrame:
    """Every ordered pair of distinct profiles, as Splink names a pair's columns."""
    profiles = pl.DataFrame(PROFILES, schema=PROFILE_SCHEMA).with_row_index("i").cast({"i": pl.Int64})
    pairs = profiles.rename(lambda c: f"{c}_l").join(profiles.rename(lambda c: f"{c}_r"), how="cross")
    return pairs.filter(pl.col("i_l") != pl.col("i_r"))


def _levels() -> list[str]:
    """Every comparison level's condition in the saved model (DuckDB SQL), ELSE aside."""
    model = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    conditions = [lv["sql_condition"] for c in model["comparisons"] for lv in c["comparison_levels"]]
    return list(dict.fromkeys(c for c in conditions if c != "ELSE"))


def _truth(engine: Engine, pairs: pl.DataFrame, levels: list[str]) -> pl.DataFrame:
    """Whether each level holds for each pair, evaluated by Splink on `engine` (NULL counts as false)."""
    with splink_backend(engine) as backend:
        table = backend.db_api.register(pairs.to_arrow(), table_name="level_pairs").physical_name
        tests = [
            f"CASE WHEN {render(sql, engine.dialect)} THEN 1 ELSE 0 END AS level_{n}" for n, sql in enumerate(levels)
        ]
        result = backend.db_api.query_sql(f"SELECT i_l, i_r, {', '.join(tests)} FROM {table}")
        return backend.fetch(result, lambda _: True).sort("i_l", "i_r")


@pytest.fixture(scope="module")
def spark_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("spark_checkpoints"))


def test_every_level_holds_for_the_same_pairs_on_spark(spark_checkpoints: str) -> None:
    pairs, levels = _pairs(), _levels()
    on_duckdb = _truth(DuckDBEngine(duckdb.connect()), pairs, levels)
    on_spark = _truth(SparkEngine("local[*]", spark_checkpoints), pairs, levels)
    for n, sql in enumerate(levels):
        column = f"level_{n}"
        assert on_spark[column].to_list() == on_duckdb[column].to_list(), sql
    # The profiles reach every level, and miss it too, so each comparison above can fail.
    unreached = [sql for n, sql in enumerate(levels) if on_duckdb[f"level_{n}"].n_unique() < 2]
    assert not unreached
    assert not any(Path(spark_checkpoints).iterdir())  # Splink's Parquet files are gone with the run


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The nightly job run once per engine on one generated landing area, into two warehouses."""
    out = tmp_path_factory.mktemp("engines")
    generate_landing(PERSONS, 23, out)
    published = {}
    for engine in ("duckdb", "spark"):
        published[engine] = out / engine / "warehouse.duckdb"
        run_nightly(out / "landing", published[engine], engine=engine)
    return published


def _read(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


def test_both_engines_give_the_same_person_xref(warehouses: dict[str, Path]) -> None:
    sql = "SELECT source, record_key, person_id FROM person_xref ORDER BY source, record_key"
    on_duckdb, on_spark = (_read(warehouses[e], sql) for e in ("duckdb", "spark"))
    assert on_duckdb["person_id"].n_unique() < on_duckdb.height / 2  # records were linked, not left alone
    assert on_spark.equals(on_duckdb)  # the same persons, and as both are first runs, the same ids


def test_both_engines_score_the_same_pairs(warehouses: dict[str, Path]) -> None:
    sql = "SELECT * FROM links ORDER BY record_uid_l, record_uid_r"
    on_duckdb, on_spark = (_read(warehouses[e], sql) for e in ("duckdb", "spark"))
    assert on_duckdb.filter(pl.col("accepted")).height > 0
    # The same pairs, levels reached and acceptance; weights and probabilities up to rounding.
    assert_frame_equal(on_spark, on_duckdb, check_exact=False, rel_tol=0, abs_tol=1e-9)


def test_an_incremental_night_scores_alike_on_both_engines(warehouses: dict[str, Path], spark_checkpoints: str) -> None:
    """The score cache works with either engine: profiles new tonight meet last night's through
    `predict_between` on Spark as on DuckDB."""
    records = _read(warehouses["duckdb"], f"SELECT {', '.join(LINK_COLUMNS)} FROM records")
    decisions = pl.DataFrame(schema=DECISION_SCHEMA)
    last_night = link_records(records.filter(pl.col("source") != "survey"), decisions, DuckDBEngine(duckdb.connect()))
    cache = ScoreCache(last_night.links.drop(NOT_CACHED), last_night.profile_counts)
    on_duckdb = link_records(records, decisions, DuckDBEngine(duckdb.connect()), cache=cache)
    on_spark = link_records(records, decisions, SparkEngine("local[*]", spark_checkpoints), cache=cache)
    pair = ["record_uid_l", "record_uid_r"]
    assert_frame_equal(
        on_spark.links.sort(pair), on_duckdb.links.sort(pair), check_exact=False, rel_tol=0, abs_tol=1e-9
    )
    assert on_spark.clusters.sort("record_uid").equals(on_duckdb.clusters.sort("record_uid"))


def test_the_engine_is_configuration(tmp_path: Path) -> None:
    environ = {"RETURNEES_ENGINE": "spark", "RETURNEES_SPARK_MASTER": "spark://head:7077"}
    settings = load_settings({"landing": tmp_path, "warehouse": tmp_path / "w.duckdb"}, environ)
    with WarehouseResource.from_settings(settings).link_engine() as engine:
        assert engine == SparkEngine("spark://head:7077", str(tmp_path / ".duckdb_tmp" / "spark"))
    assert load_settings({"engine": "duckdb"}, environ).engine == "duckdb"  # a flag over the environment
    with pytest.raises(ValueError, match="未知的关联引擎"):
        load_settings(environ={"RETURNEES_ENGINE": "polars"})
