"""Who is calling: a bearer API key (or the operator's cookie, for the Temporal UI's codec
calls), and what their role lets them do.

A key checked against PostgreSQL is trusted for `RAPPORT_AUTH_CACHE_SECONDS` (5) by the process
that checked it, so that a client's run of reads costs one key lookup rather than one per
request (a tenth of a profile read's time). Only keys found active are kept, never the secret
itself (its hash), and a key revoked through this process is forgotten at once; one revoked
through another API process or the command line stops working here within that time.
Workspace sessions (api/app/session.py) use the same cache, by the key's id."""

from __future__ import annotations

import hmac
import time
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


class KeyCache:
    """Principals by the hash (or, for a workspace session, the id) of the key they showed,
    with when they were checked."""

    LIMIT = 10_000  # distinct keys kept at most; emptied when full, never grown past it

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.entries: dict[str, tuple[Principal, float]] = {}

    def get(self, name: str) -> Principal | None:
        found = self.entries.get(name)
        if found is None or time.monotonic() - found[1] >= self.seconds:
            return None
        return found[0]

    def put(self, name: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        if len(self.entries) >= self.LIMIT:
            self.entries.clear()
        self.entries[name] = (principal, time.monotonic())

    def forget(self, key_id: str) -> None:
        """A key revoked here: no request after this one is let in with it."""
        for name, (principal, _) in list(self.entries.items()):
            if principal.key_id == key_id:
                del self.entries[name]


def key_cache(request: Request) -> KeyCache:
    """The app's cache, made on first use with the app's settings."""
    state = request.app.state
    cache = getattr(state, "key_cache", None)
    if not isinstance(cache, KeyCache):
        cache = state.key_cache = KeyCache(state.settings.auth_cache_seconds)
    return cache


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
    cache, name = key_cache(request), "hash:" + keys.hash_key(key)
    principal = cache.get(name)
    if principal is None:
        async with request.app.state.sessions() as session:
            record = await keys.find(session, key)
        if record is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "unknown or revoked API key",
                headers={"WWW-Authenticate": "Bearer"},
            )
        principal = Principal(str(record.id), record.name, record.role, record.owner)
        cache.put(name, principal)
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
