"""The review queue against truth: its size, the share of items that point at a real error, the
share of all errors it points at; and refitting its calibration.

    .venv/bin/python benchmarks/review_queue.py --persons 20000 200000                      # our generator (seed 7)
    .venv/bin/python benchmarks/review_queue.py --landing DIR/landing --truth DIR/truth.csv # data from elsewhere
    .venv/bin/python benchmarks/review_queue.py --warehouse FILE.duckdb --truth truth.csv   # a built warehouse
    .venv/bin/python benchmarks/review_queue.py --fit --persons 200000 --seed 21 --version 2026.12-1

Each data set gets a full `returnees run`; the queue is the run's `review_candidates` cut at the
budget exactly as the console and `returnees queue` cut it. `--fit` labels the candidates of the
given generated data sets by their truth, fits the logistic calibration and saves it to
`dedup/model/review_model.json` (use seeds other than the measured ones).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder leads the import path, where this file would stand in for the
# standard library's `queue` (which polars' thread pools import): the repository root takes its place.
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import itertools  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

BENCH_SEED = 7
# Estimate bands of the calibration check.
BANDS = (0.0, 0.01, 0.05, 0.2, 0.5, 0.8, 1.0)


def _returnees(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "returnees.cli", *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"returnees {args[0]} 失败：\n{result.stderr[-3000:]}")


def generated(persons: int, seed: int, work: Path) -> tuple[Path, Path]:
    """(landing, truth) of our generator, generated once under `work`."""
    out = work / f"p{persons}_s{seed}"
    if not (out / "truth.csv").is_file():
        _returnees("generate", "--persons", str(persons), "--seed", str(seed), "--out", str(out))
    return out / "landing", out / "truth.csv"


def run(landing: Path, warehouse: Path, reuse: bool) -> float:
    """A full nightly run into `warehouse` (kept when `reuse` and present); its wall seconds."""
    if reuse and warehouse.is_file():
        return 0.0
    warehouse.unlink(missing_ok=True)
    started = time.perf_counter()
    _returnees("run", "--landing", str(landing), "--warehouse", str(warehouse))
    return time.perf_counter() - started


def measure(name: str, warehouse: Path, truth_csv: Path, budget: float) -> None:
    """Print the queue's figures for one data set."""
    import duckdb
    import polars as pl

    from dedup.review.evaluate import points_at_error, queue_scores, resolution_errors, truth_by_record
    from dedup.review.queue import above_cut

    with duckdb.connect(str(warehouse), read_only=True) as con:
        registry = con.sql("SELECT record_uid, person_id FROM person_registry").pl()
        keys = con.sql("SELECT record_uid, source, record_key FROM records").pl()
        candidates = con.sql("SELECT kind, person_ids, estimate FROM review_candidates ORDER BY rank").pl()
    truth = truth_by_record(keys, pl.read_csv(truth_csv, infer_schema=False))
    errors = resolution_errors(registry, truth)
    persons = registry["person_id"].n_unique()
    queue = candidates.filter(above_cut(candidates["estimate"], persons, budget))
    q = queue_scores(queue, errors, persons)
    everything = queue_scores(candidates, errors, persons)
    print(
        f"== {name}：{persons} 名人员，{errors.total} 处错误"
        f"（{errors.split.height} 对应合未合，{errors.merged.height} 人误合并）"
    )
    print(
        f"队列（预算每千人 {budget:g} 项）：{q.items} 项，每千人 {q.per_thousand:.1f} 项；"
        f"指向真实错误 {q.real_share:.1%}，前 100 项 {q.real_share_first_100:.1%}；"
        f"指出全部错误的 {q.recall:.1%}（{q.errors_pointed}/{q.errors}）"
    )
    print(
        f"全部候选项：{everything.items} 项；指出全部错误的 {everything.recall:.1%}；"
        f"估计之和 {candidates['estimate'].sum():.1f}，指向真实错误 {everything.real} 项"
    )
    real = candidates.with_columns(points_at_error(candidates, errors))
    print("校准（估计区间：项数、平均估计、真实错误比例）：")
    for lo, hi in itertools.pairwise(BANDS):
        band = real.filter((pl.col("estimate") >= lo) & (pl.col("estimate") < hi if hi < 1 else pl.lit(True)))
        if band.height:
            print(f"  [{lo:.2f}, {hi:.2f})  {band.height:>7}  {band['estimate'].mean():.3f}  {band['real'].mean():.3f}")


