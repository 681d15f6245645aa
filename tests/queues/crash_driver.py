"""Crash-test driver: queue posts in a store's outbox and publish them, resuming after SIGKILL.

Usage: python -m tests.queues.crash_driver KIND NAME DATA_DIR COUNT
Prints "ready" once started, "sent N" after each confirmed batch, "done" at the end.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from monitor.queues.publisher import Publisher
from monitor.store import Store
from tests.queues.support import fill_outbox, make_backend

CHUNK = 50


async def run(kind: str, name: str, data_dir: Path, count: int) -> None:
    store = Store.open(data_dir / "store")
    backend = make_backend(kind, name, data_dir / "queue", timeout=5.0)
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
    kind, name, data_dir, count = sys.argv[1:5]
    asyncio.run(run(kind, name, Path(data_dir), int(count)))


if __name__ == "__main__":
    main()
