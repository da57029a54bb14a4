"""Administrator pages: the access log, and accounts (locks, open sessions)."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from console.access import note_access
from console.login import lock_state, name_digest
from console.sessions import end_user_sessions, open_sessions
from console.users import find_user, list_users
from console.web import AdminForm, AdminUser, console, render
from warehouse.store.access_log import (
    ACTION_LABELS,
    OUTCOME_LABELS,
    EventFilter,
    count_events,
    local_day_start,
    local_time,
    read_events,
    verify_chain,
)

router = APIRouter(prefix="/admin")

LOG_PAGE_SIZE = 50


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _target(text: str) -> str | None:
    """A person id typed in any case, or another target as typed."""
    text = text.strip()
    return text.upper() if re.fullmatch(r"[Pp]\d+", text) else text or None


@router.get("/access-log")
def access_log(
    request: Request,
    _: AdminUser,
    user: str = "",
    action: str = "",
    target: str = "",
    since: str = "",
    until: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    verify: int = 0,
) -> Response:
    """Every recorded access, newest first, with filters; on request (`verify=1`, a full pass over
    the log: seconds at a million rows) the state of the hash chain."""
    first, last = _day(since), _day(until)
    events = EventFilter(
        since=local_day_start(first) if first else None,
        until=local_day_start(last + timedelta(days=1)) if last else None,
        username=user.strip() or None,
        action=action if action in ACTION_LABELS else None,
        target=_target(target),
    )
    with console(request).store.reading() as con:
        total = count_events(con, events) if con else 0
        pages = max(1, math.ceil(total / LOG_PAGE_SIZE))
        page = min(page, pages)
        rows = read_events(con, events, True, LOG_PAGE_SIZE, (page - 1) * LOG_PAGE_SIZE).to_dicts() if con else []
        chain = verify_chain(con) if con and verify else None
    filters = {"user": user, "action": action, "target": target, "since": since, "until": until}
    shown = {k: v for k, v in filters.items() if v}
    detail = "；".join(f"{k}={v}" for k, v in shown.items()) or "全部"
    note_access(request, "audit_view", None, detail + ("；校验哈希链" if verify else ""))
    return render(
        request,
        "admin_access_log.html",
        rows=[{**r, "time": local_time(r["logged_at"])} for r in rows],
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        query=urlencode(shown),
        chain=chain,
        access_actions=ACTION_LABELS,
        access_outcomes=OUTCOME_LABELS,
    )


DONE_MESSAGES = {"unlocked": "已解除 {who} 的锁定。", "sessions": "已结束 {who} 的全部会话。"}


@router.get("/users")
def users_page(request: Request, _: AdminUser, done: str = "", who: str = "") -> Response:
    """Every account: role, whether it is locked, failed attempts, open sessions."""
    ctx = console(request)
    now = ctx.clock()
    accounts = []
    with ctx.store.writing() as con:
        sessions = open_sessions(con, now, ctx.policy)
        for user in list_users(con):
            state = lock_state(con, name_digest(con, user.username), now, ctx.policy)
            accounts.append(
                {
                    "username": user.username,
                    "role": user.role,
                    "locked_until": local_time(state.locked_until) if state.locked_until else None,
                    "failures": state.failures,
                    "sessions": sessions.filter(sessions["username"] == user.username).height,
                }
            )
    message = DONE_MESSAGES[done].format(who=who) if done in DONE_MESSAGES else None
    return render(request, "admin_users.html", accounts=accounts, done=message, policy=ctx.policy)


@router.post("/users/unlock")
def unlock(request: Request, _: AdminForm, username: Annotated[str, Form()]) -> Response:
    """Lift the lock on an account (the unlock event in the log is what lifts it)."""
    username = username.strip()
    note_access(request, "unlock", username, "管理员解除锁定", digest_of=username)
    return RedirectResponse(f"/admin/users?{urlencode({'done': 'unlocked', 'who': username})}", status_code=303)


@router.post("/users/end-sessions")
def end_sessions(request: Request, _: AdminForm, username: Annotated[str, Form()]) -> Response:
    """End every open session of an account (a lost laptop, a leaving colleague)."""
    ctx = console(request)
    with ctx.store.writing() as con:
        known = find_user(con, username) is not None
        ended = end_user_sessions(con, username, "ended_by_admin", ctx.clock()) if known else 0
    note_access(request, "sessions_ended", username, f"管理员结束会话 {ended} 个")
    return RedirectResponse(f"/admin/users?{urlencode({'done': 'sessions', 'who': username})}", status_code=303)
