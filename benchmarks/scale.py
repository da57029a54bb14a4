"""A province on one machine: a full night and an incremental night at 1,000,000 and 200,000 persons.

    .venv/bin/python benchmarks/scale.py [--persons 1000000 200000] [--seed 7] [--work data/scale]
                                         [--new-share 0.03] [--results benchmarks/RESULTS.md]

For each size: generates the landing area once (kept under --work and reused), runs `returnees run`
with default settings (no flags: DuckDB's limits come from the machine), scores it, writes the
next night's social-insurance and FX deliveries (`--new-share` new persons, 1 % changed rows),
runs again incrementally and scores again. Each run's wall time and peak memory of its whole
process tree (the run and its Great Expectations worker) are measured from outside; the stages'
seconds come from the warehouse's run log. The figures go to RESULTS.md with date and machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from measure import child_process

ROOT = Path(__file__).resolve().parents[1]
NEXT_NIGHT = "2026-11-22"


@dataclass(frozen=True)
class Night:
    """One measured run."""

    mode: str
    wall: float
    peak_gb: float
    rows_read: int
    records_total: int
    persons: int
    churn: int
    stages: dict[str, float]
    pair: str
    bcubed: str


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 1024**3
    return f"{len(os.sched_getaffinity(0))} 核（{cpu}），内存 {memory:.0f} GiB，Python {platform.python_version()}"


def _night(landing: Path, warehouse: Path, truth: Path, mode: str) -> Night:
    import duckdb

    py = sys.executable
    wall, peak, _ = child_process(
        [py, "-m", "returnees.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    )
    _, _, scores = child_process(
        [py, "-m", "returnees.cli", "score", "--truth", str(truth), "--warehouse", str(warehouse), "--top", "0"]
    )
    lines = scores.splitlines()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT rows_read, records_total, persons_total, id_churn, stage_seconds FROM run_log"
            " ORDER BY finished_at DESC LIMIT 1"
        ).fetchall()[0]
    return Night(mode, wall, peak, row[0], row[1], row[2], row[3], json.loads(row[4]), lines[0], lines[1])


def measure(persons: int, seed: int, work: Path, new_share: float) -> tuple[Night, Night]:
    """Generate (or reuse) the landing area, run a full night, evolve it, run the incremental night."""
    from returnees.synthetic import generate_landing
    from returnees.synthetic.evolve import next_night

    base = work / f"p{persons}_s{seed}"
    if not (base / "truth.csv").is_file():
        shutil.rmtree(base, ignore_errors=True)
        generate_landing(persons, seed, base)
    night = work / f"p{persons}_s{seed}_night"
    shutil.rmtree(night, ignore_errors=True)
    shutil.copytree(base, night)  # the next night writes into its copy; the base stays reusable
    warehouse = night / "warehouse.duckdb"
    full = _night(night / "landing", warehouse, night / "truth.csv", "full")
    next_night(night, delivery_date=NEXT_NIGHT, new_share=new_share, changed_share=0.01, seed=seed)
    incremental = _night(night / "landing", warehouse, night / "truth.csv", "incremental")
    return full, incremental


def _stage_table(nights: list[tuple[int, Night]]) -> list[str]:
    stages = sorted({s for _, n in nights for s in n.stages}, key=lambda s: -max(n.stages.get(s, 0) for _, n in nights))
    header = "| 阶段 | " + " | ".join(f"{p:,} {n.mode}" for p, n in nights) + " |"
    lines = [header, "|---|" + "---:|" * len(nights)]
    for stage in stages:
        lines.append(f"| `{stage}` | " + " | ".join(f"{n.stages.get(stage, 0):.1f}" for _, n in nights) + " |")
    return lines


def report(results: dict[int, tuple[Night, Night]], command: str) -> str:
    """RESULTS.md: the summary per size and the seconds per stage."""
    lines = [
        "# 规模基准（benchmarks/scale.py）",
        "",
        f"- 日期：{dt.date.today().isoformat()}",
        f"- 机器：{_machine()}",
        f"- 命令：`{command}`（全部为默认设置：没有 `--memory-limit` / `--threads`）",
        "- 增量夜：新的社保与外汇交付（新增人员、1 % 的行有变更），其余来源不变。",
        "",
        "| 人员 | 运行 | 读入行数 | 记录 | 用时 | 行/秒 | 进程树峰值内存 | 增量/全量 | 编号变动 "
        "| 成对 P / R / F1 | B-cubed |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for persons, (full, incremental) in results.items():
        for night in (full, incremental):
            ratio = f"{night.wall / full.wall:.2f}" if night is incremental else "—"
            lines.append(
                f"| {persons:,} | {night.mode} | {night.rows_read:,} | {night.records_total:,} | {night.wall:.0f} 秒 | "
                f"{night.rows_read / night.wall:,.0f} | {night.peak_gb:.1f} GB | {ratio} | {night.churn} | "
                f"{night.pair.split(maxsplit=1)[1]} | {night.bcubed.split(maxsplit=1)[1]} |"
            )
    lines += ["", "## 各阶段用时（秒，来自 run_log.stage_seconds）", ""]
    lines += _stage_table([(p, n) for p, pair in results.items() for n in pair])
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[1_000_000, 200_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", default=str(ROOT / "data" / "scale"))
    parser.add_argument("--new-share", type=float, default=0.03)
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    results = {}
    for persons in args.persons:
        results[persons] = measure(persons, args.seed, Path(args.work), args.new_share)
        for night in results[persons]:
            print(
                f"{persons:>9,} {night.mode:<12} {night.wall:7.1f} s  {night.peak_gb:5.1f} GB  {night.pair}", flush=True
            )
    command = "python benchmarks/scale.py " + " ".join(sys.argv[1:])
    Path(args.results).write_text(report(results, command.strip()), encoding="utf-8")
    print(f"→ {args.results}")


if __name__ == "__main__":
    main()
