"""Login and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from console.security import SESSION_COOKIE, Session, new_session
from console.users import authenticate
from console.web import UserForm, console, render, set_session_cookie

router = APIRouter()


def safe_next(target: str | None) -> str:
    """A local path to return to after login (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The login form; a visitor without a session gets an anonymous one for the CSRF token."""
    session: Session | None = request.state.session
    if session is not None and session.username:
        return RedirectResponse(safe_next(next), status_code=303)
    fresh = session is None
    if fresh:
        session = request.state.session = new_session()
    response = render(request, "login.html", next=safe_next(next), error=None)
    if fresh:
        set_session_cookie(request, response, session)
    return response


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    """Check the password; on success start a new session (new id) and go on."""
    session: Session | None = request.state.session
    if session is None or not console(request).codec.csrf_valid(session, csrf_token):
        raise HTTPException(status_code=403, detail="登录表单已失效，请刷新登录页后重试")
    user = authenticate(console(request).store, username, password)
    if user is None:
        return render(request, "login.html", status_code=401, next=safe_next(next), error="用户名或密码错误")
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, new_session(user.username, user.role))  # type: ignore[arg-type]
    return response


@router.post("/logout")
def logout(_: UserForm) -> Response:
    """End the session."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
