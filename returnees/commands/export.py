"""`returnees export`: files for others, from the published warehouse (opened read-only).

- `push`: tonight's policy messages (JSONL and CSV) for the notification service;
- `liuchuang-summary`: 附件2《留创计划申报人员情况汇总表》of the 留创计划 call for a year;
- `yearly-stats`: the yearly statistics of the survey, small cells suppressed.

`push` and `liuchuang-summary` carry personal data: write them only where the operator may keep it;
each is recorded in the access log (`returnees audit`) as an export by the operator's login.
`yearly-stats` reads the analyst file beside the warehouse (`analyst.duckdb`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _missing(path: str) -> bool:
    if Path(path).is_file():
        return False
    print(f"数仓文件不存在：{path}", file=sys.stderr)
    return True


def _push(args: argparse.Namespace) -> int:
    from warehouse.serve.push_messages import latest_run, push_messages, write_push_messages
    from warehouse.store.access_log import record_export
    from warehouse.store.db import connect

    if _missing(args.warehouse):
        return 1
    with connect(Path(args.warehouse), read_only=True) as con:
        run_id = args.run_id or latest_run(con)
        if run_id is None:
            print("数仓中没有运行记录（run_log），无法确定今晚的推送", file=sys.stderr)
            return 1
        try:
            messages = push_messages(con, run_id)
        except LookupError as exc:
            print(exc, file=sys.stderr)
            return 1
    jsonl, csv = write_push_messages(messages, Path(args.out))
    record_export(Path(args.warehouse), "push", messages.height, detail=f"运行 {run_id[:8]} → {jsonl.parent}")
    events = int(messages["policy_count"].sum()) if messages.height else 0
    print(f"运行 {run_id[:8]}：{messages.height} 人、{events} 项政策变化 → {jsonl}，{csv}")
    return 0


def _liuchuang_summary(args: argparse.Namespace) -> int:
    from warehouse.serve.liuchuang_summary import summary_rows, write_summary_xlsx
    from warehouse.store.access_log import record_export
    from warehouse.store.db import connect

    if _missing(args.warehouse):
        return 1
    with connect(Path(args.warehouse), read_only=True) as con:
        rows = summary_rows(con, args.year, args.district)
    path = write_summary_xlsx(rows, Path(args.out), args.year, args.district)
    scope = f"{args.year}年" + (f" {args.district}" if args.district else "")
    record_export(Path(args.warehouse), "liuchuang-summary", rows.height, detail=f"{scope} → {path}")
    where = f"{args.district}，" if args.district else ""
    print(f"{args.year}年留创计划申报 {where}{rows.height} 人 → {path}")
    return 0


def _yearly_stats(args: argparse.Namespace) -> int:
    from warehouse.serve.analyst import analyst_path
    from warehouse.serve.yearly_stats import read_yearly_stats, write_yearly_stats_xlsx
    from warehouse.store.db import connect

    analyst = analyst_path(Path(args.warehouse))
    if _missing(str(analyst)):
        return 1
    with connect(analyst, read_only=True) as con:
        cells, totals = read_yearly_stats(con)
    path = write_yearly_stats_xlsx(cells, totals, Path(args.out))
    years = "、".join(str(y) for y in totals["survey_year"]) or "无"
    print(f"调查年度 {years}：{cells.height} 格（小于5的人数不公布）→ {path}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `export` and its subcommands to the CLI."""
    export = sub.add_parser("export", help="从已发布的数仓导出推送消息、留创计划汇总表和年度统计")
    kinds = export.add_subparsers(dest="export", required=True)

    push = kinds.add_parser("push", help="今晚的政策推送消息（每人一条，JSONL 和 CSV；含联系方式）")
    push.add_argument("--warehouse", required=True)
    push.add_argument("--out", required=True, help="输出目录")
    push.add_argument("--run-id", help="导出指定运行发现的变化（默认：生成该数仓的最近一次运行）")
    push.set_defaults(func=_push)

    summary = kinds.add_parser("liuchuang-summary", help="附件2《留创计划申报人员情况汇总表》（xlsx；含个人信息）")
    summary.add_argument("--warehouse", required=True)
    summary.add_argument("--year", type=int, required=True, help="申报年度")
    summary.add_argument("--district", help="只含该区县（单位登记地，如 渝北区）")
    summary.add_argument("--out", required=True, help="输出的 xlsx 文件")
    summary.set_defaults(func=_liuchuang_summary)

    yearly = kinds.add_parser("yearly-stats", help="留学人员信息统计调查的年度统计（xlsx；小于5的人数不公布）")
    yearly.add_argument("--warehouse", required=True, help="数仓文件（统计取自它旁边的分析库 analyst.duckdb）")
    yearly.add_argument("--out", required=True, help="输出的 xlsx 文件")
    yearly.set_defaults(func=_yearly_stats)
