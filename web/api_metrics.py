"""GET /metrics: the bot's Prometheus metrics (observe/metrics.py) in the text exposition
format, the store gauges read at the moment of the scrape.

Open by default, as Prometheus expects of a target on a private network; `[metrics] token`
makes it answer only `Authorization: Bearer <token>`, for a bot whose port the internet reaches
(webhooks and Telegram need that), and `[metrics] enabled = false` removes it (404)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request, Response

from observe.metrics import CONTENT_TYPE
from store.queries.metrics import store_figures
from web.deps import ServicesDep

router = APIRouter()


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={401: {"description": "[metrics] token is set and the request lacks it"}},
)
async def metrics(request: Request, services: ServicesDep) -> Response:
    settings = services.settings.metrics
    if not settings.enabled:
        raise HTTPException(404, "metrics are turned off: set [metrics] enabled = true")
    if settings.token:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, f"Bearer {settings.token}".encode()):
            raise HTTPException(
                401,
                "send the [metrics] token as 'Authorization: Bearer <token>' (in Prometheus: "
                "authorization: {credentials: <token>} in the scrape config)",
                headers={"WWW-Authenticate": "Bearer"},
            )
    now = services.clock.now()
    figures = await services.database.read(lambda session: store_figures(session, now=now))
    return Response(services.metrics.render(figures), media_type=CONTENT_TYPE)
