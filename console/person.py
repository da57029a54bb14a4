"""What the person page shows: records side by side, scored pairs, golden record, history."""

from __future__ import annotations

import string
from dataclasses import dataclass

import polars as pl

from console.explain import Waterfall, waterfall
from console.golden import GoldenField, golden_records, person_conflicts
from console.labels import RECORD_FIELDS
from console.snapshot import Snapshot

MAX_PAIRS = 30


@dataclass(frozen=True)
class PairView:
    """A scored pair between two records on the page."""

    record_uid_l: str
    record_uid_r: str
    probability: float
    match_weight: float
    accepted: bool
    same_person: bool
    refusal: str | None
    explanation: Waterfall | None


@dataclass
class PersonView:
    """Everything about one or more persons shown together."""

    person_ids: list[str]
    missing: list[str]
    records: list[dict[str, object]]
    evidence_group: dict[str, str]
    pairs: list[PairView]
    pairs_total: int
    differs: set[tuple[str, str]]
    history: list[dict[str, object]]
    golden: dict[str, list[GoldenField]]
    conflicts: list[dict[str, object]]


def _in_list(column: str, values: list[str]) -> tuple[str, list[str]]:
    return f"{column} IN ({', '.join('?' for _ in values)})", values


def person_records(snapshot: Snapshot, person_ids: list[str]) -> pl.DataFrame:
    """The records of these persons with their person id and deterministic evidence group."""
    where, params = _in_list("p.person_id", person_ids)
    group = "rc.det_group" if snapshot.has("record_clusters") else "NULL::BIGINT"
    join = "LEFT JOIN record_clusters rc USING (record_uid)" if snapshot.has("record_clusters") else ""
    records: pl.DataFrame = snapshot.con.sql(
        f"""
        SELECT p.person_id, {group} AS det_group, r.*
        FROM person_registry p JOIN records r USING (record_uid) {join}
        WHERE {where}
        ORDER BY p.person_id, r.source, r.record_key
        """,
        params=params,
    ).pl()
    return records


def load_person_view(snapshot: Snapshot, person_ids: list[str]) -> PersonView:
    """Assemble the page for the given persons (ids unknown to the registry are listed as missing)."""
    records = person_records(snapshot, person_ids)
    present = [p for p in person_ids if p in set(records["person_id"].to_list())]
    groups = sorted(set(records["det_group"].drop_nulls().to_list()))
    letters = {g: _letter(i) for i, g in enumerate(groups)}
    evidence_group = {
        uid: letters.get(g, "") for uid, g in records.select("record_uid", "det_group").iter_rows() if g is not None
    }
    pairs, total = _pairs(snapshot, records)
    return PersonView(
        person_ids=present,
        missing=[p for p in person_ids if p not in present],
        records=records.to_dicts(),
        evidence_group=evidence_group,
        pairs=pairs,
        pairs_total=total,
        differs=_differing_cells(records),
        history=_history(snapshot, person_ids),
        golden=golden_records(snapshot, present),
        conflicts=person_conflicts(snapshot, present),
    )


def _differing_cells(records: pl.DataFrame) -> set[tuple[str, str]]:
    """(record_uid, field) whose value differs from the value most records of the page hold."""
    cells = set()
    for column, _, _ in RECORD_FIELDS:
        values = records.select("record_uid", column).drop_nulls(column)
        if values[column].n_unique() < 2:
            continue
        usual = values[column].mode().sort()[0]
        cells |= {(uid, column) for uid, value in values.iter_rows() if value != usual}
    return cells


def _letter(i: int) -> str:
    letters = string.ascii_uppercase
    return letters[i] if i < len(letters) else f"{letters[i // len(letters) - 1]}{letters[i % len(letters)]}"


def _pairs(snapshot: Snapshot, records: pl.DataFrame) -> tuple[list[PairView], int]:
    """Scored pairs between the page's records, across persons first, weakest first."""
    if records.is_empty():
        return [], 0
    person_of = dict(records.select("record_uid", "person_id").iter_rows())
    uids = list(person_of)
    where_l, params = _in_list("record_uid_l", uids)
    where_r, _ = _in_list("record_uid_r", uids)
    links = snapshot.con.sql(f"SELECT * FROM links WHERE {where_l} AND {where_r}", params=params + uids).pl()
    links = links.with_columns(
        pl.Series(
            "same_person",
            [person_of[a] == person_of[b] for a, b in links.select("record_uid_l", "record_uid_r").iter_rows()],
            dtype=pl.Boolean,
        )
    ).sort(["same_person", "match_probability"])
    refusals = _refusals(snapshot, records)
    shown = [
        PairView(
            record_uid_l=row["record_uid_l"],
            record_uid_r=row["record_uid_r"],
            probability=row["match_probability"],
            match_weight=row["match_weight"],
            accepted=bool(row["accepted"]),
            same_person=row["same_person"],
            refusal=refusals.get(_group_pair(row.get("det_group_l"), row.get("det_group_r"))),
            explanation=waterfall(row),
        )
        for row in links.head(MAX_PAIRS).to_dicts()
    ]
    return shown, links.height


def _group_pair(a: object, b: object) -> tuple[object, object]:
    return (a, b) if str(a) <= str(b) else (b, a)


def _refusals(snapshot: Snapshot, records: pl.DataFrame) -> dict[tuple[object, object], str]:
    """Why the clustering refused links between the page's evidence groups."""
    groups = records["det_group"].drop_nulls().unique().to_list()
    if not groups or not snapshot.has("link_refusals"):
        return {}
    marks = ", ".join("?" for _ in groups)
    rows = snapshot.con.execute(
        f"SELECT det_group_l, det_group_r, reason FROM link_refusals "
        f"WHERE det_group_l IN ({marks}) AND det_group_r IN ({marks})",
        groups + groups,
    ).fetchall()
    return {_group_pair(a, b): reason for a, b, reason in rows}


def _history(snapshot: Snapshot, person_ids: list[str]) -> list[dict[str, object]]:
    if not snapshot.has("person_id_history"):
        return []
    where, params = _in_list("person_id", person_ids)
    related, _ = _in_list("related_person_id", person_ids)
    history: pl.DataFrame = snapshot.con.sql(
        f"SELECT * FROM person_id_history WHERE {where} OR {related} ORDER BY recorded_at, person_id",
        params=params + person_ids,
    ).pl()
    return history.to_dicts()


def decisions_about(decisions: pl.DataFrame, record_uids: list[str], person_ids: list[str]) -> pl.DataFrame:
    """Decisions (with `undone_by`) naming any of these records or persons, newest first."""
    uids, persons = list(record_uids), list(person_ids)
    touches = (
        pl.col("record_uids").list.eval(pl.element().is_in(uids)).list.any()
        | pl.col("other_record_uids").fill_null([]).list.eval(pl.element().is_in(uids)).list.any()
        | pl.col("person_ids").fill_null([]).list.eval(pl.element().is_in(persons)).list.any()
    )
    return decisions.filter(touches).sort("decision_id", descending=True)
