"""Serving the web view: inside the daemon (`WebServer`), or alone (`monitor web`)."""

from __future__ import annotations

import asyncio
import logging
import signal

from monitor.config import Settings
from monitor.store import Store, open_store
from monitor.web.app import build_app
from monitor.web.security import web_credentials
from monitor.web.server import AsgiServer

log = logging.getLogger("monitor.web")


class WebServer:
    """The web view on `[web] listen`, reading `store` (open it read-only where possible).
    Building it checks the auth rule and reads the password: a ConfigError then stops the
    daemon before it starts anything."""

    def __init__(self, settings: Settings, store: Store) -> None:
        web = settings.web
        app = build_app(settings, store, credentials=web_credentials(web))
        self._server = AsgiServer(
            app,
            web.listen,
            key="web.listen",
            grace=min(settings.monitor.shutdown_grace, 5.0),
            proxy=web.trust_proxy,
        )
        self._auth = (
            "basic auth"
            if web.username
            else "behind a trusted proxy"
            if web.trust_proxy
            else "no auth (loopback)"
        )

    @property
    def url(self) -> str:
        return self._server.url

    async def start(self) -> None:
        await self._server.start()
        log.info("web view on %s/ (%s, read-only)", self._server.url, self._auth)

    async def stop(self) -> None:
        await self._server.stop()


async def serve_web(settings: Settings) -> int:
    """`monitor web`: the web view alone over the data dir, read-only, until SIGTERM/SIGINT."""
    from monitor.errors import ConfigError

    if not settings.web.listen:
        raise ConfigError(
            'the web view is off ([web] listen = "")',
            remedy='set [web] listen, e.g. "127.0.0.1:8788"',
        )
    store = open_store(settings, readonly=True)
    try:
        server = WebServer(settings, store)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await server.start()
        try:
            await stop.wait()
        finally:
            log.info("web view stopping")
            await server.stop()
    finally:
        store.close()
    return 0
