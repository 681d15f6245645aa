"""Other instances' commits wake this one's loops at once (PostgreSQL LISTEN/NOTIFY).

A post collected on one instance is processed on another, translated on a third and
published by a fourth: without this each hand-off waits for the next turn of a loop (up to
5 s). The loops keep their own turns, so a notification lost with a dropped connection only
delays.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping, Sequence

from monitor.errors import MonitorError
from monitor.store import Store
from monitor.store.backends import Listener

log = logging.getLogger("monitor.cluster")

RETRY = 5.0  # seconds before listening again after the connection failed


class Wakeups:
    def __init__(
        self,
        store: Store,
        loop: asyncio.AbstractEventLoop,
        events: Mapping[str, Sequence[asyncio.Event]],
    ) -> None:
        self.store = store
        self.loop = loop
        self.events = events
        self._stop = threading.Event()
        # A thread of its own: waiting in the event loop's pool would keep a worker busy.
        self._thread = threading.Thread(target=self._run, name="monitor-wakeups", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        listener: Listener | None = None
        failing = False
        while not self._stop.is_set():
            try:
                if listener is None:
                    listener = self.store.listener(list(self.events))
                    if listener is None:
                        return  # the embedded store: nobody else commits
                notified = listener.wait(1.0)
            except MonitorError as error:
                if not failing:
                    log.warning("wake-ups from other instances paused: %s", error)
                failing = True
                _closed(listener)
                listener = None
                self._stop.wait(RETRY)
                continue
            if failing:
                log.info("wake-ups from other instances resumed")
                failing = False
            for channel in notified:
                for event in self.events.get(channel, ()):
                    self.loop.call_soon_threadsafe(event.set)
        _closed(listener)


def _closed(listener: Listener | None) -> None:
    if listener is not None:
        try:
            listener.close()
        except Exception:  # already broken: nothing more to release
            log.debug("closing a broken listener", exc_info=True)
