"""`returnees score`: `person_xref` against a generated truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def _score(args: argparse.Namespace) -> int:
    import polars as pl

    from dedup.evaluate import error_categories, format_scores, score
    from warehouse.store.db import connect, table_exists

    truth = pl.read_csv(args.truth, infer_schema=False)
    with connect(Path(args.warehouse), read_only=True) as con:
        xref = con.sql("SELECT source, record_key, person_id FROM person_xref").pl()
        print(format_scores(score(truth, xref)))
        if table_exists(con, "links") and table_exists(con, "record_clusters"):
            registry = con.sql(
                "SELECT r.record_uid, r.source, r.record_key, p.person_id, c.det_group FROM records r "
                "JOIN person_registry p USING (record_uid) JOIN record_clusters c USING (record_uid)"
            ).pl()
            categories = error_categories(
                truth, registry, con.sql("SELECT * FROM links").pl(), con.sql("SELECT * FROM link_refusals").pl()
            )
            print("主要错误类别（人员对数）：")
            for cause, pairs in categories.head(args.top).iter_rows():
                print(f"  {pairs:>7}  {cause}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `score` to the CLI."""
    sc = sub.add_parser("score", help="对照 truth.csv 评估 person_xref")
    sc.add_argument("--truth", required=True)
    sc.add_argument("--warehouse", required=True)
    sc.add_argument("--top", type=int, default=12, help="列出的错误类别数")
    sc.set_defaults(func=_score)
