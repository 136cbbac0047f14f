"""The signed one-click unsubscribe link of every email (RFC 8058), reachable without a key."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.public import service

router = APIRouter(tags=["unsubscribe"])

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto">{body}</body></html>"""


def page(title: str, body: str, code: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), body=body), status_code=code)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def confirm_page(token: str, settings: SettingsDep) -> HTMLResponse:
    """A page with one button: a GET never unsubscribes, since mail scanners follow links."""
    service.read_token(settings, token)
    return page(
        "Unsubscribe",
        f"<p>Stop receiving emails from {html.escape(settings.company_name)}?</p>"
        f'<form method="post"><button type="submit" name="List-Unsubscribe" '
        f'value="One-Click">Unsubscribe</button></form>',
    )


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(
    token: str, session: SessionDep, temporal: TemporalDep, settings: SettingsDep
) -> HTMLResponse:
    """One click (a mail client's POST, or the page's button): no more email, at once."""
    await service.unsubscribe(session, temporal, settings, token)
    return page("Unsubscribed", "<p>Done: you will not receive these emails any more.</p>")
