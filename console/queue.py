"""The review queue as stewards see it: the run's ranked candidates, less what decisions settled, cut at a budget.

The nightly run ranks its candidates (`review_candidates`, see dedup/review) by the chance that
tonight's resolution is wrong: two persons that may be one (`pair`), a person that may be two
(`person`). The console puts the decisions the current data contradicts (`decision_conflicts`)
first, drops items a decision has settled, marks items touched by a decision made on the
current warehouse as pending (decisions take effect in the next run), and cuts the open items at
the budget: the first `budget` items per 1,000 persons that are at least `MIN_ESTIMATE` likely
wrong form the queue, the rest stay reachable below the cut.

Settling: a person whose every record a confirm, merge or split decision covered is reviewed; a
pair is settled when a decision separates the two persons or both are reviewed. A decision
conflict stays until the decision is undone.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from console.snapshot import Snapshot
from dedup.review.budget import budget_items
from dedup.review.queue import above_cut

# Names shown per queue item.
MAX_NAMES = 4

ITEM_SCHEMA = {
    "candidate": pl.Utf8,
    "kind": pl.Utf8,
    "persons": pl.List(pl.Utf8),
    "estimate": pl.Float64,
    "reasons": pl.List(pl.Utf8),
    "evidence": pl.Utf8,
    "split_record_uids": pl.List(pl.Utf8),
    "decision_id": pl.Int64,
}


@dataclass(frozen=True)
class QueueItem:
    """One entry of the review queue."""

    candidate: str
    kind: str  # pair | person | decision
    persons: list[str]
    names: list[str]
    reasons: list[str]
    evidence: str
    estimate: float
    records: int
    sources: list[str]
    district: str | None
    pending: bool
    decision_ids: list[int]
    split_record_uids: list[str]
    in_budget: bool

    @property
    def pattern(self) -> str:
        """What alike items share: the kind and the reasons (items of one pattern can be settled together)."""
        return f"{self.kind}:{','.join(self.reasons)}"


@dataclass(frozen=True)
class ReviewQueue:
    """The open items in order (decision conflicts, then by estimate), and the budget that cut them."""

    items: list[QueueItem]
    persons: int
    per_thousand: float
    budget: int

    @property
    def queued(self) -> list[QueueItem]:
        """The queue: decision conflicts and the items within the budget, pending ones last."""
        return sorted((i for i in self.items if i.in_budget), key=lambda i: i.pending)

    @property
    def below(self) -> list[QueueItem]:
        """Open items below the cut, most likely wrong first."""
        return [i for i in self.items if not i.in_budget]


def candidates(snapshot: Snapshot, active: pl.DataFrame) -> pl.DataFrame:
    """Decision conflicts, then the run's candidates in rank order (`ITEM_SCHEMA`), before settling."""
    parts = [_decision_conflicts(snapshot, active)]
    if snapshot.has("review_candidates"):
        ranked = snapshot.con.sql(
            "SELECT candidate, kind, person_ids AS persons, estimate, reasons, evidence, split_record_uids, "
            "NULL::BIGINT AS decision_id FROM review_candidates ORDER BY rank"
        ).pl()
        parts.append(ranked)
    return pl.concat([p.cast(ITEM_SCHEMA) for p in parts])  # type: ignore[arg-type]


def _decision_conflicts(snapshot: Snapshot, active: pl.DataFrame) -> pl.DataFrame:
    """Decisions the current data contradicts, as items: certain to need a look (estimate 1)."""
    if not snapshot.has("decision_conflicts"):
        return pl.DataFrame(schema=ITEM_SCHEMA)
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
        pl.format("decision:{}", "decision_id").alias("candidate"),
        pl.lit("decision").alias("kind"),
        "persons",
        pl.lit(1.0).alias("estimate"),
        pl.lit(["decision_conflict"]).alias("reasons"),
        pl.format("决定 #{}：{}", "decision_id", "reason").alias("evidence"),
        pl.lit(None, pl.List(pl.Utf8)).alias("split_record_uids"),
        "decision_id",
    )


def settled(candidates: pl.DataFrame, members: pl.DataFrame, active: pl.DataFrame) -> pl.Series:
    """Whether active decisions settle each candidate (see the module docstring).

    `candidates`: kind, persons; `members`: person_id, record_uid of the persons they name.
    """
    sides = _decision_sides(active)
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
    all_reviewed = pl.col("persons").list.eval(pl.element().is_in(reviewed["person_id"].implode())).list.all()
    return (
        candidates.select("kind", "persons")
        .join(separated, on="persons", how="left", maintain_order="left")
        .select(
            pl.when(pl.col("kind") == "decision")
            .then(pl.lit(False))
            .otherwise(pl.col("separated").fill_null(False) | all_reviewed)
            .alias("settled")
        )
        .to_series()
    )


def _decision_sides(active: pl.DataFrame) -> pl.DataFrame:
    """decision_id, action, uid, side (a or b) of every record an active decision names.

    A `different` of two records puts one on each side; one with `other_record_uids` has two sides.
    """
    sides = pl.concat(
        [
            active.select("decision_id", "action", pl.col("record_uids").alias("uid"), pl.lit("a").alias("side")),
            active.select("decision_id", "action", pl.col("other_record_uids").alias("uid"), pl.lit("b").alias("side")),
        ]
    ).explode("uid")
    two_records = (pl.col("action") == "different") & ~pl.col("side").eq("b").any().over("decision_id")
    return sides.filter(pl.col("uid").is_not_null()).with_columns(
        pl.when(two_records)
        .then(pl.when(pl.col("uid").cum_count().over("decision_id") == 1).then(pl.lit("a")).otherwise(pl.lit("b")))
        .otherwise(pl.col("side"))
        .alias("side")
    )


