"""Two valid citizen IDs one typo apart: one person when the name and something personal agree,
twins or namesakes otherwise.

Records go through the real standardisation and the saved Splink model.
"""

from __future__ import annotations

import duckdb
import polars as pl
from records_helpers import citizen_id, standardised_records, strangers, uid

from dedup.engine import DuckDBEngine
from dedup.groups import typo_id_keys, with_matching_fields
from dedup.link import link_records
from warehouse.store.decisions import DECISION_SCHEMA

TRUE_ID = citizen_id("50010319861121487")
TYPO_ID = citizen_id("50010319861121478")  # two digits swapped, check character recomputed: valid
TWIN_ID = citizen_id("50010319861121489")  # the twin: next sequence number


def _every_pair_linked(matched: pl.DataFrame) -> pl.DataFrame:
    """Links between every two deterministic groups, as if Splink had accepted them all."""
    groups = matched.select("det_group").unique()
    return groups.join(groups, how="cross", suffix="_r").select(
        pl.col("det_group").alias("det_group_l"), pl.col("det_group_r")
    )


def _linked(rows: dict[str, list[dict]]) -> tuple[pl.DataFrame, dict[str, int]]:
    records = standardised_records(rows)
    result = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect()))
    return records, dict(result.clusters.select("record_uid", "cluster").iter_rows())


def _survey(key: str, id_number: str, mobile: str) -> dict:
    return {
        "survey_id": key,
        "name": "郭锋辉",
        "id_type": "居民身份证",
        "id_number": id_number,
        "mobile": mobile,
        "birth_date": "1986-11-21",
    }


def _platform(id_number: str, mobile: str) -> dict:
    return {"user_id": "U1", "name": "郭锋辉", "id_type": "居民身份证", "id_number": id_number, "mobile": mobile}


def test_a_valid_id_with_a_typo_stays_with_its_person() -> None:
    hr = {"staff_no": "P001", "name": "郭锋辉", "id_number": TRUE_ID, "birth_date": "19861121", "sex": "男"}
    platform = _platform(TRUE_ID, "13812345678")
    rows = {"pi_hr": [hr, *strangers()], "prof_tech": [platform], "survey": [_survey("DC1", TYPO_ID, "13812345678")]}
    records, cluster = _linked(rows)
    assert cluster[uid(records, "pi_hr", "P001")] == cluster[uid(records, "survey", "DC1")]


def test_namesakes_with_ids_one_digit_apart_stay_apart_when_nothing_else_agrees() -> None:
    # Born the same day in the same county under the same name: the IDs differ in one digit, the
    # mobiles differ, nothing personal agrees.
    hr = {"staff_no": "P001", "name": "郭锋辉", "id_number": TRUE_ID, "birth_date": "19861121", "sex": "男"}
    platform = _platform(TRUE_ID, "13812345678")
    rows = {"pi_hr": [hr, *strangers()], "prof_tech": [platform], "survey": [_survey("DC1", TYPO_ID, "13987654321")]}
    records, cluster = _linked(rows)
    assert cluster[uid(records, "pi_hr", "P001")] != cluster[uid(records, "survey", "DC1")]


def test_twins_with_alike_names_and_adjacent_ids_stay_apart() -> None:
    one = {"staff_no": "P001", "name": "郭锋辉", "id_number": TRUE_ID, "birth_date": "19861121", "sex": "男"}
    two = {"staff_no": "P002", "name": "郭锋慧", "id_number": TWIN_ID, "birth_date": "19861121", "sex": "男"}
    records, cluster = _linked({"pi_hr": [one, two, *strangers()]})
    assert cluster[uid(records, "pi_hr", "P001")] != cluster[uid(records, "pi_hr", "P002")]
    matched = with_matching_fields(records)
    assert typo_id_keys(matched, _every_pair_linked(matched)).is_empty()


def test_typo_keys_pair_one_digit_or_one_swap_only() -> None:
    far = citizen_id("50010319861121444")  # two digits changed: another person's number
    rows = [
        {"staff_no": f"P{i}", "name": "郭锋辉", "id_number": number}
        for i, number in enumerate([TRUE_ID, TYPO_ID, far, citizen_id("50010319861121486")])
    ]
    matched = with_matching_fields(standardised_records({"pi_hr": rows}))
    keys = typo_id_keys(matched, _every_pair_linked(matched))
    key_of = dict(keys.iter_rows())
    assert key_of[TRUE_ID] == key_of[TYPO_ID] == key_of[citizen_id("50010319861121486")]
    assert far not in key_of
