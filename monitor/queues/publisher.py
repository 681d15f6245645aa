"""Drains the store's outbox into the queue backend, in order, at least once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from pathlib import Path

from monitor.errors import QueueError
from monitor.queues.base import CopiesOutbox, Message, QueueBackend
from monitor.store import OutboxRow, Store

log = logging.getLogger("monitor.publisher")
# Batches read (and marked sent) per store round trip; each is still confirmed by the
# broker on its own. A crash may publish these again, which at-least-once allows.
READ_AHEAD = 4


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
        """Publish every pending outbox row, oldest first; raise `QueueError` if the backend fails.

        Store calls are short transactions made on the event loop, as the collector's are: in
        a worker thread they contend with the broker client for the GIL, and publishing slows.
        After the first read, one store call a batch marks it sent and reads the next.
        """
        if isinstance(self.backend, CopiesOutbox) and self.store.path is not None:
            return await self._drain_by_copy(self.backend, self.store.path)
        sent = 0
        rows = self.store.outbox_batch(self.batch * READ_AHEAD)
        while rows:
            confirmed = 0
            for start in range(0, len(rows), self.batch):
                part = rows[start : start + self.batch]
                try:
                    await self._ensure_connected()
                    await self.backend.publish([_message(row) for row in part])
                except QueueError as error:
                    if confirmed:
                        self.store.outbox_sent(confirmed)
                    await self._failed(part[0].seq, part[-1].seq, len(part), error)
                    raise
                confirmed = part[-1].seq
                if self.on_published:
                    self.on_published(len(part))
                sent += len(part)
            rows = self.store.outbox_advance(confirmed, self.batch * READ_AHEAD)
        return sent

    async def _drain_by_copy(self, backend: CopiesOutbox, store_file: Path) -> int:
        """The embedded queue copies rows from the store file itself, one statement a batch."""
        sent = 0
        after = self.store.outbox_sent_through()
        while True:
            try:
                await self._ensure_connected()
                count, last = backend.copy_outbox(store_file, after=after, limit=self.batch)
            except QueueError as error:
                await self._failed(after + 1, after + self.batch, self.batch, error)
                raise
            if not count:
                return sent
            self._sent(last, count)
            sent += count
            after = last
            await asyncio.sleep(0)  # a long backlog must not hold up collection

    def _sent(self, through: int, count: int) -> None:
        self.store.outbox_sent(through)
        if self.on_published:
            self.on_published(count)

    async def _failed(self, first: int, last: int, count: int, error: QueueError) -> None:
        self._connected = False
        with contextlib.suppress(QueueError):
            await self.backend.close()
        self.store.outbox_failed(first, last, str(error))
        if self.on_failed:
            self.on_failed(count)

    async def run(
        self,
        stop: asyncio.Event,
        wake: asyncio.Event,
        *,
        idle: float = 5.0,
        max_backoff: float = 300.0,
        turn: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """Publish when woken or every `idle` seconds; back off while the broker is down.
        `turn` says whether this process publishes now (instances sharing a store take turns:
        the outbox goes out in order from one of them at a time)."""
        failures = 0
        while not stop.is_set():
            wake.clear()  # a wake-up during the drain below is then not lost
            try:
                if turn is not None and not await turn():
                    sent = 0
                else:
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
        row.message_id, row.body, row.platform, row.language, row.source, row.collected_at
    )
