"""`returnees train`: retrain the Splink model on a landing area."""

from __future__ import annotations

import argparse
from pathlib import Path


def _train(args: argparse.Namespace) -> int:
    from dedup.model import MODEL_PATH
    from returnees.training import train_model

    out = train_model(Path(args.landing), Path(args.out) if args.out else MODEL_PATH)
    print(f"模型已保存：{out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train` to the CLI."""
    tr = sub.add_parser("train", help="在落地区数据上训练 Splink 模型并保存为 JSON")
    tr.add_argument("--landing", required=True)
    tr.add_argument("--out", help="模型 JSON 的保存位置（默认 dedup/model/splink_model.json）")
    tr.set_defaults(func=_train)
