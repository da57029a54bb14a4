"""Stable person ids: carry ids over from the previous run's `person_xref`.

Rules (deterministic, documented in the README):
- A previous id belongs to the cluster holding most of its records (ties: the cluster whose
  smallest record uid sorts first). When a person splits, the larger part keeps the id and
  the other part gets a new one.
- A cluster owning several previous ids (a merge) keeps the oldest (lowest sequence number);
  the others are retired and point to it.
- A cluster owning none gets a new id; new ids are numbered in order of the cluster's
  smallest record uid, so an identical rerun gives identical ids.
- A previous id none of whose records remain is retired (its records were withdrawn).
"""

from __future__ import annotations

import polars as pl

ID_PREFIX = "P"
ID_DIGITS = 10
HISTORY_SCHEMA = {
    "run_id": pl.Utf8,
    "person_id": pl.Utf8,
    "event": pl.Utf8,
    "related_person_id": pl.Utf8,
    "reason": pl.Utf8,
}


def id_text(seq: pl.Expr) -> pl.Expr:
    """`P0000000042` for sequence 42."""
    return pl.lit(ID_PREFIX) + seq.cast(pl.Utf8).str.zfill(ID_DIGITS)


def id_sequence(person_id: pl.Expr) -> pl.Expr:
    """The number inside a person id."""
    return person_id.str.slice(len(ID_PREFIX)).cast(pl.Int64)


def assign_person_ids(
    clusters: pl.DataFrame, previous: pl.DataFrame, next_seq: int, run_id: str
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Give every cluster a person id.

    `clusters`: record_uid, cluster. `previous`: record_uid, person_id (may be empty).
    Returns `(record_uid → person_id, history events, next free sequence)`.
    """
    joined = clusters.join(previous, on="record_uid", how="left")
    first_uid = clusters.group_by("cluster").agg(pl.col("record_uid").min().alias("first_uid"))
    holdings = (
        joined.filter(pl.col("person_id").is_not_null())
        .group_by("person_id", "cluster")
        .agg(pl.len().alias("held"))
        .join(first_uid, on="cluster")
        .sort(["person_id", "held", "first_uid"], descending=[False, True, False])
    )
    owners = holdings.unique(subset="person_id", keep="first", maintain_order=True)
    chosen = (
        owners.with_columns(id_sequence(pl.col("person_id")).alias("seq"))
        .sort(["cluster", "seq"])
        .unique(subset="cluster", keep="first", maintain_order=True)
        .select("cluster", "person_id")
    )
    fresh = (
        first_uid.join(chosen, on="cluster", how="anti")
        .sort("first_uid")
        .with_row_index("offset")
        .select("cluster", id_text(pl.col("offset").cast(pl.Int64) + next_seq).alias("person_id"))
    )
    cluster_ids = pl.concat([chosen, fresh])
    events = _history(owners, chosen, holdings, fresh, previous, run_id)
    assignment = clusters.join(cluster_ids, on="cluster").select("record_uid", "person_id")
    return assignment, events, next_seq + fresh.height


def _history(
    owners: pl.DataFrame,
    chosen: pl.DataFrame,
    holdings: pl.DataFrame,
    fresh: pl.DataFrame,
    previous: pl.DataFrame,
    run_id: str,
) -> pl.DataFrame:
    survivor_of = owners.join(chosen.rename({"person_id": "survivor"}), on="cluster")
    merged = survivor_of.filter(pl.col("person_id") != pl.col("survivor")).select(
        pl.col("person_id"),
        pl.lit("merged").alias("event"),
        pl.col("survivor").alias("related_person_id"),
        pl.lit("与另一人员合并，保留较早的编号").alias("reason"),
    )
    # A fresh cluster that holds records of an older id split off from it.
    split_from = (
        holdings.join(fresh.select("cluster"), on="cluster")
        .sort("held", descending=True)
        .unique(subset="cluster", keep="first")
        .join(fresh, on="cluster", suffix="_new")
    )
    created = fresh.join(
        split_from.select("cluster", pl.col("person_id").alias("origin")), on="cluster", how="left"
    ).select(
        "person_id",
        pl.when(pl.col("origin").is_null()).then(pl.lit("created")).otherwise(pl.lit("split")).alias("event"),
        pl.col("origin").alias("related_person_id"),
        pl.when(pl.col("origin").is_null())
        .then(pl.lit("新人员"))
        .otherwise(pl.lit("从原人员拆分出的较小部分"))
        .alias("reason"),
    )
    gone = (
        previous.select("person_id")
        .unique()
        .join(holdings.select("person_id").unique(), on="person_id", how="anti")
        .select(
            "person_id",
            pl.lit("retired").alias("event"),
            pl.lit(None, pl.Utf8).alias("related_person_id"),
            pl.lit("该人员的记录已全部被来源撤回").alias("reason"),
        )
    )
    return (
        pl.concat([created, merged, gone])
        .with_columns(pl.lit(run_id).alias("run_id"))
        .select(list(HISTORY_SCHEMA))
        .sort("person_id", "event")
    )
