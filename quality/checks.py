"""What each Dagster asset check reports, computed from this build's `quality_results` (no Dagster here).

A check fails when any of its rules failed. Failures the gate handled (rows quarantined, a
delivery rejected, a warning) are reported with WARN severity; ERROR (which blocks downstream
assets and publishing) means the build cannot be trusted: a warehouse rule failed, GE could not
evaluate a rule, or bronze still holds rows the gate removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from quality.results import ensure_quality_tables
from quality.rules import DELIVERY_SUITE, ROWS_SUITE, Severity
from warehouse.store.bronze import bronze_tables
from warehouse.store.db import query, scalar


@dataclass(frozen=True)
class BronzeCheck:
    """A Dagster check on each bronze asset: which of the source's results it reports."""

    name: str
    suite: str
    severities: tuple[Severity, ...]
    description: str
    breach: str | None  # the gate breach it verifies in the written bronze tables (see _BREACH_SQL)
    blocking: bool

    def select(self, results: pl.DataFrame) -> pl.DataFrame:
        """This check's rows of a source's results."""
        return results.filter((pl.col("suite") == self.suite) & pl.col("severity").is_in(list(self.severities)))


BRONZE_CHECKS = (
    BronzeCheck(
        "delivery_structure",
        DELIVERY_SUITE,
        (Severity.REJECT_DELIVERY, Severity.WARN),
        "交付结构与记录数：契约表头齐全、读取记录数与清单一致、较上一交付没有骤降；不通过的交付被拒收。",
        "rejected",
        True,
    ),
    BronzeCheck(
        "row_rules",
        ROWS_SUITE,
        (Severity.BLOCK_ROWS,),
        "行级阻断规则：必填字段非空、枚举值在契约集合内；不符合的行进入隔离区。",
        "blocked",
        True,
    ),
    BronzeCheck(
        "warning_rules",
        ROWS_SUITE,
        (Severity.WARN,),
        "告警规则：身份证号校验通过率、日期可解析且合理、回国晚于出国、统一社会信用代码格式。",
        None,
        False,
    ),
)
MAX_TABLE_ROWS = 30


@dataclass
class CheckSummary:
    """One check's verdict and what to show for it."""

    passed: bool
    blocking: bool  # the failure must stop downstream assets (ERROR severity)
    description: str
    counts: dict[str, int | float] = field(default_factory=dict)
    table: str = ""  # markdown table of the failing rules
    samples: dict[str, Any] = field(default_factory=dict)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}%"


def _table(failed: pl.DataFrame) -> str:
    lines = ["| 规则 | 说明 | 级别 | 交付 | 文件 | 不符数 | 比例 | 样例 |", "|---|---|---|---|---|---|---|---|"]
    for row in failed.head(MAX_TABLE_ROWS).iter_rows(named=True):
        sample = json.loads(row["sample"] or "[]")[:3]
        example = "；".join(json.dumps(s, ensure_ascii=False) for s in sample).replace("|", "\\|")
        count = row["unexpected_count"] if row["error"] is None else f"出错：{row['error']}"
        cells = [row["rule"], row["title"], row["severity"], row["delivery_date"], row["file"], count]
        cells += [_percent(row["unexpected_percent"]), example]
        lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    if failed.height > MAX_TABLE_ROWS:
        lines.append(f"| … | 另有 {failed.height - MAX_TABLE_ROWS} 条 |  |  |  |  |  |  |")
    return "\n".join(lines)


