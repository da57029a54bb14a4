"""Steward actions (POST, steward role, CSRF-checked): each appends one decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from console import actions
from console.queue import alike_groups
from console.routes_auth import safe_next
from console.routes_review import review_queue
from console.snapshot import Snapshot, open_snapshot
from console.web import StewardForm, console, render
from warehouse.store.decisions import Decision

router = APIRouter(prefix="/actions")


def _apply(request: Request, back: str, build: Callable[[Snapshot], Decision]) -> Response:
    """Validate against the published warehouse, append the decision, return to the page."""
    ctx = console(request)
    target = safe_next(back)
    try:
        with open_snapshot(ctx.warehouse) as snapshot:
            decision = build(snapshot)
    except actions.ActionError as exc:
        return render(request, "error.html", status_code=400, message=str(exc), status=400, back=target)
    decision_id = ctx.store.record(decision)
    separator = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{separator}done={decision_id}", status_code=303)


@router.post("/confirm")
def confirm(
    request: Request,
    session: StewardForm,
    person_id: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/queue",
) -> Response:
    """确认人员: the person's records belong together."""
    return _apply(request, back, lambda s: actions.confirm(s, str(session.username), person_id, comment))


@router.post("/split")
def split(
    request: Request,
    session: StewardForm,
    record_uid: Annotated[list[str] | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/queue",
) -> Response:
    """拆分记录: the ticked records become a new person."""
    return _apply(request, back, lambda s: actions.split(s, str(session.username), record_uid or [], comment))


@router.post("/merge")
def merge(
    request: Request,
    session: StewardForm,
    person_id: Annotated[list[str] | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/queue",
) -> Response:
    """合并人员: the persons are one."""
    return _apply(request, back, lambda s: actions.merge(s, str(session.username), person_id or [], comment))


@router.post("/different")
def different(
    request: Request,
    session: StewardForm,
    record_uid: Annotated[list[str] | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/queue",
) -> Response:
    """标记为不同的人: the two ticked records belong to different people."""
    return _apply(request, back, lambda s: actions.different(s, str(session.username), record_uid or [], comment))


@router.post("/bulk")
def bulk(
    request: Request,
    session: StewardForm,
    action: Annotated[str, Form()],
    pattern: Annotated[str, Form()],
    tab: Annotated[str, Form()],
    version: Annotated[str, Form()],
    district: Annotated[str, Form()] = "",  # "" for items without a district
    comment: Annotated[str, Form()] = "",
) -> Response:
    """批量处理: one decision per item of a group of alike items, under one batch id."""
    ctx = console(request)
    back = f"/queue/groups?tab={quote(tab)}"
    queue = review_queue(request)
    items = queue.queued if tab == "queue" else queue.below
    group = next((g for g in alike_groups(items) if g.pattern == pattern and g.district == district), None)
    try:
        with open_snapshot(ctx.warehouse) as snapshot:
            if snapshot.version != version:
                raise actions.ActionError("数仓已更新，这一组项可能已经变化，请刷新页面后再批量处理")
            decisions = actions.bulk(snapshot, str(session.username), group, action, comment)
    except actions.ActionError as exc:
        return render(request, "error.html", status_code=400, message=str(exc), status=400, back=back)
    batch_id, _ = ctx.store.record_batch(decisions)
    return RedirectResponse(f"{back}&done={batch_id}", status_code=303)


@router.post("/undo-batch")
def undo_batch(
    request: Request,
    session: StewardForm,
    batch_id: Annotated[int, Form()],
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/decisions",
) -> Response:
    """撤销整批: undo every decision of a batch still in force."""
    ctx = console(request)
    target = safe_next(back)
    decisions = ctx.store.decisions()
    try:
        with open_snapshot(ctx.warehouse) as snapshot:
            undos = actions.undo_batch(snapshot, str(session.username), decisions, batch_id, comment)
    except actions.ActionError as exc:
        return render(request, "error.html", status_code=400, message=str(exc), status=400, back=target)
    ctx.store.record_batch(undos)
    return RedirectResponse(target, status_code=303)


@router.post("/undo")
def undo(
    request: Request,
    session: StewardForm,
    decision_id: Annotated[int, Form()],
    comment: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/decisions",
) -> Response:
    """撤销决定: cancel a decision in force."""
    decisions = console(request).store.decisions()
    return _apply(request, back, lambda s: actions.undo(s, str(session.username), decisions, decision_id, comment))
