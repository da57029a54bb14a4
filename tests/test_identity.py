"""Stable person ids: reruns, merges, splits, withdrawals."""

from __future__ import annotations

import polars as pl

from dedup.identity import assign_person_ids


def _clusters(mapping: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame({"record_uid": list(mapping), "cluster": list(mapping.values())})


def _ids(assignment: pl.DataFrame) -> dict[str, str]:
    return dict(assignment.iter_rows())


def test_first_run_numbers_clusters_by_smallest_record() -> None:
    empty = pl.DataFrame(schema={"record_uid": pl.Utf8, "person_id": pl.Utf8})
    assignment, events, next_seq = assign_person_ids(_clusters({"b": 1, "a": 2, "c": 1}), empty, 1, "r1")
    assert _ids(assignment) == {"a": "P0000000001", "b": "P0000000002", "c": "P0000000002"}
    assert next_seq == 3
    assert set(events["event"]) == {"created"}


def test_identical_rerun_keeps_every_id() -> None:
    empty = pl.DataFrame(schema={"record_uid": pl.Utf8, "person_id": pl.Utf8})
    clusters = _clusters({"a": 1, "b": 1, "c": 2})
    first, _, seq = assign_person_ids(clusters, empty, 1, "r1")
    second, events, seq2 = assign_person_ids(clusters.with_columns(pl.col("cluster") + 10), first, seq, "r2")
    assert _ids(first) == _ids(second)
    assert events.is_empty() and seq2 == seq


def test_merge_keeps_older_id_and_records_the_retired_one() -> None:
    previous = pl.DataFrame({"record_uid": ["a", "b", "c"], "person_id": ["P0000000002", "P0000000002", "P0000000001"]})
    assignment, events, _ = assign_person_ids(_clusters({"a": 5, "b": 5, "c": 5}), previous, 3, "r2")
    assert set(_ids(assignment).values()) == {"P0000000001"}
    merged = events.filter(pl.col("event") == "merged")
    assert merged.select("person_id", "related_person_id").rows() == [("P0000000002", "P0000000001")]


def test_split_larger_part_keeps_id() -> None:
    previous = pl.DataFrame({"record_uid": ["a", "b", "c"], "person_id": ["P0000000001"] * 3})
    assignment, events, next_seq = assign_person_ids(_clusters({"a": 1, "b": 2, "c": 2}), previous, 2, "r2")
    ids = _ids(assignment)
    assert ids["b"] == ids["c"] == "P0000000001"
    assert ids["a"] == "P0000000002" and next_seq == 3
    assert events.filter(pl.col("event") == "split").select("person_id", "related_person_id").rows() == [
        ("P0000000002", "P0000000001")
    ]


def test_withdrawn_person_is_retired_and_new_record_gets_new_id() -> None:
    previous = pl.DataFrame({"record_uid": ["a", "b"], "person_id": ["P0000000001", "P0000000002"]})
    assignment, events, _ = assign_person_ids(_clusters({"a": 1, "z": 2}), previous, 3, "r2")
    assert _ids(assignment) == {"a": "P0000000001", "z": "P0000000003"}
    assert events.filter(pl.col("event") == "retired")["person_id"].to_list() == ["P0000000002"]
