"""Login and logout."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from console.access import note_access, origin
from console.login import attempt_login
from console.security import Session, new_session
from console.sessions import end_session
from console.web import UserForm, console, render, session_cookie_name, set_session_cookie

router = APIRouter()

WRONG_CREDENTIALS = "用户名或密码错误"
EXPIRED = "会话已超时，请重新登录"


def safe_next(target: str | None) -> str:
    """A local path to return to after login (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


def locked_message(minutes: int) -> str:
    """What a locked name is told (the same whether the name is an account or not)."""
    return f"登录失败次数过多，该账号已暂时锁定，请 {minutes} 分钟后再试，或请系统管理员解除锁定"


@router.get("/login")
def login_page(request: Request, next: str | None = None, expired: int = 0) -> Response:
    """The login form; a visitor without a session gets an anonymous one for the CSRF token."""
    session: Session | None = request.state.session
    if session is not None and session.username:
        return RedirectResponse(safe_next(next), status_code=303)
    fresh = session is None
    if session is None:
        session = request.state.session = new_session()
    response = render(request, "login.html", next=safe_next(next), error=EXPIRED if expired else None)
    if fresh:
        set_session_cookie(request, response, session)
    return response


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    """Check the lock and the password; on success start a new server-side session (new id)."""
    ctx = console(request)
    session: Session | None = request.state.session
    if session is None or not ctx.codec.csrf_valid(session, csrf_token):
        raise HTTPException(status_code=403, detail="登录表单已失效，请刷新登录页后重试")
    fresh = new_session()
    result = await run_in_threadpool(
        attempt_login, ctx.store, username, password, fresh.sid, origin(request), ctx.clock(), ctx.policy
    )
    if result.user is None:
        if result.locked_until is None:
            error = WRONG_CREDENTIALS
        else:
            error = locked_message(math.ceil((result.locked_until - ctx.clock()).total_seconds() / 60))
        return render(request, "login.html", status_code=401, next=safe_next(next), error=error)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, fresh)
    return response


@router.post("/logout")
def logout(request: Request, session: UserForm) -> Response:
    """End the session on the server, drop its cookie and what the browser kept of the console."""
    ctx = console(request)
    with ctx.store.writing() as con:
        end_session(con, session.sid, "logout", ctx.clock())
    ctx.sessions.forget(session.sid)
    note_access(request, "logout")
    response = RedirectResponse("/login", status_code=303)
    https = request.url.scheme == "https"
    response.delete_cookie(session_cookie_name(request), path="/", secure=https, httponly=True, samesite="lax")
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
