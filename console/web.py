"""Shared web plumbing: the console's context, page rendering, and the auth dependencies."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from console import labels
from console.formatting import cell_text
from console.queue import ReviewQueue
from console.security import SECURE_SESSION_COOKIE, SESSION_COOKIE, SecurityPolicy, Session, SessionCodec
from console.sessions import SessionCache
from console.store import DecisionStore
from dedup.review.budget import DEFAULT_BUDGET
from warehouse.store.access_log import utc_now

TEMPLATES_DIR = Path(__file__).parent / "templates"
EFFECT_NOTICE = "决定不会立即改变人员编号：它们在下一次夜间运行时生效，之后页面显示新结果。"


class LoginRequired(Exception):
    """Raised for an anonymous request; answered with a redirect to the login page."""


@dataclass
class ConsoleContext:
    """What every request of one console instance shares."""

    warehouse: Path
    codec: SessionCodec
    page_size: int
    policy: SecurityPolicy = field(default_factory=SecurityPolicy)
    clock: Callable[[], datetime] = utc_now
    review_budget: float = DEFAULT_BUDGET
    store: DecisionStore = field(init=False)
    sessions: SessionCache = field(default_factory=SessionCache, init=False)
    templates: Jinja2Templates = field(init=False)
    _queue_cache: tuple[tuple[str, int, int], ReviewQueue] | None = field(default=None, init=False)
    _queue_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.store = DecisionStore(self.warehouse)
        self.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
        self.templates.env.globals.update(
            source_label=labels.source_label,
            source_labels=labels.SOURCE_LABELS,
            reason_labels=labels.REASON_LABELS,
            kind_labels=labels.KIND_LABELS,
            bulk_labels=labels.BULK_LABELS,
            action_labels=labels.ACTION_LABELS,
            role_labels=labels.ROLE_LABELS,
            event_labels=labels.EVENT_LABELS,
            effect_notice=EFFECT_NOTICE,
            cell_text=cell_text,
        )

    def cached_queue(self, key: tuple[str, int, int], build: Any) -> ReviewQueue:
        """The queue for a (warehouse version, decisions count, last decision id), built once."""
        with self._queue_lock:
            if self._queue_cache is None or self._queue_cache[0] != key:
                self._queue_cache = (key, build())
            return self._queue_cache[1]


def console(request: Request) -> ConsoleContext:
    """The console context of the app serving this request."""
    return cast(ConsoleContext, request.app.state.console)


def current_session(request: Request) -> Session:
    """The logged-in session (the auth middleware has already turned anonymous visitors away)."""
    session: Session | None = getattr(request.state, "session", None)
    if session is None or session.username is None:
        raise LoginRequired
    return session


CurrentUser = Annotated[Session, Depends(current_session)]


def steward(session: CurrentUser) -> Session:
    """A logged-in steward; 403 for viewers."""
    if not session.is_steward:
        raise HTTPException(status_code=403, detail="只有数据管理员可以执行此操作")
    return session


def admin(session: CurrentUser) -> Session:
    """A logged-in administrator; 403 for everyone else."""
    if not session.is_admin:
        raise HTTPException(status_code=403, detail="只有系统管理员可以查看")
    return session


AdminUser = Annotated[Session, Depends(admin)]


async def _verify_csrf(request: Request, session: Session) -> Session:
    form = await request.form()
    token = form.get("csrf_token")
    if not console(request).codec.csrf_valid(session, token if isinstance(token, str) else None):
        raise HTTPException(status_code=403, detail="表单已失效（CSRF 校验失败），请刷新页面后重试")
    return session


async def user_form(request: Request, session: CurrentUser) -> Session:
    """A logged-in user whose form carries this session's CSRF token; 403 otherwise."""
    return await _verify_csrf(request, session)


async def steward_form(request: Request, session: Annotated[Session, Depends(steward)]) -> Session:
    """A steward whose form carries this session's CSRF token; 403 for viewers and bad tokens."""
    return await _verify_csrf(request, session)


async def admin_form(request: Request, session: AdminUser) -> Session:
    """An administrator whose form carries this session's CSRF token; 403 otherwise."""
    return await _verify_csrf(request, session)


UserForm = Annotated[Session, Depends(user_form)]
StewardForm = Annotated[Session, Depends(steward_form)]
AdminForm = Annotated[Session, Depends(admin_form)]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the user, the CSRF token and the shared labels in its context."""
    ctx = console(request)
    session: Session | None = getattr(request.state, "session", None)
    context.update(
        user=session.username if session else None,
        role=session.role if session else None,
        is_steward=bool(session and session.is_steward),
        is_admin=bool(session and session.is_admin),
        csrf_token=ctx.codec.csrf_token(session) if session else "",
    )
    return ctx.templates.TemplateResponse(request, template, context, status_code=status_code)


def session_cookie_name(request: Request) -> str:
    """The session cookie's name: `__Host-` prefixed (host-only, Secure, path /) over https."""
    return SECURE_SESSION_COOKIE if request.url.scheme == "https" else SESSION_COOKIE


def set_session_cookie(request: Request, response: Response, session: Session) -> None:
    """Store the signed session id in its cookie (HttpOnly, SameSite=Lax, Secure over https)."""
    response.set_cookie(
        session_cookie_name(request),
        console(request).codec.dumps(session),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
