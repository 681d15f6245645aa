"""The outbox publisher with the embedded queue: order, at-least-once, retry after failure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from monitor.config import QueueSettings
from monitor.errors import QueueError
from monitor.queues.base import Message
from monitor.queues.publisher import Publisher
from monitor.queues.sqlite import SqliteQueue
from monitor.store import Store
from tests.queues.support import fill_outbox


class FlakyQueue(SqliteQueue):
    """The embedded queue, made to refuse its first `failures` publishes."""

    def __init__(self, settings: QueueSettings, data_dir: Path, failures: int) -> None:
        super().__init__(settings, data_dir)
        self.failures = failures

    async def publish(self, messages: Sequence[Message]) -> None:
        if self.failures:
            self.failures -= 1
            raise QueueError("broker unreachable")
        await super().publish(messages)


async def all_records(queue: SqliteQueue) -> list[dict[str, Any]]:
    return [record async for record in queue.tail(limit=100_000, follow=False)]


async def test_drain_publishes_in_order_and_marks_rows_sent(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 5)
    fill_outbox(store, "b", 5)
    queue = SqliteQueue(QueueSettings(), tmp_path)
    assert await Publisher(store, queue, batch=3).drain() == 10
    records = await all_records(queue)
    assert [r["id"] for r in records if r["source"] == "a"] == [f"rss:a/{n}" for n in range(5)]
    assert store.outbox_pending() == 0
    assert await Publisher(store, queue).drain() == 0


async def test_republishing_the_same_revision_is_stored_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 3)
    queue = SqliteQueue(QueueSettings(), tmp_path)
    rows = store.outbox_batch(10)
    messages = [Message.from_record(__import__("json").loads(r.body)) for r in rows]
    await queue.publish(messages)
    await queue.publish(messages)
    assert len(await all_records(queue)) == 3


async def test_a_failed_publish_keeps_records_in_the_outbox_until_the_queue_is_back(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 4)
    queue = FlakyQueue(QueueSettings(), tmp_path, failures=2)
    publisher = Publisher(store, queue)
    for _ in range(2):
        with pytest.raises(QueueError):
            await publisher.drain()
        assert store.outbox_pending() == 4
    assert store.outbox_batch(1)[0].attempts == 2
    assert await publisher.drain() == 4
    assert len(await all_records(queue)) == 4


async def test_run_loop_retries_and_stops(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 2)
    queue = FlakyQueue(QueueSettings(), tmp_path, failures=1)
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(Publisher(store, queue).run(stop, wake, idle=0.05, max_backoff=0.1))
    for _ in range(100):
        if store.outbox_pending() == 0:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert store.outbox_pending() == 0


async def test_tail_follow_yields_new_records(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 2)
    queue = SqliteQueue(QueueSettings(), tmp_path, poll_interval=0.05)
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
    """Counts publish attempts and fails each one, first with a bug, then as an outage."""

    attempts = 0

    async def publish(self, messages: Sequence[Message]) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise RuntimeError("a bug, not an outage")
        raise QueueError("broker down")


async def test_run_loop_survives_any_error_and_wake_does_not_cut_the_backoff(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path)
    fill_outbox(store, "a", 2)
    queue = BrokenQueue(QueueSettings(), tmp_path)
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(Publisher(store, queue).run(stop, wake, idle=0.05, max_backoff=60))
    for _ in range(20):
        wake.set()
        await asyncio.sleep(0.05)
    assert queue.attempts == 1
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 2)
    assert store.outbox_pending() == 2
