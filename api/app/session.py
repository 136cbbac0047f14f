"""The workspace's sign-in: a signed session cookie, and the CSRF token every form carries.

The cookie holds the id of the API key it was opened with, when it expires, and the session's
CSRF token, signed with `RAPPORT_SECRET_KEY` (rapport.signing, under a purpose of its own so an
unsubscribe token can never pass for a session). It never holds the key itself. Every request
looks the key up by id, or finds it in the API's key cache (api/auth.py): revoking the key
(`POST /api/keys/{id}/revoke`) ends every session opened with it at once in the process that
revoked it, and within `RAPPORT_AUTH_CACHE_SECONDS` elsewhere (another API process, `python -m
rapport.keys revoke`); its role is read fresh as often.

The cookie is HTTP-only, SameSite=Lax, scoped to `/app`, and Secure whenever the request came
over https (directly, or `X-Forwarded-Proto` through a proxy that uvicorn trusts) or
`RAPPORT_PUBLIC_URL` is https. On the dev stack's plain http://127.0.0.1 it cannot be Secure:
browsers would drop it; that is the one case where it is sent in the clear, on the loopback.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response, status

from api.app import service
from api.auth import Principal, key_cache
from rapport import signing
from rapport.settings import Settings

COOKIE = "rapport_session"
# Before sign-in there is no session: the sign-in form's token is a cookie of its own.
SIGN_IN_COOKIE = "rapport_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
PATH = "/app"
VERSION = "s1"


@dataclass(frozen=True)
class WebSession:
    key_id: str
    expires: int
    csrf: str


def _secret(settings: Settings) -> str:
    return "workspace-session:" + settings.require_secret_key()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def issue(settings: Settings, key_id: str) -> tuple[str, WebSession]:
    expires = int(time.time() + settings.workspace_session_hours * 3600)
    web = WebSession(key_id=key_id, expires=expires, csrf=new_token())
    return signing.sign(_secret(settings), VERSION, key_id, str(expires), web.csrf), web


def read(settings: Settings, value: str | None) -> WebSession | None:
    """The session a cookie names, if we signed it and it has not expired."""
    if not value:
        return None
    try:
        parts = signing.verify(_secret(settings), value)
    except signing.BadToken:
        return None
    if len(parts) != 4 or parts[0] != VERSION or not parts[2].isdigit():
        return None
    web = WebSession(key_id=parts[1], expires=int(parts[2]), csrf=parts[3])
    return web if web.expires > time.time() else None


def is_secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or (settings.public_url or "").startswith("https://")


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=is_secure(request, request.app.state.settings),
    )


def open_session(response: Response, request: Request, key_id: str) -> None:
    settings: Settings = request.app.state.settings
    value, web = issue(settings, key_id)
    set_cookie(response, request, COOKIE, value, max_age=max(1, int(web.expires - time.time())))
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)


def close_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH)


async def signed_in(request: Request) -> Principal:
    """The person behind the session cookie; 401 (a redirect to sign-in, for pages) without."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal) and getattr(request.state, "web_session", None):
        return known
    settings: Settings = request.app.state.settings
    web = read(settings, request.cookies.get(COOKIE))
    if web is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")
    cache, name = key_cache(request), "id:" + web.key_id
    principal = cache.get(name)
    if principal is None:
        async with request.app.state.sessions() as session:
            record = await service.active_key(session, web.key_id)
        if record is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "that key was revoked: sign in again")
        principal = Principal(str(record.id), record.name, record.role, record.owner)
        cache.put(name, principal)
    # The audit log (api/middleware.py) names whoever made a change from the workspace too.
    request.state.principal = principal
    request.state.web_session = web
    return principal


def same_token(presented: object, expected: str) -> bool:
    return isinstance(presented, str) and hmac.compare_digest(presented.encode(), expected.encode())


async def presented_token(request: Request) -> object:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.form()
    return form.get(CSRF_FIELD)


async def check_csrf(request: Request, expected: str) -> None:
    if not same_token(await presented_token(request), expected):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "This form has expired or did not come from the workspace. Reload the page and "
            "try again.",
        )


def csrf_of(request: Request) -> str:
    web: WebSession = request.state.web_session
    return web.csrf
