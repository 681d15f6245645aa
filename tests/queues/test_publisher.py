"""The outbox publisher with the embedded queue: order, at-least-once, retry after failure.

Each test runs twice: the embedded queue copying rows from the store file itself, and
the same queue reached through `publish()`, the path every broker takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from monitor.config import QueueSettings
from monitor.errors import QueueError
from monitor.queues.base import CopiesOutbox, Message, QueueBackend
from monitor.queues.publisher import Publisher
from monitor.queues.sqlite import SqliteQueue
from monitor.record import PostRecord
from monitor.store import Store
from tests.queues.support import fill_outbox, tail_all
from tests.support.stores import StoreFactory


class PublishOnly(QueueBackend):
    """An embedded queue that can only be published to, as a broker is."""

    name: ClassVar[str] = "publish-only"

    def __init__(self, inner: SqliteQueue) -> None:
        super().__init__(QueueSettings())
        self.inner = inner

    async def publish(self, messages: Sequence[Message]) -> None:
        await self.inner.publish(messages)

    def tail(self, *, limit: int, follow: bool) -> AsyncIterator[dict[str, Any]]:
        return self.inner.tail(limit=limit, follow=follow)


class FlakyQueue(SqliteQueue):
    """The embedded queue, made to refuse its first `failures` batches by either path."""

    def __init__(self, settings: QueueSettings, data_dir: Path, failures: int) -> None:
        super().__init__(settings, data_dir)
        self.failures = failures

    def _refuse(self) -> None:
        if self.failures:
            self.failures -= 1
            raise QueueError("broker unreachable")

    async def publish(self, messages: Sequence[Message]) -> None:
        self._refuse()
        await super().publish(messages)

    def copy_outbox(self, store_file: Path, *, after: int, limit: int) -> tuple[int, int]:
        self._refuse()
        return super().copy_outbox(store_file, after=after, limit=limit)


@pytest.fixture(params=["copy", "publish"])
def via(request: pytest.FixtureRequest) -> Any:
    """Wraps an embedded queue so the publisher takes the path under test."""
    if request.param == "copy":
        return lambda queue: queue
    return PublishOnly


async def test_drain_publishes_in_order_and_marks_rows_sent(tmp_path: Path, via: Any) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 5)
    fill_outbox(store, "b", 5)
    queue = via(SqliteQueue(QueueSettings(), tmp_path))
    assert isinstance(queue, CopiesOutbox) == (queue.name == "sqlite")
    assert await Publisher(store, queue, batch=3).drain() == 10
    records = await tail_all(queue)
    assert [r["id"] for r in records if r["source"] == "a"] == [f"rss:a/{n}" for n in range(5)]
    assert store.outbox_pending() == 0
    assert await Publisher(store, queue).drain() == 0


async def test_republishing_the_same_revision_is_stored_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 3)
    queue = SqliteQueue(QueueSettings(), tmp_path)
    rows = store.outbox_batch(10)
    messages = [Message.from_record(PostRecord.from_json(r.body)) for r in rows]
    await queue.publish(messages)
    await queue.publish(messages)
    assert len(await tail_all(queue)) == 3


async def test_copying_the_same_rows_again_after_a_crash_stores_them_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 3)
    queue = SqliteQueue(QueueSettings(), tmp_path)
    assert queue.copy_outbox(store.path, after=0, limit=10) == (3, 3)
    assert queue.copy_outbox(store.path, after=0, limit=2) == (2, 2)
    assert queue.copy_outbox(store.path, after=3, limit=10) == (0, 3)
    assert [r["id"] for r in await tail_all(queue)] == [f"rss:a/{n}" for n in range(3)]


async def test_a_failed_publish_keeps_records_in_the_outbox_until_the_queue_is_back(
    tmp_path: Path, via: Any
) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 4)
    queue = via(FlakyQueue(QueueSettings(), tmp_path, failures=2))
    publisher = Publisher(store, queue)
    for _ in range(2):
        with pytest.raises(QueueError):
            await publisher.drain()
        assert store.outbox_pending() == 4
    assert store.outbox_batch(1)[0].attempts == 2
    assert await publisher.drain() == 4
    assert len(await tail_all(queue)) == 4


class FailsLater(PublishOnly):
    """Confirms its first `good` batches, then refuses."""

    def __init__(self, inner: SqliteQueue, good: int) -> None:
        super().__init__(inner)
        self.good = good

    async def publish(self, messages: Sequence[Message]) -> None:
        if not self.good:
            raise QueueError("broker unreachable")
        self.good -= 1
        await super().publish(messages)


async def test_a_failure_within_a_read_marks_sent_what_was_confirmed(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 8)
    queue = FailsLater(SqliteQueue(QueueSettings(), tmp_path), good=1)
    with pytest.raises(QueueError):
        await Publisher(store, queue, batch=2).drain()  # reads all 8, confirms 2
    assert store.outbox_sent_through() == 2 and store.outbox_pending() == 6
    assert [row.attempts for row in store.outbox_batch(8)] == [1, 1, 0, 0, 0, 0]
    queue.good = 10
    assert await Publisher(store, queue, batch=2).drain() == 6
    assert [r["id"] for r in await tail_all(queue)] == [f"rss:a/{n}" for n in range(8)]


async def test_run_loop_retries_and_stops(tmp_path: Path, via: Any) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 2)
    queue = via(FlakyQueue(QueueSettings(), tmp_path, failures=1))
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(Publisher(store, queue).run(stop, wake, idle=0.05, max_backoff=0.1))
    for _ in range(100):
        if store.outbox_pending() == 0:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert store.outbox_pending() == 0


async def test_tail_follow_yields_new_records(tmp_path: Path, via: Any) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 2)
    queue = via(SqliteQueue(QueueSettings(), tmp_path, poll_interval=0.05))
    await Publisher(store, queue).drain()
    seen: list[str] = []

    async def follow() -> None:
        async for record in queue.tail(limit=1, follow=True):
            seen.append(record["id"])
            if len(seen) == 2:
                return

    task = asyncio.create_task(follow())
    await asyncio.sleep(0.1)
    fill_outbox(store, "a", 1, start=2)
    await Publisher(store, queue).drain()
    await asyncio.wait_for(task, 2)
    assert seen == ["rss:a/1", "rss:a/2"]


class BrokenQueue(SqliteQueue):
    """Counts attempts by either path and fails each, first with a bug, then as an outage."""

    attempts = 0

    def _fail(self) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise RuntimeError("a bug, not an outage")
        raise QueueError("broker down")

    async def publish(self, messages: Sequence[Message]) -> None:
        self._fail()

    def copy_outbox(self, store_file: Path, *, after: int, limit: int) -> tuple[int, int]:
        self._fail()
        return 0, after


async def test_run_loop_survives_any_error_and_wake_does_not_cut_the_backoff(
    tmp_path: Path, via: Any
) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 2)
    broken = BrokenQueue(QueueSettings(), tmp_path)
    queue = via(broken)
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(Publisher(store, queue).run(stop, wake, idle=0.05, max_backoff=60))
    for _ in range(20):
        wake.set()
        await asyncio.sleep(0.05)
    assert broken.attempts == 1
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert store.outbox_pending() == 2


async def test_with_the_postgresql_store_the_embedded_queue_is_published_to(
    tmp_path: Path, postgresql_store_factory: StoreFactory
) -> None:
    """No store file to copy from: the publisher takes `publish()`, in order, at least once."""
    store = postgresql_store_factory()
    fill_outbox(store, "a", 5)
    fill_outbox(store, "b", 5)
    queue = FlakyQueue(QueueSettings(), tmp_path, failures=1)
    publisher = Publisher(store, queue, batch=3)
    with pytest.raises(QueueError):
        await publisher.drain()
    assert store.outbox_pending() == 10 and store.outbox_batch(1)[0].attempts == 1
    assert await publisher.drain() == 10
    records = await tail_all(queue)
    assert [r["id"] for r in records] == [f"rss:{s}/{n}" for s in "ab" for n in range(5)]
    assert store.outbox_pending() == 0 and store.outbox_sent_through() == 10
    assert await publisher.drain() == 0
