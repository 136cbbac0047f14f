"""The FastAPI app: one engine and one Temporal client per process, built in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.client import Client

from api.routers import (
    articles,
    campaigns,
    candidates,
    health,
    tasks,
    unsubscribe,
    vacancies,
)
from api.schemas import error_message, field_name
from rapport.db.session import make_engine, make_session_factory
from rapport.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    app_settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(app_settings.require_database_url())
        app.state.settings = app_settings
        app.state.sessions = make_session_factory(engine)
        # Lazy: the API starts, and /healthz says so, even while Temporal is still coming up.
        app.state.temporal = await Client.connect(
            app_settings.temporal_target, namespace=app_settings.temporal_namespace, lazy=True
        )
        yield
        await engine.dispose()

    app = FastAPI(
        title="Rapport",
        summary="Outreach orchestrator for passive recruiting.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.include_router(health.router)
    app.include_router(candidates.router)
    app.include_router(articles.router)
    app.include_router(tasks.router)
    app.include_router(vacancies.router)
    app.include_router(campaigns.router)
    app.include_router(unsubscribe.router)
    return app


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with `field` (dotted, without `body.`) and a readable `message` for every problem."""
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


app = create_app()
