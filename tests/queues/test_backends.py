"""One suite over every queue backend: round trip, duplicates, order, outages, errors."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from monitor.config import QueueSettings, Settings
from monitor.errors import QueueError
from monitor.queues.base import Message
from monitor.queues.factory import check_backend, open_backend
from monitor.queues.publisher import Publisher
from monitor.record import CE_TYPE
from monitor.store import Store
from tests.queues.conftest import Target
from tests.queues.support import (
    BROKERS,
    PORTS,
    URLS,
    TcpProxy,
    delivered,
    fill_outbox,
    records,
    require,
    tail_all,
)
from tests.support.httpserver import free_port


async def wait_until(condition: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_publish_then_tail_round_trip(target: Target) -> None:
    backend = target.make()
    await backend.connect()
    sent = [Message.from_record(r) for r in records("mid", 5)]
    await backend.publish(sent)

    assert await tail_all(backend) == [m.record for m in sent]
    assert await tail_all(backend, limit=2) == [m.record for m in sent[-2:]]
    got = await delivered(target.kind, target.name, target.data_dir)
    assert [d.message_id for d in got] == [m.message_id for m in sent]
    assert [d.record for d in got] == [m.record for m in sent]
    if target.kind != "sqlite":
        for d, m in zip(got, sent, strict=True):
            assert d.headers["ce-id"] == m.message_id
            assert d.headers["ce-type"] == CE_TYPE
            assert d.headers["ce-specversion"] == "1.0"
            assert d.headers["ce-source"] == "monitor/mid"
            assert d.headers["ce-time"] == m.time
            assert d.headers["content-type"] == "application/json"


async def test_tail_follow_sees_new_records(target: Target) -> None:
    backend = target.make()
    await backend.connect()
    first = [Message.from_record(r) for r in records("a", 3)]
    later = [Message.from_record(r) for r in records("a", 3, start=3)]
    await backend.publish(first)
    seen: list[dict[str, Any]] = []

    async def follow() -> None:
        async for record in target.make().tail(limit=1, follow=True):
            seen.append(record)

    task = asyncio.create_task(follow())
    try:
        await wait_until(lambda: len(seen) >= 1)
        await backend.publish(later)
        await wait_until(lambda: len(seen) >= 4)
    finally:
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=10)
        assert done, "tail(follow=True) did not stop when cancelled"
    assert seen == [first[-1].record] + [m.record for m in later]


async def test_republishing_a_message_id(target: Target) -> None:
    backend = target.make()
    sent = [Message.from_record(r) for r in records("dup", 3)]
    await backend.publish(sent)
    await backend.publish(sent)
    got = await delivered(target.kind, target.name, target.data_dir)
    counts = Counter(d.message_id for d in got)
    expected = 1 if target.kind in ("sqlite", "nats") else 2  # at-least-once brokers keep both
    assert counts == {m.message_id: expected for m in sent}
    assert all(d.message_id == f"{d.record['id']}#{d.record['revision']}" for d in got)


async def test_publisher_keeps_each_sources_order(target: Target, tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store")
    for start in (0, 10, 20):
        for source in ("a", "b", "c"):
            fill_outbox(store, source, 10, start=start)
    assert await Publisher(store, target.make(), batch=7).drain() == 90
    got = await delivered(target.kind, target.name, target.data_dir)
    for source in ("a", "b", "c"):
        ids = [d.record["id"] for d in got if d.record["source"] == source]
        assert ids == [f"rss:{source}/{n}" for n in range(30)]


async def test_outage_at_start_keeps_records_in_the_outbox(target: Target, tmp_path: Path) -> None:
    if target.kind == "sqlite":
        pytest.skip("the embedded queue has no network to lose")
    proxy = await TcpProxy(PORTS[target.kind]).start()
    await proxy.cut()
    store = Store.open(tmp_path / "store")
    fill_outbox(store, "a", 25)
    publisher = Publisher(store, target.make(url=proxy.url(target.kind), timeout=2.0), batch=10)
    with pytest.raises(QueueError):
        await publisher.drain()
    assert store.outbox_pending() == 25

    await proxy.restore()
    assert await publisher.drain() == 25
    assert store.outbox_pending() == 0
    got = await delivered(target.kind, target.name, target.data_dir)
    assert [d.record["id"] for d in got] == [f"rss:a/{n}" for n in range(25)]


async def test_outage_mid_run_loses_nothing(target: Target, tmp_path: Path) -> None:
    if target.kind == "sqlite":
        pytest.skip("the embedded queue has no network to lose")
    proxy = await TcpProxy(PORTS[target.kind]).start()
    store = Store.open(tmp_path / "store")
    failures: list[int] = []
    backend = target.make(url=proxy.url(target.kind), timeout=2.0)
    publisher = Publisher(store, backend, batch=10, on_failed=failures.append)
    stop, wake = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(publisher.run(stop, wake, idle=0.05))
    try:
        fill_outbox(store, "a", 20)
        wake.set()
        await wait_until(lambda: store.outbox_pending() == 0)

        await proxy.cut()
        fill_outbox(store, "a", 20, start=20)
        wake.set()
        await wait_until(lambda: failures)
        fill_outbox(store, "a", 10, start=40)
        assert store.outbox_pending() == 30

        await proxy.restore()
        wake.set()
        await wait_until(lambda: store.outbox_pending() == 0)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    got = await delivered(target.kind, target.name, target.data_dir)
    assert {d.record["id"] for d in got} == {f"rss:a/{n}" for n in range(50)}
    assert all(d.message_id for d in got)


@pytest.mark.parametrize(
    ("kind", "modules"),
    [
        ("rabbitmq", ("aio_pika", "aiormq")),
        ("redis", ("redis", "redis.asyncio")),
        ("nats", ("nats", "nats.js")),
    ],
)
def test_missing_client_library_names_the_extra(
    kind: str, modules: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.delitem(sys.modules, f"monitor.queues.{kind}", raising=False)
    settings = Settings(queue=QueueSettings(backend=kind, url=URLS[kind]))  # type: ignore[arg-type]
    with pytest.raises(QueueError) as caught:
        open_backend(settings)
    assert f"pip install 'monitor[{kind}]'" in str(caught.value)


@pytest.mark.parametrize("kind", BROKERS)
async def test_check_backend_says_connection_refused(kind: str) -> None:
    url = URLS[kind].replace(f":{PORTS[kind]}", f":{free_port()}")
    settings = Settings(queue=QueueSettings(backend=kind, url=url, publish_timeout=3))  # type: ignore[arg-type]
    with pytest.raises(QueueError, match="connection refused"):
        await check_backend(settings)


async def test_check_backend_rabbitmq_bad_password() -> None:
    require("rabbitmq")
    url = "amqp://guest:s3cret-wrong@127.0.0.1:5672/"
    settings = Settings(queue=QueueSettings(backend="rabbitmq", url=url, publish_timeout=5))
    with pytest.raises(QueueError) as caught:
        await check_backend(settings)
    message = str(caught.value)
    assert "ACCESS_REFUSED" in message
    assert '"guest"' in message
    assert "s3cret-wrong" not in message


async def test_check_backend_rabbitmq_missing_vhost() -> None:
    require("rabbitmq")
    url = "amqp://guest:guest@127.0.0.1:5672/no-such-vhost"
    settings = Settings(queue=QueueSettings(backend="rabbitmq", url=url, publish_timeout=5))
    with pytest.raises(QueueError, match=r"no-such-vhost.*virtual host"):
        await check_backend(settings)


@pytest.mark.parametrize("kind", ["sqlite", *BROKERS])
async def test_check_backend_succeeds(kind: str, tmp_path: Path) -> None:
    require(kind)
    from tests.queues.support import cleanup, unique_name

    name = unique_name()
    settings = Settings.model_validate(
        {
            "monitor": {"data_dir": str(tmp_path)},
            "queue": {"backend": kind, "url": URLS[kind], "name": name},
        }
    )
    try:
        await check_backend(settings)
    finally:
        await cleanup(kind, name)
