"""Which statement each post belongs to: assigned once, read back to rebuild the window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from monitor.record import format_time, parse_time
from monitor.store.db import StoreBase
from monitor.store.posts import POST_COLUMNS, StoredPost, stored_post


class StatementsMixin(StoreBase):
    def assign_statements(self, pairs: Sequence[tuple[str, str]]) -> None:
        """(post id, statement id): set once; a post that already has a statement keeps it,
        so a statement id never changes after it was published."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE posts SET statement_id = ? WHERE id = ? AND statement_id IS NULL",
                [(statement, post_id) for post_id, statement in pairs],
            )

    def clustered_since(self, since: datetime) -> list[StoredPost]:
        """Posts given a statement and published at or after `since`, in collection order:
        what the clusterer's window held before a restart."""
        rows = self._query(
            f"SELECT {POST_COLUMNS} FROM posts WHERE statement_id IS NOT NULL"
            " AND published_at >= ? ORDER BY first_seen_at, rowid",
            (format_time(since),),
        )
        return [stored_post(row) for row in rows]

    def newest_published(self) -> datetime | None:
        """The publication time of the newest clustered post, or None."""
        rows = self._query("SELECT MAX(published_at) FROM posts WHERE statement_id IS NOT NULL")
        return parse_time(rows[0][0]) if rows and rows[0][0] else None
