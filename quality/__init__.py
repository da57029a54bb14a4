"""Quality gates: Great Expectations suites on each delivery and on the build, and row accounting.

`gate` runs inside each bronze asset (block rows, reject deliveries); `warehouse_suite` checks the
build before it is published; `checks` turns stored results into Dagster asset checks; `report`
is the `returnees quality` text. Rules and thresholds: `rules.py` and `rules.yaml`.
"""
