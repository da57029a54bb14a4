"""Deterministic groups: strong keys join records, but not an ID number copied onto someone else."""

from __future__ import annotations

import polars as pl

from dedup.groups import deterministic_groups

ID = "500103199001011234"


def test_shared_keys_join_and_foreign_name_does_not() -> None:
    records = pl.DataFrame(
        {
            "source": ["social_insurance", "survey", "survey", "fx_accounts", "social_insurance", "social_insurance"],
            "id_number": [ID, ID, ID, ID, None, None],
            "si_person_no": [None, None, None, None, "S1", "S1"],
            "passport_no": [None, None, None, "E12345678", None, None],
            "surname_pinyin": ["ZHANG", "ZHANG", "LI", "ZHANG", "WANG", "WANG"],
            "given_pinyin": ["SAN", "SHAN", "MING", "SAN", "WU", "WU"],
        }
    )
    groups = deterministic_groups(records).to_list()
    assert groups[0] == groups[1] == groups[3]  # same ID; a one-character typo keeps the surname
    assert groups[2] != groups[0]  # 李明 carrying 张三's number: left to Splink
    assert groups[4] == groups[5] != groups[0]  # same social-insurance person number
