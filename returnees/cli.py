"""`returnees`: generate a landing area, run the nightly job headless, score against truth."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from returnees.synthetic import generate_landing

    summary = generate_landing(args.persons, args.seed, Path(args.out))
    print(f"已生成 {summary.persons} 名人员的落地区：{Path(args.out) / 'landing'}")
    for source, rows in summary.records_by_source.items():
        print(f"  {source:<18} {rows}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from returnees.runner import RunFailed, run_nightly

    try:
        summary = run_nightly(
            Path(args.landing),
            Path(args.warehouse),
            memory_limit=args.memory_limit,
            threads=args.threads,
            full=args.full,
        )
    except RunFailed as exc:
        print(f"运行失败：{exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def _score(args: argparse.Namespace) -> int:
    import polars as pl

    from dedup.evaluate import error_categories, format_scores, score
    from warehouse.db import connect, table_exists

    truth = pl.read_csv(args.truth, infer_schema=False)
    with connect(Path(args.warehouse), read_only=True) as con:
        xref = con.sql("SELECT source, record_key, person_id FROM person_xref").pl()
        print(format_scores(score(truth, xref)))
        if table_exists(con, "links") and table_exists(con, "record_clusters"):
            registry = con.sql(
                "SELECT r.record_uid, r.source, r.record_key, p.person_id, c.det_group FROM records r "
                "JOIN person_registry p USING (record_uid) JOIN record_clusters c USING (record_uid)"
            ).pl()
            categories = error_categories(
                truth, registry, con.sql("SELECT * FROM links").pl(), con.sql("SELECT * FROM link_refusals").pl()
            )
            print("主要错误类别（人员对数）：")
            for cause, pairs in categories.head(args.top).iter_rows():
                print(f"  {pairs:>7}  {cause}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from returnees.training import train_model

    out = train_model(Path(args.landing), Path(args.out))
    print(f"模型已保存：{out}")
    return 0


def _quality(args: argparse.Namespace) -> int:
    from quality.report import quality_report

    warehouse = Path(args.warehouse)
    if not warehouse.is_file():
        print(f"数仓文件不存在：{warehouse}", file=sys.stderr)
        return 1
    print(quality_report(warehouse))
    return 0


def _console(args: argparse.Namespace) -> int:
    from console.commands import run_console

    return run_console(args)


def _users_add(args: argparse.Namespace) -> int:
    from console.commands import users_add

    return users_add(args)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="returnees", description="留学回国人才主数据平台")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="按数据契约生成模拟落地区和 truth.csv")
    gen.add_argument("--persons", type=int, required=True)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", required=True)
    gen.set_defaults(func=_generate)

    run = sub.add_parser("run", help="无界面运行与夜间调度相同的 Dagster 作业")
    run.add_argument("--landing", required=True)
    run.add_argument("--warehouse", required=True)
    run.add_argument("--memory-limit", default=os.environ.get("RETURNEES_DUCKDB_MEMORY", "4GB"))
    run.add_argument("--threads", type=int, default=int(os.environ.get("RETURNEES_DUCKDB_THREADS", "2")))
    run.add_argument("--full", action="store_true", help="不沿用上次结果，从全部当前交付重建（人员编号保持不变）")
    run.set_defaults(func=_run)

    sc = sub.add_parser("score", help="对照 truth.csv 评估 person_xref")
    sc.add_argument("--truth", required=True)
    sc.add_argument("--warehouse", required=True)
    sc.add_argument("--top", type=int, default=12, help="列出的错误类别数")
    sc.set_defaults(func=_score)
    tr = sub.add_parser("train", help="在落地区数据上训练 Splink 模型并保存为 JSON")
    tr.add_argument("--landing", required=True)
    tr.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "dedup" / "model" / "splink_model.json"))
    tr.set_defaults(func=_train)

    qa = sub.add_parser("quality", help="显示最近一次运行的质量检查结果和按来源、原因汇总的隔离区")
    qa.add_argument("--warehouse", required=True)
    qa.set_defaults(func=_quality)

    con = sub.add_parser("console", help="启动数据管理员控制台（网页，需环境变量 RETURNEES_CONSOLE_SECRET）")
    con.add_argument("--warehouse", required=True)
    con.add_argument("--port", type=int, default=8080)
    con.add_argument("--host", default="127.0.0.1")
    con.set_defaults(func=_console)
    users = sub.add_parser("users", help="管理控制台用户")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="添加用户（密码从标准输入或交互提示读取，不写在命令行上）")
    add.add_argument("--warehouse", required=True)
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=["steward", "viewer"])
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码")
    add.set_defaults(func=_users_add)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `returnees` console script."""
    logging.basicConfig(level=logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
