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

The open queue is kept as one frame (tens of thousands of rows at 200,000 persons); names and
evidence are read only for the items a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from console.snapshot import Snapshot
from dedup.review.budget import budget_items
from dedup.review.queue import above_cut
from warehouse.store.db import query

# Names shown per queue item.
MAX_NAMES = 4

ITEM_SCHEMA = pl.Schema(
    {
        "candidate": pl.Utf8(),
        "kind": pl.Utf8(),
        "persons": pl.List(pl.Utf8()),
        "estimate": pl.Float64(),
        "reasons": pl.List(pl.Utf8()),
        "decision_id": pl.Int64(),
    }
)
# A decision conflict's evidence (candidates keep theirs in `review_candidates`).
CONFLICT_EVIDENCE_SCHEMA = pl.Schema({"candidate": pl.Utf8, "evidence": pl.Utf8})


@dataclass(frozen=True)
class QueueItem:
    """One entry of the review queue, as a page shows it."""

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
    in_budget: bool


@dataclass(frozen=True)
class ItemGroup:
    """Open items alike enough to settle in one action: the same kind and reasons, in one district."""

    kind: str
    reasons: list[str]
    district: str
    candidates: list[str]
    persons: list[list[str]]
    lowest: float
    highest: float

    @property
    def pattern(self) -> str:
        """What its items share: kind and reasons."""
        return f"{self.kind}:{','.join(self.reasons)}"


@dataclass(frozen=True)
class ReviewQueue:
    """The open items (decision conflicts, then by estimate) with `in_budget`, `pending`, `sources`,
    `district`, `pattern`; and the budget that cut them.
    """

    items: pl.DataFrame
    conflict_evidence: pl.DataFrame
    persons: int
    per_thousand: float
    budget: int

    @property
    def queued(self) -> pl.DataFrame:
        """The queue: decision conflicts and the items within the budget, pending ones last."""
        return self.items.filter("in_budget").sort("pending", maintain_order=True)

    @property
    def below(self) -> pl.DataFrame:
        """Open items below the cut, most likely wrong first."""
        return self.items.filter(~pl.col("in_budget"))


