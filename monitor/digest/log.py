"""The digest log (`digests` table): each window is recorded once and sent once.

A row is `pending` until delivered (`sent`). A failed attempt keeps it pending with
`next_attempt` pushed back; `failed` means abandoned: superseded by a newer digest
that covers its window, or a manual `monitor digest send` that did not get through.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.state import Window
from monitor.store import DigestEntry, Store


def last_sent(store: Store) -> DigestEntry | None:
    """The sent digest whose window ends last."""
    return store.last_sent_digest()


def next_start(store: Store) -> datetime | None:
    """Where the next digest starts: the end of the unbroken run of sent windows that covers
    everything from the earliest collected post on (None before anything was collected).

    A manual send of a later day (`--date`) past a gap leaves the gap to the next digest,
    and a manual send of an old day does not pull the start back.
    """
    cover = earliest_post(store)
    for start, end in store.sent_digest_windows():
        if cover is None:
            cover = start
        if start > cover:
            break
        cover = max(cover, end)
    return cover


def last_sent_at(store: Store) -> datetime | None:
    """When the most recent digest was delivered (for metrics), or None."""
    return store.last_digest_sent_at()


def find(store: Store, window: Window) -> DigestEntry | None:
    return store.find_digest(window.start, window.end)


def pending(store: Store) -> list[DigestEntry]:
    return store.pending_digests()


def earliest_post(store: Store) -> datetime | None:
    """When the oldest post still in the store was collected (start of the first digest)."""
    return store.earliest_collected()


def create(
    store: Store, window: Window, recipients: tuple[str, ...], message_id: str, now: datetime
) -> DigestEntry:
    """Record a digest for `window` as pending, or return the row that already holds it."""
    return store.create_digest(window.start, window.end, recipients, message_id, now)


def claim(store: Store, row: DigestEntry, now: datetime, lease: timedelta) -> bool:
    """Take the right to attempt delivery of `row` for `lease`; False if sent or leased elsewhere."""
    return store.claim_digest(row.id, now, lease)


def mark_sent(store: Store, row: DigestEntry, now: datetime) -> None:
    store.mark_digest_sent(row.id, now)


def mark_attempt_failed(
    store: Store, row: DigestEntry, error: str, next_attempt: datetime | None
) -> None:
    """Keep `row` pending until `next_attempt`, or abandon it (`failed`) when that is None."""
    store.mark_digest_attempt_failed(row.id, error, next_attempt)


def reopen(store: Store, row: DigestEntry) -> None:
    """Make an abandoned row attemptable again (a manual re-send of the same window)."""
    store.reopen_digest(row.id)
