"""Which period a digest covers, in the configured time zone.

A scheduled digest covers everything collected since the end of the last digest
that was actually sent, up to the latest `send_at` moment. The very first digest
starts at the earliest collected post, so nothing already in the store is skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.state import Window

DAY = timedelta(days=1)


def local_moment(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """`day` at `clock` in `zone`, as UTC."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def latest_boundary(now: datetime, clock: time, zone: ZoneInfo) -> datetime:
    """The most recent moment at or before `now` when the local clock read `clock`."""
    today = now.astimezone(zone).date()
    candidate = local_moment(today, clock, zone)
    if candidate > now:
        candidate = local_moment(today - DAY, clock, zone)
    return candidate


def day_window(day: date, zone: ZoneInfo, now: datetime) -> Window:
    """The local calendar day `day`, cut at `now` so that a later digest still covers the rest."""
    start = local_moment(day, time(0, 0), zone)
    end = min(local_moment(day + DAY, time(0, 0), zone), now)
    return Window(start, max(start, end))


def label(window: Window, zone: ZoneInfo) -> str:
    """`2026-11-28` (the local day the window ends in), or a range for a catch-up digest."""
    last = (window.end - timedelta(seconds=1)).astimezone(zone).date()
    if window.length > timedelta(hours=26):
        first = window.start.astimezone(zone).date()
        if first != last:
            return f"{first.isoformat()} to {last.isoformat()}"
    return last.isoformat()


def whole_seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)