def candidates(snapshot: Snapshot, active: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Decision conflicts, then the run's candidates in rank order (`ITEM_SCHEMA`), before settling;
    and the conflicts' evidence (candidate, evidence).
    """
    conflicts = _decision_conflicts(snapshot, active)
    parts = [conflicts.select(list(ITEM_SCHEMA))]
    if snapshot.has("review_candidates"):
        parts.append(
            query(
                snapshot.con,
                "SELECT candidate, kind, person_ids AS persons, estimate, reasons, NULL::BIGINT AS decision_id "
                "FROM review_candidates ORDER BY rank",
            )
        )
    found = pl.concat([p.cast(ITEM_SCHEMA) for p in parts])
    return found, conflicts.select(list(CONFLICT_EVIDENCE_SCHEMA))


def _decision_conflicts(snapshot: Snapshot, active: pl.DataFrame) -> pl.DataFrame:
    """Decisions the current data contradicts, as items: certain to need a look (estimate 1)."""
    schema = pl.Schema({**ITEM_SCHEMA, **CONFLICT_EVIDENCE_SCHEMA})
    if not snapshot.has("decision_conflicts"):
        return pl.DataFrame(schema=schema)
    conflicts = query(snapshot.con, "SELECT decision_id, reason FROM decision_conflicts")
    named = (
        active.filter(pl.col("decision_id").is_in(conflicts["decision_id"].implode()))
        .select("decision_id", pl.concat_list("record_uids", pl.col("other_record_uids").fill_null([])))
        .rename({"record_uids": "uid"})
        .explode("uid")
    )
    persons = (
        named.join(_owners(snapshot.con, named["uid"]), on="uid", how="left")
        .group_by("decision_id")
        .agg(pl.col("person_id").drop_nulls().unique().sort().alias("persons"))
    )
    return (
        conflicts.join(persons, on="decision_id")
        .select(
            pl.format("decision:{}", "decision_id").alias("candidate"),
            pl.lit("decision").alias("kind"),
            "persons",
            pl.lit(1.0).alias("estimate"),
            pl.lit(["decision_conflict"]).alias("reasons"),
            "decision_id",
            pl.format("决定 #{}：{}", "decision_id", "reason").alias("evidence"),
        )
        .cast(schema)
    )


def _owners(con: duckdb.DuckDBPyConnection, uids: pl.Series) -> pl.DataFrame:
    """uid, person_id of these records in the current warehouse."""
    con.register("_uids", pl.DataFrame({"uid": uids.drop_nulls().unique()}).to_arrow())
    try:
        return query(con, "SELECT u.uid, p.person_id FROM _uids u JOIN person_registry p ON p.record_uid = u.uid")
    finally:
        con.unregister("_uids")


def settled(candidates: pl.DataFrame, members: pl.DataFrame, active: pl.DataFrame) -> pl.Series:
    """Whether active decisions settle each candidate (see the module docstring).

    `candidates`: kind, persons; `members`: person_id, record_uid of (at least) the persons the
    decisions touch.
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
    con = snapshot.con
    persons = _person_count(snapshot)
    found, conflict_evidence = candidates(snapshot, active)
    decided = pl.concat([active["record_uids"].explode(), active["other_record_uids"].explode()])
    touched = _owners(con, decided).select("person_id").unique()
    members = _records_of(con, touched)
    open_items = found.filter(~settled(found, members, active))
    pending = _owners(con, _pending_record_uids(decisions, snapshot.run_id))["person_id"].unique()
    ranked = open_items["kind"] != "decision"
    # Decision conflicts (first) are always in the queue and take no room in the budget.
    in_budget = pl.Series("in_budget", [True] * (open_items.height - int(ranked.sum())), dtype=pl.Boolean).append(
        above_cut(open_items.filter(ranked)["estimate"], persons, per_thousand)
    )
    items = (
        open_items.with_columns(
            pl.col("persons").list.eval(pl.element().is_in(pending.implode())).list.any().alias("pending"),
            (pl.col("kind") + ":" + pl.col("reasons").list.join(",")).alias("pattern"),
        )
        .with_columns(in_budget)
        .join(_item_places(con, open_items), on="candidate", how="left", maintain_order="left")
    )
    return ReviewQueue(items, conflict_evidence, persons, per_thousand, budget_items(persons, per_thousand))


def _person_count(snapshot: Snapshot) -> int:
    """How many persons the warehouse holds (from the run log when it has the count)."""
    counted = (
        snapshot.con.execute("SELECT persons_total FROM run_log ORDER BY finished_at DESC LIMIT 1").fetchall()
        if snapshot.has("run_log")
        else []
    )
    if counted and counted[0][0] is not None:
        return int(counted[0][0])
    return int(snapshot.con.execute("SELECT count(DISTINCT person_id) FROM person_registry").fetchall()[0][0])


def _records_of(con: duckdb.DuckDBPyConnection, persons: pl.DataFrame) -> pl.DataFrame:
    """person_id, record_uid of these persons."""
    con.register("_persons", persons.to_arrow())
    try:
        return query(con, "SELECT p.person_id, p.record_uid FROM person_registry p JOIN _persons USING (person_id)")
    finally:
        con.unregister("_persons")


def _item_places(con: duckdb.DuckDBPyConnection, items: pl.DataFrame) -> pl.DataFrame:
    """candidate, sources (of all its persons' records), district (its first person's with one),
    from the golden records (`dim_person`: `sources`, `district`).
    """
    golden = _golden(con)
    if golden is None:
        return pl.DataFrame(schema={"candidate": pl.Utf8, "sources": pl.List(pl.Utf8), "district": pl.Utf8})
    named = items.select("candidate", "persons").explode("persons").with_row_index("position")
    con.register("_named", named.to_arrow())
    try:
        return query(
            con,
            f"""
            SELECT n.candidate, list_sort(list_distinct(flatten(list(g.sources)))) AS sources,
                   arg_min(g.district, n.position) FILTER (g.district IS NOT NULL) AS district
            FROM _named n LEFT JOIN {golden} g ON g.person_id = n.persons
            GROUP BY n.candidate
            """,
        )
    finally:
        con.unregister("_named")


def _golden(con: duckdb.DuckDBPyConnection) -> str | None:
    """Where the golden records are (main, else restricted), if anywhere."""
    for schema in ("main", "restricted"):
        found = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'dim_person'", [schema]
        ).fetchall()[0][0]
        if found:
            return f"{schema}.dim_person"
    return None


def _pending_record_uids(decisions: pl.DataFrame, run_id: str | None) -> pl.Series:
    """Records named by decisions made on the current warehouse (they take effect next run)."""
    recent = decisions.filter(pl.col("run_id") == run_id) if run_id else decisions.clear()
    return pl.concat([recent["record_uids"].explode(), recent["other_record_uids"].explode()]).drop_nulls()


