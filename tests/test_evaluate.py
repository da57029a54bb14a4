"""Pairwise and B-cubed scores on a hand-checked example."""

from __future__ import annotations

import polars as pl
import pytest

from dedup.evaluate import score


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
