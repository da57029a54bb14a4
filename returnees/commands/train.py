"""`returnees train`: retrain the Splink model on a landing area, learning from steward decisions."""

from __future__ import annotations

import argparse
from pathlib import Path


def _train(args: argparse.Namespace) -> int:
    from dedup.model import MODEL_PATH
    from returnees.training import train_model
    from warehouse.store.decisions import active_decisions

    decisions = active_decisions(Path(args.warehouse)) if args.warehouse else None
    out = Path(args.out) if args.out else MODEL_PATH
    result = train_model(Path(args.landing), out, decisions=decisions)
    print(f"模型已保存：{out}")
    if result is not None:
        from console.labels import COMPARISON_LABELS

        print(
            f"数据管理员的决定涉及本落地区 {result.pairs} 对记录（按匹配档案计），"
            f"新模型与其中 {result.agreeing} 对一致（{result.share:.1%}）"
        )
        for row in result.by_comparison.iter_rows(named=True):
            if not row["against"]:
                continue
            label = COMPARISON_LABELS.get(row["comparison"], row["comparison"])
            print(
                f"  {label}：{row['against']} 对的权重与决定相反（平均 {row['mean_against']:+.1f}），"
                f"其中 {row['against_when_wrong']} 对模型判断与决定不一致"
            )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `train` to the CLI."""
    tr = sub.add_parser("train", help="在落地区数据上训练 Splink 模型并保存为 JSON（可从数据管理员的决定中学习）")
    tr.add_argument("--landing", required=True)
    tr.add_argument("--out", help="模型 JSON 的保存位置（默认 dedup/model/splink_model.json）")
    tr.add_argument(
        "--warehouse",
        help="数仓文件：其旁边决定库中生效的决定作为标注的记录对参与训练，并报告新模型与决定的一致程度",
    )
    tr.set_defaults(func=_train)