def filter_items(
    items: pl.DataFrame,
    source: str | None = None,
    reason: str | None = None,
    pattern: str | None = None,
    district: str | None = None,
) -> pl.DataFrame:
    """Items with a record from `source`, with `reason`, of `pattern` and in `district` (any may be None;
    district "" means items without a district).
    """
    test = pl.lit(True)
    if source:
        test &= pl.col("sources").list.contains(source)
    if reason:
        test &= pl.col("reasons").list.contains(reason)
    if pattern:
        test &= pl.col("pattern") == pattern
    if district is not None:
        test &= pl.col("district").fill_null("") == district
    return items.filter(test)


def reason_counts(items: pl.DataFrame) -> dict[str, int]:
    """How many items carry each reason."""
    counted = items.select(pl.col("reasons").explode().value_counts()).unnest("reasons")
    return dict(counted.iter_rows())


def shown_items(snapshot: Snapshot, queue: ReviewQueue, page: pl.DataFrame) -> list[QueueItem]:
    """The items of `page` (rows of `queue.items`) with names, evidence and records read for them alone."""
    con = snapshot.con
    con.register("_page", page.select("candidate", "persons").to_arrow())
    try:
        stored = (
            query(
                con, "SELECT c.candidate, c.evidence, c.records FROM review_candidates c JOIN _page USING (candidate)"
            )
            if snapshot.has("review_candidates")
            else pl.DataFrame(schema={"candidate": pl.Utf8, "evidence": pl.Utf8, "records": pl.Int64})
        )
        named = query(
            con,
            """
            SELECT pg.candidate, list_sort(list(DISTINCT r.name) FILTER (r.name IS NOT NULL)) AS names,
                   count(*) AS person_records
            FROM (SELECT candidate, unnest(persons) AS person_id FROM _page) pg
            JOIN person_registry p USING (person_id) JOIN records r USING (record_uid)
            GROUP BY pg.candidate
            """,
        )
    finally:
        con.unregister("_page")
    evidence = pl.concat(
        [stored.select("candidate", "evidence"), queue.conflict_evidence.cast(CONFLICT_EVIDENCE_SCHEMA)]
    )
    rows = (
        page.join(evidence, on="candidate", how="left", maintain_order="left")
        .join(stored.select("candidate", "records"), on="candidate", how="left", maintain_order="left")
        .join(named, on="candidate", how="left", maintain_order="left")
    )
    return [
        QueueItem(
            candidate=row["candidate"],
            kind=row["kind"],
            persons=row["persons"],
            names=(row["names"] or [])[:MAX_NAMES],
            reasons=row["reasons"],
            evidence=row["evidence"] or "",
            estimate=row["estimate"],
            records=int(row["records"] or row["person_records"] or 0),
            sources=row["sources"] or [],
            district=row["district"],
            pending=bool(row["pending"]),
            decision_ids=[] if row["decision_id"] is None else [int(row["decision_id"])],
            in_budget=bool(row["in_budget"]),
        )
        for row in rows.iter_rows(named=True)
    ]


def alike_groups(items: pl.DataFrame) -> list[ItemGroup]:
    """Groups of open, not yet decided items by kind, reasons and district; the largest first."""
    grouped = (
        items.filter((pl.col("kind") != "decision") & ~pl.col("pending"))
        .with_columns(pl.col("district").fill_null(""))
        .group_by("pattern", "district", maintain_order=True)
        .agg(
            pl.col("kind").first(),
            pl.col("reasons").first(),
            pl.col("candidate"),
            pl.col("persons"),
            pl.col("estimate").min().alias("lowest"),
            pl.col("estimate").max().alias("highest"),
            pl.len().alias("size"),
        )
        .sort(["size", "pattern", "district"], descending=[True, False, False])
    )
    return [
        ItemGroup(r["kind"], r["reasons"], r["district"], r["candidate"], r["persons"], r["lowest"], r["highest"])
        for r in grouped.iter_rows(named=True)
    ]


def split_suggestions(snapshot: Snapshot, candidates: list[str]) -> dict[str, list[str]]:
    """candidate → the records of the half its weakest link attached (person items)."""
    if not snapshot.has("review_candidates"):
        return {}
    con = snapshot.con
    con.register("_wanted", pl.DataFrame({"candidate": candidates}, schema={"candidate": pl.Utf8}).to_arrow())
    try:
        rows = con.execute(
            "SELECT c.candidate, c.split_record_uids FROM review_candidates c JOIN _wanted USING (candidate)"
        ).fetchall()
    finally:
        con.unregister("_wanted")
    return {candidate: list(uids or []) for candidate, uids in rows}
