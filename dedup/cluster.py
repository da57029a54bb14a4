"""Cluster deterministic groups into persons under constraints.

Scored links are applied strongest first (Kruskal order). A link is refused when it would put
two different valid citizen ID numbers into one person, or when a steward said the two sides
are different people; steward must-links are applied before any scored link.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl


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
        return not ids_a or not ids_b or ids_a <= ids_b or ids_b <= ids_a

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
    """Assign a cluster number to every group.

    `groups`: det_group, valid_ids (list of valid citizen IDs in the group).
    `links`: det_group_l, det_group_r, match_probability (one row per scored pair).
    Returns `(assignment, refused)`: det_group → cluster, and the links refused by a constraint.
    """
    ids_by_group = {g: frozenset(ids) for g, ids in groups.select("det_group", "valid_ids").iter_rows() if ids}
    clusters = _Clusters(ids_by_group)
    forbidden = {(min(a, b), max(a, b)) for a, b in cannot_link}
    refused: list[tuple[int, int, float, str]] = []
    for a, b in must_link:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue
        if _forbidden_between(clusters, forbidden, ra, rb):
            refused.append((a, b, 1.0, "数据管理员的决定互相矛盾（同时要求合并与分开）"))
        else:
            clusters.union(ra, rb)
    strongest = (
        links.filter(pl.col("det_group_l") != pl.col("det_group_r"))
        .with_columns(
            pl.min_horizontal("det_group_l", "det_group_r").alias("a"),
            pl.max_horizontal("det_group_l", "det_group_r").alias("b"),
        )
        .group_by("a", "b")
        .agg(pl.col("match_probability").max())
        .sort(["match_probability", "a", "b"], descending=[True, False, False])
    )
    for a, b, p in strongest.iter_rows():
        ra, rb = clusters.find(a), clusters.find(b)
        if ra == rb:
            continue
        if (a, b) in forbidden or _forbidden_between(clusters, forbidden, ra, rb):
            refused.append((a, b, p, "数据管理员已判定为不同人"))
        elif not clusters.compatible(ra, rb):
            refused.append((a, b, p, "合并后同一人员将有两个不同的有效身份证号"))
        else:
            clusters.union(ra, rb)
    all_groups = groups["det_group"].to_list()
    assignment = pl.DataFrame(
        {"det_group": all_groups, "cluster": [clusters.find(g) for g in all_groups]},
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
