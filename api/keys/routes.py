"""API keys, for admins: make one (shown once), list them, revoke one."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from api.auth import ADMIN_ONLY, key_cache
from api.deps import SessionDep
from api.keys import service
from api.keys.schemas import KeyBody, KeyList, KeyOut, NewKey

router = APIRouter(prefix="/api/keys", tags=["keys"], dependencies=[ADMIN_ONLY])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_key(body: KeyBody, session: SessionDep) -> NewKey:
    """Make a key; the answer is the only time it is shown."""
    return await service.create(session, body)


@router.get("")
async def list_keys(session: SessionDep) -> KeyList:
    """Every key, never the secret."""
    return KeyList(items=list(await service.every_key(session)))


@router.post("/{key_id}/revoke")
async def revoke_key(key_id: uuid.UUID, session: SessionDep, request: Request) -> KeyOut:
    """Revoke a key: refused from the next request on (other API processes: within
    RAPPORT_AUTH_CACHE_SECONDS)."""
    revoked = await service.revoke(session, key_id)
    key_cache(request).forget(str(key_id))
    return revoked