def fit(work: Path, sizes: list[int], seed: int, version: str, reuse: bool) -> None:
    """Label the candidates of generated data sets by their truth, fit the calibration and save it."""
    import duckdb
    import polars as pl

    from dedup.model import model_version
    from dedup.review.calibration import fit_review_model, save_review_model
    from dedup.review.evaluate import same_person_labels, truth_by_record
    from dedup.review.features import FEATURE_NAMES, MEMBER_COLUMNS
    from dedup.review.queue import candidate_features
    from warehouse.store.review import review_inputs

    labelled = []
    sources = []
    for persons in sizes:
        landing, truth_csv = generated(persons, seed, work)
        warehouse = landing.parent / "warehouse.duckdb"
        run(landing, warehouse, reuse)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            inputs = review_inputs(con, MEMBER_COLUMNS)
            keys = con.sql("SELECT record_uid, source, record_key FROM records").pl()
        sides, features = candidate_features(*inputs)
        truth = truth_by_record(keys, pl.read_csv(truth_csv, infer_schema=False))
        labelled.append(features.join(same_person_labels(sides, truth), on="candidate"))
        sources.append(f"returnees generate --persons {persons} --seed {seed}")
    data = pl.concat(labelled)
    model = fit_review_model(data, data["same"], FEATURE_NAMES, version, model_version(), sources)
    path = save_review_model(model)
    print(f"复核校准 {version} 已保存：{path}（{model.candidates} 个候选项，其中 {model.same} 个两边是同一人）")
    for name, coefficient in model.coefficients.items():
        print(f"  {name:<28} {coefficient:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=BENCH_SEED)
    parser.add_argument("--landing", help="外部生成的落地区（与 --truth 一起）")
    parser.add_argument("--truth", help="外部落地区的 truth.csv")
    parser.add_argument("--name", help="外部数据集在输出中的名称")
    parser.add_argument("--warehouse", help="直接评估已有的数仓文件（与 --truth 一起，不再运行）")
    parser.add_argument("--work", default="/tmp/queue-bench", help="生成数据和数仓的目录")
    parser.add_argument("--review-budget", type=float, default=None, help="每千人的复核项预算（默认与控制台相同）")
    parser.add_argument("--reuse", action="store_true", help="已有的数仓不再重跑")
    parser.add_argument("--fit", action="store_true", help="在生成数据上重新拟合复核校准并保存")
    parser.add_argument("--version", help="新校准的版本号（--fit 时必填）")
    args = parser.parse_args()

    from dedup.review.budget import DEFAULT_BUDGET

    work = Path(args.work)
    budget = DEFAULT_BUDGET if args.review_budget is None else args.review_budget
    if args.fit:
        if not args.version or not args.persons:
            parser.error("--fit 需要 --persons 和 --version")
        fit(work, args.persons, args.seed, args.version, args.reuse)
        return
    for persons in args.persons:
        landing, truth = generated(persons, args.seed, work)
        warehouse = landing.parent / "warehouse.duckdb"
        seconds = run(landing, warehouse, args.reuse)
        measure(f"本项目生成器 {persons} 人（种子 {args.seed}，运行 {seconds:.0f} 秒）", warehouse, truth, budget)
    if args.warehouse:
        if not args.truth:
            parser.error("--warehouse 需要 --truth")
        measure(args.name or Path(args.warehouse).name, Path(args.warehouse), Path(args.truth), budget)
    if args.landing:
        if not args.truth:
            parser.error("--landing 需要 --truth")
        name = args.name or Path(args.landing).resolve().parent.name
        warehouse = work / f"outside_{name}" / "warehouse.duckdb"
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        seconds = run(Path(args.landing), warehouse, args.reuse)
        measure(f"{name}（运行 {seconds:.0f} 秒）", warehouse, Path(args.truth), budget)


if __name__ == "__main__":
    main()
