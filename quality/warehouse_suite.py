"""Warehouse suites: what must hold of a build before it may be published.

Each suite is a small frame computed in DuckDB and validated with Great Expectations:
- `xref`: one row per record key of `records` or `person_xref`: in person_xref exactly once, a
  current record, and not a quarantined row;
- `persons`: one row per person id: at least one record;
- `citizen_ids`: one row per valid citizen ID: held by one person only;
- `files` / `person_files`: row accounting per delivered file (see quality.accounting).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from quality.accounting import file_accounting, record_accounting
from quality.docs import build_run_docs
from quality.gx_worker import RemoteGxSession, gx_session
from quality.prepare import SENSITIVE_FIELDS, mask
from quality.results import RESULT_SCHEMA, TIMING_SCHEMA, VALIDATION_SCHEMA, replace_results
from quality.rules import Rule, Severity, default_config
from warehouse.store.db import query

SCOPE = "warehouse"


def _between(suite: str, name: str, title: str, column: str, low: int | None, high: int | None) -> Rule:
    bounds = {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None}
    return Rule(name, title, Severity.BLOCK_RUN, suite, "ExpectColumnValuesToBeBetween", {"column": column, **bounds})


@dataclass(frozen=True)
class Suite:
    """A warehouse suite: the frame it validates (see `suite_frames`), its id column and its rules."""

    name: str
    id_column: str
    rules: tuple[Rule, ...]


SUITES = (
    Suite(
        "xref",
        "key",
        (
            _between(
                "xref", "xref_exactly_once", "每条未隔离的人员记录在 person_xref 中恰好出现一次", "xref_rows", 1, 1
            ),
            _between(
                "xref", "xref_only_current_records", "person_xref 中每一行对应一条当前人员记录", "record_rows", 1, 1
            ),
            _between(
                "xref", "xref_not_quarantined", "隔离区中的行不进入 records 和 person_xref", "quarantined_rows", 0, 0
            ),
        ),
    ),
    Suite(
        "persons",
        "person_id",
        (_between("persons", "persons_have_records", "每个人员编号至少对应一条记录", "records", 1, None),),
    ),
    Suite(
        "citizen_ids",
        "id_number",
        (_between("citizen_ids", "citizen_id_one_person", "同一有效公民身份号码只属于一个人员", "persons", None, 1),),
    ),
    Suite(
        "files",
        "key",
        (_between("files", "file_accounting", "每个文件：读取行数 = 入库行数 + 隔离行数", "unaccounted", 0, 0),),
    ),
    Suite(
        "person_files",
        "key",
        (
            _between(
                "person_files", "records_accounting", "每个人员文件：入库行数 = records 中的记录数", "unaccounted", 0, 0
            ),
        ),
    ),
)

# The Dagster checks on person_xref: description and the rules each reports.
CHECKS = {
    "xref_complete": (
        "每条未隔离的人员记录在 person_xref 中恰好出现一次，且不含隔离区中的行。",
        ("xref_exactly_once", "xref_only_current_records", "xref_not_quarantined"),
    ),
    "persons_have_records": ("每个人员编号至少对应一条记录。", ("persons_have_records",)),
    "citizen_id_one_person": ("同一有效公民身份号码只属于一个人员。", ("citizen_id_one_person",)),
    "row_accounting": (
        "每个文件：读取行数 = 入库行数 + 隔离行数；人员文件的入库行数 = records 中的记录数。",
        ("file_accounting", "records_accounting"),
    ),
}


def suite_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """The frame of every warehouse suite, computed from this build's tables."""
    xref = query(
        con,
        """
        WITH r AS (SELECT source, record_key, count(*) AS n FROM records GROUP BY ALL),
        x AS (SELECT source, record_key, count(*) AS n FROM person_xref GROUP BY ALL),
        q AS (
            SELECT r.source, r.record_key, count(*) AS n
            FROM records r JOIN quarantine q USING (source, delivery_date, file, line_no) GROUP BY ALL
        )
        SELECT source || ':' || record_key AS key, coalesce(x.n, 0) AS xref_rows, coalesce(r.n, 0) AS record_rows,
               coalesce(q.n, 0) AS quarantined_rows
        FROM r FULL JOIN x USING (source, record_key) LEFT JOIN q USING (source, record_key)
        """,
    )
    persons = query(
        con,
        """
        SELECT p.person_id, count(x.record_key) AS records
        FROM (SELECT DISTINCT person_id FROM person_registry) p LEFT JOIN person_xref x USING (person_id)
        GROUP BY ALL
        """,
    )
    citizen_ids = query(
        con,
        """
        SELECT r.id_number, count(DISTINCT p.person_id) AS persons
        FROM records r JOIN person_registry p USING (record_uid)
        WHERE r.id_number IS NOT NULL GROUP BY ALL
        """,
    )
    key = pl.concat_str("source", "delivery_date", "file", separator="/").alias("key")
    files = file_accounting(con).select(key, "rows_read", "rows_kept", "rows_quarantined", "unaccounted")
    person_files = record_accounting(con).select(key, "rows_kept", "records", "unaccounted")
    return {"xref": xref, "persons": persons, "citizen_ids": citizen_ids, "files": files, "person_files": person_files}


