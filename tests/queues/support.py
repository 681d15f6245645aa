"""Shared by the backend tests, the crash driver and bench/publish.py: brokers, outbox, proxy."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitor.config import QueueSettings
from monitor.queues.base import QueueBackend
from monitor.queues.sqlite import QUEUE_FILE, SqliteQueue
from monitor.record import Author, Item, Language, PostRecord, Translation, build_record
from monitor.sources.base import SourceState
from monitor.store import Store

KINDS = ("sqlite", "rabbitmq", "redis", "nats")
BROKERS = ("rabbitmq", "redis", "nats")
URLS = {
    "sqlite": "",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/",
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
}
PORTS = {"rabbitmq": 5672, "redis": 6379, "nats": 4222}


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def require(kind: str) -> None:
    """Skip when the broker is absent outside CI; in CI (env CI set) its absence fails."""
    import pytest

    if kind in PORTS and not listening(PORTS[kind]):
        message = f"{kind} is not listening on 127.0.0.1:{PORTS[kind]} (run .ci/services.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def unique_name() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def make_backend(
    kind: str, name: str, data_dir: Path, *, url: str | None = None, timeout: float = 3.0
) -> QueueBackend:
    settings = QueueSettings(
        backend=kind,  # type: ignore[arg-type]
        url=URLS[kind] if url is None else url,
        name=name,
        publish_timeout=timeout,
    )
    if kind == "sqlite":
        return SqliteQueue(settings, data_dir, poll_interval=0.05)
    if kind == "rabbitmq":
        from monitor.queues.rabbitmq import RabbitMQQueue

        return RabbitMQQueue(settings)
    if kind == "redis":
        from monitor.queues.redis import RedisQueue

        return RedisQueue(settings)
    from monitor.queues.nats import NatsQueue

    return NatsQueue(settings, subject_prefix=subject_prefix(name))


def subject_prefix(name: str) -> str:
    """Each test stream gets its own subjects: JetStream streams may not overlap."""
    return f"{name.replace('-', '_')}.post"


ES = Language("es", 0.99)
NO_MODEL = Translation("no_model", source="es", target="en")


def _item(source: str, n: int) -> Item:
    return Item(
        platform="rss",
        native_id=f"{source}/{n}",
        author=Author(source),
        text=f"texto número {n} de {source}",
        published_at=datetime(2022, 7, 4, tzinfo=UTC),
    )


def records(source: str, count: int, start: int = 0) -> list[PostRecord]:
    return [
        build_record(
            _item(source, n),
            source=source,
            revision=1,
            collected_at=datetime(2022, 7, 4, 9, 15, 2, tzinfo=UTC),
            language=ES,
            translation=NO_MODEL,
        )
        for n in range(start, start + count)
    ]


def fill_outbox(store: Store, source: str, count: int, start: int = 0) -> None:
    """Save `count` posts of `source` and queue their records in the store's outbox."""
    items = [_item(source, n) for n in range(start, start + count)]
    store.save_fetch(source, "rss", items, SourceState())
    store.mark_ready(
        [post.record(ES, NO_MODEL) for post in store.posts_in_stage("collected", 100_000)]
    )


@dataclass(frozen=True)
class Delivered:
    message_id: str
    record: dict[str, Any]
    headers: dict[str, Any] = field(default_factory=dict)


async def delivered(kind: str, name: str, data_dir: Path) -> list[Delivered]:
    """Everything the broker holds for `name`, in broker order, read by a plain client."""
    if kind == "sqlite":
        with contextlib.closing(sqlite3.connect(data_dir / QUEUE_FILE)) as db:
            rows = db.execute("SELECT message_id, body FROM messages ORDER BY seq").fetchall()
        return [Delivered(mid, json.loads(body)) for mid, body in rows]
    if kind == "rabbitmq":
        return await _rabbitmq_messages(name)
    if kind == "redis":
        return await _redis_messages(name)
    return await _nats_messages(name)


async def _rabbitmq_messages(name: str) -> list[Delivered]:
    import aio_pika

    connection = await aio_pika.connect(URLS["rabbitmq"])
    out = []
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            headers = dict(message.headers or {})
            headers["content-type"] = message.content_type
            out.append(Delivered(message.message_id or "", json.loads(message.body), headers))
    return out


async def _redis_messages(name: str) -> list[Delivered]:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(URLS["redis"], decode_responses=True)
    try:
        entries: Any = await client.xrange(name, "-", "+")
    finally:
        await client.aclose()
    return [
        Delivered(fields["message_id"], json.loads(fields["record"]), dict(fields))
        for _, fields in entries
    ]


async def _nats_messages(name: str) -> list[Delivered]:
    import nats

    from monitor.queues.nats import stream_name

    client = await nats.connect(URLS["nats"])
    out = []
    try:
        js = client.jetstream()
        state = (await js.stream_info(stream_name(name))).state
        for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
            message = await js.get_msg(stream_name(name), seq)
            headers = dict(message.headers or {})
            body = json.loads(message.data or b"{}")
            out.append(Delivered(headers.get("Nats-Msg-Id", ""), body, headers))
    finally:
        await client.close()
    return out


async def cleanup(kind: str, name: str) -> None:
    with contextlib.suppress(Exception):
        if kind == "rabbitmq":
            import aio_pika

            connection = await aio_pika.connect(URLS["rabbitmq"])
            async with connection:
                channel = await connection.channel()
                await channel.queue_delete(name)
                await channel.queue_delete(name + ".tail")
                await channel.exchange_delete(name)
        elif kind == "redis":
            import redis.asyncio as aioredis

            redis_client = aioredis.Redis.from_url(URLS["redis"])
            await redis_client.delete(name)
            await redis_client.aclose()
        elif kind == "nats":
            import nats

            from monitor.queues.nats import stream_name

            client = await nats.connect(URLS["nats"])
            await client.jetstream().delete_stream(stream_name(name))
            await client.close()


class TcpProxy:
    """A loopback TCP forwarder the test can cut (connections dropped, port refused) and restore."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, kind: str) -> str:
        return URLS[kind].replace(f":{PORTS[kind]}", f":{self.port}")

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        self._writers -= {writer, up_writer}

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await asyncio.sleep(0.05)

    async def restore(self) -> None:
        await self.start()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, RuntimeError):
        pass
    finally:
        writer.transport.abort()


async def tail_all(backend: QueueBackend, limit: int = 100_000) -> list[dict[str, Any]]:
    """Every record the backend holds (up to `limit`), oldest first, without consuming."""
    return [record async for record in backend.tail(limit=limit, follow=False)]
