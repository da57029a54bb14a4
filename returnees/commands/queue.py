"""`returnees queue`: the open review queue in its order, for stewards' tools (a fixed interface).

`--format jsonl` prints one JSON object per item: `person_ids` (list), `reasons` (codes),
`estimate` (the chance that the current resolution is wrong), and `rank`, `candidate`, `kind`
(pair: persons that may be one; person: a person that may be two; decision: a steward decision
the data contradicts), `evidence`, `names`, `records`, `sources`, `district`, `pending` and
`in_budget`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dedup.review.budget import DEFAULT_BUDGET


def _queue(args: argparse.Namespace) -> int:
    import polars as pl

    from console.labels import KIND_LABELS, REASON_LABELS
    from console.queue import build_queue, shown_items
    from console.snapshot import open_snapshot
    from console.store import DecisionStore, active

    warehouse = Path(args.warehouse)
    if not warehouse.is_file():
        print(f"数仓文件不存在：{warehouse}", file=sys.stderr)
        return 1
    if args.review_budget <= 0 or (args.limit is not None and args.limit < 0):
        print("--review-budget 须为正数，--limit 不能为负", file=sys.stderr)
        return 2
    decisions = DecisionStore(warehouse).decisions()
    with open_snapshot(warehouse) as snapshot:
        queue = build_queue(snapshot, decisions, active(decisions), args.review_budget)
        listed = pl.concat([queue.queued, queue.below]) if args.all else queue.queued
        items = shown_items(snapshot, queue, listed.head(args.limit) if args.limit is not None else listed)
    for rank, item in enumerate(items, start=1):
        if args.format == "jsonl":
            row = {
                "rank": rank,
                "candidate": item.candidate,
                "kind": item.kind,
                "person_ids": item.persons,
                "estimate": round(item.estimate, 6),
                "reasons": item.reasons,
                "evidence": item.evidence,
                "names": item.names,
                "records": item.records,
                "sources": item.sources,
                "district": item.district,
                "pending": item.pending,
                "in_budget": item.in_budget,
            }
            print(json.dumps(row, ensure_ascii=False))
        else:
            reasons = "、".join(REASON_LABELS.get(r, r) for r in item.reasons)
            names = "、".join(item.names) or "—"
            print(
                f"{rank:>5}  {item.estimate:>6.1%}  {KIND_LABELS[item.kind]:<7}  {' ↔ '.join(item.persons):<27}  "
                f"{names}  {reasons}"
            )
    if args.format == "table":
        print(
            f"预算内 {queue.queued.height} 项（每千名人员 {queue.per_thousand:g} 项，{queue.persons} 人），"
            f"预算外 {queue.below.height} 项",
            file=sys.stderr,
        )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `queue` to the CLI."""
    q = sub.add_parser("queue", help="按出错概率顺序打印复核队列（预算内的项；--all 连同预算外）")
    q.add_argument("--warehouse", required=True)
    q.add_argument("--limit", type=int, help="最多打印的项数")
    q.add_argument("--format", choices=["table", "jsonl"], default="table")
    q.add_argument(
        "--review-budget", type=float, default=DEFAULT_BUDGET, help=f"每千名人员的项数上限（默认 {DEFAULT_BUDGET:g}）"
    )
    q.add_argument("--all", action="store_true", help="也打印预算外的项（在预算内的项之后）")
    q.set_defaults(func=_queue)
