"""Who may open a page or send a form: the API's roles, read from the session, and the CSRF
token checked on every POST (refused with 403 without it, before anything is read or done)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from api.app.session import check_csrf, csrf_of, signed_in
from api.auth import ADMIN, HR, OWNER, VIEWER, Principal

EVERYONE = (ADMIN, HR, VIEWER, OWNER)
WRITERS = (ADMIN, HR)
OWNER_WRITERS = (ADMIN, HR, OWNER)


def refuse_role(principal: Principal, roles: tuple[str, ...]) -> None:
    if principal.role not in roles:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"Signed in as {principal.role}, you may not do this; it needs {' or '.join(roles)}.",
        )


def viewing(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """A page for these roles."""

    async def check(request: Request) -> Principal:
        principal = await signed_in(request)
        refuse_role(principal, roles)
        return principal

    return check


def posting(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """A form for these roles: signed in, the right role, and the session's CSRF token."""

    async def check(request: Request) -> Principal:
        principal = await signed_in(request)
        await check_csrf(request, csrf_of(request))
        refuse_role(principal, roles)
        return principal

    return check


Viewer = Annotated[Principal, Depends(viewing(*EVERYONE))]
Writer = Annotated[Principal, Depends(viewing(*WRITERS))]
OwnerOnly = Annotated[Principal, Depends(viewing(OWNER))]
Admin = Annotated[Principal, Depends(viewing(ADMIN))]
PostedByAnyone = Annotated[Principal, Depends(posting(*EVERYONE))]
PostedByWriter = Annotated[Principal, Depends(posting(*WRITERS))]
PostedByOwner = Annotated[Principal, Depends(posting(*OWNER_WRITERS))]
# Vacancies, campaigns: everyone's figures, so not for an owner (as the API's READ_ALL).
Reader = Annotated[Principal, Depends(viewing(ADMIN, HR, VIEWER))]
PostedByOwnerOnly = Annotated[Principal, Depends(posting(OWNER))]
PostedByAdmin = Annotated[Principal, Depends(posting(ADMIN))]
