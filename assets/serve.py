"""Serving assets: golden records, facts, profiles, policy pushes, the analyst schema and its exports."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets.resolve import person_xref
from pipelines.resources import WarehouseResource
from warehouse.serve.analyst import attach_analyst_file, build_analyst_file, detach_analyst_file
from warehouse.serve.conflicts import build_person_conflicts
from warehouse.serve.context import RESTRICTED, reference_date
from warehouse.serve.dictionary import comment_schema
from warehouse.serve.export import publish_exports, stage_exports
from warehouse.serve.facts import build_facts
from warehouse.serve.golden import build_dim_person
from warehouse.serve.policy import build_policy_push
from warehouse.serve.privacy import findings_summary, record_findings, scan_analyst_file
from warehouse.serve.profile import build_person_profile
from warehouse.serve.returnee import build_returnee_evidence, build_returnee_status


@asset(
    group_name="serve",
    kinds={"polars", "duckdb"},
    deps=[person_xref],
    description="事实表（restricted 模式）：海外教育、就业、社保、档案、外汇留学、职称、成果、申报，以及用人单位表。",
)
def warehouse_facts(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "warehouse_facts") as stage:
        counts = build_facts(stage.con)
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] 事实表 {sum(counts.values())} 行，{seconds} 秒")
    return MaterializeResult(metadata={**counts, "seconds": seconds})


@asset(
    group_name="serve",
    kinds={"duckdb"},
    deps=[warehouse_facts],
    description="dim_person：每名人员一条黄金记录（按来源优先级与最近原则存活，注明来源与记录）；留学回国证据与身份。",
)
def dim_person(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "dim_person") as stage:
        evidence = build_returnee_evidence(stage.con)
        returnees = build_returnee_status(stage.con)
        persons = build_dim_person(stage.con)
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] 黄金记录 {persons} 人，其中留学回国人员 {returnees} 人，{seconds} 秒")
    return MaterializeResult(
        metadata={"persons": persons, "returnees": returnees, "evidence": evidence, "seconds": seconds}
    )


@asset(
    group_name="serve",
    kinds={"duckdb"},
    deps=[dim_person],
    description="person_conflicts：各来源不一致的人员属性（两个有效身份证号、出生日期或性别与身份证号不符、姓名变体等）。",
)
def person_conflicts(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "person_conflicts") as stage:
        rows = build_person_conflicts(stage.con)
        by_kind = dict(
            stage.con.execute(
                "SELECT conflict, count(*) FROM restricted.person_conflicts GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] 属性冲突 {rows} 条，{seconds} 秒")
    return MaterializeResult(metadata={"conflicts": rows, "by_kind": by_kind, "seconds": seconds})


@asset(
    group_name="serve",
    kinds={"duckdb"},
    deps=[dim_person],
    description="person_profile：人员数字画像（学位、留学国家与院校层次、回国与来渝年限、职称、单位、参保、创业、成果、申报、完整度）。",
)
def person_profile(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "person_profile") as stage:
        rows = build_person_profile(stage.con)
        as_of = reference_date(stage.con)
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] 数字画像 {rows} 人（统计日期 {as_of}），{seconds} 秒")
    return MaterializeResult(metadata={"profiles": rows, "as_of": as_of.isoformat(), "seconds": seconds})


@asset(
    group_name="serve",
    kinds={"duckdb"},
    deps=[person_profile],
    description="policy_push：按政策库（warehouse/serve/policies/*.yaml）逐人判定符合/需补充材料/不符合，并给出中文理由。",
)
def policy_push(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "policy_push") as stage:
        rows = build_policy_push(stage.con)
        summary = stage.con.execute(
            "SELECT policy_id || ' ' || status, count(*) FROM restricted.policy_push GROUP BY 1 ORDER BY 1"
        ).fetchall()
    eligible = sum(n for key, n in summary if key.endswith(" eligible"))
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] 政策推送 {rows} 条，其中符合 {eligible} 条，{seconds} 秒")
    return MaterializeResult(metadata={"pushes": rows, "by_status": dict(summary), "seconds": seconds})


@asset(
    group_name="serve",
    kinds={"duckdb"},
    deps=[person_conflicts, policy_push, AssetKey("job_match")],
    description="给 restricted 模式的表和列加中文注释；分析库（数仓旁的 analyst.duckdb）：只有假名化人员表"
    "（出生年份、区县、性别）、无个人信息的维表和小单元格已抑制的统计表，每张表和每一列都有中文注释；与数仓同时发布。",
)
def analyst_file(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    run_id = context.run.run_id
    with warehouse.stage(run_id, "analyst_file") as stage:
        comment_schema(stage.con, RESTRICTED)
        counts = build_analyst_file(stage.con, warehouse.building_analyst(run_id), run_id, reference_date(stage.con))
        detach_analyst_file(stage.con)
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] 分析库 {len(counts)} 张表，{seconds} 秒")
    return MaterializeResult(metadata={**counts, "seconds": seconds})


@asset_check(
    asset=analyst_file,
    blocking=True,
    description="分析库中没有未脱敏的个人信息：任何文本（含自由文本、列表、映射和结构）中没有有效身份证号或手机号，"
    "也没有数仓中任何人员的证件号、护照号、手机号或邮箱；统一社会信用代码等单位标识不算个人信息。",
)
def analyst_file_masked(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    run_id = context.run.run_id
    with warehouse.stage(run_id, "analyst_file_masked") as stage:
        attach_analyst_file(stage.con, warehouse.building_analyst(run_id))
        findings = scan_analyst_file(stage.con)
        record_findings(stage.con, run_id, findings)
        detach_analyst_file(stage.con)
    for finding in findings:
        context.log.error(f"未脱敏的个人信息：{finding.line()}")
    return AssetCheckResult(
        passed=not findings,
        severity=AssetCheckSeverity.ERROR,
        description=findings_summary(findings) + ("" if not findings else "，本次不发布"),
        metadata={
            "findings": MetadataValue.md(
                "\n".join(f"- `{f.table}.{f.column}` {f.kind} {f.example}（{f.values} 个）" for f in findings) or "无"
            ),
            "seconds": round(stage.seconds, 2),
        },
    )


@asset(
    group_name="serve",
    kinds={"parquet", "html"},
    deps=[analyst_file],
    description="分析库的 Parquet 导出与本次运行的 HTML 报告（先写入暂存目录，数仓发布后再移到数仓旁）。",
)
def analyst_exports(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    run_id = context.run.run_id
    with warehouse.stage(run_id, "analyst_exports") as stage:
        attach_analyst_file(stage.con, warehouse.building_analyst(run_id))
        counts = stage_exports(stage.con, warehouse.published(), run_id, reference_date(stage.con))
        detach_analyst_file(stage.con)
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] Parquet 导出与报告已暂存，{seconds} 秒")
    return MaterializeResult(metadata={"objects": len(counts), "rows": sum(counts.values()), "seconds": seconds})


@asset(
    group_name="serve",
    kinds={"parquet", "html"},
    deps=[analyst_exports, AssetKey("published_warehouse")],
    description="数仓发布后，把本次的 Parquet 导出和报告移到数仓旁（parquet/、report.html、reports/）。",
)
def analyst_exports_published(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    paths = publish_exports(warehouse.published(), context.run.run_id)
    if paths:
        warehouse.report(f"[数仓] 报告与 Parquet 导出：{paths[-1]}，{paths[0]}")
    return MaterializeResult(metadata={"paths": MetadataValue.md("\n".join(f"- {p}" for p in paths) or "无")})


serve_assets = [
    warehouse_facts,
    dim_person,
    person_conflicts,
    person_profile,
    policy_push,
    analyst_file,
    analyst_exports,
    analyst_exports_published,
]
serve_checks = [analyst_file_masked]
