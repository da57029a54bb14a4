"""Steward decisions become group constraints; contradicted ones are flagged."""

from __future__ import annotations

import polars as pl

from dedup.cluster import cluster_groups
from dedup.constraints import decision_constraints, labelled_pairs


def _decisions(rows: list[dict]) -> pl.DataFrame:
    base = {"other_record_uids": None}
    return pl.DataFrame(
        [base | r for r in rows],
        schema={
            "decision_id": pl.Int64,
            "action": pl.Utf8,
            "record_uids": pl.List(pl.Utf8),
            "other_record_uids": pl.List(pl.Utf8),
        },
    )


RECORD_GROUPS = pl.DataFrame({"record_uid": ["a", "b", "c", "d", "e"], "det_group": [0, 1, 2, 3, 3]})


def test_split_and_different_become_cannot_links_merge_must_links() -> None:
    decisions = _decisions(
        [
            {"decision_id": 1, "action": "split", "record_uids": ["a"], "other_record_uids": ["b", "c"]},
            {"decision_id": 2, "action": "merge", "record_uids": ["c", "d"]},
            {"decision_id": 3, "action": "different", "record_uids": ["b", "e"]},
        ]
    )
    constraints = decision_constraints(decisions, RECORD_GROUPS)
    assert sorted(constraints.cannot_link) == [(0, 1), (0, 2), (1, 3)]
    assert constraints.must_link == [(2, 3)]
    assert constraints.conflicts.is_empty()
    groups = pl.DataFrame({"det_group": [0, 1, 2, 3], "valid_ids": [[], [], [], []]})
    links = pl.DataFrame({"det_group_l": [0, 1], "det_group_r": [1, 2], "match_probability": [0.99, 0.98]})
    assignment, _ = cluster_groups(groups, links, constraints.must_link, constraints.cannot_link)
    cluster = dict(assignment.iter_rows())
    assert cluster[0] != cluster[1] and cluster[2] == cluster[3]


def test_contradicted_and_withdrawn_decisions_are_flagged() -> None:
    decisions = _decisions(
        [
            {"decision_id": 4, "action": "different", "record_uids": ["d", "e"]},
            {"decision_id": 5, "action": "merge", "record_uids": ["x", "y"]},
        ]
    )
    constraints = decision_constraints(decisions, RECORD_GROUPS)
    assert constraints.conflicts["decision_id"].to_list() == [4, 5]
    assert "无法分开" in constraints.conflicts["reason"][0]
    assert "撤回" in constraints.conflicts["reason"][1]


def test_different_with_two_sides_forbids_every_pair_across() -> None:
    decisions = _decisions(
        [
            {"decision_id": 6, "action": "different", "record_uids": ["a", "b"], "other_record_uids": ["c", "d"]},
            {"decision_id": 7, "action": "different", "record_uids": ["d"], "other_record_uids": ["e"]},
        ]
    )
    constraints = decision_constraints(decisions, RECORD_GROUPS)
    assert sorted(constraints.cannot_link) == [(0, 2), (0, 3), (1, 2), (1, 3)]
    assert constraints.must_link == []  # the records of a side are not said to be one person
    assert constraints.conflicts["decision_id"].to_list() == [7]  # d and e share a group


def test_decisions_become_labelled_record_pairs_the_latest_winning() -> None:
    decisions = _decisions(
        [
            {"decision_id": 1, "action": "merge", "record_uids": ["a", "b", "c"]},
            {"decision_id": 2, "action": "split", "record_uids": ["c"], "other_record_uids": ["a", "b"]},
            {"decision_id": 3, "action": "different", "record_uids": ["d", "e"]},
            {"decision_id": 4, "action": "different", "record_uids": ["a"], "other_record_uids": ["d", "e"]},
        ]
    )
    labels = {(a, b): same for a, b, same, _ in labelled_pairs(decisions).iter_rows()}
    assert labels == {
        ("a", "b"): True,
        ("a", "c"): False,
        ("b", "c"): False,
        ("d", "e"): False,
        ("a", "d"): False,
        ("a", "e"): False,
    }
