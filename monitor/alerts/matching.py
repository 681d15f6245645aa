"""The matching half of alerts: read what was published since the last pass, match it,
and record each (alert, statement, event, channel) once, with the position read up to."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from monitor.config import AlertSettings, Settings
from monitor.metrics import Metrics
from monitor.record import PostRecord, utcnow
from monitor.search.match import RecordMatcher
from monitor.search.query import Query, parse_query
from monitor.store import AlertMatch, Store

log = logging.getLogger("monitor.alerts")

# A post first collected this long after it was published comes from a backfill (a new
# source, a long outage): it is history, and history does not alert as new.
BACKFILL_AGE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Watch:
    settings: AlertSettings
    query: Query

    @property
    def channels(self) -> tuple[str, ...]:
        return (("mail",) if self.settings.to else ()) + (
            ("webhook",) if self.settings.webhook else ()
        )


def watches(settings: Settings) -> list[Watch]:
    """Every configured alert with its parsed query (`monitor check` has validated them;
    a QueryError here names the alert)."""
    return [Watch(alert, parse_query(alert.query)) for alert in settings.alerts]


class AlertMatcher:
    def __init__(self, settings: Settings, store: Store, metrics: Metrics | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.zone = ZoneInfo(settings.monitor.timezone)
        self.watches = watches(settings)
        if self.watches:
            # Fixed before this process collects anything: alerts start from now, and what
            # this run publishes is after the mark, so it cannot slip past.
            store.alerts_cursor()

    def match_new(self, batch: int = 500) -> int:
        """Match every record published since the last pass; returns the events recorded."""
        if not self.watches:
            return 0
        added = 0
        cursor = self.store.alerts_cursor()
        while True:
            rows = self.store.records_after(cursor, batch)
            if not rows:
                return added
            matches = self._matches([record for _, record in rows])
            cursor = rows[-1][0]
            added += self.store.record_alert_matches(matches, cursor, utcnow())
            if len(rows) < batch:
                return added

    def _matches(self, records: Sequence[PostRecord]) -> list[AlertMatch]:
        matcher = RecordMatcher(records)
        found: list[AlertMatch] = []
        try:
            for watch in self.watches:
                for record in matcher.matching(watch.query, self.zone):
                    found_event = self._event(record)
                    if found_event is None or found_event[0] not in watch.settings.on:
                        continue
                    event, key = found_event
                    if self.metrics is not None:
                        self.metrics.alerts_matched.labels(watch.settings.name).inc()
                    found.extend(
                        AlertMatch(
                            alert=watch.settings.name,
                            channel=channel,
                            statement_id=record.statement_id,
                            event=event,
                            event_key=key,
                            post_id=record.id,
                            revision=record.revision,
                        )
                        for channel in watch.channels
                    )
        finally:
            matcher.close()
        return found

    def _event(self, record: PostRecord) -> tuple[str, str] | None:
        """(event, key): a statement is new once; each edit and each deletion is its own.
        None for an old post met for the first time (a new source's backfill): not news."""
        if record.deleted_at is not None:
            return "deleted", record.message_id
        if record.revision > 1 and self.store.content_changed(record.id, record.revision):
            return "edited", record.message_id
        if record.collected_at - record.published_at > BACKFILL_AGE:
            return None
        # A first revision, or one that only brought a translation: the statement is news
        # the first time any of its versions matches.
        return "new", ""
