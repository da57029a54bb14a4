"""`returnees quality`: the last run's quality results and the quarantine, as text for the operator."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl

from quality.docs import docs_dir
from warehouse.store.db import connect, query, table_exists

SEVERITY_LABELS = {"block_rows": "阻断行", "reject_delivery": "拒收交付", "warn": "告警", "block_run": "阻断发布"}
MAX_FAILURES = 40


def _newer_builds(warehouse: Path) -> list[Path]:
    """Unpublished build files beside the warehouse that are newer than it (a failed or running run)."""
    published = warehouse.stat().st_mtime
    return sorted(p for p in warehouse.parent.glob(f"{warehouse.name}.*.building") if p.stat().st_mtime > published)


def _sample_text(sample: str | None) -> str:
    items = json.loads(sample or "[]")[:3]
    return "；".join(" ".join(str(v) for v in item.values() if v is not None) for item in items)


def _delivery_section(results: pl.DataFrame, run_id: str) -> list[str]:
    delivery = results.filter(pl.col("scope") == "delivery")
    failed = delivery.filter(pl.col("success").is_null() | ~pl.col("success"))
    lines = [
        "一、交付检查（按来源）",
        f"{'来源':<18}{'文件':>6}{'本次校验':>10}{'沿用':>6}{'规则':>6}{'未通过':>8}{'隔离行':>8}",
    ]
    files = delivery.filter(pl.col("file").is_not_null()).select("source", "delivery_date", "file", "validated_run_id")
    files = files.unique().group_by("source").agg(pl.len().alias("files"), (pl.col("validated_run_id") == run_id).sum())
    blocked = (
        delivery.filter(pl.col("severity") == "block_rows")
        .select("source", "delivery_date", "file", pl.col("failed_line_nos").alias("line_no"))
        .explode("line_no")
        .drop_nulls("line_no")
        .unique()
        .group_by("source")
        .len("blocked")
    )
    per_source = (
        delivery.group_by("source")
        .agg(pl.len().alias("rules"), (pl.col("success").is_null() | ~pl.col("success")).sum().alias("failed"))
        .join(files, on="source", how="left")
        .join(blocked, on="source", how="left")
        .fill_null(0)
        .sort("source")
    )
    for row in per_source.iter_rows(named=True):
        now = row["validated_run_id"]
        lines.append(
            f"{row['source']:<20}{row['files']:>6}{now:>10}{row['files'] - now:>8}"
            f"{row['rules']:>8}{row['failed']:>8}{row['blocked']:>10}"
        )
    if failed.is_empty():
        lines.append("全部规则通过。")
        return lines
    lines.append("未通过的规则：")
    for row in failed.head(MAX_FAILURES).iter_rows(named=True):
        label = SEVERITY_LABELS.get(row["severity"], row["severity"])
        where = " ".join(str(v) for v in (row["source"], row["delivery_date"], row["file"]) if v)
        if row["error"]:
            found = f"无法计算：{row['error']}"
        elif row["unexpected_count"] is not None:
            found = f"不符 {row['unexpected_count']} 行（{row['unexpected_percent'] or 0:.2f}%）"
        else:
            found = "未通过"
        lines.append(f"  [{label}] {where}  {row['rule']}：{row['title']}，{found}")
        if sample := _sample_text(row["sample"]):
            lines.append(f"      样例：{sample}")
    if failed.height > MAX_FAILURES:
        lines.append(f"  …… 另有 {failed.height - MAX_FAILURES} 条")
    return lines


def _warehouse_section(results: pl.DataFrame) -> list[str]:
    rows = results.filter(pl.col("scope") == "warehouse")
    if rows.is_empty():
        return ["三、数仓检查", "本次运行没有执行数仓检查（运行在此之前已停止）。"]
    lines = ["三、数仓检查"]
    for row in rows.iter_rows(named=True):
        verdict = "通过" if row["success"] else "未通过"
        detail = "" if row["success"] else f"，不符 {row['unexpected_count']} 项：{_sample_text(row['sample'])}"
        lines.append(f"  [{verdict}] {row['rule']}：{row['title']}{detail}")
    return lines


def _privacy_section(results: pl.DataFrame) -> list[str]:
    rows = results.filter(pl.col("scope") == "privacy")
    if rows.is_empty():
        return ["五、分析库隐私扫描", "本次运行没有执行隐私扫描（运行在此之前已停止）。"]
    lines = ["五、分析库隐私扫描"]
    for row in rows.iter_rows(named=True):
        if row["success"]:
            lines.append(f"  [通过] {row['title']}")
            continue
        lines.append(f"  [未通过，本次不发布] 发现 {row['unexpected_count']} 处：")
        for item in json.loads(row["sample"] or "[]"):
            lines.append(f"      {item['表']}.{item['列']}  {item['类别']}  {item['样例']}（共 {item['个数']} 个）")
    return lines


def _unpublished_privacy(build: Path) -> list[str]:
    """The privacy findings of an unpublished build (a run the scan stopped), if it has any."""
    try:
        with connect(build, read_only=True) as con:
            if not table_exists(con, "quality_results"):
                return []
            results = query(con, "SELECT * FROM quality_results WHERE scope = 'privacy' AND NOT success")
    except duckdb.Error:
        return []  # still being written by a running run
    return _privacy_section(results)[1:] if not results.is_empty() else []


def _timing_line(con: duckdb.DuckDBPyConnection) -> str:
    if not table_exists(con, "quality_timings"):
        return ""
    steps = dict(con.execute("SELECT step, sum(seconds) FROM quality_timings GROUP BY step").fetchall())
    gx, docs = steps.get("gx", 0), steps.get("gx_docs", 0)
    return (
        f"Great Expectations 用时 {gx + docs:.1f} 秒（等待校验 {gx:.1f} 秒；Data Docs {docs:.1f} 秒）；"
        f"校验数据准备 {steps.get('prepare', 0):.1f} 秒；GE 工作进程导入 {steps.get('gx_import', 0):.1f} 秒"
        "（returnees run 在作业启动前就让它在后台导入；导入未完成时的等待计入等待校验）。"
    )


def quality_report(warehouse: Path) -> str:
    """The report on a warehouse (or build) file; see the module docstring."""
    with connect(warehouse, read_only=True) as con:
        if not table_exists(con, "quality_results"):
            return f"{warehouse} 中没有质量检查结果。"
        results = query(con, "SELECT * FROM quality_results ORDER BY scope, source, delivery_date, file, suite, rule")
        rejected = query(
            con, "SELECT source, delivery_date, reason FROM deliveries WHERE status = 'rejected' ORDER BY 1, 2"
        )
        held = query(
            con, "SELECT source, reason, count(*) AS n FROM quarantine GROUP BY ALL ORDER BY source, n DESC, reason"
        )
        timing = _timing_line(con)
    run_id = results["run_id"][0] if not results.is_empty() else "—"
    lines = [f"质量检查报告：{warehouse}", f"运行：{run_id}"]
    docs = docs_dir(warehouse) / "index.html"
    if docs.is_file():
        lines.append(f"Data Docs（最近一次运行）：{docs}")
    for build in _newer_builds(warehouse):
        lines.append(f"注意：有更新的未发布构建 {build}（运行失败、被阻断或仍在进行），可用 --warehouse 指定它查看。")
        if findings := _unpublished_privacy(build):
            lines += ["  该次运行的分析库隐私扫描未通过，因此没有发布：", *findings]
    lines += ["", *_delivery_section(results, run_id), "", "二、拒收的交付"]
    lines += [f"  {s} {d}：{r}" for s, d, r in rejected.iter_rows()] or ["  无"]
    lines += ["", *_warehouse_section(results), "", "四、隔离区（按来源和原因）"]
    lines += [f"  {s:<18} {n:>8}  {r}" for s, r, n in held.iter_rows()] or ["  隔离区为空"]
    lines += ["", *_privacy_section(results)]
    if timing:
        lines += ["", timing]
    return "\n".join(lines)
