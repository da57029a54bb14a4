"""What stands between a request and the data: the session before the route, the session again
and the access log after it, before anything is sent.

Before: a page request (GET) of a session this process confirmed at its previous request, still
neither idle nor too old by the clock, is taken from memory (`SessionCache`); anything else (a
form, a first request, an unknown or stale id) is looked up in the session table. After: one
connection to the decisions file confirms a remembered session is still open in the table (a
logout, an administrator, a password change elsewhere may have ended it), touches it, and
appends the request's access events. A session found ended gets the login page instead of
the page; a log that cannot be written withholds the page (`AccessLogUnavailable`).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from console.access import has_events, origin, request_events
from console.security import Session
from console.sessions import END_REASON_LABELS, Resolved, resolve_session
from console.store import StoreBusy
from console.web import console, session_cookie_name
from warehouse.store.access_log import AccessEvent, append_events, digest_key, ensure_access_log


class AccessLogUnavailable(Exception):
    """The access log could not be written, so the page that needed it is withheld."""


def to_login(request: Request, expired: bool = False) -> RedirectResponse:
    """Redirect to the login page (saying why when the session timed out), coming back to this
    page afterwards (GET only)."""
    query = {"expired": "1"} if expired else {}
    if request.method == "GET" and request.url.path != "/":
        query["next"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/login" + (f"?{urlencode(query, quote_via=quote, safe='')}" if query else "")
    return RedirectResponse(target, status_code=303)


def _expired_event(request: Request, resolved: Resolved) -> AccessEvent:
    """The `session_expired` event of a session that just timed out, in its user's name."""
    event = origin(request)
    if resolved.session is not None:
        event = replace(event, username=resolved.session.username, role=resolved.session.role)
    return replace(event, action="session_expired", detail=END_REASON_LABELS[str(resolved.ended_reason)])


def before(request: Request) -> Resolved:
    """The request's session; from memory for a page of a recently confirmed session."""
    ctx = console(request)
    cookie = ctx.codec.loads(request.cookies.get(session_cookie_name(request)))
    if cookie is None:
        return Resolved(None)
    now = ctx.clock()
    if request.method in ("GET", "HEAD"):
        remembered = ctx.sessions.get(cookie.sid, now, ctx.policy)
        if remembered is not None:
            request.state.session_remembered = True
            return Resolved(remembered)
    with ctx.store.writing() as con:
        resolved = resolve_session(con, cookie, now, ctx.policy)
        if resolved.expired:
            ensure_access_log(con)
            append_events(con, [_expired_event(request, resolved)], now)
    if resolved.expired or resolved.session is None or resolved.session.username is None:
        ctx.sessions.forget(cookie.sid)
        return Resolved(Session(cookie.sid), resolved.ended_reason)
    ctx.sessions.remember(resolved, now, ctx.policy)
    return resolved


def after(request: Request, response: Response) -> Response:
    """Confirm a remembered session and log the request's events; the response to send."""
    ctx = console(request)
    session: Session | None = getattr(request.state, "session", None)
    remembered = getattr(request.state, "session_remembered", False) and session is not None
    if not remembered and not has_events(request):
        return response
    now = ctx.clock()
    try:
        with ctx.store.writing() as con:
            ensure_access_log(con)
            if remembered and session is not None:
                confirmed = resolve_session(con, Session(session.sid), now, ctx.policy)
                if confirmed.session != session or confirmed.expired:
                    ctx.sessions.forget(session.sid)
                    if confirmed.expired:
                        append_events(con, [_expired_event(request, confirmed)], now)
                    request.state.session = Session(session.sid)
                    return to_login(request, expired=confirmed.expired)
                ctx.sessions.remember(confirmed, now, ctx.policy)
            events = request_events(request, response.status_code, str(digest_key(con)))
            append_events(con, events, now)
    except StoreBusy as exc:
        raise AccessLogUnavailable(str(exc)) from None
    return response
