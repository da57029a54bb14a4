"""The review queue against a truth: which errors there are, which items point at one.

An error is two persons who are one true person (a *split* pair), or one person holding records
of two or more true persons (a *merged* person). A `pair` item points at the split pair it names;
a `person` item points at its person when that person is merged.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class ResolutionErrors:
    """The errors of a resolution: split pairs (person_a < person_b) and merged persons (person_id)."""

    split: pl.DataFrame
    merged: pl.DataFrame

    @property
    def total(self) -> int:
        """How many errors there are."""
        return self.split.height + self.merged.height


@dataclass(frozen=True)
class QueueScores:
    """How much of a queue is worth a steward's time, and how much of the errors it covers."""

    persons: int
    items: int
    real: int
    real_first_100: int
    errors: int
    errors_pointed: int

    @property
    def per_thousand(self) -> float:
        """Items per 1,000 persons."""
        return 1000 * self.items / self.persons if self.persons else 0.0

    @property
    def real_share(self) -> float:
        """Share of the items that point at a real error."""
        return self.real / self.items if self.items else 0.0

    @property
    def real_share_first_100(self) -> float:
        """Share of the first 100 items (all when fewer) that point at a real error."""
        shown = min(self.items, 100)
        return self.real_first_100 / shown if shown else 0.0

    @property
    def recall(self) -> float:
        """Share of all errors the queue points at."""
        return self.errors_pointed / self.errors if self.errors else 1.0


def truth_by_record(records: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """record_uid, true_person_id (`records`: record_uid, source, record_key; `truth` as generated)."""
    return records.join(truth, on=["source", "record_key"]).select("record_uid", "true_person_id")


def resolution_errors(registry: pl.DataFrame, truth: pl.DataFrame) -> ResolutionErrors:
    """Split pairs, merged persons of `registry` (record_uid, person_id) under `truth` (record_uid, true_person_id)."""
    known = registry.join(truth, on="record_uid")
    holders = known.select("true_person_id", "person_id").unique()
    split = (
        holders.join(holders, on="true_person_id", suffix="_b")
        .filter(pl.col("person_id") < pl.col("person_id_b"))
        .select(pl.col("person_id").alias("person_a"), pl.col("person_id_b").alias("person_b"))
        .unique()
        .sort("person_a", "person_b")
    )
    merged = (
        holders.group_by("person_id")
        .agg(pl.len().alias("true_persons"))
        .filter(pl.col("true_persons") > 1)
        .select("person_id")
        .sort("person_id")
    )
    return ResolutionErrors(split, merged)


def same_person_labels(sides: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """candidate, same: whether the two sides of each candidate share a true person (1) or not (0)."""
    held = sides.join(truth, on="record_uid").select("candidate", "side", "true_person_id").unique()
    shared = (
        held.filter(pl.col("side") == 0)
        .join(held.filter(pl.col("side") == 1), on=["candidate", "true_person_id"])
        .select("candidate")
        .unique()
        .with_columns(pl.lit(1).alias("same"))
    )
    return (
        sides.select("candidate")
        .unique()
        .join(shared, on="candidate", how="left")
        .with_columns(pl.col("same").fill_null(0))
    )


def points_at_error(items: pl.DataFrame, errors: ResolutionErrors) -> pl.Series:
    """Whether each item (kind, person_ids) points at a real error, in the items' order."""
    indexed = items.select("kind", "person_ids").with_row_index("item")
    pairs = (
        indexed.filter(pl.col("kind") == "pair")
        .select(
            "item",
            pl.col("person_ids").list.get(0).alias("person_a"),
            pl.col("person_ids").list.get(1).alias("person_b"),
        )
        .join(errors.split, on=["person_a", "person_b"])
    )
    persons = (
        indexed.filter(pl.col("kind") == "person")
        .select("item", pl.col("person_ids").list.get(0).alias("person_id"))
        .join(errors.merged, on="person_id")
    )
    real = pl.concat([pairs.select("item"), persons.select("item")])["item"]
    return indexed.select(pl.col("item").is_in(real.implode()).alias("real")).to_series()


def queue_scores(items: pl.DataFrame, errors: ResolutionErrors, persons: int) -> QueueScores:
    """Score a queue (kind, person_ids; in its order) against the errors of the resolution it reviews."""
    real = points_at_error(items, errors)
    named = items.select("kind", "person_ids").filter(real)
    pointed_pairs = named.filter(pl.col("kind") == "pair").select(pl.col("person_ids").list.sort()).unique().height
    pointed_persons = named.filter(pl.col("kind") == "person").select("person_ids").unique().height
    return QueueScores(
        persons=persons,
        items=items.height,
        real=int(real.sum()),
        real_first_100=int(real.head(100).sum()),
        errors=errors.total,
        errors_pointed=pointed_pairs + pointed_persons,
    )
