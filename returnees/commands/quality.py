"""`returnees quality`: the last run's quality results for the operator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _quality(args: argparse.Namespace) -> int:
    from quality.report import quality_report

    warehouse = Path(args.warehouse)
    if not warehouse.is_file():
        print(f"数仓文件不存在：{warehouse}", file=sys.stderr)
        return 1
    print(quality_report(warehouse))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `quality` to the CLI."""
    qa = sub.add_parser("quality", help="显示最近一次运行的质量检查结果和按来源、原因汇总的隔离区")
    qa.add_argument("--warehouse", required=True)
    qa.set_defaults(func=_quality)
