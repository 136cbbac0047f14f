"""The workspace's front door: sign in with an API key, sign out, and the pages mounted under
`/app` with htmx served from `/app/static` (`install`, called once by api/main.py)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.app import (
    campaign_pages,
    candidate_actions,
    candidate_pages,
    enrol_pages,
    import_pages,
    inbox_pages,
    message_pages,
    met_pages,
    outcome_pages,
    reply_pages,
    settings_pages,
    vacancy_pages,
)
from api.app.access import PostedByAnyone, Viewer
from api.app.render import STATIC_DIR, install_error_pages, page
from api.app.service import active_key, key_for_secret
from api.app.session import (
    COOKIE,
    CSRF_FIELD,
    PATH,
    SIGN_IN_COOKIE,
    close_session,
    new_token,
    open_session,
    read,
    same_token,
    set_cookie,
)
from api.auth import OWNER

router = APIRouter(prefix=PATH, include_in_schema=False)
SIGN_IN_MINUTES = 30


def home_for(role: str) -> str:
    return f"{PATH}/inbox" if role == OWNER else f"{PATH}/candidates"


def safe_next(value: object) -> str | None:
    """Only a page of the workspace itself: never another site (`//evil`, `/\\evil`)."""
    if isinstance(value, str) and value.startswith(PATH + "/") and "\\" not in value:
        return value if not value.startswith("//") else None
    return None


def sign_in_form(
    request: Request, *, message: str | None = None, status_code: int = 200, next_page: str = ""
) -> Response:
    token = request.cookies.get(SIGN_IN_COOKIE) or new_token()
    context = {"token": token, "message": message, "next": safe_next(next_page) or ""}
    response = page(request, "sign_in.html", context, status_code=status_code)
    set_cookie(response, request, SIGN_IN_COOKIE, token, max_age=SIGN_IN_MINUTES * 60)
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = "") -> Response:
    web = read(request.app.state.settings, request.cookies.get(COOKIE))
    if web is not None:
        async with request.app.state.sessions() as session:
            if await active_key(session, web.key_id) is not None:
                return RedirectResponse(safe_next(next) or f"{PATH}/", status_code=303)
    return sign_in_form(request, next_page=next)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if not expected or not same_token(form.get(CSRF_FIELD), expected):
        return sign_in_form(
            request,
            message="The sign-in form had expired. Paste your key again.",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    secret = form.get("key")
    next_page = str(form.get("next") or "")
    async with request.app.state.sessions() as session:
        record = await key_for_secret(session, secret.strip()) if isinstance(secret, str) else None
    if record is None:
        return sign_in_form(
            request,
            message="That key is unknown or has been revoked.",
            status_code=status.HTTP_401_UNAUTHORIZED,
            next_page=next_page,
        )
    response = RedirectResponse(
        safe_next(next_page) or home_for(record.role), status_code=status.HTTP_303_SEE_OTHER
    )
    open_session(response, request, str(record.id))
    return response


@router.post("/sign-out")
async def sign_out(request: Request, principal: PostedByAnyone) -> Response:
    response = RedirectResponse(f"{PATH}/sign-in", status_code=status.HTTP_303_SEE_OTHER)
    close_session(response)
    return response


@router.get("/")
async def home(principal: Viewer) -> Response:
    return RedirectResponse(home_for(principal.role), status_code=status.HTTP_303_SEE_OTHER)


router.include_router(candidate_pages.router)
router.include_router(enrol_pages.router)
router.include_router(inbox_pages.router)
router.include_router(vacancy_pages.router)
router.include_router(campaign_pages.router)
router.include_router(outcome_pages.router)
router.include_router(message_pages.router)
router.include_router(candidate_actions.router)
router.include_router(reply_pages.router)
router.include_router(import_pages.router)
router.include_router(met_pages.router)
router.include_router(settings_pages.router)


def install(app: FastAPI) -> None:
    """The workspace's pages, its static files, and its refusals answered as pages."""
    app.include_router(router)
    app.mount(f"{PATH}/static", StaticFiles(directory=STATIC_DIR), name="workspace-static")
    install_error_pages(app)
