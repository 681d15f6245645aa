"""What every handler of the web view shares: settings, the store, templates, search."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_args
from zoneinfo import ZoneInfo

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from monitor.config import Platform, Settings
from monitor.store import Store
from monitor.web.params import BadRequest
from monitor.web.search import SearchBackend

log = logging.getLogger("monitor.web")
T = TypeVar("T")
PLATFORMS: tuple[str, ...] = get_args(Platform)


class NotFound(Exception):
    """The statement or post asked for is not in the store (any more)."""


class Failed(Exception):
    """A handler failed unexpectedly; the log has why, the reader gets a plain 500."""


@dataclass(frozen=True)
class Web:
    settings: Settings
    store: Store
    templates: jinja2.Environment
    search: SearchBackend | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.monitor.timezone)

    @property
    def page_size(self) -> int:
        return self.settings.web.page_size

    def accounts(self) -> list[str]:
        """Source names to filter by: the configured ones, then any others the store knows."""
        names = [source.name for source in self.settings.sources]
        known = [status.name for status in self.store.source_statuses()]
        return names + sorted(set(known) - set(names))

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.templates.get_template(template).render(**values)
        return HTMLResponse(html, status_code=status)

    async def off_loop(self, work: Callable[..., T], *args: Any) -> T:
        """Store reads and rendering run in a thread: the daemon's loop never waits on them.
        An unexpected failure is logged here and becomes `Failed` (a 500 page)."""
        try:
            return await run_in_threadpool(work, *args)
        except (BadRequest, NotFound):
            raise
        except Exception as error:
            log.error("web: a request failed", exc_info=error)
            raise Failed() from None
