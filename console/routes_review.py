"""Pages: the review queue, a person (or persons side by side), search, the decision log."""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from console.access import note_access
from console.actions import BULK_ACTIONS
from console.agreement import decision_agreement
from console.jobs import person_openings
from console.labels import COMPARISON_LABELS, REASON_LABELS, RECORD_FIELDS, SOURCE_LABELS
from console.person import decisions_about, load_person_view
from console.queue import ReviewQueue, alike_groups, build_queue, filter_items, reason_counts, shown_items
from console.search_terms import masked_term, normalise_term
from console.snapshot import open_snapshot
from console.store import active, with_status
from console.web import CurrentUser, UserForm, console, render
from dedup.link import MATCH_THRESHOLD
from dedup.review.budget import MIN_ESTIMATE

router = APIRouter()

SEARCH_LIMIT = 50


@router.get("/")
def home(_: CurrentUser) -> Response:
    """The queue is the start page."""
    return RedirectResponse("/queue", status_code=303)


QUEUE_TABS = ("queue", "below")


def review_queue(request: Request) -> ReviewQueue:
    """The open review queue of the published warehouse, built once per version and decision count."""
    ctx = console(request)
    decisions = ctx.store.decisions()
    last_id = int(decisions["decision_id"].max() or 0) if decisions.height else 0  # type: ignore[arg-type]
    with open_snapshot(ctx.warehouse) as snapshot:
        key = (snapshot.version, decisions.height, last_id)
        return ctx.cached_queue(key, lambda: build_queue(snapshot, decisions, active(decisions), ctx.review_budget))


