"""The review queue of the night: candidates ranked by the chance that tonight's resolution is wrong."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from assets.resolve import person_xref
from dedup.review.calibration import load_review_model
from dedup.review.features import MEMBER_COLUMNS
from dedup.review.queue import review_candidates
from pipelines.resources import WarehouseResource
from warehouse.store.review import review_inputs, write_review_candidates

# Candidates at least this likely wrong are counted in the run's report.
LIKELY_WRONG = 0.5


@asset(
    group_name="identity",
    kinds={"polars", "duckdb"},
    deps=[person_xref],
    description="review_queue：复核候选项（可能是同一人的两名人员、可能是两个人的一名人员），"
    "按当前结果出错的校准概率排序，附原因和证据；控制台和 returnees queue 读取。",
)
def review_queue(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    model = load_review_model()
    with warehouse.stage(context.run.run_id, "review_queue") as stage:
        candidates = review_candidates(*review_inputs(stage.con, MEMBER_COLUMNS), model)
        write_review_candidates(stage.con, candidates)
    likely = int((candidates["estimate"] >= LIKELY_WRONG).sum())
    seconds = round(stage.seconds, 2)
    warehouse.report(
        f"[复核] {candidates.height} 个候选项，其中 {likely} 个出错的可能不低于 {LIKELY_WRONG:.0%}，{seconds} 秒"
    )
    return MaterializeResult(
        metadata={
            "candidates": candidates.height,
            "likely_wrong": likely,
            "calibration_version": model.version,
            "seconds": seconds,
        }
    )
