"""The review queue: persons (or pairs of persons) that need a steward, ordered by impact.

Reasons, each found by one query over the published warehouse:
- `decision_conflict` a steward decision the current data contradicts (`decision_conflicts`)
- `two_ids`           a person holding two different valid citizen IDs
- `refused_link`      a link scored above the match threshold that a constraint refused
- `uncertain_link`    a link in the uncertain band between records now in different persons
- `near_miss`         two persons with the same name and birth date
- `weak_link`         records joined by an accepted link of modest probability
- `large`             a person with unusually many records

An item is one person or a pair of persons; its reasons are collected on it. Items that a
steward has already settled leave the queue: a person whose every record was covered by a
confirm, merge or split decision is reviewed, a pair is settled when a decision separates
them or both are reviewed. Items touched by a decision made on the current warehouse are
kept but marked pending, since decisions take effect in the next nightly run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from console.snapshot import Snapshot
from dedup.link import EVIDENCE_THRESHOLD, MATCH_THRESHOLD

# Accepted links below this probability are shown for review.
WEAK_LINK_BELOW = 0.95
# A person is unusually large above max(LARGE_MIN_RECORDS, Q3 + LARGE_IQR_FACTOR × IQR) records.
LARGE_MIN_RECORDS = 10
LARGE_IQR_FACTOR = 3.0
# Impact = records involved × the sum of the item's reason weights.
REASON_WEIGHTS = {
    "decision_conflict": 5,
    "two_ids": 4,
    "refused_link": 3,
    "uncertain_link": 3,
    "near_miss": 2,
    "weak_link": 2,
    "large": 1,
}

# Names shown per queue item.
MAX_NAMES = 4

CANDIDATE_SCHEMA = {"persons": pl.List(pl.Utf8), "reason": pl.Utf8, "detail": pl.Utf8, "decision_id": pl.Int64}

_PERSON_RECORDS = "SELECT p.person_id, r.* FROM person_registry p JOIN records r USING (record_uid)"

_LINKED_PAIRS = """
SELECT a.person_id AS person_l, b.person_id AS person_r, l.match_probability AS p, l.accepted
FROM links l
JOIN person_registry a ON a.record_uid = l.record_uid_l
JOIN person_registry b ON b.record_uid = l.record_uid_r
"""


@dataclass(frozen=True)
class QueueItem:
    """One entry of the review queue."""

    persons: list[str]
    names: list[str]
    reasons: list[str]
    details: list[str]
    records: int
    impact: int
    sources: list[str]
    pending: bool
    decision_ids: list[int]


def candidates(snapshot: Snapshot, active: pl.DataFrame) -> pl.DataFrame:
    """Every (persons, reason, detail) the warehouse gives cause to review, before settling."""
    con = snapshot.con
    parts = [
        con.sql(
            f"""
            SELECT list_sort([person_l, person_r]) AS persons,
                   CASE WHEN max(p) >= {MATCH_THRESHOLD} THEN 'refused_link' ELSE 'uncertain_link' END AS reason,
                   '最高匹配概率 ' || printf('%.1f%%', floor(max(p) * 1000) / 10) AS detail, NULL::BIGINT AS decision_id
            FROM ({_LINKED_PAIRS})
            WHERE person_l <> person_r AND p >= {EVIDENCE_THRESHOLD}
            GROUP BY 1
            """
        ).pl(),
        con.sql(
            f"""
            SELECT [person_l] AS persons, 'weak_link' AS reason,
                   '最低采纳概率 ' || printf('%.1f%%', floor(min(p) * 1000) / 10) AS detail, NULL::BIGINT AS decision_id
            FROM ({_LINKED_PAIRS})
            WHERE person_l = person_r AND accepted AND p < {WEAK_LINK_BELOW}
            GROUP BY person_l
            """
        ).pl(),
        con.sql(
            f"""
            SELECT [person_id] AS persons, 'two_ids' AS reason,
                   string_agg(DISTINCT id_number, '、' ORDER BY id_number) AS detail, NULL::BIGINT AS decision_id
            FROM ({_PERSON_RECORDS}) WHERE id_kind = 'RIC'
            GROUP BY person_id HAVING count(DISTINCT id_number) > 1
            """
        ).pl(),
        con.sql(
            f"""
            WITH dob AS (
                SELECT DISTINCT person_id, name,
                       CASE WHEN id_kind = 'RIC' THEN id_birth_date
                            WHEN birth_precision = 'day' THEN birth_date END AS dob
                FROM ({_PERSON_RECORDS}) WHERE name IS NOT NULL
            )
            SELECT [a.person_id, b.person_id] AS persons, 'near_miss' AS reason,
                   a.name || '，' || strftime(a.dob, '%Y-%m-%d') AS detail, NULL::BIGINT AS decision_id
            FROM dob a JOIN dob b ON a.name = b.name AND a.dob = b.dob AND a.person_id < b.person_id
            """
        ).pl(),
        _large_persons(snapshot),
        _decision_conflicts(snapshot, active),
    ]
    return pl.concat([p.cast(CANDIDATE_SCHEMA) for p in parts]).unique(maintain_order=True)  # type: ignore[arg-type]


def _large_persons(snapshot: Snapshot) -> pl.DataFrame:
    sizes = snapshot.con.sql("SELECT person_id, count(*) AS n FROM person_registry GROUP BY person_id").pl()
    if sizes.is_empty():
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    q1, q3 = sizes["n"].quantile(0.25), sizes["n"].quantile(0.75)
    limit = max(LARGE_MIN_RECORDS, math.floor(q3 + LARGE_IQR_FACTOR * (q3 - q1)))  # type: ignore[operator]
    return sizes.filter(pl.col("n") > limit).select(
        pl.concat_list("person_id").alias("persons"),
        pl.lit("large").alias("reason"),
        pl.format("{} 条记录（通常不超过 {} 条）", "n", pl.lit(limit)).alias("detail"),
        pl.lit(None, pl.Int64).alias("decision_id"),
    )


def _decision_conflicts(snapshot: Snapshot, active: pl.DataFrame) -> pl.DataFrame:
    if not snapshot.has("decision_conflicts"):
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    conflicts = snapshot.con.sql("SELECT decision_id, reason FROM decision_conflicts").pl()
    named = (
        active.select("decision_id", pl.concat_list("record_uids", pl.col("other_record_uids").fill_null([])))
        .rename({"record_uids": "uids"})
        .explode("uids")
    )
    registry = snapshot.con.sql("SELECT record_uid AS uids, person_id FROM person_registry").pl()
    persons = (
        named.join(registry, on="uids", how="left")
        .group_by("decision_id")
        .agg(pl.col("person_id").drop_nulls().unique().sort().alias("persons"))
    )
    return conflicts.join(persons, on="decision_id").select(
        "persons",
        pl.lit("decision_conflict").alias("reason"),
        pl.format("决定 #{}：{}", "decision_id", "reason").alias("detail"),
        "decision_id",
    )


def settled(candidates: pl.DataFrame, members: pl.DataFrame, active: pl.DataFrame) -> pl.DataFrame:
    """Mark each candidate `settled` by active decisions (see the module docstring).

    `members`: person_id, record_uid of the persons the candidates name.
    """
    sides = pl.concat(
        [
            active.select("decision_id", "action", pl.col("record_uids").alias("uid"), pl.lit("a").alias("side")),
            active.select("decision_id", "action", pl.col("other_record_uids").alias("uid"), pl.lit("b").alias("side")),
        ]
    ).explode("uid")
    sides = sides.filter(pl.col("uid").is_not_null()).with_columns(
        # `different` names one record on each side.
        pl.when(pl.col("action") == "different")
        .then(pl.when(pl.col("uid").cum_count().over("decision_id") == 1).then(pl.lit("a")).otherwise(pl.lit("b")))
        .otherwise(pl.col("side"))
        .alias("side")
    )
    touched = members.join(sides, left_on="record_uid", right_on="uid")
    size = members.group_by("person_id").len("size")
    reviewed = (
        touched.filter(pl.col("action").is_in(["confirm", "merge", "split"]))
        .group_by("person_id", "decision_id")
        .agg(pl.col("record_uid").n_unique().alias("covered"))
        .join(size, on="person_id")
        .filter(pl.col("covered") == pl.col("size"))
        .select("person_id")
        .unique()
    )
    separating = touched.filter(pl.col("action").is_in(["different", "split"])).select(
        "decision_id", "person_id", "side"
    )
    separated = (
        separating.join(separating, on="decision_id", suffix="_o")
        .filter((pl.col("side") != pl.col("side_o")) & (pl.col("person_id") < pl.col("person_id_o")))
        .select(pl.concat_list("person_id", "person_id_o").alias("persons"))
        .unique()
        .with_columns(pl.lit(True).alias("separated"))
    )
    reviewed_set = set(reviewed["person_id"].to_list())
    with_separation = candidates.join(separated, on="persons", how="left")
    return with_separation.with_columns(
        pl.when(pl.col("reason") == "decision_conflict")
        .then(pl.lit(False))
        .otherwise(
            pl.col("separated").fill_null(False)
            | pl.col("persons").list.eval(pl.element().is_in(list(reviewed_set))).list.all()
        )
        .alias("settled")
    ).drop("separated")


def build_queue(snapshot: Snapshot, decisions: pl.DataFrame, active: pl.DataFrame) -> list[QueueItem]:
    """The open queue, ordered by pending last, then impact, then person ids.

    `decisions`: every decision (for pending marks); `active`: the decisions in force.
    """
    found = candidates(snapshot, active)
    if found.is_empty():
        return []
    con = snapshot.con
    named = found.select(pl.col("persons").explode().alias("person_id")).drop_nulls().unique()
    con.register("_named", named.to_arrow())
    try:
        members = con.sql(
            "SELECT p.person_id, p.record_uid, r.source, r.name FROM person_registry p "
            "JOIN _named USING (person_id) JOIN records r USING (record_uid)"
        ).pl()
    finally:
        con.unregister("_named")
    open_items = settled(found, members, active).filter(~pl.col("settled"))
    pending_uids = _pending_record_uids(decisions, snapshot.run_id)
    per_person = {
        row["person_id"]: row
        for row in members.group_by("person_id")
        .agg(
            pl.len().alias("records"),
            pl.col("source").unique().alias("sources"),
            pl.col("name").drop_nulls().unique().alias("names"),
            pl.col("record_uid").is_in(list(pending_uids)).any().alias("pending"),
        )
        .iter_rows(named=True)
    }
    items = []
    for row in (
        open_items.group_by("persons", maintain_order=True)
        .agg("reason", "detail", pl.col("decision_id").drop_nulls())
        .iter_rows(named=True)
    ):
        stats = [per_person[p] for p in row["persons"] if p in per_person]
        reasons = sorted(set(row["reason"]), key=list(REASON_WEIGHTS).index)
        records = sum(s["records"] for s in stats)
        items.append(
            QueueItem(
                persons=list(row["persons"]),
                names=sorted({n for s in stats for n in s["names"]})[:MAX_NAMES],
                reasons=reasons,
                details=row["detail"],
                records=records,
                impact=max(records, 1) * sum(REASON_WEIGHTS[r] for r in reasons),
                sources=sorted({src for s in stats for src in s["sources"]}),
                pending=any(s["pending"] for s in stats),
                decision_ids=[int(d) for d in row["decision_id"]],
            )
        )
    return sorted(items, key=lambda i: (i.pending, -i.impact, i.persons))


def _pending_record_uids(decisions: pl.DataFrame, run_id: str | None) -> set[str]:
    """Records named by decisions made on the current warehouse (they take effect next run)."""
    recent = decisions.filter(pl.col("run_id") == run_id) if run_id else decisions.clear()
    uids = pl.concat([recent["record_uids"].explode(), recent["other_record_uids"].explode()]).drop_nulls()
    return set(uids.to_list())


def filter_queue(items: list[QueueItem], source: str | None, reason: str | None) -> list[QueueItem]:
    """Items with a record from `source` and with `reason` (either may be None)."""
    return [i for i in items if (not source or source in i.sources) and (not reason or reason in i.reasons)]
