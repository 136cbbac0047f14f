"""The FastAPI app: one engine and one Temporal client per process, built in the lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import errors, unavailable
from api.app import routes as workspace
from api.app.outcomes import OutcomesCache
from api.articles import routes as articles
from api.auth import READ_ALL
from api.campaigns import routes as campaigns
from api.candidates import routes as candidates
from api.codec import routes as codec
from api.health import routes as health
from api.inbound import routes as inbound
from api.keys import routes as keys_routes
from api.mailboxes import routes as mailboxes
from api.metrics import routes as metrics
from api.metrics.requests import ApiMetrics, RequestMetrics
from api.metrics.service import FiguresCache
from api.middleware import AuditMiddleware, BodyLimitMiddleware
from api.openapi import document_problems
from api.ops import pages as ops_pages
from api.ops import routes as ops
from api.people import routes as people
from api.public import routes as unsubscribe
from api.tasks import routes as tasks
from api.templates import routes as templates
from api.vacancies import routes as vacancies
from rapport import keys
from rapport.db.session import (
    DatabaseBounds,
    Turns,
    make_autocommit_session_factory,
    make_engine,
    make_session_factory,
)
from rapport.settings import Settings
from rapport.temporal import connect, make_codec


def create_app(settings: Settings | None = None) -> FastAPI:
    app_settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Bounded waits on PostgreSQL and Temporal: a request answers 503 within seconds
        # when either hangs, instead of holding a connection for the whole outage.
        engine = make_engine(
            app_settings.require_database_url(),
            # Enough for the requests in flight: one that finds every pooled connection in use
            # opens an overflow connection and closes it afterwards, a connect per request
            # under load (the read benchmark's profile, with the old 5).
            pool_size=app_settings.db_pool_size,
            bounds=DatabaseBounds.for_requests(app_settings),
        )
        app.state.settings = app_settings
        app.state.sessions = make_session_factory(engine)
        app.state.read_sessions = make_autocommit_session_factory(engine)
        # As many turns as pooled connections: the pool's overflow is left for the sessions
        # taken outside a route's dependencies (keys, the workspace's pages, the audit).
        app.state.turns = Turns(app_settings.db_pool_size, app_settings.db_pool_timeout_seconds)
        app.state.codec = make_codec(app_settings)
        app.state.metrics_figures = FiguresCache(app.state.sessions)
        app.state.outcomes = OutcomesCache()
        # Lazy: the API starts, and /healthz says so, even while Temporal is still coming up.
        app.state.temporal = await connect(
            app_settings,
            lazy=True,
            rpc_timeout=timedelta(seconds=app_settings.temporal_rpc_timeout_seconds),
        )
        if app_settings.admin_api_key:
            async with app.state.sessions.begin() as session:
                await keys.ensure(
                    session, app_settings.admin_api_key, role="admin", name="RAPPORT_ADMIN_API_KEY"
                )
        # Everything built so far (modules, routes, models, the clients) lives as long as
        # the process: out of the collector's way, a full collection walks only what
        # requests leave behind, and the pauses it adds to a request in flight stay short.
        # (Collected first, so that no garbage of the start is kept for ever.)
        gc.collect()
        gc.freeze()
        yield
        await engine.dispose()

    app = FastAPI(
        title="Rapport",
        summary="Outreach orchestrator for passive recruiting.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    unavailable.install(app)
    document_problems(app)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    # The Temporal Web UI calls the codec endpoint from the browser, with the operator's cookie.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=app_settings.codec_origins,
        allow_credentials=True,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-Namespace", "Authorization"],
    )
    # Outermost, so a request's time includes every other middleware's.
    app.state.metrics = ApiMetrics()
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.include_router(health.router)
    app.include_router(candidates.router)
    app.include_router(articles.router)
    app.include_router(people.router)
    app.include_router(tasks.router)
    app.include_router(inbound.router)
    app.include_router(mailboxes.router)
    app.include_router(vacancies.router)
    app.include_router(campaigns.router)
    app.include_router(templates.router)
    app.include_router(unsubscribe.router)
    app.include_router(ops.router)
    app.include_router(ops_pages.pages)
    app.include_router(keys_routes.router)
    app.include_router(codec.router, dependencies=[READ_ALL])
    app.include_router(metrics.router)
    workspace.install(app)  # the web workspace under /app: pages, htmx, pages for refusals
    return app


app = create_app()
