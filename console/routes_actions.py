"""Steward actions (POST, steward role, CSRF-checked): each appends one decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from console import actions
from console.routes_auth import safe_next
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
