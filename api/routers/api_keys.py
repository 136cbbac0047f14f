"""API keys, for admins: make one (shown once), list them, revoke one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, EmailStr
from sqlalchemy import select

from api.auth import ADMIN_ONLY
from api.deps import SessionDep
from api.schemas import ShortText
from rapport import keys
from rapport.db.models import ApiKey

router = APIRouter(prefix="/api/keys", tags=["keys"], dependencies=[ADMIN_ONLY])


class KeyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText
    role: Literal["admin", "hr", "owner", "viewer"]
    owner: EmailStr | None = None


class KeyOut(BaseModel):
    id: uuid.UUID
    name: str
    role: str
    owner: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class NewKey(KeyOut):
    key: str


class KeyList(BaseModel):
    items: list[KeyOut]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_key(body: KeyBody, session: SessionDep) -> NewKey:
    """Make a key; the answer is the only time it is shown."""
    try:
        record, secret = await keys.create(
            session, role=body.role, name=body.name, owner=str(body.owner) if body.owner else None
        )
    except ValueError as err:
        raise HTTPException(422, [{"field": "owner", "message": str(err)}]) from None
    await session.commit()
    await session.refresh(record)
    return NewKey(**KeyOut.model_validate(record, from_attributes=True).model_dump(), key=secret)


@router.get("")
async def list_keys(session: SessionDep) -> KeyList:
    """Every key, never the secret."""
    found = (await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars().all()
    return KeyList(items=[KeyOut.model_validate(k, from_attributes=True) for k in found])


@router.post("/{key_id}/revoke")
async def revoke_key(key_id: uuid.UUID, session: SessionDep) -> KeyOut:
    record = await session.get(ApiKey, key_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "key not found")
    record.revoked_at = record.revoked_at or datetime.now(UTC)
    await session.commit()
    return KeyOut.model_validate(record, from_attributes=True)
