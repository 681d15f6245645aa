"""The digest ledger (`digests` table): each window is recorded once and sent once.

A row is `pending` until delivered (`sent`). A failed attempt keeps it pending with
`next_attempt` pushed back; `failed` means abandoned. What a window is and when to send
it is decided in `monitor.digest.log`; this module only keeps the rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.record import format_time, parse_time
from monitor.state import Window
from monitor.store.backends import Row
from monitor.store.db import StoreBase

_COLUMNS = (
    "id, window_start, window_end, recipients, message_id, status, attempts, last_error,"
    " next_attempt, created_at, sent_at"
)


@dataclass(frozen=True, slots=True)
class DigestEntry:
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


def _entry(row: Row) -> DigestEntry:
    return DigestEntry(
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


class DigestsMixin(StoreBase):
    def last_sent_digest(self) -> DigestEntry | None:
        """The sent digest whose window ends last."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM digests WHERE status = 'sent' ORDER BY window_end DESC LIMIT 1"
        )
        return _entry(rows[0]) if rows else None

    def sent_digest_windows(self) -> list[tuple[datetime, datetime]]:
        """(start, end) of every sent digest, by start then end."""
        rows = self._query(
            "SELECT window_start, window_end FROM digests WHERE status = 'sent'"
            " ORDER BY window_start, window_end"
        )
        return [(parse_time(row[0]), parse_time(row[1])) for row in rows]

    def last_digest_sent_at(self) -> datetime | None:
        """When the most recent digest was delivered, or None."""
        rows = self._query("SELECT MAX(sent_at) FROM digests WHERE status = 'sent'")
        return parse_time(rows[0][0]) if rows and rows[0][0] else None

    def find_digest(self, start: datetime, end: datetime) -> DigestEntry | None:
        rows = self._query(
            f"SELECT {_COLUMNS} FROM digests WHERE window_start = ? AND window_end = ?",
            (format_time(start), format_time(end)),
        )
        return _entry(rows[0]) if rows else None

    def pending_digests(self) -> list[DigestEntry]:
        rows = self._query(
            f"SELECT {_COLUMNS} FROM digests WHERE status = 'pending' ORDER BY window_end, id"
        )
        return [_entry(row) for row in rows]

    def create_digest(
        self,
        start: datetime,
        end: datetime,
        recipients: tuple[str, ...],
        message_id: str,
        now: datetime,
    ) -> DigestEntry:
        """Record a digest for [start, end) as pending, or return the row that already holds it."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO digests (window_start, window_end, recipients, message_id,"
                " status, attempts, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    format_time(start),
                    format_time(end),
                    json.dumps(list(recipients)),
                    message_id,
                    format_time(now),
                ),
            )
        entry = self.find_digest(start, end)
        assert entry is not None
        return entry

    def claim_digest(self, digest_id: int, now: datetime, lease: timedelta) -> bool:
        """Take the right to attempt delivery for `lease`; False if sent or leased elsewhere."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE digests SET next_attempt = ?, attempts = attempts + 1"
                " WHERE id = ? AND status != 'sent' AND (next_attempt IS NULL OR next_attempt <= ?)",
                (format_time(now + lease), digest_id, format_time(now)),
            )
        return cursor.rowcount == 1

    def mark_digest_sent(self, digest_id: int, now: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE digests SET status = 'sent', sent_at = ?, next_attempt = NULL,"
                " last_error = NULL WHERE id = ?",
                (format_time(now), digest_id),
            )

    def mark_digest_attempt_failed(
        self, digest_id: int, error: str, next_attempt: datetime | None
    ) -> None:
        """Keep the row pending until `next_attempt`, or abandon it (`failed`) when None."""
        with self.transaction() as db:
            db.execute(
                "UPDATE digests SET status = ?, last_error = ?, next_attempt = ?"
                " WHERE id = ? AND status != 'sent'",
                (
                    "pending" if next_attempt else "failed",
                    error,
                    format_time(next_attempt) if next_attempt else None,
                    digest_id,
                ),
            )

    def reopen_digest(self, digest_id: int) -> None:
        """Make an abandoned row attemptable again (a manual re-send of the same window)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE digests SET status = 'pending', next_attempt = NULL"
                " WHERE id = ? AND status = 'failed'",
                (digest_id,),
            )
