"""The score cache of incremental linkage: a night that reuses last night's scores links as a full rebuild.

Records go through the real standardisation; Splink scores with the saved model.
"""

from __future__ import annotations

import duckdb
import polars as pl
from records_helpers import citizen_id, standardised_records, uid

from dedup.engine import DuckDBEngine
from dedup.link import LinkResult, ScoreCache, link_records
from warehouse.store.decisions import DECISION_SCHEMA

ID_A = citizen_id("50010319900115001")
SURNAMES = "李王刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁"
GIVEN = "子涵梓萱浩然雨泽思远嘉怡俊杰欣妍宇轩佳琪"


def _night(with_bridge: bool) -> pl.DataFrame:
    """张伟明 in pi_hr (with his ID) and in social insurance twice under one SI number; the first SI row
    also carries his ID, so it bridges the other two into one deterministic group. Plus strangers."""
    strangers = [
        {
            "staff_no": f"S{i:03d}",
            "name": SURNAMES[i % 20] + GIVEN[(i * 7) % 20] + GIVEN[(i * 3 + 1) % 20],
            "id_number": citizen_id(f"5001061985{(i % 12) + 1:02d}{(i % 27) + 1:02d}{i:03d}"),
            "birth_date": f"1985{(i % 12) + 1:02d}{(i % 27) + 1:02d}",
            "sex": "女",
        }
        for i in range(40)
    ]
    pi_hr = [{"staff_no": "P001", "name": "张伟明", "id_number": ID_A, "birth_date": "19900115", "sex": "男"}]
    bridge = {"si_person_no": "SI001", "insurance_type": "养老", "name": "张伟明", "id_number": ID_A}
    other = {"si_person_no": "SI001", "insurance_type": "医疗", "name": "张伟明", "birth_date": "1990-01-15"}
    social = [bridge, other] if with_bridge else [other]
    return standardised_records({"pi_hr": pi_hr + strangers, "social_insurance": social})


def _cache(result: LinkResult) -> ScoreCache:
    """What the next run reads back from the published warehouse (see warehouse.store.previous)."""
    dropped = ["unique_id_l", "unique_id_r", "det_group_l", "det_group_r", "record_uid_l", "record_uid_r", "accepted"]
    return ScoreCache(result.links.drop(dropped), result.profile_counts)


def _same_person(result: LinkResult, a: str, b: str) -> bool:
    cluster = dict(result.clusters.select("record_uid", "cluster").iter_rows())
    return cluster[a] == cluster[b]


def test_pairs_inside_a_group_are_not_scored() -> None:
    records = _night(with_bridge=True)
    result = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect()))
    hr, si = uid(records, "pi_hr", "P001"), uid(records, "social_insurance", "SI001|医疗")
    assert _same_person(result, hr, si)  # by the ID and the SI number, not by Splink
    groups = result.clusters.select("record_uid", "det_group")
    scored = result.links.join(groups.rename(lambda c: f"{c}_l"), on="record_uid_l").join(
        groups.rename(lambda c: f"{c}_r"), on="record_uid_r"
    )
    assert scored.filter(pl.col("det_group_l") == pl.col("det_group_r")).is_empty()


def test_a_withdrawn_bridge_makes_the_parts_compared_again() -> None:
    first = link_records(_night(with_bridge=True), pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect()))
    records = _night(with_bridge=False)
    hr, si = uid(records, "pi_hr", "P001"), uid(records, "social_insurance", "SI001|医疗")
    incremental = link_records(
        records, pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect()), cache=_cache(first)
    )
    rebuild = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA), DuckDBEngine(duckdb.connect()))
    # The two parts were never scored while the bridge held them in one group: now they are.
    pair = incremental.links.filter(
        pl.min_horizontal("record_uid_l", "record_uid_r").eq(min(hr, si))
        & pl.max_horizontal("record_uid_l", "record_uid_r").eq(max(hr, si))
    )
    assert pair.height == 1
    assert _same_person(incremental, hr, si) == _same_person(rebuild, hr, si)
    key = ["record_uid_l", "record_uid_r", "match_probability"]
    assert incremental.links.select(key).sort(key).equals(rebuild.links.select(key).sort(key))
