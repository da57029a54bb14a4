"""Incremental nightly run against a full run, on generated data.

    .venv/bin/python benchmarks/incremental.py --persons 200000 [--seed 7] [--work data/bench]

Generates a landing area, runs the full pipeline, then writes the next night's deliveries of
social_insurance and fx_accounts (about 1 % new people and 1 % changed rows) and runs again
incrementally; finally rebuilds the same data with `--full` from the first warehouse. Prints
wall times, the incremental/full ratio, id churn of existing persons and accuracy of both.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(landing: Path, warehouse: Path, *extra: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "returnees.cli",
            "run",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return time.perf_counter() - started


def _f1(truth: Path, warehouse: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "returnees.cli",
            "score",
            "--truth",
            str(truth),
            "--warehouse",
            str(warehouse),
            "--top",
            "0",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return " / ".join(line.strip() for line in result.stdout.splitlines()[:2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", default=str(ROOT / "data" / "bench"))
    args = parser.parse_args()

    import duckdb
    import polars as pl

    from returnees.synthetic import generate_landing
    from returnees.synthetic.evolve import next_night

    out = Path(args.work) / f"incremental_p{args.persons}_s{args.seed}"
    shutil.rmtree(out, ignore_errors=True)
    generate_landing(args.persons, args.seed, out)
    landing, warehouse, first = out / "landing", out / "warehouse.duckdb", out / "first.duckdb"
    full_seconds = _run(landing, warehouse)
    shutil.copy(warehouse, first)
    night = next_night(out, new_share=0.01, changed_share=0.01, seed=args.seed)
    incremental_seconds = _run(landing, warehouse)
    rebuild = out / "rebuild.duckdb"
    shutil.copy(first, rebuild)
    rebuild_seconds = _run(landing, rebuild, "--full")

    sql = "SELECT source, record_key, person_id FROM person_xref"
    with duckdb.connect(str(first), read_only=True) as con:
        before = con.sql(sql).pl()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        after = con.sql(sql).pl()
        stages = con.sql("SELECT mode, stage_seconds FROM run_log ORDER BY finished_at").fetchall()
    both = before.join(after, on=["source", "record_key"], suffix="_after")
    churn = both.filter(pl.col("person_id") != pl.col("person_id_after"))["person_id"].n_unique()
    existing = before["person_id"].n_unique()

    print(f"== {args.persons} 名人员：全量运行后的一个夜间增量 ==")
    print(f"新交付：新增行 {night.new_rows}，变更行 {night.changed_rows}，新人员 {night.new_persons}")
    ratio = incremental_seconds / full_seconds
    print(f"全量运行 {full_seconds:.1f} 秒；增量运行 {incremental_seconds:.1f} 秒；比值 {ratio:.2f}")
    print(f"同一数据 --full 重建 {rebuild_seconds:.1f} 秒")
    print(f"既有人员编号变动 {churn} / {existing}（{churn / existing:.4%}）")
    print(f"增量结果：{_f1(out / 'truth.csv', warehouse)}")
    print(f"全量重建：{_f1(out / 'truth.csv', rebuild)}")
    for mode, seconds in stages:
        print(f"  {mode} 各阶段秒数：{seconds}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
