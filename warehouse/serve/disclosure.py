"""Statistical disclosure control for published statistics: no count below the threshold is shown.

A statistics table is a frame of dimension columns and count columns. `suppress_small_cells`
replaces every count below `MIN_CELL` (5) by null — shown as `<5` where text is wanted — and then
suppresses further cells where a published total would reveal a suppressed one by subtraction
(complementary suppression):

- each count column is a line whose total is known (the sum over all rows is published or can be
  derived from another table), so a column never has exactly one suppressed cell: the smallest
  shown cell of that column is suppressed with it;
- `lines` name row lines: a total column and the part columns that add up to it (the parts of a row
  are exhaustive), so a row never has exactly one suppressed part while its total is shown.

The rules are applied until nothing changes. Zero counts are suppressed too (a shown 0 for a group
of fewer than five would still single out its members' attribute).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

MIN_CELL = 5
SUPPRESSED_LABEL = "<5"


@dataclass(frozen=True)
class RowLine:
    """Columns of one row that add up exactly: `total` = sum of `parts`."""

    total: str
    parts: tuple[str, ...]


def _primary(frame: pl.DataFrame, counts: Sequence[str], threshold: int) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.col(c) < threshold).then(None).otherwise(pl.col(c)).alias(c) for c in counts)


def _complete_column(values: list[int | None], original: list[int]) -> list[int | None]:
    """Suppress the smallest shown cell of a column that has exactly one suppressed cell."""
    hidden = [i for i, v in enumerate(values) if v is None]
    shown = [i for i, v in enumerate(values) if v is not None]
    if len(hidden) != 1 or not shown:
        return values
    smallest = min(shown, key=lambda i: (original[i], i))
    return [None if i == smallest else v for i, v in enumerate(values)]


def _complete_row(row: dict[str, int | None], original: dict[str, int], line: RowLine) -> dict[str, int | None]:
    """Suppress a second part of a row whose total is shown and exactly one part is hidden."""
    if row[line.total] is None:
        return {**row, **dict.fromkeys(line.parts)}  # a hidden total hides every part below it
    hidden = [p for p in line.parts if row[p] is None]
    shown = [p for p in line.parts if row[p] is not None]
    if len(hidden) != 1 or not shown:
        return row
    smallest = min(shown, key=lambda p: (original[p], p))
    return {**row, smallest: None}


def suppress_small_cells(
    frame: pl.DataFrame,
    counts: Sequence[str],
    lines: Sequence[RowLine] = (),
    derived: dict[str, str] | None = None,
    threshold: int = MIN_CELL,
    column_totals: bool = True,
) -> pl.DataFrame:
    """The frame with every count below `threshold`, and every cell that would reveal one, set to null.

    `derived` maps columns computed from a count (a share, a change against last year) to that
    count: they are nulled where it is, since a share of a known total gives the count back.
    `column_totals=False` when no total over a column's rows is published (yearly totals).
    """
    if frame.is_empty():
        return frame
    original = frame.select(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts)
    current = _primary(frame, counts, threshold).select(pl.col(c).cast(pl.Int64) for c in counts)
    while True:
        columns = {
            c: _complete_column(current[c].to_list(), original[c].to_list()) if column_totals else current[c].to_list()
            for c in counts
        }
        rows = [dict(zip(counts, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        originals = original.to_dicts()
        for line in lines:
            rows = [_complete_row(r, o, line) for r, o in zip(rows, originals, strict=True)]
        updated = pl.DataFrame(rows, schema=dict.fromkeys(counts, pl.Int64), orient="row")
        if updated.equals(current):
            break
        current = updated
    shown = frame.with_columns(current.get_column(c).cast(frame.schema[c]).alias(c) for c in counts)
    return shown.with_columns(
        pl.when(pl.col(count).is_null()).then(None).otherwise(pl.col(column)).alias(column)
        for column, count in (derived or {}).items()
    )


def smallest_shown(frame: pl.DataFrame, counts: Sequence[str]) -> int | None:
    """The smallest count a statistics frame shows (for checks: must be `MIN_CELL` or more)."""
    shown = [v for c in counts for v in frame[c].to_list() if v is not None]
    return min(shown) if shown else None
