"""The operator's sign-in page: an API key kept in a cookie, so the Temporal Web UI can decode
payloads through the codec endpoint. Not part of the published schema."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, status
from fastapi.responses import HTMLResponse

from api.auth import COOKIE
from api.deps import SessionDep
from rapport import keys

pages = APIRouter(prefix="/ops", tags=["ops"], include_in_schema=False)

LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rapport</title>
</head><body style="font-family: sans-serif; max-width: 34rem; margin: 3rem auto">
<h1>Operator sign-in</h1><p>{message}</p>
<form method="post"><label>API key <input name="key" type="password" size="50" required></label>
<button type="submit">Sign in</button></form>
<p>Signed in, the Temporal Web UI decodes payloads through <code>/codec</code> (in the UI's
codec settings, turn on <em>Include cross-origin credentials</em>).</p></body></html>"""


@pages.get("/login", response_class=HTMLResponse)
async def login_page() -> HTMLResponse:
    return HTMLResponse(LOGIN_PAGE.format(message="Paste an admin, hr or viewer key."))


@pages.post("/login", response_class=HTMLResponse)
async def login(key: Annotated[str, Form(max_length=200)], session: SessionDep) -> HTMLResponse:
    record = await keys.find(session, key)
    if record is None or record.role in ("owner", "inbound"):
        return HTMLResponse(
            LOGIN_PAGE.format(message="That key is unknown, revoked, or not an operator's."),
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    response = HTMLResponse(
        LOGIN_PAGE.format(message=f"Signed in as {html.escape(record.name)} ({record.role}).")
    )
    # Same site as the UI (127.0.0.1, another port), so Lax is sent on its codec calls.
    response.set_cookie(COOKIE, key, httponly=True, samesite="lax", max_age=8 * 3600)
    return response
