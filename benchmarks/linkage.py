"""Accuracy, speed and memory of the pipeline against a plain-Splink baseline on the same data.

    .venv/bin/python benchmarks/linkage.py --persons 20000 200000 [--seed 7] [--work data/bench]

For each size: generate a landing area (reused if present), run the whole nightly job
(`returnees run`, ingest to publish) in a child process, then run a textbook Splink linkage
(trimmed, upper-cased fields, placeholders removed, library comparisons, EM-trained) on the
same bronze rows in another child process. Prints F1, wall time and peak memory of each, the
speed ratios the targets are stated in, and the share of each group of people (Hong Kong, Macao,
Taiwan residents, namesakes, twins, renewed passports: the generator's `persons.csv`) that was
split or falsely merged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TypedDict

from measure import child_process

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDERS = ["", "无", "不详", "/", "-", "NULL", "null", "0"]


class SizeFigures(TypedDict):
    """What `bench` measured at one size; `baseline` holds `baseline`'s figures."""

    persons: int
    run_seconds: float
    run_peak_gb: float
    scores: str
    groups: str
    baseline: dict[str, float]
    ge_seconds: float
    ge_import_seconds: float
    link_seconds: float


def baseline(landing: Path, truth: Path) -> dict[str, float]:
    """Plain Splink over trimmed fields: the yardstick of issue 3 (runs in its own process)."""
    import duckdb
    import polars as pl
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from dedup.evaluate import score
    from sources.contract import load_contract
    from sources.ingest import load_source

    frames = []
    for spec in load_contract().values():
        bronze = load_source(landing, spec).bronze[spec.name]
        cols = {
            c: (pl.col(c) if c in bronze.columns else pl.lit(None, pl.Utf8))
            for c in ("name", "id_number", "birth_date", "birth_month", "sex", "mobile", "email")
        }
        frames.append(
            bronze.select(
                (pl.col("source") + ":" + pl.col("record_key")).alias("unique_id"),
                "source",
                "record_key",
                *[e.alias(c) for c, e in cols.items()],
            )
        )
    clean = [
        pl.col(c).str.strip_chars().str.to_uppercase()
        for c in ("name", "id_number", "birth_date", "birth_month", "sex", "mobile", "email")
    ]
    table = (
        pl.concat(frames)
        .with_columns(
            [pl.when(e.is_in(PLACEHOLDERS)).then(None).otherwise(e).alias(e.meta.output_name()) for e in clean]
        )
        .with_columns(pl.coalesce("birth_date", "birth_month").alias("dob"))
        .drop("birth_date", "birth_month")
    )
    started = time.perf_counter()
    con = duckdb.connect(config={"memory_limit": "12GB", "threads": 2})
    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register(table.to_arrow(), table_name="baseline_input")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("name"),
            cl.ExactMatch("dob"),
            cl.LevenshteinAtThresholds("id_number", [1, 2]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("mobile"),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[block_on("id_number"), block_on("name", "dob"), block_on("mobile")],
    )
    linker = Linker(sdf, settings, log_level=40)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name", "dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.9)
    xref = con.sql(
        f"SELECT source, record_key, cast(cluster_id AS VARCHAR) AS person_id FROM {clusters.physical_name}"
    ).pl()
    linkage_seconds = time.perf_counter() - started
    s = score(pl.read_csv(truth, infer_schema=False), xref)
    return {
        "linkage_seconds": linkage_seconds,
        "pair_f1": s.pair_f1,
        "bcubed_f1": s.bcubed_f1,
        "pair_precision": s.pair_precision,
        "pair_recall": s.pair_recall,
    }


def bench(persons: int, seed: int, work: Path) -> SizeFigures:
    """One size: generate, full run, score, baseline; returns the figures."""
    out = work / f"p{persons}_s{seed}"
    py = sys.executable
    if not (out / "truth.csv").is_file():
        child_process(
            [py, "-m", "returnees.cli", "generate", "--persons", str(persons), "--seed", str(seed), "--out", str(out)]
        )
    warehouse = out / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    run_wall, run_peak, _ = child_process(
        [py, "-m", "returnees.cli", "run", "--landing", str(out / "landing"), "--warehouse", str(warehouse)]
    )
    _, _, scores = child_process(
        [py, "-m", "returnees.cli", "score", "--truth", str(out / "truth.csv"), "--warehouse", str(warehouse)]
    )
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        # `gx` is the time the run waited for GE's worker (an unfinished import included); preparing
        # frames and Data Docs count too. `gx_import` is the worker's own import, beside the start-up.
        ge_seconds, ge_import = con.execute(
            "SELECT coalesce(sum(seconds) FILTER (step <> 'gx_import'), 0), "
            "coalesce(sum(seconds) FILTER (step = 'gx_import'), 0) FROM quality_timings"
        ).fetchall()[0]
        stages = json.loads(con.execute("SELECT stage_seconds FROM run_log").fetchall()[-1][0])
    groups = ""
    if (out / "persons.csv").is_file():
        _, _, groups = child_process(
            [
                py,
                str(ROOT / "benchmarks" / "groups.py"),
                "--truth",
                str(out / "truth.csv"),
                "--persons",
                str(out / "persons.csv"),
                "--warehouse",
                str(warehouse),
            ]
        )
    _, _, base = child_process([py, __file__, "--baseline", str(out)])
    base_figures = json.loads(base.strip().splitlines()[-1])
    return {
        "persons": persons,
        "run_seconds": run_wall,
        "run_peak_gb": run_peak,
        "scores": scores,
        "groups": groups[groups.find("人群") :] if groups else "",
        "baseline": base_figures,
        "ge_seconds": ge_seconds,
        "ge_import_seconds": ge_import,
        "link_seconds": stages.get("link", 0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[20000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", default=str(ROOT / "data" / "bench"))
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        out = Path(args.baseline)
        print(json.dumps(baseline(out / "landing", out / "truth.csv")))
        return
    for persons in args.persons:
        r = bench(persons, args.seed, Path(args.work))
        b = r["baseline"]
        print(f"== {persons} 名人员 ==")
        print(r["scores"])
        print(r["groups"])
        print(f"全流程（采集到发布）用时 {r['run_seconds']:.1f} 秒，峰值内存 {r['run_peak_gb']:.2f} GB")
        print(
            f"基线 Splink 仅关联用时 {b['linkage_seconds']:.1f} 秒，成对 F1 {b['pair_f1']:.4f}，"
            f"B-cubed F1 {b['bcubed_f1']:.4f}（精确率 {b['pair_precision']:.4f}，召回率 {b['pair_recall']:.4f}）"
        )
        print(
            f"全流程 / 基线关联 = {r['run_seconds'] / b['linkage_seconds']:.2f}；"
            f"关联阶段 {r['link_seconds']:.1f} 秒 / 基线关联 = {r['link_seconds'] / b['linkage_seconds']:.2f}"
        )
        print(
            f"Great Expectations 用时 {r['ge_seconds']:.1f} 秒（运行等待 GE 工作进程、准备校验数据与 Data Docs），"
            f"占全流程 {r['ge_seconds'] / r['run_seconds']:.1%}；"
            f"GE 工作进程的导入 {r['ge_import_seconds']:.1f} 秒与启动并行，未计入"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
