"""`returnees run`: the nightly Dagster job, headless, in this process."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _run(args: argparse.Namespace) -> int:
    from returnees.runner import RunFailed, run_nightly

    try:
        summary = run_nightly(
            Path(args.landing),
            Path(args.warehouse),
            memory_limit=args.memory_limit,
            threads=args.threads,
            temp_directory=Path(args.temp_directory) if args.temp_directory else None,
            full=args.full,
            engine=args.engine,
            spark_master=args.spark_master,
        )
    except RunFailed as exc:
        print(f"运行失败：{exc}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `run` to the CLI."""
    run = sub.add_parser("run", help="无界面运行与夜间调度相同的 Dagster 作业")
    run.add_argument("--landing", required=True)
    run.add_argument("--warehouse", required=True)
    run.add_argument(
        "--memory-limit", help="DuckDB 内存上限，如 8GB（默认取 RETURNEES_DUCKDB_MEMORY，否则为本机内存的三分之一）"
    )
    run.add_argument(
        "--threads", type=int, help="DuckDB 线程数（默认取 RETURNEES_DUCKDB_THREADS，否则为本机可用 CPU 数）"
    )
    run.add_argument(
        "--temp-directory",
        help="DuckDB 溢出到磁盘的目录（默认取 RETURNEES_DUCKDB_TEMP，否则为数仓旁的 .duckdb_tmp/）",
    )
    run.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        help="Splink 分块与打分所用的引擎（默认取 RETURNEES_ENGINE，否则为 duckdb）；spark 见 docs/scaling.md",
    )
    run.add_argument(
        "--spark-master",
        help="Spark 主节点地址，如 spark://host:7077（默认取 RETURNEES_SPARK_MASTER，否则为 local[*]，即本机全部 CPU）",
    )
    run.add_argument("--full", action="store_true", help="不沿用上次结果，从全部当前交付重建（人员编号保持不变）")
    run.set_defaults(func=_run)
