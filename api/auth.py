"""Who is calling: a bearer API key (or the operator's cookie, for the Temporal UI's codec
calls), and what their role lets them do."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from rapport import keys

ADMIN, HR, OWNER, VIEWER = "admin", "hr", "owner", "viewer"
# A mail provider's inbound route or a forwarding rule: it may post messages, nothing else.
INBOUND = "inbound"
COOKIE = "rapport_key"


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: str
    owner: str | None = None

    def holds(self, owner: str | None) -> bool:
        """An owner reaches only what belongs to relationships they hold; other roles, all."""
        return self.role != OWNER or (owner or "").lower() == self.owner

    def owner_filter(self, requested: str | None) -> str | None:
        """The owner a listing is narrowed to: an owner's own, whatever they asked for."""
        return self.owner if self.role == OWNER else requested


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE)


async def authenticate(request: Request) -> Principal:
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    key = presented_key(request)
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "send an API key: Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    async with request.app.state.sessions() as session:
        record = await keys.find(session, key)
    if record is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown or revoked API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = Principal(str(record.id), record.name, record.role, record.owner)
    request.state.principal = principal
    return principal


def require(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    async def check(request: Request) -> Principal:
        principal = await authenticate(request)
        if principal.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"the {principal.role} role may not do this; it needs {' or '.join(roles)}",
            )
        return principal

    return check


async def scraper(request: Request) -> None:
    """`/metrics`: `RAPPORT_METRICS_TOKEN`, checked without the database (a scrape still
    answers while PostgreSQL is down, and the scraper's secret opens nothing else), or an
    operator's key, as for the other operator views."""
    token = request.app.state.settings.metrics_token
    presented = presented_key(request)
    if token and presented and hmac.compare_digest(presented.encode(), token.encode()):
        return
    await require(ADMIN, HR, VIEWER)(request)


# Who may do what, route by route.
READ = Depends(require(ADMIN, HR, VIEWER, OWNER))
WRITE = Depends(require(ADMIN, HR))
OWNER_WRITE = Depends(require(ADMIN, HR, OWNER))
ADMIN_ONLY = Depends(require(ADMIN))
READ_ALL = Depends(require(ADMIN, HR, VIEWER))
SCRAPE = Depends(scraper)
INBOUND_MAIL = Depends(require(ADMIN, INBOUND))

PrincipalDep = Annotated[Principal, Depends(authenticate)]
