"""Pairwise and B-cubed scores on a hand-checked example."""

from __future__ import annotations

import polars as pl
import pytest

from dedup.evaluate import group_errors, score


def test_scores_on_known_example() -> None:
    truth = pl.DataFrame(
        {
            "source": ["s"] * 4 + ["t"],
            "record_key": ["1", "2", "3", "4", "1"],
            "true_person_id": ["A", "A", "A", "B", "B"],
        }
    )
    xref = pl.DataFrame({"source": ["s"] * 4, "record_key": ["1", "2", "3", "4"], "person_id": ["x", "x", "y", "y"]})
    s = score(truth, xref)
    # predicted pairs: (1,2), (3,4); true pairs: (1,2), (1,3), (2,3), (4,t1)
    assert s.pair_precision == pytest.approx(0.5)
    assert s.pair_recall == pytest.approx(0.25)
    assert s.coverage == pytest.approx(0.8)
    assert s.source_recall["t"] == pytest.approx(0.0)
    assert 0 < s.bcubed_f1 < 1


def test_split_and_merged_shares_per_group_of_people() -> None:
    truth = pl.DataFrame(
        {
            "source": ["s"] * 6,
            "record_key": ["1", "2", "3", "4", "5", "6"],
            "true_person_id": ["A", "A", "B", "C", "D", "D"],
        }
    )
    # A is split in two; B and C are merged; D is resolved right; record 6 was quarantined.
    xref = pl.DataFrame({"source": ["s"] * 5, "record_key": ["1", "2", "3", "4", "5"], "person_id": list("xyzzw")})
    persons = pl.DataFrame(
        {
            "true_person_id": ["A", "B", "C", "D"],
            "residency_group": ["hong_kong", "mainland", "hong_kong", "mainland"],
            "is_namesake": ["0", "1", "1", "0"],
            "name": ["甲", "乙", "丙", "丁"],
        }
    )
    rows = {r[0]: r[1:] for r in group_errors(truth, xref, persons).iter_rows()}
    assert rows["全部"] == (4, 2, 0.5, 2, 0.5)  # D's quarantined record counts as a split
    assert rows["residency_group=hong_kong"] == (2, 1, 0.5, 1, 0.5)
    assert rows["is_namesake"] == (2, 0, 0.0, 2, 1.0)
    assert "name=甲" not in rows  # only the group columns are read
