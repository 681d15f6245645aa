"""What the store tells the other instances sharing it, as it commits (PostgreSQL NOTIFY):
new posts to process, posts to translate, records to publish. Listeners wake at once instead
of at their loop's next turn; the loops still come round on their own, so a lost
notification only delays."""

from __future__ import annotations

from monitor.store.backends import Connection, Dialect

COLLECTED = "monitor_collected"
TRANSLATING = "monitor_translating"
OUTBOX = "monitor_outbox"
CHANNELS = (COLLECTED, TRANSLATING, OUTBOX)


def notify(db: Connection, dialect: Dialect, channel: str) -> None:
    """Tell `channel`'s listeners, when the caller's transaction commits."""
    sql = dialect.notify(channel)
    if sql is not None:
        db.execute(sql)
