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

from measure import child_process, measured_process

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
    failure: str = ""  # why the run did not publish (empty when it did)


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


def _failed(warehouse: Path, mode: str, wall: float, peak: float, returncode: int, stderr: str) -> Night:
    """A night that did not publish: how far it got, from its build file's stage log."""
    import duckdb

    builds = sorted(warehouse.parent.glob(f"{warehouse.name}.*.building"), key=lambda p: p.stat().st_mtime)
    stages: dict[str, float] = {}
    if builds:
        with duckdb.connect(str(builds[-1]), read_only=True) as con:
            stages = {s: float(x) for s, x in con.execute("SELECT stage, seconds FROM run_stages").fetchall()}
    progress = [line for line in stderr.splitlines() if line.startswith("[")]
    cause = "被系统终止（内存不足，OOM）" if returncode in (-9, 137) else f"退出码 {returncode}"
    reached = progress[-1].split("]")[0].strip("[") if progress else "启动"
    return Night(mode, wall, peak, 0, 0, 0, 0, stages, "—", "—", f"{cause}，最后完成的阶段：{reached}")


def _night(landing: Path, warehouse: Path, truth: Path, mode: str) -> Night:
    import duckdb

    py = sys.executable
    run = measured_process([py, "-m", "returnees.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse)])
    if run.returncode != 0:
        return _failed(warehouse, mode, run.wall, run.peak_gb, run.returncode, run.stderr)
    _, _, scores = child_process(
        [py, "-m", "returnees.cli", "score", "--truth", str(truth), "--warehouse", str(warehouse), "--top", "0"]
    )
    lines = scores.splitlines()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "SELECT rows_read, records_total, persons_total, id_churn, stage_seconds FROM run_log"
            " ORDER BY finished_at DESC LIMIT 1"
        ).fetchall()[0]
    return Night(mode, run.wall, run.peak_gb, row[0], row[1], row[2], row[3], json.loads(row[4]), lines[0], lines[1])


def measure(persons: int, seed: int, work: Path, new_share: float) -> tuple[Night, Night | None]:
    """Generate (or reuse) the landing area, run a full night, evolve it, run the incremental night
    (not when the full night failed)."""
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
    if full.failure:
        return full, None
    next_night(night, delivery_date=NEXT_NIGHT, new_share=new_share, changed_share=0.01, seed=seed)
    incremental = _night(night / "landing", warehouse, night / "truth.csv", "incremental")
    return full, incremental


def _stage_table(nights: list[tuple[int, Night]]) -> list[str]:
    stages = sorted({s for _, n in nights for s in n.stages}, key=lambda s: -max(n.stages.get(s, 0) for _, n in nights))
    header = "| 阶段 | " + " | ".join(f"{p:,} {n.mode}" for p, n in nights) + " |"
    lines = [header, "|---|" + "---:|" * len(nights)]
    for stage in stages:
        cells = (f"{n.stages[stage]:.1f}" if stage in n.stages else "—" for _, n in nights)  # — : not reached
        lines.append(f"| `{stage}` | " + " | ".join(cells) + " |")
    return lines


def report(results: dict[int, tuple[Night, Night | None]], command: str) -> str:
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
    failures = []
    for persons, (full, incremental) in results.items():
        for night in (full, incremental):
            if night is None:
                lines.append(f"| {persons:,} | incremental | — | — | — | — | — | — | — | 未运行：全量夜失败 | — |")
                continue
            if night.failure:
                failures.append(f"- {persons:,} {night.mode}：{night.failure}（{night.wall:.0f} 秒后）")
                lines.append(
                    f"| {persons:,} | {night.mode} | — | — | 失败（{night.wall:.0f} 秒） | — | "
                    f"{night.peak_gb:.1f} GB | — | — | 未发布 | — |"
                )
                continue
            ratio = f"{night.wall / full.wall:.2f}" if night is incremental else "—"
            lines.append(
                f"| {persons:,} | {night.mode} | {night.rows_read:,} | {night.records_total:,} | {night.wall:.0f} 秒 | "
                f"{night.rows_read / night.wall:,.0f} | {night.peak_gb:.1f} GB | {ratio} | {night.churn} | "
                f"{night.pair.split(maxsplit=1)[1]} | {night.bcubed.split(maxsplit=1)[1]} |"
            )
    if failures:
        lines += ["", "未发布的运行：", "", *failures]
    lines += ["", "## 各阶段用时（秒，来自 run_log.stage_seconds；失败的运行取自其构建文件）", ""]
    lines += _stage_table([(p, n) for p, pair in results.items() for n in pair if n is not None])
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
        for night in filter(None, results[persons]):
            print(
                f"{persons:>9,} {night.mode:<12} {night.wall:7.1f} s  {night.peak_gb:5.1f} GB  "
                f"{night.failure or night.pair}",
                flush=True,
            )
    command = "python benchmarks/scale.py " + " ".join(sys.argv[1:])
    Path(args.results).write_text(report(results, command.strip()), encoding="utf-8")
    print(f"→ {args.results}")


if __name__ == "__main__":
    main()
