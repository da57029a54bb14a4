"""Review candidates: persons that may be one, and a person that may be two.

A candidate is two *sides*, sets of records, and the hypothesis that tonight's resolution got
them wrong:
- `pair`: two persons that may be one person (a side is each person's records);
- `person`: one person that may be two (the sides are the two halves its weakest necessary
  link joins).

Pairs come from every scored link between different persons, every link a constraint refused,
and persons of the same name whom blocking may never have compared (born the same day; or, for
names few persons hold, on the same month and day, or one lacking a birth date). A person is a
candidate when Splink joined two or more of its deterministic groups: on the maximum spanning
tree of its accepted links the weakest edge is the link every path between its two halves needs.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

# Persons sharing a name are paired without a link only while at most this many hold the name.
NAMESAKE_LIMIT = 30

SIDES_SCHEMA = {"candidate": pl.Utf8, "kind": pl.Utf8, "person_id": pl.Utf8, "side": pl.Int8, "record_uid": pl.Utf8}


def person_links(links: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Scored links with the person of each side (`person_l`, `person_r`)."""
    person = members.select("record_uid", "person_id")
    return links.join(person.rename({"record_uid": "record_uid_l", "person_id": "person_l"}), on="record_uid_l").join(
        person.rename({"record_uid": "record_uid_r", "person_id": "person_r"}), on="record_uid_r"
    )


