"""The user's own account: open sessions, ending the others, changing the password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from console.access import logged_by_route, note_access, origin
from console.login import change_own_password
from console.passwords import MIN_PASSWORD_LENGTH
from console.security import session_key
from console.sessions import end_user_sessions, open_sessions
from console.web import CurrentUser, UserForm, console, render
from warehouse.store.access_log import local_time

router = APIRouter(prefix="/account")

DONE_MESSAGES = {"password": "密码已修改，其他会话均已结束。", "sessions": "其他会话均已结束。"}


def _account_page(request: Request, username: str, error: str | None = None, done: str = "") -> Response:
    ctx = console(request)
    with ctx.store.writing() as con:
        sessions = open_sessions(con, ctx.clock(), ctx.policy, username).to_dicts()
    current = session_key(request.state.session.sid)
    rows = [
        {
            "started": local_time(s["started_at"]),
            "last_seen": local_time(s["last_seen_at"]),
            "address": s["address"] or "—",
            "current": s["session_key"] == current,
        }
        for s in sessions
    ]
    return render(
        request,
        "account.html",
        status_code=400 if error else 200,
        sessions=rows,
        error=error,
        done=DONE_MESSAGES.get(done),
        min_length=MIN_PASSWORD_LENGTH,
        idle_minutes=int(ctx.policy.idle_timeout.total_seconds() // 60),
        lifetime_hours=int(ctx.policy.absolute_lifetime.total_seconds() // 3600),
    )


@router.get("")
def account(request: Request, session: CurrentUser, done: str = "") -> Response:
    """The account page."""
    return _account_page(request, str(session.username), done=done)


@router.post("/password")
async def change_password(
    request: Request,
    session: UserForm,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    new_password_again: Annotated[str, Form()] = "",
) -> Response:
    """Change the password (current one required); the user's other sessions end."""
    if new_password != new_password_again:
        note_access(request, "password_change", session.username, "两次输入的新密码不一致", outcome="denied")
        return _account_page(request, str(session.username), "两次输入的新密码不一致")
    ctx = console(request)
    logged_by_route(request)
    error = await run_in_threadpool(
        change_own_password,
        ctx.store,
        session,
        current_password,
        new_password,
        origin(request),
        ctx.clock(),
        ctx.policy,
    )
    if error:
        return _account_page(request, str(session.username), error)
    return RedirectResponse("/account?done=password", status_code=303)


@router.post("/end-other-sessions")
def end_other_sessions(request: Request, session: UserForm) -> Response:
    """End every other session of this user (a browser left logged in elsewhere)."""
    ctx = console(request)
    with ctx.store.writing() as con:
        ended = end_user_sessions(con, str(session.username), "ended_by_user", ctx.clock(), keep_sid=session.sid)
    note_access(request, "sessions_ended", session.username, f"本人结束其他会话 {ended} 个")
    return RedirectResponse("/account?done=sessions", status_code=303)