def summarise(results: pl.DataFrame, run_id: str, breaches: int = 0) -> CheckSummary:
    """The verdict over some results (one check's rules) of this run; `breaches`: rows the gate failed to hold."""
    failed = results.filter(pl.col("success").is_null() | ~pl.col("success"))
    errors = results.filter(pl.col("error").is_not_null())
    files = results.filter(pl.col("file").is_not_null()).select("delivery_date", "file", "validated_run_id").unique()
    blocked = (
        failed.filter(pl.col("severity") == Severity.BLOCK_ROWS)
        .select("delivery_date", "file", pl.col("failed_line_nos").alias("line_no"))
        .explode("line_no")
        .drop_nulls()
        .unique()
        .height
    )
    hard = failed.filter(pl.col("severity") == Severity.BLOCK_RUN)
    rejected = failed.filter(pl.col("severity") == Severity.REJECT_DELIVERY).select("delivery_date").n_unique()
    counts: dict[str, int | float] = {
        "rules_evaluated": results.height,
        "rules_failed": failed.height,
        "unexpected_total": int(failed["unexpected_count"].fill_null(0).sum()),
    }
    if (results["scope"] == "delivery").any():
        counts |= {
            "files_validated_now": files.filter(pl.col("validated_run_id") == run_id).height,
            "files_reused": files.filter(pl.col("validated_run_id") != run_id).height,
            "rows_quarantined": blocked,
            "deliveries_rejected": rejected,
        }
    if breaches:
        counts["gate_breaches"] = breaches
    worst = failed["unexpected_percent"].max()
    if isinstance(worst, int | float):
        counts["max_unexpected_percent"] = round(float(worst), 4)
    blocking = not errors.is_empty() or breaches > 0 or not hard.is_empty()
    if results.is_empty():
        description = "本次没有需要检查的数据。"
    elif failed.is_empty() and not breaches:
        description = f"{results.height} 条规则全部通过。"
    else:
        parts = [f"{failed.height}/{results.height} 条规则未通过"]
        if blocked:
            parts.append(f"{blocked} 行已隔离")
        if rejected:
            parts.append(f"{rejected} 个交付被拒收")
        if not errors.is_empty():
            parts.append(f"{errors.height} 条规则无法计算")
        if breaches:
            parts.append(f"bronze 中仍有 {breaches} 行应被拦截")
        if not hard.is_empty():
            parts.append("数仓不得发布")
        description = "，".join(parts) + "。"
    samples = {
        f"{r['rule']} {r['file'] or ''}".strip(): json.loads(r["sample"] or "[]")
        for r in failed.head(MAX_TABLE_ROWS).iter_rows(named=True)
    }
    return CheckSummary(
        passed=failed.is_empty() and not breaches,
        blocking=blocking,
        description=description,
        counts=counts,
        table=_table(failed) if not failed.is_empty() else "",
        samples=samples,
    )


_BREACH_SQL = {
    # rows of a delivery the build records as rejected
    "rejected": "EXISTS (SELECT 1 FROM deliveries d WHERE d.source = b.source AND d.delivery_date = b.delivery_date"
    " AND d.status = 'rejected')",
    # rows this run's results list as failing a block_rows rule
    "blocked": "EXISTS (SELECT 1 FROM (SELECT delivery_date, file, unnest(failed_line_nos) AS line_no"
    " FROM quality_results WHERE scope = 'delivery' AND source = b.source AND severity = 'block_rows') f"
    " WHERE f.delivery_date = b.delivery_date AND f.file = b.file AND f.line_no = b.line_no)",
}


def gate_breaches(con: duckdb.DuckDBPyConnection, source: str, kind: str) -> int:
    """Rows in this build's bronze tables of the source that the gate should have kept out (`rejected`/`blocked`)."""
    ensure_quality_tables(con)
    tables = [t for t in bronze_tables(con) if t == source or t.startswith(f"{source}__")]
    return sum(scalar(con, f"SELECT count(*) FROM bronze.{table} b WHERE {_BREACH_SQL[kind]}") for table in tables)


def blocking_failures(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Results of this build that forbid publishing: failed warehouse rules and rules GE could not evaluate."""
    ensure_quality_tables(con)
    return query(
        con,
        """
        SELECT scope, source, rule, title, unexpected_count, error FROM quality_results
        WHERE (severity = 'block_run' AND success IS DISTINCT FROM true) OR error IS NOT NULL
        ORDER BY scope, source, rule
        """,
    )
