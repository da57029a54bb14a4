"""Split and false-merge shares per group of people, from a finished run.

    .venv/bin/python benchmarks/groups.py --truth DIR/truth.csv --persons DIR/persons.csv \
        --warehouse DIR/warehouse.duckdb

`persons.csv` labels the true persons (`true_person_id` or `person_id`, plus label columns such as
residency=hong_kong, is_namesake, has_renewed_passport); see `dedup.evaluate.person_groups`. Prints
the pair and B-cubed scores, then per group how many people were split into several persons and how
many were merged with someone else.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--persons", required=True)
    parser.add_argument("--warehouse", required=True)
    args = parser.parse_args()

    import duckdb
    import polars as pl

    from dedup.evaluate import format_group_errors, format_scores, group_errors, score

    truth = pl.read_csv(args.truth, infer_schema=False)
    persons = pl.read_csv(args.persons, infer_schema=False)
    with duckdb.connect(args.warehouse, read_only=True) as con:
        xref = con.sql("SELECT source, record_key, person_id FROM person_xref").pl()
    print(format_scores(score(truth, xref)))
    print(format_group_errors(group_errors(truth, xref, persons)))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
