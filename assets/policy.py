"""Policy assets: tonight's push events (what each person is told, once per change)."""

from dagster import AssetExecutionContext, MaterializeResult, asset

from assets.serve import dim_person, policy_push
from pipelines.resources import WarehouseResource
from warehouse.serve.push_events import record_push_events


@asset(
    group_name="serve",
    kinds={"duckdb"},
    deps=[policy_push, dim_person],
    description="policy_push_events：与上次发布时已告知的状态比较，记录每人每项已核对政策的状态变化"
    "（新符合、需补充材料、不再符合），逐夜累积，同一变化只告知一次。",
)
def policy_push_events(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "policy_push_events") as stage:
        counts = record_push_events(stage.con, context.run.run_id, warehouse.published())
    seconds = round(stage.seconds, 2)
    warehouse.report(f"[数仓] 政策推送事件 {sum(counts.values())} 条（{counts or '无变化'}），{seconds} 秒")
    return MaterializeResult(metadata={**counts, "events": sum(counts.values()), "seconds": seconds})


policy_assets = [policy_push_events]
