"""Precision and recall of the clustering at several match thresholds, from a finished run.

    .venv/bin/python benchmarks/thresholds.py --truth DIR/truth.csv --warehouse DIR/warehouse.duckdb

Re-clusters the run's scored links (`links`, kept down to probability 0.001) at each threshold
under the same constraints as the pipeline, and scores each result against the truth.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--warehouse", required=True)
    args = parser.parse_args()

    import duckdb
    import polars as pl

    from dedup.cluster import cluster_groups
    from dedup.evaluate import score
    from dedup.link import valid_id_keys

    truth = pl.read_csv(args.truth, infer_schema=False)
    with duckdb.connect(args.warehouse, read_only=True) as con:
        records = con.sql(
            "SELECT r.record_uid, r.source, r.record_key, r.id_kind, r.id_number, c.det_group "
            "FROM records r JOIN record_clusters c USING (record_uid)"
        ).pl()
        links = con.sql("SELECT det_group_l, det_group_r, match_probability FROM links").pl()
    groups = valid_id_keys(records, pl.DataFrame(schema={"id_number": pl.Utf8, "id_key": pl.Utf8}))
    print(f"{'阈值':>6} {'成对精确率':>10} {'成对召回率':>10} {'成对F1':>8} {'B-cubed F1':>11}")
    for threshold in THRESHOLDS:
        assignment, _ = cluster_groups(groups, links.filter(pl.col("match_probability") >= threshold))
        xref = records.join(assignment, on="det_group").select(
            "source", "record_key", pl.col("cluster").cast(pl.Utf8).alias("person_id")
        )
        s = score(truth, xref)
        print(
            f"{threshold:>8} {s.pair_precision:>12.4f} {s.pair_recall:>12.4f} {s.pair_f1:>10.4f} {s.bcubed_f1:>11.4f}"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
