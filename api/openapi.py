"""The published OpenAPI schema, where FastAPI's defaults do not describe what we answer."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.errors import ValidationProblem

PROBLEMS = {
    "type": "object",
    "title": "HTTPValidationError",
    "required": ["detail"],
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "array",
            "items": {"$ref": "#/components/schemas/ValidationError"},
        }
    },
}


def document_problems(app: FastAPI) -> None:
    """Describe the 422 body our handler (and our own 422s) answer, in place of FastAPI's
    `{loc, msg, type}`: clients generated from the schema must read what they are sent."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()  # FastAPI keeps it in app.openapi_schema: amended once, in place
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ValidationError"] = ValidationProblem.model_json_schema()
        components["HTTPValidationError"] = PROBLEMS
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
