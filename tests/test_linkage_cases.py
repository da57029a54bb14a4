"""Linkage cases found on data generated independently of this repository: Taiwan residents
(Wade-Giles passport names, nine-digit passports, travel permits beside passports), surname-last
passport names, month-only birth dates, and the look-alikes that must stay apart.

Records go through the real standardisation and the saved Splink model.
"""

from __future__ import annotations

import duckdb
import polars as pl
from records_helpers import crowd, standardised_records, strangers, uid

from console.explain import comparison_weights, level_label
from dedup.engine import DuckDBEngine
from dedup.groups import with_matching_fields
from dedup.link import link_records
from dedup.standardise import standardise_names
from warehouse.store.decisions import DECISION_SCHEMA

# 韩俊杰 in an SOE register, with his 台湾居民来往大陆通行证 (not his passport) in the ID column.
SOE_HOLDER = {
    "employer_uscc": "91500000MA5U000000",
    "emp_no": "123",
    "employer_name": "重庆某公司",
    "name": "韩俊杰",
    "id_type": "TW",
    "id_number": "96396121",
    "sex": "M",
    "birth_date": "1993-10-16",
}


def _clusters(rows: dict[str, list[dict]]) -> tuple[pl.DataFrame, dict[str, int]]:
    records = standardised_records(rows)
    result = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect()))
    return records, dict(result.clusters.select("record_uid", "cluster").iter_rows())


def _fx(txn: str, latin: str, passport: str, born: str = "1993-10-16", sex: str = "M") -> dict:
    return {
        "txn_id": txn,
        "name_latin": latin,
        "id_type": "护照",
        "id_number": passport,
        "birth_date": born,
        "sex": sex,
        "service_date": "2019-05-01",
    }


def _archive(no: str, name: str) -> dict:
    """A man's archive record born 1990-05-17, without an ID number."""
    return {
        "archive_no": no,
        "name": name,
        "sex": "男",
        "birth_date": "1990/5/17",
        "custodian": "x",
        "archived_on": "2020/1/1",
    }


def _si(id_number: str, name: str, born: str, sex: str = "男") -> dict:
    """A social-insurance record (person number 1000001) with a valid citizen ID."""
    return {
        "si_person_no": "1000001",
        "id_number": id_number,
        "name": name,
        "sex": sex,
        "birth_date": born,
        "insurance_type": "失业保险",
        "enrolment_status": "参保缴费",
    }


def test_hanzi_given_names_are_spelt_as_on_taiwan_passports() -> None:
    names = standardise_names(pl.Series(["韩俊杰", "吳怡君", "徐家豪", "HAN CHUNCHIEH", "热依拉·艾山", "王?明"]))
    assert names["given_wade_giles"].to_list() == ["CHUNCHIEH", "YICHUN", "CHIAHAO", None, None, None]


def test_a_taiwan_passport_name_links_to_the_hanzi_records_of_its_holder() -> None:
    fx = [_fx("T1", "HAN CHUN-CHIEH", "394646907"), _fx("T2", "CHUNCHIEH HAN", "394646907")]
    records, cluster = _clusters({"soe_staff": [SOE_HOLDER], "fx_accounts": fx, "pi_hr": strangers()})
    person = cluster[uid(records, "soe_staff", "91500000MA5U000000")]
    assert cluster[uid(records, "fx_accounts", "T1")] == person
    assert cluster[uid(records, "fx_accounts", "T2")] == person


def test_a_wade_giles_name_of_someone_else_stays_apart() -> None:
    other = _fx("T1", "HAN CHIAHAO", "394646907")  # 韩家豪, same birth date
    records, cluster = _clusters({"soe_staff": [SOE_HOLDER], "fx_accounts": [other], "pi_hr": strangers()})
    assert cluster[uid(records, "fx_accounts", "T1")] != cluster[uid(records, "soe_staff", "91500000MA5U000000")]


