"""Drawing the workspace's pages: the Jinja2 environment of `api/app/templates` (HTML, escaped;
not the message templates of `templates/`), and refusals answered as pages: no session is a
redirect to sign-in (401 for htmx, which then follows `HX-Redirect`), the rest an error page."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.app.session import COOKIE, CSRF_FIELD, PATH
from api.errors import Refusal

HERE = Path(__file__).resolve().parent
HTMX_VERSION = "2.0.11"
STATIC_DIR = HERE / "static"

templates = Jinja2Templates(directory=HERE / "templates")


def label(value: object) -> str:
    """`linkedin_message` → `linkedin message`: vocabulary words, readable."""
    return str(value or "").replace("_", " ")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z").strip() if value else ""


def local(value: datetime | None, zone: str) -> str:
    """A moment in the candidate's own time zone, as their send windows are."""
    if value is None:
        return ""
    try:
        return value.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M")
    except (ValueError, KeyError):
        return when(value)


templates.env.filters["label"] = label
templates.env.filters["local"] = local
templates.env.filters["when"] = when
templates.env.globals.update(
    htmx_src=f"{PATH}/static/htmx-{HTMX_VERSION}/htmx.min.js", csrf_field=CSRF_FIELD
)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    values = {
        "principal": getattr(request.state, "principal", None),
        "csrf": getattr(getattr(request.state, "web_session", None), "csrf", None),
        "path": request.url.path,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, values, status_code=status_code)
    # Pages show personal data: not for shared caches, nor for the browser's back button
    # after signing out.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def sign_in_redirect(request: Request) -> Response:
    target = f"{PATH}/sign-in"
    if request.method == "GET" and request.url.path not in (target, f"{PATH}/sign-out"):
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?next=" + quote(wanted, safe="")
    response: Response
    if is_htmx(request):
        response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    # An expired or revoked session's cookie goes with it.
    if request.cookies.get(COOKIE):
        response.delete_cookie(COOKIE, path=PATH)
    return response


TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    409: "Already done",
    422: "Not done: check the form",
}


def error_page(request: Request, status_code: int, message: str) -> Response:
    context = {"title": TITLES.get(status_code, "Something went wrong"), "message": message}
    return page(request, "error.html", context, status_code=status_code)


def detail_text(detail: object) -> str:
    if isinstance(detail, list):
        return "; ".join(f"{item.get('field')}: {item.get('message')}" for item in detail)
    return str(detail)


Handler = Callable[[Request, Any], Awaitable[Response] | Response]


def for_pages(api_handler: Handler | None) -> Callable[[Request, Exception], Awaitable[Response]]:
    """Under `/app`, answer as a page; elsewhere, as the API always has."""

    async def handle(request: Request, exc: Exception) -> Response:
        if not request.url.path.startswith(PATH + "/") or api_handler is None:
            if api_handler is None:
                raise exc
            answer = api_handler(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        if isinstance(exc, RequestValidationError):
            return error_page(request, 400, "That address has a value the workspace cannot use.")
        code: int = getattr(exc, "status_code", None) or getattr(exc, "status", None) or 500
        if code == 401:
            return sign_in_redirect(request)
        return error_page(request, code, detail_text(getattr(exc, "detail", exc)))

    return handle


def install_error_pages(app: FastAPI) -> None:
    for kind in (StarletteHTTPException, RequestValidationError, Refusal):
        app.exception_handlers[kind] = for_pages(app.exception_handlers.get(kind))
