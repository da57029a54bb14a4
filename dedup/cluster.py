"""Cluster deterministic groups into persons under constraints.

Scored links are applied strongest first (Kruskal order). A link is refused when it would put
two different valid numbers of one kind of identity document (two citizen IDs, or two residence
permits) into one person (IDs one typo apart on records with the same name count as one: see
`dedup.groups.typo_id_keys`), or when a steward said the two sides are different people; steward
must-links are applied before any scored link. A citizen ID beside a residence permit is no
contradiction: one person can hold both.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from dedup.groups import component_labels


class _Clusters:
    """Union-find over group numbers, carrying each cluster's valid ID numbers."""

    def __init__(self, ids_by_group: dict[int, frozenset[str]]) -> None:
        self.parent: dict[int, int] = {}
        self.ids = dict(ids_by_group)

    def find(self, g: int) -> int:
        root = g
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(g, g) != root:
            self.parent[g], g = root, self.parent[g]
        return root

    def compatible(self, a: int, b: int) -> bool:
        ids_a, ids_b = self.ids.get(a, frozenset()), self.ids.get(b, frozenset())
        for kind in {i.rpartition(":")[0] for i in ids_a} & {i.rpartition(":")[0] for i in ids_b}:
            of_a = {i for i in ids_a if i.rpartition(":")[0] == kind}
            of_b = {i for i in ids_b if i.rpartition(":")[0] == kind}
            if not (of_a <= of_b or of_b <= of_a):
                return False
        return True

    def union(self, a: int, b: int) -> None:
        keep, drop = (a, b) if a < b else (b, a)
        self.parent[drop] = keep
        self.ids[keep] = self.ids.get(keep, frozenset()) | self.ids.pop(drop, frozenset())


def cluster_groups(
    groups: pl.DataFrame,
    links: pl.DataFrame,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Assign a cluster number (the smallest group number in it) to every group.

    `groups`: det_group, valid_ids (the group's valid identity numbers as `<kind>:<number>`, the
    number as typo key: see `dedup.link.valid_id_keys`).
    `links`: det_group_l, det_group_r, match_probability (one row per scored pair).
    Returns `(assignment, refused)`: det_group → cluster, and the links refused by a constraint.

    Connected components are found in bulk first; only the few components that a constraint
    could split (two valid IDs, or both sides of a steward's cannot-link) are resolved link by
    link, strongest first.
    """
    must = list(must_link)
    cannot = {(min(a, b), max(a, b)) for a, b in cannot_link}
    edges = (
        links.filter(pl.col("det_group_l") != pl.col("det_group_r"))
        .select(
            pl.min_horizontal("det_group_l", "det_group_r").alias("a"),
            pl.max_horizontal("det_group_l", "det_group_r").alias("b"),
            "match_probability",
        )
        .group_by("a", "b")
        .agg(pl.col("match_probability").max())
    )
    component = _components(groups["det_group"], edges, must)
    contested = _contested(groups, component, cannot)
    bulk = component.join(contested, on="component", how="anti")
    bulk = bulk.with_columns(pl.col("det_group").min().over("component").alias("cluster")).select(
        "det_group", "cluster"
    )
    inside = component.join(contested, on="component").select("det_group")
    resolved, refused = _resolve(
        groups.join(inside, on="det_group"),
        edges.join(inside.rename({"det_group": "a"}), on="a"),
        must,
        cannot,
    )
    return pl.concat([bulk, resolved]).sort("det_group"), refused


def _components(nodes: pl.Series, edges: pl.DataFrame, must: list[tuple[int, int]]) -> pl.DataFrame:
    """det_group → component over scored links and must-links, ignoring constraints."""
    index = {g: i for i, g in enumerate(nodes.to_list())}
    pairs = edges.select("a", "b").rows() + must
    rows = np.array([index[a] for a, _ in pairs], dtype=np.int64)
    cols = np.array([index[b] for _, b in pairs], dtype=np.int64)
    labels = component_labels(len(index), rows, cols)
    return pl.DataFrame(
        {"det_group": nodes, "component": labels}, schema={"det_group": pl.Int64, "component": pl.Int64}
    )


def _contested(groups: pl.DataFrame, component: pl.DataFrame, cannot: set[tuple[int, int]]) -> pl.DataFrame:
    """Components holding two different valid IDs of one kind or both sides of a cannot-link."""
    ids = (
        groups.select("det_group", "valid_ids")
        .explode("valid_ids")
        .drop_nulls()
        .join(component, on="det_group")
        .group_by("component", pl.col("valid_ids").cast(pl.Utf8).str.extract(r"^(.*):").alias("kind"))
        .agg(pl.col("valid_ids").n_unique().alias("n"))
        .filter(pl.col("n") > 1)
        .select("component")
        .unique()
    )
    where = dict(component.iter_rows()) if cannot else {}
    split = [where[a] for a, b in cannot if a in where and b in where and where[a] == where[b]]
    return pl.concat([ids, pl.DataFrame({"component": split}, schema={"component": pl.Int64})]).unique()


def _resolve(
    groups: pl.DataFrame, edges: pl.DataFrame, must: list[tuple[int, int]], forbidden: set[tuple[int, int]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kruskal order under constraints for the contested components."""
    ids_by_group = {g: frozenset(ids) for g, ids in groups.select("det_group", "valid_ids").iter_rows() if ids}
    clusters = _Clusters(ids_by_group)
    members = set(groups["det_group"].to_list())
    refused: list[tuple[int, int, float, str]] = []
    for a, b in must:
        if a not in members or b not in members:
            continue
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue
        if _forbidden_between(clusters, forbidden, ra, rb):
            refused.append((a, b, 1.0, "数据管理员的决定互相矛盾（同时要求合并与分开）"))
        else:
            clusters.union(ra, rb)
    strongest = edges.sort(["match_probability", "a", "b"], descending=[True, False, False])
    for a, b, p in strongest.iter_rows():
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue
        if (a, b) in forbidden or _forbidden_between(clusters, forbidden, ra, rb):
            refused.append((a, b, p, "数据管理员已判定为不同人"))
        elif not clusters.compatible(ra, rb):
            refused.append((a, b, p, "合并后同一人员将有两个不同的有效身份证号（或居住证号）"))
        else:
            clusters.union(ra, rb)
    nodes = groups["det_group"].to_list()
    assignment = pl.DataFrame(
        {"det_group": nodes, "cluster": [clusters.find(g) for g in nodes]},
        schema={"det_group": pl.Int64, "cluster": pl.Int64},
    )
    refused_frame = pl.DataFrame(
        refused,
        schema={"det_group_l": pl.Int64, "det_group_r": pl.Int64, "match_probability": pl.Float64, "reason": pl.Utf8},
        orient="row",
    )
    return assignment, refused_frame


def _forbidden_between(clusters: _Clusters, forbidden: set[tuple[int, int]], ra: int, rb: int) -> bool:
    """Whether any cannot-link pair has one side in each of the two clusters."""
    return any({clusters.find(x), clusters.find(y)} == {ra, rb} for x, y in forbidden) if forbidden else False
