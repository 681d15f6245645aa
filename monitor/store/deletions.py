"""Deletions: which posts a recheck asks about, and what it found."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from monitor.record import (
    Language,
    Translation,
    format_time,
    parse_time,
    utcnow,
)
from monitor.state import KnownPost, Presence
from monitor.store.backends import Connection, Dialect
from monitor.store.db import StoreBase
from monitor.store.outbox import queue_record
from monitor.store.posts import POST_COLUMNS, stored_post


class DeletionsMixin(StoreBase):
    def recheck_candidates(
        self, source: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[KnownPost]:
        """The source's posts not yet declared deleted, newest first: those published at or
        after `since`, at most `limit` of them."""
        field = self.dialect.json_text
        sql = (
            f"SELECT id, {field('item', 'native_id')} AS native_id,"
            f" {field('item', 'url')} AS url, published_at,"
            f" {field('item', 'kind')} AS kind FROM posts"
            " WHERE source = ? AND deleted_at IS NULL"
        )
        params: list[Any] = [source]
        if since is not None:
            sql += " AND published_at >= ?"
            params.append(format_time(since))
        sql += " ORDER BY published_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            KnownPost(
                row["id"],
                str(row["native_id"]),
                row["url"],
                parse_time(row["published_at"]) if row["published_at"] else None,
                row["kind"] or "post",
            )
            for row in self._query(sql, params)
        ]

    def record_recheck(
        self,
        source: str,
        presence: Mapping[str, Presence],
        *,
        noticed_at: datetime | None = None,
    ) -> list[str]:
        """Note what a recheck found, in one transaction; returns the ids declared deleted.

        `present` resets a post's count of consecutive misses, `unknown` leaves it alone, and
        `missing` adds one. On the second consecutive miss of a published (`ready`) post, its
        deletion goes out as an edit does: revision + 1 with the same item, `deleted_at` set,
        the detected language and translation reused, into revisions and the outbox. A post
        declared deleted is never rechecked nor declared again; only a poll that collects it
        with changed content clears `deleted_at` (a new revision).
        """
        now = noticed_at or utcnow()
        stamp = format_time(now)
        deleted: list[str] = []
        with self.transaction() as db:
            for post_id, seen in presence.items():
                if seen == "present":
                    db.execute(
                        "UPDATE posts SET misses = 0 WHERE id = ? AND source = ? AND misses > 0"
                        " AND deleted_at IS NULL",
                        (post_id, source),
                    )
                    continue
                if seen != "missing":
                    continue
                row = db.execute(
                    "UPDATE posts SET misses = misses + 1 WHERE id = ? AND source = ?"
                    " AND deleted_at IS NULL RETURNING misses, stage",
                    (post_id, source),
                ).fetchone()
                if row is not None and int(row[0]) >= 2 and row[1] == "ready":
                    _declare_deleted(db, self.dialect, post_id, now, stamp)
                    deleted.append(post_id)
        return deleted


def _declare_deleted(
    db: Connection, dialect: Dialect, post_id: str, now: datetime, stamp: str
) -> None:
    """Write the deletion revision of a published post and queue it (see `record_recheck`)."""
    row = db.execute(
        f"SELECT {POST_COLUMNS}, content_hash, translation FROM posts WHERE id = ?", (post_id,)
    ).fetchone()
    revision = int(row["revision"]) + 1
    post = replace(stored_post(row), revision=revision, collected_at=now, deleted_at=now)
    stored = json.loads(row["translation"]) if row["translation"] else {"status": "not_needed"}
    record = post.record(post.detected or Language("und", 0.0), Translation.from_dict(stored))
    db.execute(
        "UPDATE posts SET revision = ?, deleted_at = ?, collected_at = ?, updated_at = ?"
        " WHERE id = ?",
        (revision, stamp, stamp, stamp, post_id),
    )
    db.execute(
        "INSERT INTO revisions (id, revision, content_hash, item, collected_at,"
        " deleted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (post_id, revision, row["content_hash"], row["item"], stamp, stamp),
    )
    queue_record(db, dialect, record, stamp)
