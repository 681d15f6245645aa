"""The outbox: records waiting to be published, in order, and the sent high-water mark."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from monitor.record import PostRecord, format_time
from monitor.store.backends import Connection, Dialect
from monitor.store.db import StoreBase
from monitor.store.events import OUTBOX, notify

# The name the store file is attached under on the embedded queue's own connection.
ATTACHED = "store"


class OutboxRow(NamedTuple):
    """A tuple, not a dataclass: the publisher builds thousands of them per second."""

    seq: int
    message_id: str
    source: str
    body: str
    attempts: int
    platform: str
    language: str
    collected_at: str


def queue_record(db: Connection, dialect: Dialect, record: PostRecord, created_at: str) -> None:
    """Add `record` to the outbox inside the caller's transaction."""
    queue_records(db, dialect, [record], created_at)


def queue_records(
    db: Connection, dialect: Dialect, records: Sequence[PostRecord], created_at: str
) -> None:
    """Add `records` to the outbox, in this order, inside the caller's transaction: the one
    place a record is serialised. One statement for them all (on PostgreSQL one lock and
    one pipelined batch rather than two round trips a record)."""
    if not records:
        return
    if dialect.outbox_lock:
        db.execute(dialect.outbox_lock)
    notify(db, dialect, OUTBOX)
    db.executemany(
        "INSERT INTO outbox (message_id, post_id, revision, source, body, created_at,"
        " platform, language, collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                record.message_id,
                record.id,
                record.revision,
                record.source,
                record.to_json(),
                created_at,
                record.platform,
                record.language.code,
                format_time(record.collected_at),
            )
            for record in records
        ],
    )


# Parameters (after, limit): the publisher's next rows.
_NEXT_ROWS = (
    "SELECT seq, message_id, source, body, attempts, platform, language, collected_at"
    " FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?"
)


class OutboxMixin(StoreBase):
    def outbox_batch(self, limit: int) -> list[OutboxRow]:
        """The oldest unsent rows, in order."""
        rows = self._query(
            "SELECT seq, message_id, source, body, attempts, platform, language, collected_at"
            " FROM outbox WHERE seq > (SELECT sent_through FROM outbox_cursor)"
            " ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [OutboxRow._make(row) for row in rows]

    def outbox_advance(self, sent_through: int, limit: int) -> list[OutboxRow]:
        """Mark every row up to `sent_through` sent and return the next `limit` rows: the
        publisher's one store round trip per batch."""
        if self.dialect.name == "postgresql":
            # One autocommit statement instead of a transaction of four: it halves the store's
            # share of publishing. set_config(..., true) applies to this statement's own
            # transaction only: its commit returns before the disk has it (see lazy_commit).
            rows = self._write_query(
                "WITH mark AS (UPDATE outbox_cursor SET sent_through = ?"
                " WHERE sent_through < ? AND set_config('synchronous_commit', 'off', true) = 'off')"
                f" {_NEXT_ROWS}",
                (sent_through, sent_through, sent_through, limit),
            )
        else:
            with self.transaction() as db:
                db.execute(
                    "UPDATE outbox_cursor SET sent_through = ? WHERE sent_through < ?",
                    (sent_through, sent_through),
                )
                rows = db.execute(_NEXT_ROWS, (sent_through, limit)).fetchall()
        return [OutboxRow._make(row) for row in rows]

    def outbox_pending(self) -> int:
        rows = self._query(
            "SELECT COUNT(*) FROM outbox WHERE seq > (SELECT sent_through FROM outbox_cursor)"
        )
        return int(rows[0][0])

    def outbox_sent_through(self) -> int:
        """Every outbox row up to this sequence number has been published."""
        return int(self._query("SELECT sent_through FROM outbox_cursor")[0][0])

    def outbox_sent(self, through: int) -> None:
        """Every row up to sequence number `through` is sent (rows are published in order)."""
        with self.transaction() as db:
            if self.dialect.lazy_commit:  # lost in a server crash: sent again, at least once
                db.execute(self.dialect.lazy_commit)
            db.execute(
                "UPDATE outbox_cursor SET sent_through = ? WHERE sent_through < ?",
                (through, through),
            )

    def outbox_failed(self, first: int, last: int, error: str) -> None:
        """Count a failed attempt on the rows numbered `first` to `last`."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq BETWEEN ? AND ?",
                (error, first, last),
            )


# The embedded queue copies outbox rows with one INSERT ... SELECT on its own connection, with
# the store file attached read-only in a deferred transaction: no row crosses into Python and
# the store is never locked for writing. The statements that read the store's tables there are
# the store's, below; the queue names only its own table.


def attach_store(db: sqlite3.Connection, store_file: Path) -> None:
    """Attach the store file to another SQLite connection (the embedded queue's)."""
    db.execute(f"ATTACH DATABASE ? AS {ATTACHED}", (str(store_file),))


def detach_store(db: sqlite3.Connection) -> None:
    db.execute(f"DETACH DATABASE {ATTACHED}")


def attached_outbox_span(db: sqlite3.Connection, *, after: int, limit: int) -> tuple[int, int]:
    """(count, last seq) of at most `limit` outbox rows numbered above `after`, read through
    `db` with the store attached; last is `after` when there are none."""
    count, last = db.execute(
        "SELECT COUNT(*), MAX(seq) FROM"
        f" (SELECT seq FROM {ATTACHED}.outbox WHERE seq > ? ORDER BY seq LIMIT ?)",
        (after, limit),
    ).fetchone()
    return int(count), int(last or after)


# Parameters (after, last): the rows of a span, in order, as (message_id, platform, language,
# source, collected_at, body); the caller prefixes its own `INSERT ... (columns)`.
ATTACHED_OUTBOX_ROWS = (
    "SELECT message_id, platform, language, source, collected_at, body"
    f" FROM {ATTACHED}.outbox WHERE seq > ? AND seq <= ? ORDER BY seq"
)