def test_a_nine_digit_passport_joins_its_rows_whatever_the_name_order() -> None:
    fx = [_fx("T1", "WU YICHUN", "373929316", "1999-07-17", "F"), _fx("T2", "YICHUN, WU", "373 929 316", "", "F")]
    records, cluster = _clusters({"fx_accounts": fx, "pi_hr": strangers()})
    assert cluster[uid(records, "fx_accounts", "T1")] == cluster[uid(records, "fx_accounts", "T2")]
    assert records.filter(pl.col("source") == "fx_accounts")["passport_no"].to_list() == ["373929316"] * 2


def test_a_passport_name_written_surname_last_links_when_both_words_could_be_surnames() -> None:
    # TAO LIN: 陶 and 林 are both surnames, so the parser reads TAO as the surname; the sorted
    # syllables still meet 林涛's, and an exact birth date and sex carry the link.
    si = _si("500112200002060775", "林涛", "2000-02-06")
    fx = _fx("T1", "TAO LIN", "EH1170456", "2000-02-06")
    records, cluster = _clusters({"social_insurance": [si], "fx_accounts": [fx], "pi_hr": crowd(10000)})
    assert records.filter(pl.col("source") == "fx_accounts")["surname_pinyin"].to_list() == ["TAO"]
    assert cluster[uid(records, "fx_accounts", "T1")] == cluster[uid(records, "social_insurance", "1000001")]


def test_two_hanzi_names_in_swapped_order_stay_apart() -> None:
    one, two = _archive("A1", "王丽"), _archive("A2", "李旺")
    records, cluster = _clusters({"archives": [one, two], "pi_hr": crowd(10000)})
    assert cluster[uid(records, "archives", "A1")] != cluster[uid(records, "archives", "A2")]


def test_a_mainland_pinyin_name_is_not_read_as_wade_giles() -> None:
    # 军 is CHUN in Wade-Giles, but WANG CHUN on a mainland passport is 王春.
    archive = _archive("A1", "王军")
    fx = _fx("T1", "WANG CHUN", "E12345678", "1990-05-17")
    records, cluster = _clusters({"archives": [archive], "fx_accounts": [fx], "pi_hr": crowd(10000)})
    matched = with_matching_fields(records)
    assert matched.filter(pl.col("source") == "fx_accounts")["spelt_wade_giles"].to_list() == [False]
    assert cluster[uid(records, "archives", "A1")] != cluster[uid(records, "fx_accounts", "T1")]


def test_a_month_only_birth_date_agrees_with_a_day_in_that_month() -> None:
    # The platform's 出生年月 and a passport, against social insurance's full date and ID.
    platform = {
        "user_id": "U1",
        "name": "刘昊力",
        "sex": "男",
        "id_type": "护照",
        "id_number": "E07681083",
        "birth_month": "199806",
        "mobile": "18648870062",
    }
    si = _si("500108199806164190", "刘昊力", "1998-06-16", "男性")  # spelt out: still male
    records, cluster = _clusters({"prof_tech": [platform], "social_insurance": [si], "pi_hr": crowd(10000)})
    assert records.filter(pl.col("source") == "social_insurance")["sex"].to_list() == ["M"]
    assert cluster[uid(records, "prof_tech", "U1")] == cluster[uid(records, "social_insurance", "1000001")]


def test_the_console_names_the_level_each_link_reached() -> None:
    # The Wade-Giles and the order-swapped levels weigh the same: only the kept gamma tells them apart.
    records = standardised_records(
        {"soe_staff": [SOE_HOLDER], "fx_accounts": [_fx("T1", "HAN CHUN-CHIEH", "394646907")], "pi_hr": strangers()}
    )
    links = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect())).links
    pair = {uid(records, "soe_staff", "91500000MA5U000000"), uid(records, "fx_accounts", "T1")}
    row = links.filter(pl.col("record_uid_l").is_in(pair) & pl.col("record_uid_r").is_in(pair)).row(0, named=True)
    step = {name: level_label(name, weight, gamma) for name, weight, _, gamma in comparison_weights(row)}
    assert step["name"] == "台湾护照（威妥玛）拼写与汉字姓名一致"