def build_queue(snapshot: Snapshot, decisions: pl.DataFrame, active: pl.DataFrame, per_thousand: float) -> ReviewQueue:
    """The open queue cut at `per_thousand` items per 1,000 persons.

    `decisions`: every decision (for pending marks); `active`: the decisions in force.
    """
    persons = int(snapshot.con.sql("SELECT count(DISTINCT person_id) FROM person_registry").fetchall()[0][0])
    found = candidates(snapshot, active)
    if found.is_empty():
        return ReviewQueue([], persons, per_thousand, budget_items(persons, per_thousand))
    members = _members(snapshot, found)
    open_items = found.filter(~settled(found, members, active))
    per_person = members.group_by("person_id").agg(
        pl.len().alias("records"),
        pl.col("source").unique().sort().alias("sources"),
        pl.col("name").drop_nulls().unique().sort().alias("names"),
        pl.col("record_uid").is_in(list(_pending_record_uids(decisions, snapshot.run_id))).any().alias("pending"),
        pl.col("district").drop_nulls().first().alias("district"),
    )
    described = (
        open_items.with_row_index("order")
        .explode("persons")
        .join(per_person, left_on="persons", right_on="person_id", how="left")
        .group_by("order", maintain_order=True)
        .agg(
            pl.col("candidate", "kind", "estimate", "reasons", "evidence", "split_record_uids", "decision_id").first(),
            pl.col("persons"),
            pl.col("names")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .drop_nulls()
            .unique()
            .sort()
            .head(MAX_NAMES),
            pl.col("records").sum(),
            pl.col("sources").list.explode(keep_nulls=False, empty_as_null=False).drop_nulls().unique().sort(),
            pl.col("pending").any(),
            pl.col("district").drop_nulls().first(),
        )
    )
    ranked = described.filter(pl.col("kind") != "decision")
    cut = pl.concat(
        [
            pl.Series([True] * (described.height - ranked.height), dtype=pl.Boolean),
            above_cut(ranked["estimate"], persons, per_thousand),
        ]
    )
    items = [
        QueueItem(
            candidate=row["candidate"],
            kind=row["kind"],
            persons=row["persons"],
            names=row["names"],
            reasons=row["reasons"],
            evidence=row["evidence"] or "",
            estimate=row["estimate"],
            records=row["records"] or 0,
            sources=row["sources"],
            district=row["district"],
            pending=bool(row["pending"]),
            decision_ids=[] if row["decision_id"] is None else [int(row["decision_id"])],
            split_record_uids=row["split_record_uids"] or [],
            in_budget=bool(keep),
        )
        for row, keep in zip(described.iter_rows(named=True), cut.to_list(), strict=True)
    ]
    return ReviewQueue(items, persons, per_thousand, budget_items(persons, per_thousand))


def _members(snapshot: Snapshot, found: pl.DataFrame) -> pl.DataFrame:
    """person_id, record_uid, source, name, district of the persons the candidates name."""
    named = found.select(pl.col("persons").explode().alias("person_id")).drop_nulls().unique()
    golden = snapshot.locate("dim_person")
    district = (
        f"LEFT JOIN (SELECT person_id, district FROM {golden}) g USING (person_id)"
        if golden
        else "LEFT JOIN (SELECT NULL::VARCHAR AS person_id, NULL::VARCHAR AS district) g USING (person_id)"
    )
    snapshot.con.register("_named", named.to_arrow())
    try:
        return snapshot.con.sql(
            f"""
            SELECT p.person_id, p.record_uid, r.source, r.name, g.district
            FROM person_registry p JOIN _named USING (person_id) JOIN records r USING (record_uid) {district}
            """
        ).pl()
    finally:
        snapshot.con.unregister("_named")


def _pending_record_uids(decisions: pl.DataFrame, run_id: str | None) -> set[str]:
    """Records named by decisions made on the current warehouse (they take effect next run)."""
    recent = decisions.filter(pl.col("run_id") == run_id) if run_id else decisions.clear()
    uids = pl.concat([recent["record_uids"].explode(), recent["other_record_uids"].explode()]).drop_nulls()
    return set(uids.to_list())


def filter_queue(
    items: list[QueueItem],
    source: str | None,
    reason: str | None,
    pattern: str | None = None,
    district: str | None = None,
) -> list[QueueItem]:
    """Items with a record from `source`, with `reason`, of `pattern` and `district` (any may be None;
    district "" means items without a district).
    """
    return [
        i
        for i in items
        if (not source or source in i.sources)
        and (not reason or reason in i.reasons)
        and (not pattern or i.pattern == pattern)
        and (district is None or (i.district or "") == district)
    ]


@dataclass(frozen=True)
class ItemGroup:
    """Open items alike enough to settle in one action: the same kind and reasons, in one district."""

    kind: str
    reasons: list[str]
    district: str
    items: list[QueueItem]

    @property
    def pattern(self) -> str:
        """The pattern its items share."""
        return self.items[0].pattern

    @property
    def estimates(self) -> tuple[float, float]:
        """The lowest and highest estimate of its items."""
        values = [i.estimate for i in self.items]
        return min(values), max(values)


def alike_groups(items: list[QueueItem]) -> list[ItemGroup]:
    """Groups of open, not yet decided items by kind, reasons and district; the largest first."""
    grouped: dict[tuple[str, str], list[QueueItem]] = {}
    for item in items:
        if item.kind != "decision" and not item.pending:
            grouped.setdefault((item.pattern, item.district or ""), []).append(item)
    groups = [ItemGroup(g[0].kind, g[0].reasons, district, g) for (_, district), g in grouped.items()]
    return sorted(groups, key=lambda g: (-len(g.items), g.pattern, g.district))
