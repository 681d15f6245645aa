"""An ASGI app served by uvicorn on the caller's event loop, started and stopped as a task.

The daemon keeps its own signal handlers (SIGTERM, SIGINT, SIGHUP): uvicorn's own capture of
SIGINT/SIGTERM is turned off, and the daemon stops the server as part of its shutdown. The
listening socket is bound here, before uvicorn starts, so that a taken port is a clear
error at start (and port 0 tells which port it got).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Generator

import uvicorn
from starlette.types import ASGIApp

from monitor.errors import ConfigError

log = logging.getLogger("monitor.web")
# uvicorn's own start and stop lines repeat ours; its warnings and errors still show.
logging.getLogger("uvicorn.error").setLevel(logging.WARNING)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # signals are the host's (the daemon's, or `monitor web`'s) to handle


def split_address(address: str) -> tuple[str, int]:
    """`host:port` (IPv6 hosts in brackets) -> (host, port)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def bind(address: str, key: str) -> socket.socket:
    """A listening TCP socket on `address`; `key` names the setting in the error."""
    host, port = split_address(address)
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=128)
    except OSError as error:
        raise ConfigError(
            f"{key}: cannot listen on {address} ({error.strerror or error})",
            remedy=f'choose a free port, or set {key.rpartition(".")[2]} = "" to turn it off',
        ) from None
    sock.setblocking(False)
    return sock


class AsgiServer:
    """`app` on `address`: `await start()` binds and serves, `await stop()` ends it
    (in-flight requests get `grace` seconds)."""

    def __init__(
        self, app: ASGIApp, address: str, *, key: str, grace: float = 5.0, proxy: bool = False
    ) -> None:
        self.app = app
        self.address = address
        self.key = key
        self.grace = grace
        self.proxy = proxy
        self.port = 0
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        sock = bind(self.address, self.key)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            http="h11",
            ws="none",
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,  # a request line may carry a search an analyst would not publish
            server_header=False,
            proxy_headers=self.proxy,
            timeout_graceful_shutdown=max(1, int(self.grace)),
            limit_concurrency=200,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raise why it could not start
                raise ConfigError(f"{self.key}: the server on {self.address} did not start")
            await asyncio.sleep(0.01)

    @property
    def url(self) -> str:
        host = split_address(self.address)[0]
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=self.grace + 2)
        except TimeoutError:
            self._server.force_exit = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        except Exception:
            log.exception("%s: the server on %s failed while stopping", self.key, self.address)
        self._server = self._task = None

    async def wait(self) -> None:
        """Until the server ends (stopped, or failed)."""
        if self._task is not None:
            await asyncio.shield(self._task)