@router.get("/queue")
def queue_page(
    request: Request,
    _: CurrentUser,
    tab: str = "queue",
    source: str = "",
    reason: str = "",
    pattern: str = "",
    district: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The review queue by the chance that tonight's answer is wrong, cut at the budget; the rest in a second tab.

    `pattern` and `district` show one group of alike items (see /queue/groups).
    """
    ctx = console(request)
    queue = review_queue(request)
    tab = tab if tab in QUEUE_TABS else "queue"
    source = source if source in SOURCE_LABELS else ""
    reason = reason if reason in REASON_LABELS else ""
    listed = queue.queued if tab == "queue" else queue.below
    by_source = filter_items(listed, source or None, None, pattern or None, district)
    shown = filter_items(by_source, reason=reason or None)
    pages = max(1, math.ceil(shown.height / ctx.page_size))
    page = min(page, pages)
    with open_snapshot(ctx.warehouse) as snapshot:
        items = shown_items(snapshot, queue, shown.slice((page - 1) * ctx.page_size, ctx.page_size))
        published_at = snapshot.published_at
    counts = reason_counts(by_source)
    return render(
        request,
        "queue.html",
        items=items,
        offset=(page - 1) * ctx.page_size,
        total=shown.height,
        tab=tab,
        tab_totals={"queue": queue.queued.height, "below": queue.below.height},
        queue=queue,
        min_estimate=MIN_ESTIMATE,
        counts={r: counts.get(r, 0) for r in REASON_LABELS},
        source=source,
        reason=reason,
        group=(pattern, district) if pattern else None,
        page=page,
        pages=pages,
        published_at=published_at,
    )


@router.get("/queue/groups")
def groups_page(request: Request, _: CurrentUser, tab: str = "queue", done: int | None = None) -> Response:
    """Alike open items (same kind and reasons, one district), to settle each group in one action."""
    queue = review_queue(request)
    tab = tab if tab in QUEUE_TABS else "queue"
    with open_snapshot(console(request).warehouse) as snapshot:
        version = snapshot.version
    return render(
        request,
        "groups.html",
        groups=alike_groups(queue.queued if tab == "queue" else queue.below),
        tab=tab,
        version=version,
        bulk_actions=BULK_ACTIONS,
        done=done,
    )


@router.get("/persons/{person_id}")
def person_page(
    request: Request,
    _: CurrentUser,
    person_id: str,
    with_: Annotated[list[str] | None, Query(alias="with")] = None,
    done: int | None = None,
) -> Response:
    """One person, or several side by side (`?with=`), with everything a steward needs."""
    ctx = console(request)
    ids = list(dict.fromkeys(p.strip().upper() for p in [person_id, *(with_ or [])] if p.strip()))
    for shown in ids:
        note_access(request, "person_view", shown)
    decisions = with_status(ctx.store.decisions())
    with open_snapshot(ctx.warehouse) as snapshot:
        view = load_person_view(snapshot, ids)
        openings = person_openings(snapshot, view.person_ids)
        run_id = snapshot.run_id
    if not view.person_ids and not view.history:
        raise HTTPException(status_code=404, detail="没有这个人员")
    uids = [str(r["record_uid"]) for r in view.records]
    about = decisions_about(decisions, uids, ids)
    done_row = decisions.filter(pl.col("decision_id") == done).to_dicts() if done else []
    return render(
        request,
        "person.html",
        view=view,
        openings=openings,
        ids=ids,
        fields=RECORD_FIELDS,
        decisions=about.to_dicts(),
        run_id=run_id,
        done=done_row[0] if done_row else None,
        here=_without_done(request),
    )


def _without_done(request: Request) -> str:
    """This page's path and query without the `done` flash, to come back to after an action."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "done"]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


@router.get("/search")
def search_page(request: Request, _: CurrentUser) -> Response:
    """The search page without a term (terms are posted, so they never stand in a URL)."""
    return render(request, "search.html", q="", rows=[], limit=SEARCH_LIMIT)


@router.post("/search")
def search(request: Request, _: UserForm, q: Annotated[str, Form()] = "") -> Response:
    """Find persons by person id, name, record key, ID number or passport number; logged masked."""
    term = q.strip()
    rows: list[dict[str, object]] = []
    if term:
        kind, masked = masked_term(term)
        with open_snapshot(console(request).warehouse) as snapshot:
            if snapshot.con.execute(
                "SELECT count(*) FROM person_registry WHERE person_id = ?", [term.upper()]
            ).fetchall()[0][0]:
                note_access(request, "search", masked, f"按{kind}搜索，直达人员页", normalise_term(term))
                return RedirectResponse(f"/persons/{term.upper()}", status_code=303)
            rows = (
                snapshot.con.sql(
                    f"""
                    SELECT p.person_id, r.source, r.record_key, r.name, r.birth_date
                    FROM records r JOIN person_registry p USING (record_uid)
                    WHERE r.name = $t OR r.record_key = $t OR r.id_number = upper($t) OR r.passport_no = upper($t)
                    ORDER BY p.person_id, r.source, r.record_key LIMIT {SEARCH_LIMIT}
                    """,
                    params={"t": term},
                )
                .pl()
                .to_dicts()
            )
        found = f"按{kind}搜索，{len(rows)} 条记录、{len({r['person_id'] for r in rows})} 个人员"
        note_access(request, "search", masked, found, normalise_term(term))
    return render(request, "search.html", q=term, rows=rows, limit=SEARCH_LIMIT)


@router.get("/decisions/model")
def model_agreement_page(request: Request, _: CurrentUser) -> Response:
    """Per comparison, where stewards' decisions disagreed with the model (from tonight's scored links)."""
    ctx = console(request)
    with open_snapshot(ctx.warehouse) as snapshot:
        result, disagreeing = decision_agreement(snapshot, active(ctx.store.decisions()))
    return render(
        request,
        "decisions_model.html",
        result=result,
        comparisons=result.by_comparison.to_dicts(),
        disagreeing=disagreeing.to_dicts(),
        threshold=MATCH_THRESHOLD,
        comparison_labels=COMPARISON_LABELS,
    )


@router.get("/decisions")
def decisions_page(request: Request, _: CurrentUser, page: Annotated[int, Query(ge=1)] = 1) -> Response:
    """Every decision, newest first, with its status; stewards can undo those in force."""
    ctx = console(request)
    decisions = with_status(ctx.store.decisions()).sort("decision_id", descending=True)
    with open_snapshot(ctx.warehouse) as snapshot:
        run_id = snapshot.run_id
    pages = max(1, math.ceil(decisions.height / ctx.page_size))
    page = min(page, pages)
    rows = decisions.slice((page - 1) * ctx.page_size, ctx.page_size).to_dicts()
    in_force = decisions.filter((pl.col("action") != "undo") & pl.col("undone_by").is_null())
    live_batches = set(in_force["batch_id"].drop_nulls().to_list())
    return render(
        request, "decisions.html", decisions=rows, run_id=run_id, page=page, pages=pages, live_batches=live_batches
    )
