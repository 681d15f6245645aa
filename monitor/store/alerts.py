"""The alert ledger (`alert_events`): each (alert, statement, event, channel) once.

An event is recorded, with the outbox position it was read up to, in one transaction;
delivery happens afterwards and marks the row `sent` (or `summarised`, when it went out in
one flood summary). A crash between a delivery and its mark repeats that one delivery;
nothing is ever recorded twice, so no event is announced twice otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.record import PostRecord, format_time, parse_time
from monitor.store.backends import Row
from monitor.store.db import StoreBase

_CURSOR = "alerts_through"
_COLUMNS = (
    "id, alert, channel, statement_id, event, event_key, post_id, revision, matched_at,"
    " status, attempts, last_error, next_attempt, sent_at"
)


@dataclass(frozen=True, slots=True)
class AlertMatch:
    """What the alert step found: `alert` matched `post_id`'s revision as `event`."""

    alert: str
    channel: str  # "mail" or "webhook"
    statement_id: str
    event: str  # new | edited | deleted
    event_key: str  # "" for new; "<post id>#<revision>" for an edit or a deletion
    post_id: str
    revision: int


@dataclass(frozen=True, slots=True)
class AlertEvent:
    id: int
    alert: str
    channel: str
    statement_id: str
    event: str
    event_key: str
    post_id: str
    revision: int
    matched_at: datetime
    status: str
    attempts: int
    last_error: str | None
    next_attempt: datetime | None
    sent_at: datetime | None


def _event(row: Row) -> AlertEvent:
    return AlertEvent(
        id=int(row["id"]),
        alert=row["alert"],
        channel=row["channel"],
        statement_id=row["statement_id"],
        event=row["event"],
        event_key=row["event_key"],
        post_id=row["post_id"],
        revision=int(row["revision"]),
        matched_at=parse_time(row["matched_at"]),
        status=row["status"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        next_attempt=parse_time(row["next_attempt"]) if row["next_attempt"] else None,
        sent_at=parse_time(row["sent_at"]) if row["sent_at"] else None,
    )


class AlertsMixin(StoreBase):
    def alerts_cursor(self) -> int:
        """The outbox position up to which published records were matched against alerts."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (_CURSOR,))
        if rows and rows[0][0] is not None:
            return int(rows[0][0])
        # First run: alerts start from now, not from the whole history.
        top = self._query("SELECT COALESCE(MAX(seq), 0) FROM outbox")[0][0]
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                (_CURSOR, str(top)),
            )
        return self.alerts_cursor()

    def records_after(self, seq: int, limit: int) -> list[tuple[int, PostRecord]]:
        """Published records after outbox position `seq`, in order."""
        rows = self._query(
            "SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        )
        return [(int(row[0]), PostRecord.from_json(row[1])) for row in rows]

    def record_alert_matches(
        self, matches: Sequence[AlertMatch], through: int, matched_at: datetime
    ) -> int:
        """Record new matches (those already recorded are ignored) and move the cursor to
        `through`, atomically. Returns how many were new."""
        now = format_time(matched_at)
        added = 0
        with self.transaction() as db:
            for match in matches:
                cursor = db.execute(
                    "INSERT INTO alert_events (alert, channel, statement_id, event,"
                    " event_key, post_id, revision, matched_at, status, next_attempt)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
                    (
                        match.alert,
                        match.channel,
                        match.statement_id,
                        match.event,
                        match.event_key,
                        match.post_id,
                        match.revision,
                        now,
                        now,
                    ),
                )
                added += cursor.rowcount
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (_CURSOR, str(through)),
            )
        return added

    def due_alert_events(self, now: datetime) -> list[AlertEvent]:
        """Pending events whose next attempt is due, oldest first."""
        rows = self._query(
            f"SELECT {_COLUMNS} FROM alert_events WHERE status = 'pending'"
            " AND next_attempt <= ? ORDER BY id",
            (format_time(now),),
        )
        return [_event(row) for row in rows]

    def alert_messages_since(self, alert: str, channel: str, since: datetime) -> list[datetime]:
        """When each message of one alert and channel went out since `since`, oldest first
        (the events of one flood summary share their time and count once)."""
        rows = self._query(
            "SELECT sent_at, status FROM alert_events WHERE alert = ? AND channel = ?"
            " AND sent_at >= ? AND status IN ('sent', 'summarised') ORDER BY sent_at",
            (alert, channel, format_time(since)),
        )
        times: list[datetime] = []
        summaries: set[str] = set()
        for sent_at, status in rows:
            if status == "summarised":
                if sent_at in summaries:
                    continue
                summaries.add(sent_at)
            times.append(parse_time(sent_at))
        return times

    def postpone_alerts(self, ids: Sequence[int], until: datetime) -> None:
        """Hold pending events (over the hourly cap) until `until`."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE alert_events SET next_attempt = ? WHERE id = ? AND status = 'pending'",
                [(format_time(until), i) for i in ids],
            )

    def mark_alerts_sent(self, ids: Sequence[int], at: datetime, *, summarised: bool) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE alert_events SET status = ?, sent_at = ?, last_error = NULL WHERE id = ?",
                [("summarised" if summarised else "sent", format_time(at), i) for i in ids],
            )

    def mark_alerts_failed(
        self, ids: Sequence[int], error: str, at: datetime, retry_in: timedelta
    ) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE alert_events SET attempts = attempts + 1, last_error = ?,"
                " next_attempt = ? WHERE id = ?",
                [(error, format_time(at + retry_in), i) for i in ids],
            )

    def alert_events(self, alert: str | None = None) -> list[AlertEvent]:
        """Every recorded event (of one alert), oldest first: for `monitor alerts` and tests."""
        if alert is None:
            rows = self._query(f"SELECT {_COLUMNS} FROM alert_events ORDER BY id")
        else:
            rows = self._query(
                f"SELECT {_COLUMNS} FROM alert_events WHERE alert = ? ORDER BY id", (alert,)
            )
        return [_event(row) for row in rows]

    def content_changed(self, post_id: str, revision: int) -> bool:
        """Whether `revision` changed the title or text of the revision before it (an edit,
        not a re-translation or a deletion notice)."""
        rows = self._query(
            "SELECT cur.content_hash != prev.content_hash FROM revisions cur"
            " JOIN revisions prev ON prev.id = cur.id AND prev.revision = cur.revision - 1"
            " WHERE cur.id = ? AND cur.revision = ?",
            (post_id, revision),
        )
        return bool(rows and rows[0][0])
