"""The embedded queue: an append-only SQLite file, `<data_dir>/queue.db`.

Each `(id, revision)` is stored once (the message id is unique), so a publisher
that re-sends after a crash adds nothing. Consumers keep their own offset and
read `SELECT seq, body FROM messages WHERE seq > :offset ORDER BY seq`. The
publisher fills it straight from the store's outbox table (`copy_outbox`): the store
file is attached to this connection and copied with one INSERT ... SELECT, whose
SELECT and ATTACH are the store's (`monitor.store.outbox`).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from monitor.config import QueueSettings
from monitor.errors import QueueError
from monitor.queues.base import Message, QueueBackend
from monitor.store.outbox import (
    ATTACHED_OUTBOX_ROWS,
    attach_store,
    attached_outbox_span,
    detach_store,
)

QUEUE_FILE = "queue.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    language TEXT NOT NULL,
    source TEXT NOT NULL,
    published_at TEXT NOT NULL,
    body TEXT NOT NULL
)
"""


class SqliteQueue(QueueBackend):
    name: ClassVar[str] = "sqlite"

    def __init__(
        self, settings: QueueSettings, data_dir: Path, *, poll_interval: float = 1.0
    ) -> None:
        super().__init__(settings)
        self.path = Path(data_dir) / QUEUE_FILE
        self.poll_interval = poll_interval
        self._db: sqlite3.Connection | None = None
        self._attached: Path | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(_SCHEMA)
            except (sqlite3.Error, OSError) as error:
                raise QueueError(f"cannot open the embedded queue {self.path}: {error}") from None
            self._db = db
        return self._db

    async def connect(self) -> None:
        self._connection()

    async def publish(self, messages: Sequence[Message]) -> None:
        db = self._connection()
        rows = [(m.message_id, m.platform, m.language, m.source, m.time, m.body) for m in messages]
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT OR IGNORE INTO messages (message_id, platform, language, source, published_at, body)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.execute("COMMIT")
        except sqlite3.Error as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise QueueError(f"cannot write to the embedded queue {self.path}: {error}") from None

    def copy_outbox(self, store_file: Path, *, after: int, limit: int) -> tuple[int, int]:
        db = self._connection()
        try:
            self._attach(db, store_file)
            db.execute("BEGIN")  # deferred: the store is only read, never locked for writing
            count, last = attached_outbox_span(db, after=after, limit=limit)
            if count:
                db.execute(
                    "INSERT OR IGNORE INTO messages"
                    " (message_id, platform, language, source, published_at, body) "
                    + ATTACHED_OUTBOX_ROWS,
                    (after, last),
                )
            db.execute("COMMIT")
        except sqlite3.Error as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise QueueError(f"cannot copy into the embedded queue {self.path}: {error}") from None
        return count, last

    def _attach(self, db: sqlite3.Connection, store_file: Path) -> None:
        if self._attached != store_file:
            if self._attached is not None:
                detach_store(db)
            attach_store(db, store_file)
            self._attached = store_file

    def read_after(self, offset: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        rows = (
            self._connection()
            .execute(
                "SELECT seq, body FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", (offset, limit)
            )
            .fetchall()
        )
        return [(int(seq), json.loads(body)) for seq, body in rows]

    async def tail(self, *, limit: int, follow: bool) -> AsyncIterator[dict[str, Any]]:
        db = self._connection()
        last = int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM messages").fetchone()[0])
        offset = max(0, last - max(0, limit))
        while True:
            for seq, record in self.read_after(offset, 1000):
                offset = seq
                yield record
            if not follow:
                return
            await asyncio.sleep(self.poll_interval)

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            self._attached = None
