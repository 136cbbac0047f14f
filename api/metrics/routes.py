"""`GET /metrics`, for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from api.auth import SCRAPE
from api.metrics import service

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    dependencies=[SCRAPE],
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus's text format: this API process's requests (`rapport_http_*`), Rapport's
    figures from PostgreSQL (`rapport_touches`, `rapport_inbound`, `rapport_tasks_*`, read at
    most every few seconds) and the process's own. For `RAPPORT_METRICS_TOKEN`, or a key of
    an operator (admin, hr, viewer)."""
    telemetry = request.app.state.metrics
    body = await service.exposition(
        telemetry.registry, telemetry.figures, request.app.state.metrics_figures
    )
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
