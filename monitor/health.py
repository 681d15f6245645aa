"""A tiny HTTP endpoint on the loopback: `/healthz` and `/metrics`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST

from monitor.errors import ConfigError
from monitor.metrics import Metrics

log = logging.getLogger("monitor.health")

HealthCheck = Callable[[], Awaitable[str | None]]
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


class HealthServer:
    """`check()` returns None when healthy, else the reason (served as a 503)."""

    def __init__(self, address: str, metrics: Metrics, check: HealthCheck) -> None:
        host, _, port = address.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self.metrics = metrics
        self.check = check
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
        except OSError as error:
            raise ConfigError(
                f"monitor.health: cannot listen on {self.host}:{self.port} ({error.strerror})",
                remedy='choose a free port, or set health = "" to turn the endpoint off',
            ) from None
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            method, path, *_ = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            status, content_type, body = await self._respond(method, path.split("?", 1)[0])
            head = (
                f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + (body if method != "HEAD" else b""))
            await writer.drain()
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ValueError,
            OSError,
        ):
            pass
        finally:
            writer.close()

    async def _respond(self, method: str, path: str) -> tuple[int, str, bytes]:
        if method not in ("GET", "HEAD"):
            return 405, "text/plain", b"method not allowed\n"
        if path == "/healthz":
            reason = await self.check()
            status = 200 if reason is None else 503
            payload = (
                {"status": "ok"} if reason is None else {"status": "unhealthy", "reason": reason}
            )
            return status, "application/json", json.dumps(payload).encode()
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, self.metrics.render()
        return 404, "text/plain", b"not found: try /healthz or /metrics\n"
