"""`returnees audit`: print the console's access log and check its hash chain."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD：{text}") from None


def _audit(args: argparse.Namespace) -> int:
    from console.labels import ROLE_LABELS
    from console.search_terms import normalise_term
    from console.text_table import text_table
    from warehouse.store.access_log import (
        ACTION_LABELS,
        OUTCOME_LABELS,
        AccessEvent,
        EventFilter,
        append_events,
        cli_user,
        digest_key,
        local_day_start,
        local_time,
        read_events,
        utc_now,
        value_digest,
        verify_chain,
    )
    from warehouse.store.decisions import decisions_path, open_decisions

    path = decisions_path(Path(args.warehouse))
    if not path.is_file():
        print(f"没有访问日志：决定库 {path} 不存在", file=sys.stderr)
        return 2
    with open_decisions(path, read_only=False) as con:
        key = digest_key(con)
        events = EventFilter(
            since=local_day_start(args.since) if args.since else None,
            until=local_day_start(args.until + timedelta(days=1)) if args.until else None,
            username=args.user,
            action="person_view" if args.person else args.action,
            target=args.person.upper() if args.person else None,
            target_digest=value_digest(key, normalise_term(args.term)) if args.term and key else None,
        )
        rows = [] if args.term and not key else read_events(con, events).to_dicts()
        chain = verify_chain(con)
        shown = {k: v for k, v in vars(args).items() if k in ("since", "until", "user", "person", "action") and v}
        detail = "；".join(f"{k}={v}" for k, v in shown.items()) + ("；按搜索词摘要" if args.term else "")
        append_events(con, [AccessEvent("audit_view", username=cli_user(), detail=detail or "全部")], utc_now())
    if args.format == "jsonl":
        for row in rows:
            record = {"seq": row["seq"], "time": local_time(row["logged_at"]), "time_utc": row["logged_at"].isoformat()}
            record |= {k: v for k, v in row.items() if k not in ("seq", "logged_at")}
            print(json.dumps(record, ensure_ascii=False))
    else:
        headers = ("序号", "时间（北京）", "用户", "角色", "操作", "对象", "详情", "地址", "结果")
        table = [
            (
                r["seq"],
                local_time(r["logged_at"]),
                r["username"],
                ROLE_LABELS.get(r["role"], r["role"]) if r["role"] else None,
                ACTION_LABELS.get(r["action"], r["action"]),
                r["target"],
                r["detail"],
                r["address"],
                OUTCOME_LABELS.get(r["outcome"], r["outcome"]),
            )
            for r in rows
        ]
        print(text_table(headers, table))
    if chain.intact:
        print(f"哈希链完整：共 {chain.rows} 条，末条哈希 {chain.head_hash}", file=sys.stderr)
        return 0
    print(f"哈希链在第 {chain.first_broken} 条断开：访问日志被改动、删除或插入过", file=sys.stderr)
    return 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `audit` to the CLI."""
    audit = sub.add_parser("audit", help="打印控制台访问日志（谁在何时查看、搜索、导出了什么）并校验哈希链")
    audit.add_argument("--warehouse", required=True)
    audit.add_argument("--since", type=_day, help="从这一天起（北京时间，YYYY-MM-DD）")
    audit.add_argument("--until", type=_day, help="到这一天为止（含）")
    audit.add_argument("--user", help="只看这个用户")
    audit.add_argument("--person", help="谁查看过这个人员（人员编号）")
    audit.add_argument("--term", help="谁搜索过这个词（按摘要比对，日志里不存原词）")
    audit.add_argument("--action", help="只看这种操作（login、person_view、search、export……）")
    audit.add_argument("--format", choices=("table", "jsonl"), default="table")
    audit.set_defaults(func=_audit)
