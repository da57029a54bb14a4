"""Hard identities: Hong Kong, Macao and Taiwan residents, renewed passports, namesakes.

Records go through the real standardisation and the saved Splink model.
"""

from __future__ import annotations

import duckdb
import polars as pl
from records_helpers import citizen_id, crowd, standardised_records, strangers, uid

from dedup.engine import DuckDBEngine
from dedup.groups import with_matching_fields
from dedup.link import NAMESAKE_REASON, link_records
from warehouse.store.decisions import DECISION_SCHEMA

HK_PERMIT = citizen_id("81000019900517201")  # 港澳台居民居住证 of a Hong Kong resident


def _linked(rows: dict[str, list[dict]]) -> tuple[pl.DataFrame, dict[str, int], pl.DataFrame]:
    records = standardised_records(rows)
    result = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect()))
    return records, dict(result.clusters.select("record_uid", "cluster").iter_rows()), result.refused


def _si(person_no: str, id_number: str, name: str, born: str = "1990-05-17", sex: str = "男") -> dict:
    return {
        "si_person_no": person_no,
        "id_number": id_number,
        "name": name,
        "sex": sex,
        "birth_date": born,
        "insurance_type": "失业保险",
        "enrolment_status": "参保缴费",
    }


def _fx(txn: str, latin: str, passport: str, born: str = "1990-05-17", sex: str = "M", **extra: str) -> dict:
    row = {
        "txn_id": txn,
        "name_latin": latin,
        "id_type": "护照",
        "id_number": passport,
        "birth_date": born,
        "sex": sex,
        "service_date": "2019-05-01",
    }
    return row | extra


def _archive(no: str, name: str, **extra: str) -> dict:
    row = {
        "archive_no": no,
        "name": name,
        "sex": "男",
        "birth_date": "1990/5/17",
        "custodian": "x",
        "archived_on": "2020/1/1",
    }
    return row | extra


def test_a_hong_kong_passport_name_in_cantonese_links_to_the_residence_permit() -> None:
    fx = [_fx("T1", "CHAN TAI-MAN", "K12345678"), _fx("T2", "TAI MAN CHAN", "K12345678")]
    records, cluster, _ = _linked({"social_insurance": [_si("1001", HK_PERMIT, "陳大文")], "fx_accounts": fx})
    person = cluster[uid(records, "social_insurance", "1001")]
    assert cluster[uid(records, "fx_accounts", "T1")] == person == cluster[uid(records, "fx_accounts", "T2")]
    assert records.filter(pl.col("source") == "social_insurance")["id_kind"].to_list() == ["RESIDENCE_PERMIT"]


def test_a_macao_spelling_links_to_the_travel_permit_holder() -> None:
    survey = {
        "survey_id": "DC1",
        "name": "黃偉明",
        "id_type": "港澳居民来往内地通行证",
        "id_number": "M12345678",
        "birth_date": "1990-05-17",
        "sex": "男",
    }
    fx = _fx("T1", "VONG VAI MENG", "MA1234567")
    records, cluster, _ = _linked({"survey": [survey], "fx_accounts": [fx], "pi_hr": strangers()})
    assert cluster[uid(records, "survey", "DC1")] == cluster[uid(records, "fx_accounts", "T1")]


def test_a_mainland_name_is_not_compared_in_cantonese() -> None:
    # 陈大文 with a mainland citizen ID: CHAN TAI MAN on a passport is someone else's name.
    si = _si("1001", citizen_id("50010319900517201"), "陈大文")
    records, cluster, _ = _linked({"social_insurance": [si], "fx_accounts": [_fx("T1", "CHAN TAI MAN", "E12345678")]})
    matched = with_matching_fields(records)
    assert matched["regional_names"].is_null().all()
    assert cluster[uid(records, "social_insurance", "1001")] != cluster[uid(records, "fx_accounts", "T1")]


def test_a_taiwan_name_written_given_name_first_and_glued() -> None:
    soe = {
        "employer_uscc": "91500000MA5U000000",
        "emp_no": "1",
        "employer_name": "x",
        "name": "许瑜诗",
        "id_type": "TW",
        "id_number": "35745310",
        "sex": "F",
        "birth_date": "1984-02-16",
    }
    fx = _fx("T1", "YU SHIHHSU", "305136785", "1984-02-16", "F")
    records, cluster, _ = _linked({"soe_staff": [soe], "fx_accounts": [fx], "pi_hr": strangers()})
    assert cluster[uid(records, "soe_staff", "91500000MA5U000000")] == cluster[uid(records, "fx_accounts", "T1")]