def _samples(frame: pl.DataFrame, id_column: str, ids: list[Any], size: int) -> list[dict[str, Any]]:
    picked = frame.filter(pl.col(id_column).is_in(ids[:size]))
    if id_column in SENSITIVE_FIELDS:
        picked = picked.with_columns(pl.col(id_column).map_elements(mask, return_dtype=pl.Utf8))
    return list(picked.iter_rows(named=True))


def run_warehouse_suites(
    con: duckdb.DuckDBPyConnection, session: RemoteGxSession, run_id: str, sample_size: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate every warehouse suite; result and validation rows for the quality tables."""
    frames = suite_frames(con)
    results, validations = [], []
    for suite in SUITES:
        frame = frames[suite.name]
        validation = session.validate(
            frame, list(suite.rules), f"warehouse.{suite.name}", f"warehouse__{run_id}", suite.id_column
        )
        for outcome in validation.outcomes:
            sample = _samples(frame, suite.id_column, outcome.failed_ids, sample_size)
            results.append(
                {
                    "run_id": run_id,
                    "validated_run_id": run_id,
                    "scope": SCOPE,
                    "suite": suite.name,
                    "rule": outcome.rule.name,
                    "title": outcome.rule.title,
                    "severity": outcome.rule.severity.value,
                    "success": outcome.success,
                    "element_count": outcome.element_count,
                    "unexpected_count": outcome.unexpected_count,
                    "unexpected_percent": outcome.unexpected_percent,
                    "sample": json.dumps(sample, ensure_ascii=False, default=str),
                    "error": outcome.error,
                }
            )
        validations.append(
            {
                "run_id": run_id,
                "validated_run_id": run_id,
                "scope": SCOPE,
                "suite": validation.suite,
                "batch": validation.batch,
                "result_json": validation.result_json,
            }
        )
    return (
        pl.DataFrame(results, schema=RESULT_SCHEMA, orient="row") if results else pl.DataFrame(schema=RESULT_SCHEMA),
        pl.DataFrame(validations, schema=VALIDATION_SCHEMA, orient="row"),
    )


def check_warehouse(con: duckdb.DuckDBPyConnection, published: Path, run_id: str) -> tuple[pl.DataFrame, Path]:
    """Run the warehouse suites, build the run's Data Docs, store both; the results and the docs index."""
    with gx_session() as session:
        results, validations = run_warehouse_suites(con, session, run_id, default_config().sample_size)
        validated = session.seconds
        index = build_run_docs(con, session, published, run_id, validations)
    timings = pl.DataFrame(
        [
            (run_id, SCOPE, "gx_import", session.import_seconds),
            (run_id, SCOPE, "gx", validated),  # waiting for the worker's validations; the docs come next
            (run_id, SCOPE, "gx_docs", session.seconds - validated),
        ],
        schema=TIMING_SCHEMA,
        orient="row",
    )
    replace_results(con, SCOPE, None, results, validations, timings)
    return results, index
