"""Constrained clustering keeps hard negatives apart."""

from __future__ import annotations

import polars as pl

from dedup.cluster import cluster_groups


def _groups(ids: dict[int, list[str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"det_group": list(ids), "valid_ids": list(ids.values())},
        schema={"det_group": pl.Int64, "valid_ids": pl.List(pl.Utf8)},
    )


def _links(rows: list[tuple[int, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["det_group_l", "det_group_r", "match_probability"], orient="row")


def test_link_chain_cannot_join_two_valid_ids() -> None:
    # 0 and 2 hold different valid IDs (twins); 1 has no ID and resembles both.
    groups = _groups({0: ["500103199001011234"], 1: [], 2: ["500103199001011250"]})
    assignment, refused = cluster_groups(groups, _links([(0, 1, 0.99), (1, 2, 0.95)]))
    cluster = dict(assignment.iter_rows())
    assert cluster[0] == cluster[1] != cluster[2]
    assert refused.height == 1 and "有效身份证号" in refused["reason"][0]


def test_steward_constraints() -> None:
    groups = _groups({0: [], 1: [], 2: []})
    assignment, refused = cluster_groups(groups, _links([(0, 1, 0.99)]), must_link=[(1, 2)], cannot_link=[(0, 2)])
    cluster = dict(assignment.iter_rows())
    assert cluster[1] == cluster[2] != cluster[0]
    assert refused["reason"].to_list() == ["数据管理员已判定为不同人"]


def test_a_citizen_id_and_a_residence_permit_are_no_contradiction() -> None:
    # 0 holds a citizen ID, 1 a residence permit, 2 another residence permit: only 1 and 2 clash.
    groups = _groups(
        {
            0: ["RIC:440300199005172011"],
            1: ["RESIDENCE_PERMIT:810000199005172018"],
            2: ["RESIDENCE_PERMIT:810000199005172026"],
        }
    )
    assignment, refused = cluster_groups(groups, _links([(0, 1, 0.99), (0, 2, 0.95)]))
    cluster = dict(assignment.iter_rows())
    assert cluster[0] == cluster[1] != cluster[2]
    assert refused.height == 1
