"""`/healthz` and `/metrics` on `[monitor] health`: a small Starlette app served by uvicorn
on the daemon's event loop (the same stack as the web view, `monitor.web.server`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from monitor.metrics import Metrics
from monitor.web.server import AsgiServer

log = logging.getLogger("monitor.health")

HealthCheck = Callable[[], Awaitable[str | None]]


def health_app(metrics: Metrics, check: HealthCheck) -> ASGIApp:
    """`check()` returns None when healthy, else the reason (served as a 503)."""

    async def healthz(request: Request) -> Response:
        reason = await check()
        if reason is None:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unhealthy", "reason": reason}, status_code=503)

    async def render(request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def not_found(request: Request, error: Exception) -> Response:
        return PlainTextResponse("not found: try /healthz or /metrics\n", status_code=404)

    app = Starlette(
        routes=[Route("/healthz", healthz), Route("/metrics", render)],
        exception_handlers={404: not_found},
    )

    async def only_reads(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            response = PlainTextResponse(
                "method not allowed\n", status_code=405, headers={"Allow": "GET, HEAD"}
            )
            await response(scope, receive, send)
            return
        await app(scope, receive, send)

    return only_reads


class HealthServer:
    """The endpoint on `address`; `start()` raises ConfigError when it cannot listen."""

    def __init__(self, address: str, metrics: Metrics, check: HealthCheck) -> None:
        self._server = AsgiServer(health_app(metrics, check), address, key="monitor.health")

    @property
    def port(self) -> int:
        return self._server.port

    async def start(self) -> None:
        await self._server.start()
        log.info("health and metrics on %s/healthz and /metrics", self._server.url)

    async def stop(self) -> None:
        await self._server.stop()