def pair_candidates(linked: pl.DataFrame, refusals: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """person_a < person_b: every pair of persons with a link, a refused link, or a name in common (see module)."""
    scored = linked.filter(pl.col("person_l") != pl.col("person_r")).select(
        pl.col("person_l").alias("l"), pl.col("person_r").alias("r")
    )
    group_person = members.select("det_group", "person_id").unique()
    refused = (
        refusals.join(group_person.rename({"det_group": "det_group_l", "person_id": "l"}), on="det_group_l")
        .join(group_person.rename({"det_group": "det_group_r", "person_id": "r"}), on="det_group_r")
        .select("l", "r")
    )
    return (
        pl.concat([scored, refused, _namesakes(members)])
        .filter(pl.col("l") != pl.col("r"))
        .select(pl.min_horizontal("l", "r").alias("person_a"), pl.max_horizontal("l", "r").alias("person_b"))
        .unique()
        .sort("person_a", "person_b")
    )


def _namesakes(members: pl.DataFrame) -> pl.DataFrame:
    """l, r: persons of one name pinyin born the same day; for names at most `NAMESAKE_LIMIT` persons
    hold, also those whose birth dates share month and day (a mistyped year) or where one lacks a date.
    """
    named = members.filter(pl.col("name_pinyin").is_not_null()).select("name_pinyin", "person_id", "dob_day").unique()
    dated = named.drop_nulls("dob_day")
    same_day = dated.join(dated, on=["name_pinyin", "dob_day"], suffix="_o")
    holders = named.group_by("name_pinyin").agg(pl.col("person_id").n_unique().alias("holders"))
    rare = named.join(holders.filter(pl.col("holders") <= NAMESAKE_LIMIT), on="name_pinyin").select(
        "name_pinyin", "person_id", pl.col("dob_day").str.slice(5).alias("month_day")
    )
    similar = rare.join(rare, on="name_pinyin", suffix="_o").filter(
        (pl.col("month_day") == pl.col("month_day_o")) | pl.col("month_day").is_null() | pl.col("month_day_o").is_null()
    )
    return (
        pl.concat([same_day.select("person_id", "person_id_o"), similar.select("person_id", "person_id_o")])
        .filter(pl.col("person_id") < pl.col("person_id_o"))
        .select(pl.col("person_id").alias("l"), pl.col("person_id_o").alias("r"))
        .unique()
    )


def merged_halves(linked: pl.DataFrame) -> pl.DataFrame:
    """det_group, person_id, side, cut_weight: the two halves of every person Splink joined from groups.

    The person's accepted links between its groups form a graph; on its maximum spanning tree (by
    match weight) the weakest edge (`cut_weight`) is cut, and each group gets side 0 or 1 by the half
    it falls in. Groups a steward's must-link joined without any link belong to neither half.
    """
    schema = {"det_group": pl.Int64, "person_id": pl.Utf8, "side": pl.Int8, "cut_weight": pl.Float64}
    inside = (
        linked.filter(
            (pl.col("person_l") == pl.col("person_r"))
            & pl.col("accepted")
            & (pl.col("det_group_l") != pl.col("det_group_r"))
        )
        .group_by(
            pl.col("person_l").alias("person_id"),
            pl.min_horizontal("det_group_l", "det_group_r").alias("a"),
            pl.max_horizontal("det_group_l", "det_group_r").alias("b"),
        )
        .agg(pl.col("match_weight").max())
    )
    if inside.is_empty():
        return pl.DataFrame(schema=schema)
    nodes = pl.concat([inside["a"], inside["b"]]).unique().sort()
    index = pl.DataFrame({"det_group": nodes, "i": np.arange(len(nodes), dtype=np.int64)})
    edges = inside.join(index.rename({"det_group": "a", "i": "ia"}), on="a").join(
        index.rename({"det_group": "b", "i": "ib"}), on="b"
    )
    tree = _spanning_tree(edges, len(nodes))
    weakest = tree.sort("match_weight", "a", "b").unique(subset="person_id", keep="first")
    kept = tree.join(weakest.select("ia", "ib"), on=["ia", "ib"], how="anti")
    half = pl.DataFrame({"i": np.arange(len(nodes), dtype=np.int64), "half": _components(kept, len(nodes))})
    ends = (
        weakest.join(half.rename({"i": "ia", "half": "half_0"}), on="ia")
        .join(half.rename({"i": "ib", "half": "half_1"}), on="ib")
        .select("person_id", "half_0", "half_1", pl.col("match_weight").alias("cut_weight"))
    )
    group_person = pl.concat(
        [
            edges.select(pl.col("a").alias("det_group"), "person_id"),
            edges.select(pl.col("b").alias("det_group"), "person_id"),
        ]
    ).unique()
    return (
        group_person.join(index, on="det_group")
        .join(half, on="i")
        .join(ends, on="person_id")
        .filter((pl.col("half") == pl.col("half_0")) | (pl.col("half") == pl.col("half_1")))
        .select(
            "det_group",
            "person_id",
            pl.when(pl.col("half") == pl.col("half_0")).then(0).otherwise(1).alias("side"),
            "cut_weight",
        )
        .cast(schema)  # type: ignore[arg-type]
        .sort("person_id", "det_group")
    )


def _spanning_tree(edges: pl.DataFrame, n: int) -> pl.DataFrame:
    """The maximum spanning forest of `edges` (ia < ib, match_weight), with the edges' other columns."""
    # scipy finds a minimum tree over positive costs: the strongest link costs least.
    cost = float(edges["match_weight"].max()) + 1.0 - edges["match_weight"].to_numpy()  # type: ignore[arg-type]
    graph = coo_matrix((cost, (edges["ia"].to_numpy(), edges["ib"].to_numpy())), shape=(n, n)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    chosen = pl.DataFrame({"ia": tree.row.astype(np.int64), "ib": tree.col.astype(np.int64)}).select(
        pl.min_horizontal("ia", "ib").alias("ia"), pl.max_horizontal("ia", "ib").alias("ib")
    )
    return chosen.join(edges, on=["ia", "ib"])


def _components(edges: pl.DataFrame, n: int) -> np.ndarray:
    """Connected-component label of each of `n` nodes over the edges ia–ib."""
    graph = coo_matrix((np.ones(edges.height), (edges["ia"].to_numpy(), edges["ib"].to_numpy())), shape=(n, n))
    labels: np.ndarray = connected_components(graph, directed=False)[1]
    return labels


def candidate_sides(pairs: pl.DataFrame, halves: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """candidate, kind, person_id, side, record_uid: the records on each side of every candidate.

    A pair's candidate key is `pair:<person_a>:<person_b>`, a person's `person:<person_id>`.
    """
    pair_key = pl.format("pair:{}:{}", "person_a", "person_b").alias("candidate")
    pair_sides = pl.concat(
        [
            pairs.select(pair_key, pl.lit(0, pl.Int8).alias("side"), pl.col("person_a").alias("person_id")),
            pairs.select(pair_key, pl.lit(1, pl.Int8).alias("side"), pl.col("person_b").alias("person_id")),
        ]
    ).join(members.select("person_id", "record_uid"), on="person_id")
    person_sides = halves.join(members.select("det_group", "record_uid"), on="det_group").select(
        pl.format("person:{}", "person_id").alias("candidate"), "side", "person_id", "record_uid"
    )
    return (
        pl.concat(
            [
                pair_sides.with_columns(pl.lit("pair").alias("kind")),
                person_sides.with_columns(pl.lit("person").alias("kind")),
            ],
            how="diagonal",
        )
        .select(list(SIDES_SCHEMA))
        .cast(SIDES_SCHEMA)  # type: ignore[arg-type]
    )
