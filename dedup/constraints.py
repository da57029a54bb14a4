"""Turn steward decisions into must-link / cannot-link constraints between record groups.

Decisions name records; clustering works on deterministic groups, so each record is mapped to
its group. A decision that the current data contradicts (a cannot-link inside one group that
shares a citizen ID, or records that were all withdrawn) cannot be applied and is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise, product

import polars as pl

CONFLICT_SCHEMA = {"decision_id": pl.Int64, "action": pl.Utf8, "reason": pl.Utf8}


@dataclass
class Constraints:
    """Group-level constraints from decisions, and the decisions that could not be applied."""

    must_link: list[tuple[int, int]]
    cannot_link: list[tuple[int, int]]
    conflicts: pl.DataFrame


def decision_constraints(decisions: pl.DataFrame, record_groups: pl.DataFrame) -> Constraints:
    """Map active decisions (see warehouse.store.decisions) onto groups (`record_uid`, `det_group`)."""
    named = pl.concat([decisions["record_uids"].explode(), decisions["other_record_uids"].explode()]).drop_nulls()
    in_decisions = record_groups.filter(pl.col("record_uid").is_in(named.implode()))
    group_of = dict(in_decisions.select("record_uid", "det_group").iter_rows())
    must: list[tuple[int, int]] = []
    cannot: list[tuple[int, int]] = []
    conflicts: list[tuple[int, str, str]] = []
    for row in decisions.iter_rows(named=True):
        groups = [group_of[u] for u in row["record_uids"] or [] if u in group_of]
        others = [group_of[u] for u in row["other_record_uids"] or [] if u in group_of]
        action, decision_id = row["action"], row["decision_id"]
        if not groups:
            conflicts.append((decision_id, action, "决定涉及的记录已全部被来源撤回"))
            continue
        if action in ("confirm", "merge"):
            must.extend(pairwise(groups))
        elif action == "split":
            must.extend(pairwise(groups))
            clash = set(groups) & set(others)
            if clash:
                conflicts.append((decision_id, action, "拆分出的记录与留下的记录有相同的身份证号、社保编号或护照号"))
            cannot.extend((a, b) for a, b in product(set(groups), set(others)) if a != b)
        elif action == "different" and row["other_record_uids"]:
            # Two sides (a steward separating two persons): no group of one is a group of the other.
            if set(groups) & set(others):
                conflicts.append((decision_id, action, "两边的记录有相同的身份证号、社保编号或护照号，无法分开"))
                continue
            cannot.extend(product(set(groups), set(others)))
        elif action == "different":
            if len(row["record_uids"]) == 2 and len(set(groups)) == 1 and len(groups) == 2:
                conflicts.append((decision_id, action, "两条记录有相同的身份证号、社保编号或护照号，无法分开"))
                continue
            cannot.extend(pairwise(groups))
    forbidden = {(min(a, b), max(a, b)) for a, b in cannot}
    kept_must = [(a, b) for a, b in must if (min(a, b), max(a, b)) not in forbidden]
    return Constraints(kept_must, cannot, pl.DataFrame(conflicts, schema=CONFLICT_SCHEMA, orient="row"))


LABEL_SCHEMA = {"record_uid_l": pl.Utf8, "record_uid_r": pl.Utf8, "same": pl.Boolean, "decision_id": pl.Int64}


def labelled_pairs(decisions: pl.DataFrame) -> pl.DataFrame:
    """What active decisions say about pairs of records: record_uid_l < record_uid_r, same, decision_id.

    confirm and merge: every two of its records are one person; split: the split-off records are
    one person, and none of them is one with a record that stays; different: its two records (or
    every record of one side and one of the other) are different people. When decisions disagree
    about a pair, the latest counts.
    """
    rows: list[tuple[str, str, bool, int]] = []
    for row in decisions.iter_rows(named=True):
        ones = sorted(set(row["record_uids"] or []))
        others = sorted(set(row["other_record_uids"] or []))
        action, decision_id = row["action"], row["decision_id"]
        if action in ("confirm", "merge", "split"):
            rows.extend((a, b, True, decision_id) for i, a in enumerate(ones) for b in ones[i + 1 :])
        if action == "split" or (action == "different" and others):
            rows.extend((min(a, b), max(a, b), False, decision_id) for a, b in product(ones, others) if a != b)
        elif action == "different" and len(ones) == 2:
            rows.append((ones[0], ones[1], False, decision_id))
    return (
        pl.DataFrame(rows, schema=LABEL_SCHEMA, orient="row")
        .sort("decision_id")
        .unique(subset=["record_uid_l", "record_uid_r"], keep="last", maintain_order=True)
    )


def labelled_unit_pairs(pairs: pl.DataFrame, units: pl.DataFrame, unit: str) -> pl.DataFrame:
    """`labelled_pairs` lifted to the units records belong to (`units`: record_uid, `unit`, e.g.
    profiles or evidence groups): `<unit>_l` < `<unit>_r`, same, decision_id. Pairs inside one unit
    carry no label; when decisions disagree about a unit pair, the latest counts."""
    member = units.select("record_uid", unit)
    return (
        pairs.join(member.rename({"record_uid": "record_uid_l", unit: "_a"}), on="record_uid_l")
        .join(member.rename({"record_uid": "record_uid_r", unit: "_b"}), on="record_uid_r")
        .filter(pl.col("_a") != pl.col("_b"))
        .select(
            pl.min_horizontal("_a", "_b").alias(f"{unit}_l"),
            pl.max_horizontal("_a", "_b").alias(f"{unit}_r"),
            "same",
            "decision_id",
        )
        .sort("decision_id")
        .unique(subset=[f"{unit}_l", f"{unit}_r"], keep="last", maintain_order=True)
    )
