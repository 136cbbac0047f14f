"""Temporal's remote codec protocol, so the Web UI and the CLI can show encrypted payloads.

The Web UI posts `{"payloads": [...]}` (Payload protobuf as JSON: metadata values and data in
base64) to `<codec endpoint>/decode`, and `/encode` when an operator starts or signals a
workflow from it; the answer has the same shape. It sends the namespace in `X-Namespace`, which
we do not need: one key ring serves every namespace. CORS and authentication are the app's
concern, attached where the router is included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from rapport.codec import EncryptionCodec

router = APIRouter(prefix="/codec", tags=["codec"])

Convert = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]

PAYLOADS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["payloads"],
    "properties": {
        "payloads": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "metadata": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "format": "byte"},
                    },
                    "data": {"type": "string", "format": "byte"},
                },
            },
        }
    },
}
# The body is read as protobuf JSON, not through a pydantic model, so describe it by hand.
PROTOCOL_DOCS: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": PAYLOADS_SCHEMA}},
    },
    "responses": {
        "200": {"content": {"application/json": {"schema": PAYLOADS_SCHEMA}}},
        "400": {"description": "Not Payloads JSON, or a payload that cannot be decrypted."},
        "404": {"description": "This process has no encryption keys configured."},
    },
}


async def get_codec(request: Request) -> EncryptionCodec:
    codec: EncryptionCodec | None = getattr(request.app.state, "codec", None)
    if codec is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no codec configured")
    return codec


CodecDep = Annotated[EncryptionCodec, Depends(get_codec)]


@router.post("/encode", openapi_extra=PROTOCOL_DOCS, response_class=JSONResponse)
async def encode(request: Request, codec: CodecDep) -> JSONResponse:
    """Encrypt payloads with the current key."""
    return await convert(request, codec.encode)


@router.post("/decode", openapi_extra=PROTOCOL_DOCS, response_class=JSONResponse)
async def decode(request: Request, codec: CodecDep) -> JSONResponse:
    """Decrypt payloads with the key each names; unencrypted ones come back as they are."""
    return await convert(request, codec.decode)


async def convert(request: Request, apply: Convert) -> JSONResponse:
    # The protocol requires protobuf's JSON mapping (camelCase names, base64 bytes), which
    # only json_format implements faithfully.
    try:
        body = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, ValueError) as err:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"body is not Temporal Payloads JSON: {err}"
        ) from None
    try:
        converted = await apply(body.payloads)
    except ValueError as err:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(err)) from None
    # Built by hand so that an empty list still answers `{"payloads": []}`.
    return JSONResponse({"payloads": [json_format.MessageToDict(p) for p in converted]})
