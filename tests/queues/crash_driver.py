"""Crash-test driver: queue posts in a store's outbox and publish them, resuming after SIGKILL.

Usage: python -m tests.queues.crash_driver KIND NAME QUEUE_DIR COUNT STORE_DIR
       python -m tests.queues.crash_driver KIND NAME QUEUE_DIR COUNT PG_URL SCHEMA
The store is the embedded one in STORE_DIR, or the PostgreSQL store in SCHEMA at PG_URL.
Prints "ready" once started, "sent N" after each confirmed batch, "done" at the end.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor.queues.publisher import Publisher
from monitor.store import Store
from tests.queues.support import fill_outbox, make_backend

CHUNK = 50


def open_store(where: Sequence[str]) -> Store:
    if len(where) == 2:
        url, schema = where
        return Store.postgresql(url, schema=schema)
    return Store.open(Path(where[0]))


async def run(kind: str, name: str, queue_dir: Path, count: int, where: Sequence[str]) -> None:
    store = open_store(where)
    backend = make_backend(kind, name, queue_dir, timeout=5.0)
    publisher = Publisher(store, backend, batch=10, on_published=_progress)
    print("ready", flush=True)
    for start in range(0, count, CHUNK):
        fill_outbox(store, "crash", min(CHUNK, count - start), start=start)
        await publisher.drain()
    await publisher.drain()
    await backend.close()
    store.close()
    print("done", flush=True)


def _progress(count: int) -> None:
    print("sent", count, flush=True)


def main() -> None:
    kind, name, queue_dir, count, *where = sys.argv[1:]
    asyncio.run(run(kind, name, Path(queue_dir), int(count), where))


if __name__ == "__main__":
    main()
