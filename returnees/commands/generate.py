"""`returnees generate`: a synthetic landing area exactly per the contract, with its truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from returnees.synthetic import generate_landing

    summary = generate_landing(args.persons, args.seed, Path(args.out))
    print(f"已生成 {summary.persons} 名人员的落地区：{Path(args.out) / 'landing'}")
    for source, rows in summary.records_by_source.items():
        print(f"  {source:<18} {rows}")
    print(f"岗位需求（job_postings）的真值：{summary.job_truth}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `generate` to the CLI."""
    gen = sub.add_parser("generate", help="按数据契约生成模拟落地区、truth.csv 和 job_truth.csv")
    gen.add_argument("--persons", type=int, required=True)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--out", required=True)
    gen.set_defaults(func=_generate)
