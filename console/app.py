"""The console's FastAPI application: middleware, error pages and routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import routes_actions, routes_auth, routes_review
from console.security import SESSION_COOKIE, SessionCodec, check_secret
from console.store import StoreBusy
from console.web import ConsoleContext, LoginRequired, console, render
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
}


def create_app(
    warehouse: Path, secret: str, page_size: int = DEFAULT_PAGE_SIZE, review_budget: float = DEFAULT_BUDGET
) -> FastAPI:
    """The console over one published warehouse (read-only) and its decisions file.

    `review_budget`: review items per 1,000 persons the queue holds (the rest lie below the cut).
    """
    app = FastAPI(title="数据管理员控制台", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = ConsoleContext(Path(warehouse), SessionCodec(check_secret(secret)), page_size, review_budget)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(routes_auth.router)
    app.include_router(routes_review.router)
    app.include_router(routes_actions.router)

    @app.middleware("http")
    async def authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        session = console(request).codec.loads(request.cookies.get(SESSION_COOKIE))
        request.state.session = session
        path = request.url.path
        public = path in PUBLIC_PATHS or path.startswith("/static/")
        if not public and (session is None or session.username is None):
            response: Response = _to_login(request)
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        return _to_login(request)

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


def _to_login(request: Request) -> RedirectResponse:
    """Redirect to the login page, coming back to this page afterwards (GET only)."""
    target = "/login"
    if request.method == "GET" and request.url.path != "/":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += f"?next={quote(here, safe='')}"
    return RedirectResponse(target, status_code=303)
