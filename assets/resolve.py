"""Assets that turn bronze rows into canonical records, links and stable person ids."""

from dataclasses import asdict

import polars as pl
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from dedup.identity import assign_person_ids
from dedup.link import LINK_COLUMNS, ScoreCache, link_records
from dedup.model import model_version
from dedup.records import RAW_FIELDS, STANDARDISE_CHUNK_ROWS, raw_sql, standardise_records
from pipelines.resources import WarehouseResource
from warehouse.store.db import query, scalar, write_table
from warehouse.store.decisions import active_decisions
from warehouse.store.identity_state import previous_identity, write_identity
from warehouse.store.previous import attach_previous, previous_scores

# One row per link that joined two records, whatever produced it, with the reason.
LINK_EVIDENCE_VIEW = """
CREATE OR REPLACE VIEW link_evidence AS
SELECT record_uid_l, record_uid_r, 'splink' AS kind, match_probability, match_weight, accepted,
       NULL AS evidence, COLUMNS('^mw_')
FROM links
UNION ALL BY NAME
SELECT record_uid_l, record_uid_r, 'deterministic' AS kind, 1.0 AS match_probability, NULL AS match_weight,
       true AS accepted, evidence
FROM deterministic_links
"""

BRONZE_KEYS = [AssetKey(f"bronze_{source}") for source in RAW_FIELDS]


@asset(
    group_name="standardise",
    kinds={"polars", "duckdb"},
    deps=BRONZE_KEYS,
    description="records：所有来源的人员记录，统一为一个规范结构（标准化后的证件号、姓名、拼音、日期、电话、国家、院校及其原始值）。",
)
def records(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    run_id = context.run.run_id
    with warehouse.stage(run_id, "records") as stage:
        store = warehouse.segments(stage.con, run_id)
        changes = store.refresh(
            "records",
            raw_sql(lambda source: f"bronze.{source}"),
            key="record_uid",
            hash_column="raw_hash",
            transform=standardise_records,
            chunk_rows=STANDARDISE_CHUNK_ROWS,
            full=warehouse.full_refresh,
        )
        stage.counts.update(asdict(changes))
        by_source = dict(stage.con.execute("SELECT source, count(*) FROM records GROUP BY 1 ORDER BY 1").fetchall())
        valid_ids = scalar(stage.con, "SELECT count(*) FROM records WHERE id_kind = 'RIC'")
    rows = sum(by_source.values())
    warehouse.report(
        f"[标准化] {rows} 条人员记录（新增 {changes.added}，变更 {changes.changed}，"
        f"撤回 {changes.withdrawn}，沿用 {changes.unchanged}），{stage.seconds:.1f} 秒"
    )
    return MaterializeResult(
        metadata={
            "rows": rows,
            **asdict(changes),
            "valid_citizen_ids": valid_ids,
            "by_source": by_source,
            "seconds": round(stage.seconds, 2),
        }
    )


@asset(
    group_name="link",
    kinds={"splink", "duckdb"},
    deps=[records],
    description="record_clusters 与 links：确定性证据分组、Splink 打分的记录对（含各比较项权重）和受约束的聚类。",
)
def record_clusters(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    with warehouse.stage(context.run.run_id, "link") as stage:
        con = stage.con
        frame = query(con, f"SELECT {', '.join(LINK_COLUMNS)} FROM records ORDER BY record_uid")
        reuse = not warehouse.full_refresh and attach_previous(con, warehouse.published())
        previous = previous_scores(con) if reuse else None
        with warehouse.link_engine() as engine:
            result = link_records(
                frame,
                active_decisions(warehouse.published()),
                engine,
                cache=ScoreCache(*previous) if previous else None,
            )
        write_table(con, "record_clusters", result.clusters)
        write_table(con, "links", result.links)
        write_table(con, "link_profiles", result.profile_counts)
        write_table(con, "deterministic_links", result.deterministic)
        con.execute(LINK_EVIDENCE_VIEW)
        write_table(con, "link_refusals", result.refused)
        write_table(con, "decision_conflicts", result.decision_conflicts)
        clusters = result.clusters["cluster"].n_unique()
        stage.counts.update(scored_pairs=result.links.height, clusters=clusters)
    warehouse.report(
        f"[关联] {result.links.height} 对候选, {int(result.links['accepted'].sum())} 对采纳, "
        f"{result.refused.height} 对因约束拒绝, {clusters} 个聚类，{stage.seconds:.1f} 秒"
        f"（引擎 {warehouse.engine}）"
    )
    return MaterializeResult(
        metadata={
            "scored_pairs": result.links.height,
            "accepted_pairs": int(result.links["accepted"].sum()),
            "refused_pairs": result.refused.height,
            "decisions_needing_review": result.decision_conflicts.height,
            "clusters": clusters,
            "model_version": model_version(),
            "engine": warehouse.engine,
            "seconds": round(stage.seconds, 2),
        }
    )


@asset(
    group_name="identity",
    kinds={"duckdb"},
    deps=[record_clusters],
    description="person_xref：每条当前人员记录所属的稳定主数据人员编号；person_id_history 记录编号事件；"
    "person_changes：本次需要重算服务层的人员（记录新增、变更、转入或转出）。",
)
def person_xref(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult[None]:
    run_id = context.run.run_id
    with warehouse.stage(run_id, "person_xref") as stage:
        previous, next_seq = previous_identity(stage.con, warehouse.published())
        clusters = query(stage.con, "SELECT record_uid, cluster FROM record_clusters")
        assignment, events, next_seq = assign_person_ids(clusters, previous, next_seq, run_id)
        store = warehouse.segments(stage.con, run_id)
        changed = write_identity(stage.con, store, assignment, events, next_seq, full=warehouse.full_refresh)
        persons = assignment["person_id"].n_unique()
        churn = _churn(previous, assignment)
        stage.counts.update(persons=persons, id_churn=churn, persons_changed=changed)
    warehouse.report(f"[编号] {persons} 名人员, 既有人员编号变动 {churn}，本次需重算的人员 {changed}")
    return MaterializeResult(
        metadata={"persons": persons, "id_churn": churn, "events": events.height, "persons_changed": changed}
    )


def _churn(previous: pl.DataFrame, assignment: pl.DataFrame) -> int:
    """Existing persons (by previous id) whose records now carry another id."""
    if previous.is_empty():
        return 0
    moved = previous.join(assignment, on="record_uid", suffix="_now").filter(
        pl.col("person_id") != pl.col("person_id_now")
    )
    return moved["person_id"].n_unique()
