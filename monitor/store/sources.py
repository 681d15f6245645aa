"""Sources: their saved poll state, poll outcomes (events) and failures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.record import format_time, utcnow
from monitor.state import SourceState
from monitor.store.db import StoreBase


@dataclass(frozen=True, slots=True)
class SourceStatus:
    name: str
    platform: str
    last_attempt: str | None
    last_success: str | None
    last_error: str | None
    last_error_kind: str | None
    last_error_at: str | None
    consecutive_errors: int
    next_poll: str | None
    posts: int


class SourcesMixin(StoreBase):
    def source_state(self, name: str) -> SourceState:
        rows = self._query(
            "SELECT etag, last_modified, cursor, extra FROM sources WHERE name = ?", (name,)
        )
        if not rows:
            return SourceState()
        row = rows[0]
        return SourceState(
            row["etag"], row["last_modified"], row["cursor"], json.loads(row["extra"])
        )

    def record_failure(self, source: str, platform: str, kind: str, message: str) -> int:
        """Note a failed poll; returns the number of consecutive errors so far."""
        now = format_time(utcnow())
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sources (name, platform, last_attempt, last_error, last_error_kind,"
                " last_error_at, consecutive_errors) VALUES (?, ?, ?, ?, ?, ?, 1)"
                " ON CONFLICT(name) DO UPDATE SET last_attempt = excluded.last_attempt,"
                " last_error = excluded.last_error, last_error_kind = excluded.last_error_kind,"
                " last_error_at = excluded.last_error_at,"
                " consecutive_errors = sources.consecutive_errors + 1",
                (source, platform, now, message, kind, now),
            )
            db.execute(
                "INSERT INTO source_events (source, at, ok, kind, message, new, updated)"
                " VALUES (?, ?, 0, ?, ?, 0, 0)",
                (source, now, kind, message),
            )
            row = db.execute(
                "SELECT consecutive_errors FROM sources WHERE name = ?", (source,)
            ).fetchone()
        return int(row[0])

    def set_next_poll(self, source: str, platform: str, moment: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sources (name, platform, next_poll) VALUES (?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET next_poll = excluded.next_poll",
                (source, platform, format_time(moment)),
            )

    def source_statuses(self) -> list[SourceStatus]:
        rows = self._query(
            "SELECT name, platform, last_attempt, last_success, last_error, last_error_kind,"
            " last_error_at, consecutive_errors, next_poll, posts FROM sources ORDER BY name"
        )
        return [SourceStatus(*tuple(row)) for row in rows]

    def source_failures(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Sources that failed at least once in [start, end): name, count, last error."""
        rows = self._query(
            "SELECT source, COUNT(*) AS failures, MAX(at) AS last_at,"
            " (SELECT message FROM source_events e2 WHERE e2.source = e.source AND e2.ok = 0"
            "  AND e2.at >= ? AND e2.at < ? ORDER BY e2.seq DESC LIMIT 1) AS last_error"
            " FROM source_events e WHERE ok = 0 AND at >= ? AND at < ? GROUP BY source ORDER BY source",
            (format_time(start), format_time(end), format_time(start), format_time(end)),
        )
        return [dict(row) for row in rows]

    def polled_sources(self, start: datetime, end: datetime) -> set[str]:
        """Sources polled at least once in [start, end), successfully or not."""
        rows = self._query(
            "SELECT DISTINCT source FROM source_events WHERE at >= ? AND at < ?",
            (format_time(start), format_time(end)),
        )
        return {str(row[0]) for row in rows}
