"""Steward actions checked against the published warehouse and turned into decisions.

Each function validates what the form named (persons and records as the steward saw them)
and returns the `Decision` to append; the run after tonight applies it.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from console.person import person_records
from console.queue import ItemGroup, split_suggestions
from console.snapshot import Snapshot
from console.store import active
from warehouse.store.decisions import Decision

MAX_COMMENT = 500


class ActionError(ValueError):
    """The action cannot be recorded; the message tells the steward why, in Chinese."""


def _comment(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise ActionError(f"备注不能超过 {MAX_COMMENT} 个字符")
    return text or None


def _records_of(snapshot: Snapshot, person_ids: list[str]) -> pl.DataFrame:
    records = person_records(snapshot, person_ids)
    unknown = sorted(set(person_ids) - set(records["person_id"].to_list()))
    if unknown:
        raise ActionError(f"当前数仓中没有人员 {'、'.join(unknown)}（可能已被合并或注销）")
    return records


def confirm(snapshot: Snapshot, user: str, person_id: str, comment: str | None) -> Decision:
    """All records of the person belong together as they are."""
    records = _records_of(snapshot, [person_id])
    return Decision(
        made_by=user,
        action="confirm",
        record_uids=sorted(records["record_uid"].to_list()),
        person_ids=[person_id],
        comment=_comment(comment),
        run_id=snapshot.run_id,
    )


def split(snapshot: Snapshot, user: str, record_uids: list[str], comment: str | None) -> Decision:
    """The selected records leave their person and become a new one."""
    chosen = set(record_uids)
    if not chosen:
        raise ActionError("请先勾选要拆分出去的记录")
    owners = _owners(snapshot, chosen)
    if len(owners) != 1:
        raise ActionError("拆分时只能勾选同一人员的记录")
    person_id = owners[0]
    records = _records_of(snapshot, [person_id])
    leaving = records.filter(pl.col("record_uid").is_in(list(chosen)))
    staying = records.filter(~pl.col("record_uid").is_in(list(chosen)))
    if staying.is_empty():
        raise ActionError("不能把一个人员的全部记录都拆分出去")
    shared = set(leaving["det_group"].drop_nulls().to_list()) & set(staying["det_group"].drop_nulls().to_list())
    if shared:
        raise ActionError("选中的记录与留下的记录有相同的身份证号、社保编号或护照号（同一证据组），请一并勾选同组记录")
    return Decision(
        made_by=user,
        action="split",
        record_uids=sorted(leaving["record_uid"].to_list()),
        other_record_uids=sorted(staying["record_uid"].to_list()),
        person_ids=[person_id],
        comment=_comment(comment),
        run_id=snapshot.run_id,
    )


def merge(snapshot: Snapshot, user: str, person_ids: list[str], comment: str | None) -> Decision:
    """The records of these persons are one person."""
    persons = sorted(set(person_ids))
    if len(persons) < 2:
        raise ActionError("合并需要至少两个不同的人员")
    records = _records_of(snapshot, persons)
    return Decision(
        made_by=user,
        action="merge",
        record_uids=sorted(records["record_uid"].to_list()),
        person_ids=persons,
        comment=_comment(comment),
        run_id=snapshot.run_id,
    )


def different(snapshot: Snapshot, user: str, record_uids: list[str], comment: str | None) -> Decision:
    """Two records belong to different people."""
    chosen = sorted(set(record_uids))
    if len(chosen) != 2:
        raise ActionError("请恰好勾选两条记录，再标记为不同的人")
    owners = _owners(snapshot, set(chosen))
    records = person_records(snapshot, owners).filter(pl.col("record_uid").is_in(chosen))
    groups = records["det_group"].drop_nulls().to_list()
    if len(groups) == 2 and groups[0] == groups[1]:
        raise ActionError("这两条记录有相同的身份证号、社保编号或护照号（同一证据组），无法分开")
    return Decision(
        made_by=user,
        action="different",
        record_uids=chosen,
        person_ids=owners,
        comment=_comment(comment),
        run_id=snapshot.run_id,
    )


# What a steward can settle alike items with, per kind of item.
BULK_ACTIONS = {"pair": ("different", "merge"), "person": ("confirm", "split")}


def separate(snapshot: Snapshot, user: str, person_ids: list[str], comment: str | None) -> Decision:
    """Two persons are different people: no record of one is the same person as a record of the other."""
    if len(set(person_ids)) != 2:
        raise ActionError("标记为不同的人需要恰好两个人员")
    first, second = sorted(set(person_ids))
    records = _records_of(snapshot, [first, second])
    side = {p: sorted(records.filter(pl.col("person_id") == p)["record_uid"].to_list()) for p in (first, second)}
    return Decision(
        made_by=user,
        action="different",
        record_uids=side[first],
        other_record_uids=side[second],
        person_ids=[first, second],
        comment=_comment(comment),
        run_id=snapshot.run_id,
    )


def bulk(snapshot: Snapshot, user: str, group: ItemGroup | None, action: str, comment: str | None) -> list[Decision]:
    """One decision per item of a group: pairs marked different or merged, persons confirmed or split at
    their weakest link.
    """
    if group is None or not group.candidates:
        raise ActionError("这一组里已没有待复核的项，请刷新页面")
    if action not in BULK_ACTIONS.get(group.kind, ()):
        raise ActionError("这一组项不能用这个操作批量处理")
    halves = split_suggestions(snapshot, group.candidates) if action == "split" else {}
    build: Callable[[str, list[str]], Decision] = {
        "different": lambda c, persons: separate(snapshot, user, persons, comment),
        "merge": lambda c, persons: merge(snapshot, user, persons, comment),
        "confirm": lambda c, persons: confirm(snapshot, user, persons[0], comment),
        "split": lambda c, persons: split(snapshot, user, halves.get(c, []), comment),
    }[action]
    return [build(c, persons) for c, persons in zip(group.candidates, group.persons, strict=True)]


def undo(snapshot: Snapshot, user: str, decisions: pl.DataFrame, decision_id: int, comment: str | None) -> Decision:
    """Cancel a decision in force; the undo names the same records so their page shows it."""
    target = active(decisions).filter(pl.col("decision_id") == decision_id)
    if target.is_empty():
        raise ActionError(f"决定 #{decision_id} 不存在或已被撤销")
    row = target.row(0, named=True)
    return Decision(
        made_by=user,
        action="undo",
        record_uids=row["record_uids"],
        other_record_uids=row["other_record_uids"],
        person_ids=row["person_ids"],
        comment=_comment(comment),
        run_id=snapshot.run_id,
        undoes=decision_id,
    )


def undo_batch(
    snapshot: Snapshot, user: str, decisions: pl.DataFrame, batch_id: int, comment: str | None
) -> list[Decision]:
    """Undo every decision of a batch that is still in force (each by its own undo)."""
    in_force = active(decisions).filter(pl.col("batch_id") == batch_id)
    if in_force.is_empty():
        raise ActionError(f"批次 {batch_id} 没有仍然生效的决定")
    return [undo(snapshot, user, decisions, int(d), comment) for d in in_force["decision_id"].to_list()]


def _owners(snapshot: Snapshot, record_uids: set[str]) -> list[str]:
    """The persons holding these records; ActionError when a record is not in the warehouse."""
    uids = sorted(record_uids)
    rows = snapshot.con.execute(
        f"SELECT record_uid, person_id FROM person_registry WHERE record_uid IN ({', '.join('?' for _ in uids)})",
        uids,
    ).fetchall()
    if len(rows) != len(uids):
        raise ActionError("所选记录已不在当前数仓中，请刷新页面")
    return sorted({person for _, person in rows})
