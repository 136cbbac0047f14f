"""Cross-cutting HTTP concerns: bounded request bodies, and the audit log of every change."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rapport.db.repositories import audit as audit_repo
from rapport.inbound import MAX_MESSAGE_BYTES

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Reading an encrypted payload changes nothing, though it is a POST.
NOT_CHANGES = ("/codec/", "/ops/login")
# Nor does rendering a template's text to look at it (the workspace does it as HR types).
NOT_CHANGES_ENDING = ("/preview",)
MAX_BODY_BYTES = 1024 * 1024
MAX_IMPORT_BYTES = 5 * 1024 * 1024
# A raw message (attachments and all) may be larger than any JSON body.
INBOUND_MAIL_PATH = "/api/inbound/email"

log = logging.getLogger("rapport.audit")


class BodyLimitMiddleware:
    """413 for a body over the limit, whether it declares its length or streams it.

    A declared length is checked up front, and the server delivers no more than it declares.
    A streamed body (chunked, no length) is read here, up to the limit, before the app sees
    it: stopping the app half-way through its read would surface as the app's own parsing
    error (a 400), not as a 413.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = MAX_IMPORT_BYTES if scope["path"].endswith("/import") else MAX_BODY_BYTES
        if scope["path"] == INBOUND_MAIL_PATH:
            limit = MAX_MESSAGE_BYTES
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > limit:
                await too_large(send, limit)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before it finished sending
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                await too_large(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # after the body: the disconnect, when it comes

        await self.app(scope, replay, send)


async def too_large(send: Send, limit: int) -> None:
    body = f'{{"detail": [{{"field": "body", "message": "at most {limit} bytes"}}]}}'.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class AuditMiddleware:
    """Who changed what, and when, for every mutating request; never the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method", "")
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or method not in MUTATING
            or path.startswith(NOT_CHANGES)
            or path.endswith(NOT_CHANGES_ENDING)
        ):
            await self.app(scope, receive, send)
            return
        answer = StatusOf(send)
        try:
            await self.app(scope, receive, answer)
        finally:
            await record(scope, method, path, answer.status)


class StatusOf:
    """`send`, noting the status of the answer on its way out: 500 until one starts."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        await self.send(message)


async def record(scope: Scope, method: str, path: str, status: int) -> None:
    app: Any = scope["app"]
    state = scope.get("state") or {}
    principal = state.get("principal")
    if principal is not None:
        actor, role, key_id = principal.name, principal.role, principal.key_id
    elif path.startswith("/unsubscribe/"):
        actor, role, key_id = "unsubscribe link", None, None
    else:
        actor, role, key_id = "anonymous", None, None
    try:
        async with app.state.sessions.begin() as session:
            audit_repo.add_entry(
                session, actor=actor, role=role, key_id=uuid.UUID(key_id) if key_id else None,
                method=method, path=path[:500], status=status,
            )  # fmt: skip
    except Exception:
        # The audit log must never turn a served request into a failure.
        log.exception("could not write the audit entry for %s %s", method, path)
