"""Drains the store's outbox into the queue backend, in order, at least once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

from monitor.errors import QueueError
from monitor.queues.base import Message, QueueBackend
from monitor.store import OutboxRow, Store

log = logging.getLogger("monitor.publisher")

# Outbox rows read per store round trip, in publish batches (store work is a few ms).
READ_AHEAD = 5


class Publisher:
    """Rows are marked sent only after `backend.publish` returned (the broker confirmed)."""

    def __init__(
        self,
        store: Store,
        backend: QueueBackend,
        *,
        batch: int = 100,
        on_published: Callable[[int], None] | None = None,
        on_failed: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.backend = backend
        self.batch = batch
        self.on_published = on_published
        self.on_failed = on_failed
        self._connected = False

    async def _ensure_connected(self) -> None:
        if not self._connected:
            await self.backend.connect()
            self._connected = True

    async def drain(self) -> int:
        """Publish every pending outbox row; raise `QueueError` if the backend fails.

        Rows are read `READ_AHEAD` batches at a time and published batch by batch. The
        next group is read, and the previous one marked sent, in a thread while a group
        is being published; a row is only marked sent after the broker confirmed it.
        """
        sent = 0
        size = self.batch * READ_AHEAD
        marking: asyncio.Future[None] | None = None
        rows = await asyncio.to_thread(self.store.outbox_batch, size)
        try:
            while rows:
                upcoming = asyncio.ensure_future(
                    asyncio.to_thread(self.store.outbox_batch, size, after=rows[-1].seq)
                )
                done = 0
                try:
                    await self._ensure_connected()
                    for start in range(0, len(rows), self.batch):
                        chunk = rows[start : start + self.batch]
                        await self.backend.publish([_message(row) for row in chunk])
                        done += len(chunk)
                        if self.on_published:
                            self.on_published(len(chunk))
                except QueueError as error:
                    await upcoming
                    self._connected = False
                    await self._forget_connection()
                    await asyncio.to_thread(self._settle, rows, done, str(error))
                    if self.on_failed:
                        self.on_failed(len(rows) - done)
                    raise
                if marking is not None:
                    await marking
                seqs = [row.seq for row in rows]
                marking = asyncio.ensure_future(asyncio.to_thread(self.store.outbox_sent, seqs))
                sent += len(rows)
                rows = await upcoming
        finally:
            if marking is not None:
                await marking
        return sent

    def _settle(self, rows: list[OutboxRow], done: int, error: str) -> None:
        self.store.outbox_sent([row.seq for row in rows[:done]])
        self.store.outbox_failed([row.seq for row in rows[done:]], error)

    async def _forget_connection(self) -> None:
        with contextlib.suppress(QueueError):
            await self.backend.close()

    async def run(
        self,
        stop: asyncio.Event,
        wake: asyncio.Event,
        *,
        idle: float = 5.0,
        max_backoff: float = 300.0,
    ) -> None:
        """Publish when woken or every `idle` seconds; back off while the broker is down."""
        failures = 0
        while not stop.is_set():
            wake.clear()  # a wake-up during the drain below is then not lost
            try:
                sent = await self.drain()
                if failures:
                    log.info("queue %s is back; publishing resumed", self.backend.name)
                failures = 0
                if sent:
                    log.debug("published %d record(s)", sent)
            except Exception as error:  # the loop outlives any one failure
                failures += 1
                delay = min(max_backoff, 2.0 ** min(failures, 10)) * random.uniform(0.8, 1.2)
                if isinstance(error, QueueError):
                    log.warning(
                        "queue %s unavailable (%s); %s record(s) wait in the outbox, retry in %.0fs",
                        self.backend.name,
                        error,
                        self._pending(),
                        delay,
                    )
                else:
                    log.error(
                        "publishing to queue %s failed unexpectedly (%s: %s); retry in %.0fs",
                        self.backend.name,
                        type(error).__name__,
                        error,
                        delay,
                    )
                # New records must not cut the backoff short: only a stop ends it early.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(stop, wake), timeout=idle)

    def _pending(self) -> str:
        try:
            return str(self.store.outbox_pending())
        except Exception:  # only for a log line
            return "some"


async def _first(stop: asyncio.Event, wake: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _message(row: OutboxRow) -> Message:
    """The outbox row already holds the serialised record and its routing metadata."""
    return Message(
        message_id=row.message_id,
        body=row.body,
        platform=row.platform,
        language=row.language,
        source=row.source,
        time=row.collected_at,
    )
