"""Matching assets: the standardised openings of the job-postings register and the persons matched to them."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from assets.serve import person_profile, policy_push
from pipelines.resources import WarehouseResource
from warehouse.serve.candidates import build_job_candidates
from warehouse.serve.matching import build_job_match, match_summary
from warehouse.serve.postings import build_job_posting


@asset(
    group_name="match",
    kinds={"polars", "duckdb"},
    deps=[AssetKey("bronze_job_postings"), person_profile],
    description="job_posting（restricted 模式）：岗位需求信息库当前快照的岗位，要求已标准化（学历、学位、职称序号，"
    "专业代码，区县，留学国家），并注明在招、已过截止日期或与其他渠道重复。",
)
def job_posting(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "job_posting") as stage:
        rows = build_job_posting(stage.con)
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[匹配] 岗位 {rows} 个已标准化，{seconds} 秒")
    return MaterializeResult(metadata={"postings": rows, "seconds": seconds})


@asset(
    group_name="match",
    kinds={"duckdb"},
    deps=[job_posting, policy_push],
    description="job_match：每个在招岗位满足全部硬性要求的人才库人员，按专业、区县、留学国家等匹配度排序"
    "（每岗位至多100人），附中文理由；以及匹配所用的 job_candidate、person_major。",
)
def job_match(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "job_match") as stage:
        candidates = build_job_candidates(stage.con)
        rows = build_job_match(stage.con)
        summary = match_summary(stage.con)
        stage.counts.update(
            open_postings=summary.open_postings, postings_with_candidates=summary.with_candidates, matches=rows
        )
    seconds = round(stage.seconds, 2)
    warehouse.report(
        f"[匹配] 在招岗位 {summary.open_postings} 个，其中 {summary.with_candidates} 个有候选人"
        f"（{summary.share:.1%}），匹配 {rows} 条，候选人 {candidates} 人，{seconds} 秒"
    )
    return MaterializeResult(
        metadata={
            "open_postings": summary.open_postings,
            "postings_with_candidates": summary.with_candidates,
            "matches": rows,
            "candidates": candidates,
            "seconds": seconds,
        }
    )


matching_assets = [job_posting, job_match]
