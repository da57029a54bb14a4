"""Golden records: survivorship, provenance and conflicts on hand-built source records.

The records go through the real bronze → records standardisation, so the survivorship rules
are exercised on values as the sources deliver them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from dedup.records import raw_records, standardise_records
from sources.contract import load_contract
from sources.ingest import table_name
from warehouse.serve.conflicts import build_person_conflicts
from warehouse.serve.facts import build_facts
from warehouse.serve.golden import build_dim_person
from warehouse.serve.returnee import build_returnee_evidence, build_returnee_status
from warehouse.store.db import write_table

DELIVERED = {
    "social_insurance": "2026-11-21",
    "prof_tech": "2026-11-20",
    "pi_hr": "2026-11-01",
    "soe_staff": "2026-10-31",
    "archives": "2026-11-16",
    "fx_accounts": "2026-11-18",
    "survey": "2026-03-31",
}


def citizen_id(body: str) -> str:
    """A valid 18-digit citizen ID from its first 17 digits (GB 11643 check character)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


ID_A = citizen_id("50010319900115001")  # 1990-01-15, male
ID_B = citizen_id("50010319900115003")  # same birth date: a twin's
ID_C = citizen_id("50010519851120002")  # 1985-11-20, female
UCL_CERT = "教留服认英[2020]01234号"


