"""The console's FastAPI application: middleware, error pages and routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import guard, routes_account, routes_actions, routes_admin, routes_auth, routes_jobs, routes_review
from console.security import SecurityPolicy, SessionCodec, check_secret
from console.store import StoreBusy
from console.web import ConsoleContext, LoginRequired, render
from dedup.review.budget import DEFAULT_BUDGET

PUBLIC_PATHS = ("/login",)
STATIC_DIR = Path(__file__).parent / "static"
DEFAULT_PAGE_SIZE = 25
# Pages load nothing from elsewhere, are never framed, and post forms only to the console itself.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = {"Strict-Transport-Security": "max-age=31536000"}
UNLOGGED_MESSAGE = "访问日志暂时无法写入，为保护个人信息，本页暂不显示，请稍后重试"


def create_app(
    warehouse: Path,
    secret: str,
    page_size: int = DEFAULT_PAGE_SIZE,
    policy: SecurityPolicy | None = None,
    clock: Callable[[], datetime] | None = None,
    review_budget: float = DEFAULT_BUDGET,
) -> FastAPI:
    """The console over one published warehouse (read-only) and its decisions file; `policy` and
    `clock` default to the shipped session and lockout rules and the system clock; `review_budget`
    is how many review items per 1,000 persons the queue holds (the rest lie below the cut)."""
    app = FastAPI(title="数据管理员控制台", docs_url=None, redoc_url=None, openapi_url=None)
    policy = policy or SecurityPolicy()
    codec = SessionCodec(check_secret(secret), policy.absolute_lifetime)
    context = ConsoleContext(Path(warehouse), codec, page_size, policy, review_budget=review_budget)
    if clock is not None:
        context.clock = clock
    app.state.console = context
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in (routes_auth, routes_review, routes_actions, routes_jobs, routes_account, routes_admin):
        app.include_router(module.router)

    @app.middleware("http")
    async def authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if path.startswith("/static/"):
            return _secured(request, await call_next(request))
        try:
            resolved = await run_in_threadpool(guard.before, request)
            request.state.session = resolved.session
            logged_in = resolved.session is not None and resolved.session.username is not None
            if path not in PUBLIC_PATHS and not logged_in:
                response: Response = guard.to_login(request, expired=resolved.expired)
            else:
                response = await call_next(request)
            response = await run_in_threadpool(guard.after, request, response)
        except (StoreBusy, guard.AccessLogUnavailable):
            response = render(request, "error.html", status_code=503, message=UNLOGGED_MESSAGE, status=503)
        return _secured(request, response)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        return guard.to_login(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if exc.status_code in (400, 403) else _STATUS_TEXT.get(exc.status_code, "请求无法完成")
        return render(request, "error.html", status_code=exc.status_code, message=message, status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, _: RequestValidationError) -> Response:
        return render(request, "error.html", status_code=400, message="请求内容不完整或格式不对", status=400)

    @app.exception_handler(StoreBusy)
    async def store_busy(request: Request, exc: StoreBusy) -> Response:
        return render(request, "error.html", status_code=503, message=str(exc), status=503)

    @app.exception_handler(FileNotFoundError)
    async def not_published(request: Request, _: FileNotFoundError) -> Response:
        return render(
            request, "error.html", status_code=503, message="数仓尚未发布，请等待第一次夜间运行完成", status=503
        )

    return app


_STATUS_TEXT = {404: "页面不存在", 405: "不支持该请求方式"}


def _secured(request: Request, response: Response) -> Response:
    """The response with the security headers (and HSTS over https)."""
    response.headers.update(SECURITY_HEADERS)
    if request.url.scheme == "https":
        response.headers.update(HSTS)
    return response
