"""What each console request leaves in the access log.

A route names what it showed with `note_access` (the person page its person ids, search its
masked term); any other page a logged-in user opens is recorded as `view` of its path, and any
form posted as `action`, so a new page is logged without code of its own. `console.guard`
writes the events after the page is built and before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fastapi import Request

from console.security import Session
from console.sessions import short_key
from warehouse.store.access_log import AccessEvent, value_digest


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
    session: Session | None = getattr(request.state, "session", None)
    event = AccessEvent("view", address=request.client.host if request.client else None)
    if session is None:
        return event
    return replace(event, username=session.username, role=session.role, session=short_key(session.sid))


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


def has_events(request: Request) -> bool:
    """Whether this request leaves anything in the access log."""
    return bool(_notes(request))


def request_events(request: Request, status: int, key: str) -> list[AccessEvent]:
    """This request's events, outcome from the response status unless noted, digests under `key`."""
    base = origin(request)
    return [
        replace(
            base,
            action=n.action,
            target=n.target,
            detail=n.detail,
            target_digest=value_digest(key, n.digest_of) if n.digest_of is not None else None,
            outcome=n.outcome or outcome_of(status),
        )
        for n in _notes(request)
    ]
