"""Inbound mail: a provider posts raw messages; HR and owners review what they did and classify
replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from api.auth import INBOUND_MAIL, OWNER_WRITE, READ, PrincipalDep
from api.deps import SessionDep, SettingsDep, TemporalDep, cursor_or_422, id_or_404
from api.inbound import service
from api.inbound.schemas import ClassifyBody, InboundOut, InboundPage, IngestOut
from rapport.vocabulary import InboundKind, InboundStatus

router = APIRouter(prefix="/api/inbound", tags=["inbound"])
# What a raw message may be posted as: RFC 5322 bytes, however the provider labels them.
MESSAGE_TYPES = {"message/rfc822", "text/plain", "application/octet-stream"}


@router.post(
    "/email",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[INBOUND_MAIL],
    responses={
        200: {"model": IngestOut, "description": "Posted before: what it did then."},
        413: {"description": "Larger than a message is read (4 MiB)."},
        415: {"description": "Not message/rfc822 (nor text/plain)."},
    },
    openapi_extra={
        "requestBody": {
            "content": {
                "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
                "text/plain": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
async def receive_email(
    request: Request,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> IngestOut:
    """One raw RFC 5322 message from a provider's inbound route or a forwarding rule: stored
    once (by its Message-ID), matched to its touch or sender, its effect applied, and the
    candidate's workflow told. 202 when new, 200 for a message posted before."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in MESSAGE_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "post the raw message as Content-Type: message/rfc822",
        )
    inbound = service.processor(request.app.state.sessions, settings)
    out = await service.receive(session, temporal, inbound, await request.body())
    if out.status == InboundStatus.DUPLICATE:
        response.status_code = status.HTTP_200_OK
    return out


@router.get("", dependencies=[READ])
async def list_inbound(
    session: SessionDep,
    principal: PrincipalDep,
    kind: InboundKind | None = None,
    status: Annotated[InboundStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> InboundPage:
    """What came back and what it did, newest first: `?status=unmatched` for review,
    `?kind=bounce`, …; an owner sees their own candidates' messages."""
    before = cursor_or_422(cursor)
    return await service.listing(
        session,
        principal,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        limit=limit,
        cursor=before,
    )


@router.post("/{inbound_id}/classify", dependencies=[OWNER_WRITE])
async def classify_reply(
    inbound_id: str,
    body: ClassifyBody,
    session: SessionDep,
    temporal: TemporalDep,
    principal: PrincipalDep,
) -> InboundOut:
    """Say what a reply meant (`interested`, `not_now` with an optional `resume_on`,
    `not_interested`): the lifecycle moves on, the hold on automated touches ends and the
    owner's task closes. Owners classify their own candidates' replies."""
    return await service.classify(
        session, temporal, principal, id_or_404(inbound_id, "inbound message"), body
    )
