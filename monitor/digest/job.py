"""The daemon's digest job: call `run_due` every minute and on start.

It sends the digest once the day's `send_at` has passed and no digest covers up
to it yet (so a daemon that was down sends the overdue digest when it starts), and
retries a pending digest with backoff. A pending digest overtaken by a newer
`send_at` is superseded by one whose window covers both, so nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.digest import log as digest_log
from monitor.digest.digester import Digester, Outcome
from monitor.digest.window import latest_boundary, whole_seconds
from monitor.errors import MonitorError
from monitor.record import format_time, utcnow
from monitor.state import Window
from monitor.store import Store

log = logging.getLogger("monitor.digest")


class DigestJob:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.zone = ZoneInfo(settings.monitor.timezone)
        self._digester: Digester | None = None
        self._last_error = ""
        # The boundary up to which a window was found to hold nothing new: checked once.
        self._empty_until: datetime | None = None

    async def run_due(self, now: datetime | None = None) -> Outcome | None:
        """Send or retry whatever is due at `now`; never raises (errors are logged)."""
        if not self.settings.digest.enabled:
            return None
        moment = whole_seconds(now or utcnow())
        try:
            outcome = await asyncio.to_thread(self.run_due_sync, moment)
        except MonitorError as error:
            if str(error) != self._last_error:
                log.error("digest: %s", error)
            self._last_error = str(error)
            return None
        except Exception:
            log.exception("digest: unexpected failure; will try again at the next check")
            return None
        self._last_error = ""
        return outcome

    def run_due_sync(self, now: datetime) -> Outcome | None:
        if self._digester is None:
            self._digester = Digester(self.settings, self.store)
        digester = self._digester
        boundary = latest_boundary(now, self.settings.digest.send_time, self.zone)
        start = digester.next_start()
        current = None
        for row in digest_log.pending(self.store):
            if (start is not None and row.window.end <= start) or row.window.end < boundary:
                digest_log.mark_attempt_failed(
                    self.store,
                    row,
                    f"superseded by the digest up to {format_time(boundary)}",
                    None,
                )
                log.info(
                    "digest %s: superseded by a digest covering its window",
                    digester.label(row.window),
                )
            else:
                current = row
        if current is None:
            if start is None or start >= boundary:
                return None
            window = Window(start, boundary)
            current = digest_log.find(self.store, window)
            if current is None:
                if self._empty_until == boundary:
                    return None
                if not digester.news(window):
                    # Nothing is recorded: the next digest starts at `start` too and covers this.
                    self._empty_until = boundary
                    log.info(
                        "digest %s: nothing new (no posts, no failed source); nothing sent",
                        digester.label(window),
                    )
                    return None
                current = digester.record(window, now)
            elif current.status == "sent":
                return None
            elif current.status == "failed":
                digest_log.reopen(self.store, current)
                current = digest_log.find(self.store, window)
                assert current is not None
        if current.next_attempt is not None and current.next_attempt > now:
            return None
        return digester.attempt(current, now, retry=True)
