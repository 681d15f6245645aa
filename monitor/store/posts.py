"""Posts and their revisions: what a poll saves, and what readers ask of past revisions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.record import (
    MAX_TEXT,
    Item,
    Language,
    PostRecord,
    Translation,
    build_record,
    format_time,
    parse_time,
    utcnow,
)
from monitor.state import SourceState
from monitor.store.backends import Connection, Row
from monitor.store.db import chunked, marks
from monitor.store.events import COLLECTED, notify
from monitor.store.search_index import SearchIndexMixin

# What `StoredPost` is read from.
POST_COLUMNS = (
    "id, revision, source, item, collected_at, language, confidence, deleted_at, statement_id"
)


@dataclass(frozen=True, slots=True)
class SaveResult:
    new: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class StoredPost:
    id: str
    revision: int
    source: str
    item: Item
    collected_at: datetime
    language: str | None
    confidence: float | None
    deleted_at: datetime | None = None
    statement_id: str | None = None  # None until the post has been clustered

    @property
    def detected(self) -> Language | None:
        """The language detected for this revision, once it has been."""
        if self.language is None:
            return None
        return Language(self.language, self.confidence or 0.0)

    def record(self, language: Language, translation: Translation) -> PostRecord:
        """This revision as a `monitor.post/1` record."""
        return build_record(
            self.item,
            source=self.source,
            revision=self.revision,
            collected_at=self.collected_at,
            language=language,
            translation=translation,
            statement_id=self.statement_id,
            deleted_at=self.deleted_at,
        )


class PostsMixin(SearchIndexMixin):
    def save_fetch(
        self,
        source: str,
        platform: str,
        items: Sequence[Item],
        state: SourceState,
        *,
        collected_at: datetime | None = None,
        max_text: int = MAX_TEXT,
    ) -> SaveResult:
        """Make a poll's posts and the source's new state durable, in one transaction.

        Texts longer than `max_text` characters are cut first (`truncated`), so nothing
        downstream ever holds more, and the same long post hashes the same on every poll.
        """
        now = format_time(collected_at or utcnow())
        capped = [item.capped(max_text) for item in items]
        new = updated = unchanged = 0
        with self.transaction() as db:
            # One read and two batched writes for the whole poll, not three statements a
            # post: on PostgreSQL each statement is a round trip (executemany pipelines them).
            known = _revisions(db, [item.id for item in capped])
            written: list[tuple[Item, str, str, str, int]] = []
            for item in capped:
                content_hash = item.content_hash
                row = known.get(item.id)
                if row is None:
                    revision = 1
                    new += 1
                elif row[1] == content_hash:
                    unchanged += 1
                    continue
                else:
                    revision = row[0] + 1
                    updated += 1
                known[item.id] = (revision, content_hash)  # the same post twice in one poll
                published = format_time(item.published_at) if item.published_at else now
                written.append((item, content_hash, item.to_json(), published, revision))
            db.executemany(
                "INSERT INTO posts (id, source, platform, revision, content_hash, item, published_at,"
                " first_seen_at, collected_at, stage, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'collected', ?)"
                " ON CONFLICT(id) DO UPDATE SET revision = excluded.revision,"
                " content_hash = excluded.content_hash, item = excluded.item,"
                " collected_at = excluded.collected_at, stage = 'collected',"
                " language = NULL, confidence = NULL, translation = NULL,"
                " misses = 0, deleted_at = NULL, updated_at = excluded.updated_at,"
                # A translator's claim was on the old revision: the new one is free to claim.
                " claimed_by = NULL, claimed_until = NULL,"
                # Only an existing post whose content changed gets here: an edit (the
                # timeline's "edited only" starts from this column's partial index).
                " edited_at = excluded.updated_at",
                [
                    (item.id, source, item.platform, rev, digest, body, published, now, now, now)
                    for item, digest, body, published, rev in written
                ],
            )
            db.executemany(
                "INSERT INTO revisions (id, revision, content_hash, item, collected_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    (item.id, revision, content_hash, body, now)
                    for item, content_hash, body, _, revision in written
                ],
            )
            self._index_collected(
                db,
                source,
                [(item, published, revision == 1) for item, _, _, published, revision in written],
            )
            if written:
                notify(db, self.dialect, COLLECTED)
            db.execute(
                "INSERT INTO sources (name, platform, etag, last_modified, cursor, extra, last_attempt,"
                " last_success, consecutive_errors, posts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)"
                " ON CONFLICT(name) DO UPDATE SET platform = excluded.platform, etag = excluded.etag,"
                " last_modified = excluded.last_modified, cursor = excluded.cursor,"
                " extra = excluded.extra, last_attempt = excluded.last_attempt,"
                " last_success = excluded.last_success, consecutive_errors = 0,"
                " posts = sources.posts + excluded.posts",
                (
                    source,
                    platform,
                    state.etag,
                    state.last_modified,
                    state.cursor,
                    json.dumps(dict(state.extra)),
                    now,
                    now,
                    new,
                ),
            )
            db.execute(
                "INSERT INTO source_events (source, at, ok, kind, message, new, updated)"
                " VALUES (?, ?, 1, NULL, NULL, ?, ?)",
                (source, now, new, updated),
            )
        return SaveResult(new, updated, unchanged)

    def published_records(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The latest ready revision of each post collected in [start, end), oldest first."""
        rows = self._query(
            "SELECT o.body FROM outbox o JOIN posts p ON p.id = o.post_id AND p.revision = o.revision"
            " WHERE p.stage = 'ready' AND p.collected_at >= ? AND p.collected_at < ?"
            " ORDER BY p.published_at, p.id",
            (format_time(start), format_time(end)),
        )
        return [json.loads(row[0]) for row in rows]

    def has_posts(self, start: datetime, end: datetime) -> bool:
        """Whether any post collected in [start, end) would be in its digest: published
        (its current revision in the outbox) or still being detected or translated."""
        rows = self._query(
            "SELECT EXISTS (SELECT 1 FROM posts p WHERE p.collected_at >= ? AND p.collected_at < ?"
            " AND (p.stage != 'ready' OR EXISTS (SELECT 1 FROM outbox o"
            " WHERE o.post_id = p.id AND o.revision = p.revision)))",
            (format_time(start), format_time(end)),
        )
        return bool(rows[0][0])

    def edited_from(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], tuple[int, Item]]:
        """For each (post id, revision), the latest earlier revision whose title or text differs,
        as (revision number, item): what that revision was edited from. Revisions that only
        re-translated the same content are skipped; a key with no such revision (a first
        revision, or its predecessors pruned) is left out."""
        found: dict[tuple[str, int], tuple[int, Item]] = {}
        for chunk in chunked(keys):
            wanted = ", ".join("(?, ?)" for _ in chunk)
            rows = self._query(
                f"WITH wanted (id, revision) AS (VALUES {wanted})"
                " SELECT w.id, w.revision, prev.revision, prev.item FROM wanted w"
                " JOIN revisions cur ON cur.id = w.id AND cur.revision = w.revision"
                " JOIN revisions prev ON prev.id = w.id AND prev.revision = ("
                "  SELECT MAX(r.revision) FROM revisions r WHERE r.id = w.id"
                "  AND r.revision < w.revision AND r.content_hash != cur.content_hash)",
                [value for key in chunk for value in key],
            )
            for row in rows:
                found[(str(row[0]), int(row[1]))] = (int(row[2]), Item.from_json(row[3]))
        return found

    def earliest_collected(self) -> datetime | None:
        """When the oldest post still in the store was collected, or None if there is none."""
        rows = self._query("SELECT MIN(collected_at) FROM posts")
        return parse_time(rows[0][0]) if rows and rows[0][0] else None


def _revisions(db: Connection, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """The stored (revision, content hash) of each of these posts that exists."""
    found: dict[str, tuple[int, str]] = {}
    unique = list(dict.fromkeys(ids))
    for chunk in chunked(unique):
        rows = db.execute(
            f"SELECT id, revision, content_hash FROM posts WHERE id IN ({marks(len(chunk))})",
            chunk,
        ).fetchall()
        for post_id, revision, content_hash in rows:
            found[str(post_id)] = (int(revision), str(content_hash))
    return found


def stored_post(row: Row) -> StoredPost:
    return StoredPost(
        id=row["id"],
        revision=int(row["revision"]),
        source=row["source"],
        item=Item.from_json(row["item"]),
        collected_at=parse_time(row["collected_at"]),
        language=row["language"],
        confidence=row["confidence"],
        deleted_at=parse_time(row["deleted_at"]) if row["deleted_at"] else None,
        statement_id=row["statement_id"],
    )
