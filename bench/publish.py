"""Benchmark: publish 10,000 records through each queue backend.

For every backend (the embedded SQLite queue and each broker listening on
127.0.0.1) it measures, in batches of 100 with the same guarantee (broker
confirms / JetStream acks / Redis replies / a committed SQLite transaction):

- bare:      the client library's own publish loop, no monitor code (the ceiling);
- direct:    `backend.publish(batch)`;
- publisher: `Publisher.drain()` from a store's outbox (read, publish, mark sent); with
  `--store postgresql` the store is PostgreSQL (`--pg-url`, a schema of its own dropped at
  the end), with `--store both` one line for each store.

The RabbitMQ bare loop publishes to the same topology as the backend (queue plus
the `<name>.tail` stream); one more line shows it without the stream, which is
what the stream costs the broker.

It prints records/s, p99 latency per batch, and the ratios against the bare loop
(goal >= 0.8x). Each figure is the best of `--rounds` runs, fresh names each run.

    .venv/bin/python bench/publish.py [--records 10000] [--batch 100] [--rounds 2]
                                      [--store sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.queues.base import Message
from monitor.queues.publisher import Publisher
from monitor.record import PostRecord
from monitor.store import Store
from tests.queues.support import (
    KINDS,
    PORTS,
    URLS,
    cleanup,
    fill_outbox,
    listening,
    make_backend,
    subject_prefix,
    unique_name,
)


@dataclass(frozen=True)
class Run:
    seconds: float
    batch_latencies: list[float]

    def rate(self, count: int) -> float:
        return count / self.seconds

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.batch_latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def batches(messages: Sequence[Message], size: int) -> list[Sequence[Message]]:
    return [messages[i : i + size] for i in range(0, len(messages), size)]


async def timed(
    parts: list[Sequence[Message]], send: Callable[[Sequence[Message]], Awaitable[None]]
) -> Run:
    latencies = []
    start = time.perf_counter()
    for part in parts:
        began = time.perf_counter()
        await send(part)
        latencies.append(time.perf_counter() - began)
    return Run(time.perf_counter() - start, latencies)


async def bare_sqlite(name: str, work: Path, parts: list[Sequence[Message]]) -> Run:
    db = sqlite3.connect(work / f"{name}.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE m (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE,"
        " platform TEXT, language TEXT, source TEXT, published_at TEXT, body TEXT)"
    )

    async def send(part: Sequence[Message]) -> None:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT OR IGNORE INTO m (message_id, platform, language, source, published_at, body)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(m.message_id, m.platform, m.language, m.source, m.time, m.body) for m in part],
        )
        db.execute("COMMIT")

    try:
        return await timed(parts, send)
    finally:
        db.close()


async def bare_rabbitmq(
    name: str, work: Path, parts: list[Sequence[Message]], *, tail: bool = True
) -> Run:
    import aio_pika

    from monitor.queues.rabbitmq import TAIL_ARGUMENTS

    connection = await aio_pika.connect(URLS["rabbitmq"])
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(exchange, "#")
        if tail:
            stream = await channel.declare_queue(
                name + ".tail", durable=True, arguments=TAIL_ARGUMENTS
            )
            await stream.bind(exchange, "#")

        async def send(part: Sequence[Message]) -> None:
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            m.body.encode(),
                            message_id=m.message_id,
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            headers={
                                k: v for k, v in m.cloudevents().items() if k.startswith("ce-")
                            },
                        ),
                        routing_key=f"{m.platform}.{m.language}",
                    )
                    for m in part
                )
            )

        return await timed(parts, send)


async def bare_rabbitmq_no_tail(name: str, work: Path, parts: list[Sequence[Message]]) -> Run:
    return await bare_rabbitmq(name, work, parts, tail=False)


async def bare_redis(name: str, work: Path, parts: list[Sequence[Message]]) -> Run:
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(URLS["redis"])

    async def send(part: Sequence[Message]) -> None:
        pipe = client.pipeline(transaction=False)
        for m in part:
            fields = {"record": m.body, "message_id": m.message_id, **m.cloudevents()}
            pipe.xadd(name, fields, maxlen=1_000_000, approximate=True)  # type: ignore[arg-type]
        await pipe.execute()

    try:
        return await timed(parts, send)
    finally:
        await client.aclose()


async def bare_nats(name: str, work: Path, parts: list[Sequence[Message]]) -> Run:
    import nats
    import nats.js.api

    from monitor.queues.nats import stream_name

    client = await nats.connect(URLS["nats"])
    js = client.jetstream()
    prefix = subject_prefix(name)
    await js.add_stream(
        nats.js.api.StreamConfig(
            name=stream_name(name), subjects=[f"{prefix}.>"], duplicate_window=600.0
        )
    )

    async def send(part: Sequence[Message]) -> None:
        acks = [
            await js.publish_async(
                f"{prefix}.{m.platform}.{m.language}",
                m.body.encode(),
                headers={"Nats-Msg-Id": m.message_id, **m.cloudevents()},
            )
            for m in part
        ]
        await asyncio.gather(*acks)

    try:
        return await timed(parts, send)
    finally:
        await client.close()


BARE = {"sqlite": bare_sqlite, "rabbitmq": bare_rabbitmq, "redis": bare_redis, "nats": bare_nats}


async def direct(kind: str, name: str, work: Path, parts: list[Sequence[Message]]) -> Run:
    backend = make_backend(kind, name, work / name)
    await backend.connect()
    try:
        return await timed(parts, backend.publish)
    finally:
        await backend.close()


PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
LABELS = {"sqlite": "publisher", "postgresql": "publisher, pg store"}


class PgOutbox:
    """The records in the outbox of a PostgreSQL store, in a schema of its own; every
    publisher run starts from the same unsent outbox."""

    def __init__(self, url: str, count: int) -> None:
        self.url = url
        self.schema = f"bench_{uuid.uuid4().hex[:12]}"
        store = Store.postgresql(url, schema=self.schema)
        try:
            for start in range(0, count, 1000):
                fill_outbox(store, "bench", min(1000, count - start), start=start)
        finally:
            store.close()

    def open(self) -> Store:
        store = Store.postgresql(self.url, schema=self.schema)
        # Back to nothing sent: the publisher only reads rows and moves this mark (a bench's
        # shortcut; the store itself never moves it backwards).
        with store.transaction() as db:
            db.execute("UPDATE outbox_cursor SET sent_through = 0")
        return store

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")


def open_sqlite_copy(work: Path, name: str, store_file: Path) -> Store:
    store_dir = work / f"{name}-store"
    store_dir.mkdir()
    shutil.copy(store_file, store_dir / store_file.name)
    return Store.open(store_dir)


async def via_publisher(kind: str, name: str, work: Path, store: Store, batch: int) -> Run:
    backend = make_backend(kind, name, work / name)
    await backend.connect()
    stamps: list[float] = []
    publisher = Publisher(
        store, backend, batch=batch, on_published=lambda _: stamps.append(time.perf_counter())
    )
    try:
        start = time.perf_counter()
        await publisher.drain()
        seconds = time.perf_counter() - start
    finally:
        await backend.close()
        store.close()
    latencies = [b - a for a, b in zip([start, *stamps], stamps, strict=False)]
    return Run(seconds, latencies)


def prepare_store(work: Path, count: int) -> tuple[Path, list[Message]]:
    """One store with `count` records in its outbox, copied for every publisher run."""
    store = Store.open(work / "template")
    for start in range(0, count, 1000):
        fill_outbox(store, "bench", min(1000, count - start), start=start)
    rows = store.outbox_batch(count)
    store.close()
    messages = [Message.from_record(PostRecord.from_json(row.body)) for row in rows]
    files = [p for p in (work / "template").iterdir() if p.suffix == ".db"]
    return files[0], messages


async def measure(
    kind: str,
    args: argparse.Namespace,
    work: Path,
    store_file: Path,
    pg: PgOutbox | None,
    messages: list[Message],
) -> dict[str, Run]:
    parts = batches(messages, args.batch)
    best: dict[str, Run] = {}
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for _ in range(args.rounds):
        labels = ["bare", "direct", *(LABELS[store] for store in stores)]
        if kind == "rabbitmq":
            labels.append("bare, no tail stream")
        for label in labels:
            name = unique_name()
            try:
                if label == "bare":
                    run = await BARE[kind](name, work, parts)
                elif label == "bare, no tail stream":
                    run = await bare_rabbitmq_no_tail(name, work, parts)
                elif label == "direct":
                    run = await direct(kind, name, work, parts)
                elif label == LABELS["sqlite"]:
                    store = open_sqlite_copy(work, name, store_file)
                    run = await via_publisher(kind, name, work, store, args.batch)
                else:
                    assert pg is not None
                    run = await via_publisher(kind, name, work, pg.open(), args.batch)
            finally:
                await cleanup(kind, name)
            if label not in best or run.seconds < best[label].seconds:
                best[label] = run
    return best


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", default=",".join(KINDS))
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="the PostgreSQL server (--store)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-publish-") as tmp:
        work = Path(tmp)
        store_file, messages = prepare_store(work, args.records)
        pg = PgOutbox(args.pg_url, args.records) if args.store != "sqlite" else None
        try:
            await report(args, work, store_file, pg, messages)
        finally:
            if pg is not None:
                pg.drop()


async def report(
    args: argparse.Namespace,
    work: Path,
    store_file: Path,
    pg: PgOutbox | None,
    messages: list[Message],
) -> None:
    print(
        f"{len(messages)} records, batches of {args.batch}, best of {args.rounds} round(s),"
        f" store: {args.store}\n"
    )
    header = f"{'backend':<9} {'mode':<21} {'records/s':>10} {'p99 ms/batch':>13} {'vs bare':>8}"
    print(header)
    print("-" * len(header))
    for kind in args.backends.split(","):
        if kind in PORTS and not listening(PORTS[kind]):
            print(f"{kind:<9} skipped: nothing listens on 127.0.0.1:{PORTS[kind]}")
            continue
        runs = await measure(kind, args, work, store_file, pg, messages)
        ceiling = runs["bare"].rate(len(messages))
        for label, run in runs.items():
            ratio = run.rate(len(messages)) / ceiling
            print(
                f"{kind:<9} {label:<21} {run.rate(len(messages)):>10,.0f}"
                f" {run.p99_ms:>13.1f} {ratio:>7.2f}x"
            )


if __name__ == "__main__":
    asyncio.run(main())
