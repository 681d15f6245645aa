"""Enrichment stages of a post: collected -> translating -> ready (and into the outbox)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from monitor.record import PostRecord, format_time, utcnow
from monitor.store.backends import Connection
from monitor.store.db import BOUND_VALUES, chunked
from monitor.store.events import TRANSLATING, notify
from monitor.store.outbox import queue_records
from monitor.store.posts import POST_COLUMNS, StoredPost, stored_post
from monitor.store.search_index import SearchIndexMixin


class StagesMixin(SearchIndexMixin):
    def posts_in_stage(self, stage: str, limit: int = 500) -> list[StoredPost]:
        rows = self._query(
            f"SELECT {POST_COLUMNS} FROM posts WHERE stage = ? ORDER BY updated_at, rowid LIMIT ?",
            (stage, limit),
        )
        return [stored_post(row) for row in rows]

    def unready_posts(self, start: datetime, end: datetime) -> list[StoredPost]:
        """Posts collected in [start, end) still being detected or translated, oldest first."""
        rows = self._query(
            f"SELECT {POST_COLUMNS} FROM posts"
            " WHERE stage != 'ready' AND collected_at >= ? AND collected_at < ?"
            " ORDER BY published_at, id",
            (format_time(start), format_time(end)),
        )
        return [stored_post(row) for row in rows]

    def count_stage(self, stage: str) -> int:
        return int(self._query("SELECT COUNT(*) FROM posts WHERE stage = ?", (stage,))[0][0])

    def mark_detected(self, posts: Sequence[tuple[str, str, int, str, float]]) -> None:
        """(stage, id, revision, language, confidence) of detected `collected` posts: each moves
        to `stage` ('translating', or 'collected' while the translation backlog is full)."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE posts SET stage = ?, language = ?, confidence = ?"
                " WHERE id = ? AND revision = ? AND stage = 'collected'",
                [
                    (stage, language, confidence, post_id, revision)
                    for stage, post_id, revision, language, confidence in posts
                ],
            )
            self._index_detected(db, [post_id for _, post_id, _, _, _ in posts])
            if any(stage == "translating" for stage, _, _, _, _ in posts):
                notify(db, self.dialect, TRANSLATING)

    def mark_ready(self, records: Sequence[PostRecord]) -> int:
        """Store each record's enrichment and queue it in the outbox, atomically.

        A record whose post has meanwhile moved to a newer revision is skipped.
        """
        now = format_time(utcnow())
        first: dict[tuple[str, int], PostRecord] = {}
        for record in records:  # a record given twice is ready after its first
            first.setdefault((record.id, record.revision), record)
        wanted = list(first.values())
        with self.transaction() as db:
            updated: set[tuple[str, int]] = set()
            for chunk in chunked(wanted, BOUND_VALUES // 6):  # six values a record
                updated |= _set_ready(db, chunk, now)
            done = [record for record in wanted if (record.id, record.revision) in updated]
            for record in done:
                self._index_ready(db, record)
            queue_records(db, self.dialect, done, now)
        return len(done)

    def untranslated_languages(self) -> list[str]:
        """Languages of published posts that went out with `no_model`."""
        rows = self._query(
            "SELECT DISTINCT language FROM posts WHERE translation_status = 'no_model' AND stage = 'ready'"
        )
        return [str(row[0]) for row in rows]

    def requeue_untranslated(self, language: str) -> int:
        """A model for `language` appeared: its `no_model` posts become a new revision to translate."""
        now = format_time(utcnow())
        with self.transaction() as db:
            db.execute(
                "INSERT INTO revisions (id, revision, content_hash, item, collected_at,"
                " deleted_at) SELECT id, revision + 1, content_hash, item, ?, deleted_at FROM posts"
                " WHERE translation_status = 'no_model' AND stage = 'ready' AND language = ?"
                " ON CONFLICT DO NOTHING",
                (now, language),
            )
            notify(db, self.dialect, TRANSLATING)
            cursor = db.execute(
                "UPDATE posts SET revision = revision + 1, stage = 'translating',"
                " translation = NULL, translation_status = NULL, updated_at = ?"
                " WHERE translation_status = 'no_model' AND stage = 'ready' AND language = ?",
                (now, language),
            )
        return int(cursor.rowcount)


def _set_ready(db: Connection, records: Sequence[PostRecord], now: str) -> set[tuple[str, int]]:
    """Store these records' enrichment, in one statement; the (id, revision) of the posts it
    applied to (those still at that revision and not yet ready)."""
    values = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in records)
    rows = db.execute(
        f"WITH ready (id, revision, language, confidence, translation, status) AS (VALUES {values})"
        " UPDATE posts SET stage = 'ready', language = ready.language,"
        " confidence = ready.confidence, translation = ready.translation,"
        " translation_status = ready.status, updated_at = ?, claimed_by = NULL,"
        " claimed_until = NULL"
        " FROM ready WHERE posts.id = ready.id AND posts.revision = ready.revision"
        " AND posts.stage != 'ready' RETURNING posts.id, posts.revision",
        [
            *(
                value
                for record in records
                for value in (
                    record.id,
                    record.revision,
                    record.language.code,
                    record.language.confidence,
                    json.dumps(record.translation.to_dict(), ensure_ascii=False),
                    record.translation.status,
                )
            ),
            now,
        ],
    ).fetchall()
    return {(str(row[0]), int(row[1])) for row in rows}
