"""The digest log (`digests` table): each window is recorded once and sent once.

A row is `pending` until delivered (`sent`). A failed attempt keeps it pending with
`next_attempt` pushed back; `failed` means abandoned: superseded by a newer digest
that covers its window, or a manual `monitor digest send` that did not get through.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.digest.model import Window
from monitor.record import format_time, parse_time
from monitor.store import Store

_COLUMNS = (
    "id, window_start, window_end, recipients, message_id, status, attempts, last_error,"
    " next_attempt, created_at, sent_at"
)


@dataclass(frozen=True, slots=True)
class DigestRow:
    id: int
    window: Window
    recipients: tuple[str, ...]
    message_id: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt: datetime | None
    created_at: datetime
    sent_at: datetime | None


def _row(row: sqlite3.Row) -> DigestRow:
    return DigestRow(
        id=int(row["id"]),
        window=Window(parse_time(row["window_start"]), parse_time(row["window_end"])),
        recipients=tuple(json.loads(row["recipients"])),
        message_id=row["message_id"],
        status=row["status"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        next_attempt=parse_time(row["next_attempt"]) if row["next_attempt"] else None,
        created_at=parse_time(row["created_at"]),
        sent_at=parse_time(row["sent_at"]) if row["sent_at"] else None,
    )


def last_sent(store: Store) -> DigestRow | None:
    """The sent digest whose window ends last."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM digests WHERE status = 'sent' ORDER BY window_end DESC LIMIT 1"
    )
    return _row(rows[0]) if rows else None


def next_start(store: Store) -> datetime | None:
    """Where the next digest starts: the end of the unbroken run of sent windows that covers
    everything from the earliest collected post on (None before anything was collected).

    A manual send of a later day (`--date`) past a gap leaves the gap to the next digest,
    and a manual send of an old day does not pull the start back.
    """
    cover = earliest_post(store)
    rows = store.query(
        "SELECT window_start, window_end FROM digests WHERE status = 'sent'"
        " ORDER BY window_start, window_end"
    )
    for row in rows:
        start, end = parse_time(row[0]), parse_time(row[1])
        if cover is None:
            cover = start
        if start > cover:
            break
        cover = max(cover, end)
    return cover


def last_sent_at(store: Store) -> datetime | None:
    """When the most recent digest was delivered (for metrics), or None."""
    rows = store.query("SELECT MAX(sent_at) FROM digests WHERE status = 'sent'")
    return parse_time(rows[0][0]) if rows and rows[0][0] else None


def find(store: Store, window: Window) -> DigestRow | None:
    rows = store.query(
        f"SELECT {_COLUMNS} FROM digests WHERE window_start = ? AND window_end = ?",
        (format_time(window.start), format_time(window.end)),
    )
    return _row(rows[0]) if rows else None


def pending(store: Store) -> list[DigestRow]:
    rows = store.query(
        f"SELECT {_COLUMNS} FROM digests WHERE status = 'pending' ORDER BY window_end, id"
    )
    return [_row(row) for row in rows]


def earliest_post(store: Store) -> datetime | None:
    """When the oldest post still in the store was collected (start of the first digest)."""
    rows = store.query("SELECT MIN(collected_at) FROM posts")
    return parse_time(rows[0][0]) if rows and rows[0][0] else None


def create(
    store: Store, window: Window, recipients: tuple[str, ...], message_id: str, now: datetime
) -> DigestRow:
    """Record a digest for `window` as pending, or return the row that already holds it."""
    with store.transaction() as db:
        db.execute(
            "INSERT OR IGNORE INTO digests (window_start, window_end, recipients, message_id,"
            " status, attempts, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?)",
            (
                format_time(window.start),
                format_time(window.end),
                json.dumps(list(recipients)),
                message_id,
                format_time(now),
            ),
        )
    row = find(store, window)
    assert row is not None
    return row


def claim(store: Store, row: DigestRow, now: datetime, lease: timedelta) -> bool:
    """Take the right to attempt delivery of `row` for `lease`; False if sent or leased elsewhere."""
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE digests SET next_attempt = ?, attempts = attempts + 1"
            " WHERE id = ? AND status != 'sent' AND (next_attempt IS NULL OR next_attempt <= ?)",
            (format_time(now + lease), row.id, format_time(now)),
        )
    return cursor.rowcount == 1


def mark_sent(store: Store, row: DigestRow, now: datetime) -> None:
    with store.transaction() as db:
        db.execute(
            "UPDATE digests SET status = 'sent', sent_at = ?, next_attempt = NULL, last_error = NULL"
            " WHERE id = ?",
            (format_time(now), row.id),
        )


def mark_attempt_failed(
    store: Store, row: DigestRow, error: str, next_attempt: datetime | None
) -> None:
    """Keep `row` pending until `next_attempt`, or abandon it (`failed`) when that is None."""
    with store.transaction() as db:
        db.execute(
            "UPDATE digests SET status = ?, last_error = ?, next_attempt = ?"
            " WHERE id = ? AND status != 'sent'",
            (
                "pending" if next_attempt else "failed",
                error,
                format_time(next_attempt) if next_attempt else None,
                row.id,
            ),
        )


def reopen(store: Store, row: DigestRow) -> None:
    """Make an abandoned row attemptable again (a manual re-send of the same window)."""
    with store.transaction() as db:
        db.execute(
            "UPDATE digests SET status = 'pending', next_attempt = NULL"
            " WHERE id = ? AND status = 'failed'",
            (row.id,),
        )