def test_a_citizen_id_beside_a_residence_permit_is_no_contradiction() -> None:
    # Someone who moved to Hong Kong: an old archive with the mainland ID, social insurance with
    # the residence permit; the same name, birth date and mobile.
    archive = _archive("A1", "陈大文", id_number=citizen_id("44030019900517201"), phone="13812345678")
    survey = {
        "survey_id": "DC1",
        "name": "陈大文",
        "id_type": "居民身份证",
        "id_number": HK_PERMIT,
        "birth_date": "1990-05-17",
        "mobile": "13812345678",
    }
    records, cluster, _ = _linked({"archives": [archive], "survey": [survey], "pi_hr": strangers()})
    assert cluster[uid(records, "archives", "A1")] == cluster[uid(records, "survey", "DC1")]


def test_a_renewed_passport_is_no_veto() -> None:
    old = _fx("T1", "LIU HAOLI", "G12345678", study_institution="University of Leeds")
    new = _fx("T2", "LIU HAOLI", "E87654321", study_institution="University of Leeds")
    records, cluster, _ = _linked({"fx_accounts": [old, new], "pi_hr": crowd(10000)})
    assert cluster[uid(records, "fx_accounts", "T1")] == cluster[uid(records, "fx_accounts", "T2")]


def test_a_record_resembling_two_namesakes_goes_with_the_one_it_agrees_with() -> None:
    # Two 王志强 born the same day in the same county; an archive without an ID shares the mobile
    # of one of them.
    one = {"user_id": "U1", "name": "王志强", "id_type": "居民身份证", "id_number": citizen_id("50010319900517201")}
    two = {"user_id": "U2", "name": "王志强", "id_type": "居民身份证", "id_number": citizen_id("50010319900517233")}
    one, two = one | {"mobile": "13812345678"}, two | {"mobile": "13987654321"}
    archive = _archive("A1", "王志强", phone="13987654321")
    records, cluster, _ = _linked({"prof_tech": [one, two], "archives": [archive], "pi_hr": strangers()})
    assert cluster[uid(records, "archives", "A1")] == cluster[uid(records, "prof_tech", "U2")]
    assert cluster[uid(records, "prof_tech", "U1")] != cluster[uid(records, "prof_tech", "U2")]


def test_a_record_that_cannot_tell_two_namesakes_apart_waits_for_a_steward() -> None:
    si_one = _si("1001", citizen_id("50010319900517201"), "王志强")
    si_two = _si("1002", citizen_id("50010319900517233"), "王志强")
    archive = _archive("A1", "王志强")
    rows = {"social_insurance": [si_one, si_two], "archives": [archive], "pi_hr": strangers()}
    records, cluster, refused = _linked(rows)
    mine = cluster[uid(records, "archives", "A1")]
    assert mine not in (
        cluster[uid(records, "social_insurance", "1001")],
        cluster[uid(records, "social_insurance", "1002")],
    )
    assert NAMESAKE_REASON in refused["reason"].to_list()


def test_a_shared_employer_carries_a_link_the_model_leaves_uncertain() -> None:
    # The platform knows only the birth month and a Hong Kong passport name; the employer is the
    # one social insurance pays contributions for (a rare one among the employers of the crowd).
    platform = {
        "user_id": "U1",
        "name": "LEUNG SIU-YAN",
        "id_type": "护照",
        "id_number": "K79701569",
        "birth_month": "198811",
        "mobile": "15928980094",
        "employer_name": "重庆市急救医疗中心",
    }
    si = _si("1001", HK_PERMIT.replace("19900517", "19881114"), "梁少恩", "1988-11-14", "女") | {
        "employer_name": "重庆市急救医疗中心"
    }
    staff = [row | {"employer_name": f"重庆市第{i}中学"} for i, row in enumerate(crowd(2000))]
    rows = {"prof_tech": [platform], "social_insurance": [si], "pi_hr": staff}
    records, cluster, _ = _linked(rows)
    assert cluster[uid(records, "prof_tech", "U1")] == cluster[uid(records, "social_insurance", "1001")]
