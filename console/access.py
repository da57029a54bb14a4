"""What each console request leaves in the access log.

A route names what it showed with `note_access` (the person page its person ids, search its
masked term); any other page a logged-in user opens is recorded as `view` of its path, and any
form posted as `action`, so a new page is logged without code of its own. The middleware
writes the notes after the page is built and before it is sent: when the log cannot be
written, the page is not sent either (`AccessLogUnavailable`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from fastapi import Request, Response

from console.sessions import short_key
from console.store import DecisionStore, StoreBusy
from warehouse.store.access_log import AccessEvent, append_events, digest_key, ensure_access_log, value_digest


class AccessLogUnavailable(Exception):
    """The access log could not be written, so the page that needed it is withheld."""


@dataclass(frozen=True)
class AccessNote:
    """What a route showed; `digest_of` is a personal value recorded only as its keyed digest."""

    action: str
    target: str | None = None
    detail: str | None = None
    digest_of: str | None = None
    outcome: str | None = None


def note_access(
    request: Request,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    digest_of: str | None = None,
    outcome: str | None = None,
) -> None:
    """Record, when this request's page goes out, that it showed `target` (outcome: from the status)."""
    request.state.access_notes = [*_noted(request), AccessNote(action, target, detail, digest_of, outcome)]


def _noted(request: Request) -> list[AccessNote]:
    return getattr(request.state, "access_notes", [])


def logged_by_route(request: Request) -> None:
    """This request's events were written by the route itself (with a lock check): add none."""
    request.state.access_logged = True


def origin(request: Request) -> AccessEvent:
    """Who is asking: user and role when logged in, client address, the session's short key."""
    session = getattr(request.state, "session", None)
    logged_in = session is not None and session.username is not None
    return AccessEvent(
        "view",
        username=session.username if logged_in else None,
        role=session.role if logged_in else None,
        address=request.client.host if request.client else None,
        session=short_key(session.sid) if session is not None else None,
    )


def outcome_of(status: int) -> str:
    """The log's outcome for a response status."""
    if status < 400:
        return "allowed"
    return {401: "denied", 403: "denied", 404: "not_found"}.get(status, "error")


def _notes(request: Request) -> list[AccessNote]:
    notes = _noted(request)
    session = getattr(request.state, "session", None)
    if notes or getattr(request.state, "access_logged", False) or session is None or session.username is None:
        return notes
    return [AccessNote("view" if request.method in ("GET", "HEAD") else "action", request.url.path)]


def record_request(store: DecisionStore, request: Request, response: Response, now: datetime) -> None:
    """Append this request's events; AccessLogUnavailable when the log cannot be written."""
    notes = _notes(request)
    if not notes:
        return
    base = origin(request)
    default_outcome = outcome_of(response.status_code)
    try:
        with store.writing() as con:
            ensure_access_log(con)
            key = str(digest_key(con))
            events = [
                replace(
                    base,
                    action=n.action,
                    target=n.target,
                    detail=n.detail,
                    target_digest=value_digest(key, n.digest_of) if n.digest_of is not None else None,
                    outcome=n.outcome or default_outcome,
                )
                for n in notes
            ]
            append_events(con, events, now)
    except StoreBusy as exc:
        raise AccessLogUnavailable(str(exc)) from None
