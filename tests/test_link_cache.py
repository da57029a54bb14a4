"""The score cache of incremental linkage: a night that reuses last night's scores links as a full rebuild.

Records go through the real standardisation; Splink scores with the saved model.
"""

from __future__ import annotations

import polars as pl

from dedup.link import LinkResult, ScoreCache, link_records
from dedup.records import raw_records, standardise_records
from sources.contract import load_contract
from warehouse.decisions import DECISION_SCHEMA


def citizen_id(body: str) -> str:
    """A valid 18-digit citizen ID from its first 17 digits (GB 11643 check character)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


ID_A = citizen_id("50010319900115001")
SURNAMES = "李王刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁"
GIVEN = "子涵梓萱浩然雨泽思远嘉怡俊杰欣妍宇轩佳琪"


def _records(rows: dict[str, list[dict]]) -> pl.DataFrame:
    """Standardised records of hand-written bronze rows (by source, person files only)."""
    bronze = {}
    for spec in load_contract().values():
        file_spec = spec.person_file
        fields = [c.field for c in file_spec.columns]
        frame = pl.DataFrame(
            [{f: r.get(f) for f in fields} for r in rows.get(spec.name, [])], schema=dict.fromkeys(fields, pl.Utf8)
        )
        bronze[spec.name] = frame.with_columns(
            pl.lit(spec.name).alias("source"),
            pl.lit("2026-11-21").alias("delivery_date"),
            pl.lit(file_spec.name).alias("file"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line_no"),
            pl.concat_str([pl.col(f) for f in file_spec.key_fields], separator="|").alias("record_key"),
        )
    return standardise_records(raw_records(bronze))


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
    return _records({"pi_hr": pi_hr + strangers, "social_insurance": social})


def _cache(result: LinkResult) -> ScoreCache:
    """What the next run reads back from the published warehouse (see warehouse.incremental)."""
    dropped = ["unique_id_l", "unique_id_r", "det_group_l", "det_group_r", "record_uid_l", "record_uid_r", "accepted"]
    return ScoreCache(result.links.drop(dropped), result.profile_counts)


def _same_person(result: LinkResult, a: str, b: str) -> bool:
    cluster = dict(result.clusters.select("record_uid", "cluster").iter_rows())
    return cluster[a] == cluster[b]


def _uid(records: pl.DataFrame, source: str, key_prefix: str) -> str:
    return records.filter((pl.col("source") == source) & pl.col("record_key").str.starts_with(key_prefix))[
        "record_uid"
    ][0]


def test_pairs_inside_a_group_are_not_scored() -> None:
    records = _night(with_bridge=True)
    result = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA))
    hr, si = _uid(records, "pi_hr", "P001"), _uid(records, "social_insurance", "SI001|医疗")
    assert _same_person(result, hr, si)  # by the ID and the SI number, not by Splink
    groups = result.clusters.select("record_uid", "det_group")
    scored = result.links.join(groups.rename(lambda c: f"{c}_l"), on="record_uid_l").join(
        groups.rename(lambda c: f"{c}_r"), on="record_uid_r"
    )
    assert scored.filter(pl.col("det_group_l") == pl.col("det_group_r")).is_empty()


def test_a_withdrawn_bridge_makes_the_parts_compared_again() -> None:
    first = link_records(_night(with_bridge=True), pl.DataFrame(schema=DECISION_SCHEMA))
    records = _night(with_bridge=False)
    hr, si = _uid(records, "pi_hr", "P001"), _uid(records, "social_insurance", "SI001|医疗")
    incremental = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA), cache=_cache(first))
    rebuild = link_records(records, pl.DataFrame(schema=DECISION_SCHEMA))
    # The two parts were never scored while the bridge held them in one group: now they are.
    pair = incremental.links.filter(
        pl.min_horizontal("record_uid_l", "record_uid_r").eq(min(hr, si))
        & pl.max_horizontal("record_uid_l", "record_uid_r").eq(max(hr, si))
    )
    assert pair.height == 1
    assert _same_person(incremental, hr, si) == _same_person(rebuild, hr, si)
    key = ["record_uid_l", "record_uid_r", "match_probability"]
    assert incremental.links.select(key).sort(key).equals(rebuild.links.select(key).sort(key))
