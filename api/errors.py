"""What the API answers when it refuses: the shape of a field's problem (the 422 body), and the
refusals a service raises (not found, conflict, invalid, unavailable) with the HTTP answer each
maps to, so that services speak of the domain and routes of HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.unavailable import RETRY_AFTER


class FieldError(BaseModel):
    field: str
    message: str


class ValidationProblem(FieldError):
    """One item of a 422's `detail`: `type` and `loc` come with pydantic's own findings."""

    type: str | None = Field(default=None, description="pydantic's error type, if it found it.")
    loc: list[str | int] | None = Field(
        default=None, description="Where in the request: `body`, `query` or `path`, then names."
    )


REQUEST_PARTS = {"body", "query", "path", "header"}


def field_name(location: Sequence[Any], *, whole: str) -> str:
    """A pydantic error location as a dotted field name: `relationship.origin`, `consent.fax`."""
    parts = [str(part) for part in location if part != "[key]"]
    if parts and parts[0] in REQUEST_PARTS:
        parts = parts[1:]
    return ".".join(parts) or whole


def error_message(error: Mapping[str, Any]) -> str:
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic errors as `{field, message}`, the field as a dotted path."""
    return [
        FieldError(field=field_name(error["loc"], whole="row"), message=error_message(error))
        for error in errors
    ]


class Refusal(Exception):
    """A request a service will not carry out; answered as `{"detail": ...}` with `status`."""

    status = 400

    def __init__(self, detail: str | list[dict[str, str]], headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class NotFound(Refusal):
    status = 404


class Conflict(Refusal):
    status = 409


class Invalid(Refusal):
    """One field's problem, answered as a 422 like pydantic's own."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__([{"field": field, "message": message}])


class NotYetDone(Refusal):
    """Stored, but a dependency did not answer in time to finish it: retrying completes it."""

    status = 503

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers=RETRY_AFTER)


async def refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refusal)
    return JSONResponse(status_code=exc.status, content={"detail": exc.detail}, headers=exc.headers)


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """422 with `field` (dotted, without `body.`) and a readable `message` for every problem."""
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "field": field_name(error.get("loc", ()), whole="body"),
            "message": error_message(error),
            "type": error.get("type"),
            "loc": error.get("loc"),
        }
        for error in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Refusal, refused)