def build_warehouse(path: Path, rows: dict[str, list[dict]], persons: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """A warehouse holding bronze tables of `rows` (by bronze table), the standardised records,
    a registry mapping record keys to persons (`source:record_key` → person) and the deliveries."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA bronze")
    bronze: dict[str, pl.DataFrame] = {}
    for spec in load_contract().values():
        for file_spec in spec.files:
            table = table_name(spec, file_spec)
            fields = [c.field for c in file_spec.columns]
            frame = pl.DataFrame(
                [{f: r.get(f) for f in fields} for r in rows.get(table, [])],
                schema=dict.fromkeys(fields, pl.Utf8),
            )
            frame = frame.with_columns(
                pl.lit(spec.name).alias("source"),
                pl.lit(DELIVERED.get(spec.name)).alias("delivery_date"),
                pl.lit(file_spec.name).alias("file"),
                pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line_no"),
                pl.concat_str([pl.col(f) for f in file_spec.key_fields], separator="|").alias("record_key"),
            ).select("source", "delivery_date", "file", "line_no", "record_key", *fields)
            bronze[table] = frame
            write_table(con, f"bronze.{table}", frame)
    write_table(con, "records", standardise_records(raw_records(bronze)))
    registry = pl.DataFrame({"record_uid": list(persons), "person_id": list(persons.values())})
    write_table(con, "person_registry", registry)
    deliveries = pl.DataFrame(
        {"source": list(DELIVERED), "delivery_date": list(DELIVERED.values()), "status": "current"}
    )
    write_table(con, "deliveries", deliveries)
    return con


def serve(con: duckdb.DuckDBPyConnection) -> None:
    build_facts(con)
    build_returnee_evidence(con)
    build_returnee_status(con)
    build_dim_person(con)
    build_person_conflicts(con)


SI = {"insurance_type": "职工基本医疗保险", "enrolment_status": "参保缴费", "sex": "男"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    rows = {
        "social_insurance": [
            # P1: the most trusted identity; employer paid for now
            {
                **SI,
                "si_person_no": "5001",
                "id_number": ID_A,
                "name": "张三",
                "birth_date": "1990-01-15",
                "employer_name": "重庆星河科技有限公司",
                "employer_uscc": "91500105MA5U0001XA",
                "enrolled_on": "2021-03-01",
            },
            # P2: a rare character written as ? in the most trusted source; a second valid ID elsewhere
            {
                **SI,
                "si_person_no": "5002",
                "id_number": ID_C,
                "name": "王?",
                "sex": "女",
                "birth_date": "1985-11-20",
                "enrolment_status": "终止参保",
                "employer_name": "重庆旧单位有限公司",
                "enrolled_on": "2010-01-01",
            },
        ],
        "prof_tech": [
            {
                "user_id": "RC1",
                "name": "张三",
                "sex": "男",
                "id_type": "居民身份证",
                "id_number": ID_A,
                "birth_month": "1990-01",
                "mobile": "138 0000 0001",
                "studied_abroad": "是",
                "title_level": "中级",
                "employer_name": "重庆月光有限公司",
            },
            {
                "user_id": "RC2",
                "name": "王珺",
                "sex": "女",
                "id_type": "居民身份证",
                "id_number": ID_B,
                "mobile": "13600000009",
                "studied_abroad": "是",
                "employer_name": "重庆新单位有限公司",
                "employer_uscc": "91500112MA5U0002XB",
            },
        ],
        "pi_hr": [
            {
                "staff_no": "S2",
                "name": "王珺",
                "id_number": ID_C,
                "sex": "女",
                "birth_date": "19851120",
                "employer_name": "重庆大学",
                "employer_uscc": "12500000450400042D",
                "status": "在职",
                "studied_abroad": "1",
                "joined_on": "2015-09-01",
            },
        ],
        "survey": [
            {
                "survey_id": "DC2026-1",
                "name": "張叁",
                "sex": "男",
                "birth_date": "1990-01-16",
                "mobile": "13900000002",
                "email": "Zhang.San@Example.com",
                "study_country": "英国",
                "study_institution": "UCL",
                "degree": "硕士",
                "return_month": "2020-07",
                "degree_cert_no": UCL_CERT,
                "employer_name": "重庆调查单位有限公司",
                "employer_kind": "民营企业",
                "district": "渝北",
                "reported_on": "2026-03-01",
            },
        ],
        "archives": [
            {
                "archive_no": "A1",
                "name": "张三",
                "id_number": ID_A,
                "sex": "女",
                "birth_date": "1990/1/15",
                "custodian": "重庆市人才交流服务中心",
                "archived_on": "2021/4/1",
                "status": "在库",
                "phone": "137-0000-0003",
                "study_country": "英国",
            },
        ],
    }
    persons = {
        "social_insurance:5001|职工基本医疗保险": "P1",
        "prof_tech:RC1": "P1",
        "survey:DC2026-1": "P1",
        "archives:A1": "P1",
        "social_insurance:5002|职工基本医疗保险": "P2",
        "prof_tech:RC2": "P2",
        "pi_hr:S2": "P2",
    }
    con = build_warehouse(tmp_path_factory.mktemp("golden") / "w.duckdb", rows, persons)
    serve(con)
    return con


def _golden(con: duckdb.DuckDBPyConnection, person: str) -> dict:
    return con.sql(f"SELECT * FROM restricted.dim_person WHERE person_id = '{person}'").pl().row(0, named=True)


def test_identity_follows_source_priority_with_provenance(warehouse: duckdb.DuckDBPyConnection) -> None:
    p1 = _golden(warehouse, "P1")
    assert (p1["name"], p1["name_source"]) == ("张三", "social_insurance")
    assert p1["name_record_uid"] == "social_insurance:5001|职工基本医疗保险"
    assert (p1["sex"], p1["sex_source"]) == ("M", "social_insurance")
    assert str(p1["birth_date"]) == "1990-01-15" and p1["birth_date_source"] == "social_insurance"
    assert (p1["id_number"], p1["id_number_source"]) == (ID_A, "social_insurance")
    assert p1["sources"] == ["archives", "prof_tech", "social_insurance", "survey"]


def test_degraded_name_loses_to_a_complete_one(warehouse: duckdb.DuckDBPyConnection) -> None:
    p2 = _golden(warehouse, "P2")
    assert p2["name"] == "王珺"  # social insurance wrote 王?; the platform's full name wins
    assert p2["name_source"] == "prof_tech"


def test_contact_is_the_most_recent(warehouse: duckdb.DuckDBPyConnection) -> None:
    p1 = _golden(warehouse, "P1")
    # prof_tech delivered 2026-11-20, archives 2026-11-16, the survey was filled in 2026-03-01
    assert (p1["mobile"], p1["mobile_source"], p1["mobile_record_uid"]) == ("13800000001", "prof_tech", "prof_tech:RC1")
    assert (p1["email"], p1["email_source"]) == ("zhang.san@example.com", "survey")
    assert (p1["district"], p1["district_source"]) == ("渝北区", "survey")


def test_employer_is_the_most_recent_current_one(warehouse: duckdb.DuckDBPyConnection) -> None:
    p1 = _golden(warehouse, "P1")
    assert p1["employer_name"] == "重庆星河科技有限公司"  # social insurance, newest delivery
    assert (p1["employer_source"], p1["employer_verified"]) == ("social_insurance", True)
    p2 = _golden(warehouse, "P2")
    # insurance ended; the platform (2026-11-20) is newer than the HR register (2026-11-01)
    assert (p2["employer_name"], p2["employer_source"]) == ("重庆新单位有限公司", "prof_tech")
    history = warehouse.execute(
        "SELECT source, is_current FROM restricted.fact_employment WHERE person_id = 'P2' ORDER BY source"
    ).fetchall()
    assert history == [("pi_hr", True), ("prof_tech", True), ("social_insurance", False)]


def test_returnee_status_from_evidence(warehouse: duckdb.DuckDBPyConnection) -> None:
    p1 = _golden(warehouse, "P1")
    assert (p1["returnee_status"], p1["is_returnee"]) == ("certified", True)
    kinds = {
        r[0]
        for r in warehouse.execute(
            "SELECT evidence_kind FROM restricted.returnee_evidence WHERE person_id = 'P1'"
        ).fetchall()
    }
    assert kinds == {"degree_certificate", "survey_declaration", "platform_flag", "archive_record"}
    assert _golden(warehouse, "P2")["returnee_status"] == "corroborated"  # platform and HR flags


def _conflicts(con: duckdb.DuckDBPyConnection, person: str) -> dict[str, list[tuple[str, list[str]]]]:
    rows = con.execute(
        'SELECT conflict, "values" FROM restricted.person_conflicts WHERE person_id = ?', [person]
    ).fetchall()
    return {kind: [(v["value"], v["sources"]) for v in values] for kind, values in rows}


def test_conflicts_name_the_disagreeing_values_and_sources(warehouse: duckdb.DuckDBPyConnection) -> None:
    p1 = _conflicts(warehouse, "P1")
    assert p1["name_variants"] == [("张三", ["archives", "prof_tech", "social_insurance"]), ("张叁", ["survey"])]
    assert p1["sex_mismatch"] == [("F", ["archives"]), ("M", ["prof_tech", "social_insurance", "survey"])]
    assert p1["sex_vs_id"] == [("F", ["archives"]), ("M", ["身份证号"])]
    assert p1["birth_date_vs_id"] == [("1990-01-15", ["身份证号"]), ("1990-01-16", ["survey"])]
    assert "two_valid_ids" not in p1
    p2 = _conflicts(warehouse, "P2")
    assert p2["two_valid_ids"] == [(ID_B, ["prof_tech"]), (ID_C, ["pi_hr", "social_insurance"])]
    description = warehouse.execute(
        "SELECT description, golden_value FROM restricted.person_conflicts WHERE conflict = 'two_valid_ids'"
    ).fetchall()
    assert description == [("同一人员有多个有效身份证号", ID_C)]
