"""The SQLite store: posts and their revisions, source state, outbox, caches, digest log.

One file in `data_dir`, WAL mode. Every method is one transaction; methods are
thread-safe (the translation worker runs in a thread).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from monitor.errors import StoreError
from monitor.migrations import MIGRATIONS
from monitor.record import (
    MAX_TEXT,
    Item,
    Language,
    Translation,
    TranslationStatus,
    build_record,
    format_time,
    message_id,
    parse_time,
    utcnow,
)
from monitor.sources.base import KnownPost, Presence, SourceState

STORE_FILE = "monitor.db"
# What `StoredPost` is read from.
_POST_COLUMNS = "id, revision, source, item, collected_at, language, confidence, deleted_at"


@dataclass(frozen=True, slots=True)
class SaveResult:
    new: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class PruneResult:
    """Rows deleted by `Store.prune`, per kind."""

    source_events: int
    translation_cache: int
    outbox: int
    digests: int
    revisions: int
    posts: int

    @property
    def total(self) -> int:
        return (
            self.source_events
            + self.translation_cache
            + self.outbox
            + self.digests
            + self.revisions
            + self.posts
        )


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

    @property
    def detected(self) -> Language | None:
        """The language detected for this revision, once it has been."""
        if self.language is None:
            return None
        return Language(self.language, self.confidence or 0.0)

    def record(self, language: Language, translation: Translation) -> dict[str, Any]:
        """This revision as a `monitor.post/1` record."""
        return build_record(
            self.item,
            source=self.source,
            revision=self.revision,
            collected_at=self.collected_at,
            language=language,
            translation=translation,
            deleted_at=self.deleted_at,
        )


class OutboxRow(NamedTuple):
    """A tuple, not a dataclass: the publisher builds thousands of them per second."""

    seq: int
    message_id: str
    source: str
    body: str
    attempts: int
    platform: str
    language: str
    collected_at: str


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


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the store {path}: {error}") from None
        except OSError as error:
            raise StoreError(f"cannot create the store {path}: {error.strerror}") from None

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(Path(data_dir) / STORE_FILE)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StoreError(f"cannot write to the store {self.path}: {error}") from None
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                try:
                    self._db.execute("COMMIT")
                except sqlite3.Error as error:
                    self._db.execute("ROLLBACK")
                    raise StoreError(f"cannot commit to the store {self.path}: {error}") from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return list(cursor.fetchall())

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the store {self.path} has schema version {version}, newer than this monitor knows",
                remedy="upgrade the monitor, or point data_dir elsewhere",
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                for statement in script.split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def writable(self) -> bool:
        try:
            with self.transaction() as db:
                db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'heartbeat'", (format_time(utcnow()),)
                )
        except (StoreError, sqlite3.Error):
            return False
        return True

    # -- sources -------------------------------------------------------------

    def source_state(self, name: str) -> SourceState:
        rows = self.query(
            "SELECT etag, last_modified, cursor, extra FROM sources WHERE name = ?", (name,)
        )
        if not rows:
            return SourceState()
        row = rows[0]
        return SourceState(
            row["etag"], row["last_modified"], row["cursor"], json.loads(row["extra"])
        )

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
        new = updated = unchanged = 0
        with self.transaction() as db:
            for item in (item.capped(max_text) for item in items):
                content_hash = item.content_hash
                row = db.execute(
                    "SELECT revision, content_hash FROM posts WHERE id = ?", (item.id,)
                ).fetchone()
                if row is None:
                    revision = 1
                    new += 1
                elif row[1] == content_hash:
                    unchanged += 1
                    continue
                else:
                    revision = int(row[0]) + 1
                    updated += 1
                published = format_time(item.published_at) if item.published_at else now
                body = item.to_json()
                db.execute(
                    "INSERT INTO posts (id, source, platform, revision, content_hash, item, published_at,"
                    " first_seen_at, collected_at, stage, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'collected', ?)"
                    " ON CONFLICT(id) DO UPDATE SET revision = excluded.revision,"
                    " content_hash = excluded.content_hash, item = excluded.item,"
                    " collected_at = excluded.collected_at, stage = 'collected',"
                    " language = NULL, confidence = NULL, translation = NULL,"
                    " misses = 0, deleted_at = NULL, updated_at = excluded.updated_at",
                    (
                        item.id,
                        source,
                        item.platform,
                        revision,
                        content_hash,
                        body,
                        published,
                        now,
                        now,
                        now,
                    ),
                )
                db.execute(
                    "INSERT OR IGNORE INTO revisions (id, revision, content_hash, item, collected_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (item.id, revision, content_hash, body, now),
                )
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
        rows = self.query(
            "SELECT name, platform, last_attempt, last_success, last_error, last_error_kind,"
            " last_error_at, consecutive_errors, next_poll, posts FROM sources ORDER BY name"
        )
        return [SourceStatus(*tuple(row)) for row in rows]

    def source_failures(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Sources that failed at least once in [start, end): name, count, last error."""
        rows = self.query(
            "SELECT source, COUNT(*) AS failures, MAX(at) AS last_at,"
            " (SELECT message FROM source_events e2 WHERE e2.source = e.source AND e2.ok = 0"
            "  AND e2.at >= ? AND e2.at < ? ORDER BY e2.seq DESC LIMIT 1) AS last_error"
            " FROM source_events e WHERE ok = 0 AND at >= ? AND at < ? GROUP BY source ORDER BY source",
            (format_time(start), format_time(end), format_time(start), format_time(end)),
        )
        return [dict(row) for row in rows]

    # -- enrichment ----------------------------------------------------------

    def posts_in_stage(self, stage: str, limit: int = 500) -> list[StoredPost]:
        rows = self.query(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE stage = ? ORDER BY updated_at, rowid LIMIT ?",
            (stage, limit),
        )
        return [_stored_post(row) for row in rows]

    def unready_posts(self, start: datetime, end: datetime) -> list[StoredPost]:
        """Posts collected in [start, end) still being detected or translated, oldest first."""
        rows = self.query(
            f"SELECT {_POST_COLUMNS} FROM posts"
            " WHERE stage != 'ready' AND collected_at >= ? AND collected_at < ?"
            " ORDER BY published_at, id",
            (format_time(start), format_time(end)),
        )
        return [_stored_post(row) for row in rows]

    def count_stage(self, stage: str) -> int:
        return int(self.query("SELECT COUNT(*) FROM posts WHERE stage = ?", (stage,))[0][0])

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

    def mark_ready(self, records: Sequence[dict[str, Any]]) -> int:
        """Store each record's enrichment and queue it in the outbox, atomically.

        A record whose post has meanwhile moved to a newer revision is skipped.
        """
        now = format_time(utcnow())
        done = 0
        with self.transaction() as db:
            for record in records:
                cursor = db.execute(
                    "UPDATE posts SET stage = 'ready', language = ?, confidence = ?, translation = ?,"
                    " translation_status = ?, updated_at = ?"
                    " WHERE id = ? AND revision = ? AND stage != 'ready'",
                    (
                        record["language"]["code"],
                        record["language"]["confidence"],
                        json.dumps(record["translation"], ensure_ascii=False),
                        record["translation"]["status"],
                        now,
                        record["id"],
                        record["revision"],
                    ),
                )
                if cursor.rowcount != 1:
                    continue
                db.execute(
                    "INSERT INTO outbox (message_id, post_id, revision, source, body, created_at,"
                    " platform, language, collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        message_id(record),
                        record["id"],
                        record["revision"],
                        record["source"],
                        json.dumps(record, ensure_ascii=False, separators=(",", ":")),
                        now,
                        record["platform"],
                        record["language"]["code"],
                        record["collected_at"],
                    ),
                )
                done += 1
        return done

    def untranslated_languages(self) -> list[str]:
        """Languages of published posts that went out with `no_model`."""
        rows = self.query(
            "SELECT DISTINCT language FROM posts WHERE translation_status = 'no_model' AND stage = 'ready'"
        )
        return [str(row[0]) for row in rows]

    def requeue_untranslated(self, language: str) -> int:
        """A model for `language` appeared: its `no_model` posts become a new revision to translate."""
        now = format_time(utcnow())
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO revisions (id, revision, content_hash, item, collected_at,"
                " deleted_at) SELECT id, revision + 1, content_hash, item, ?, deleted_at FROM posts"
                " WHERE translation_status = 'no_model' AND stage = 'ready' AND language = ?",
                (now, language),
            )
            cursor = db.execute(
                "UPDATE posts SET revision = revision + 1, stage = 'translating',"
                " translation = NULL, translation_status = NULL, updated_at = ?"
                " WHERE translation_status = 'no_model' AND stage = 'ready' AND language = ?",
                (now, language),
            )
        return int(cursor.rowcount)

    # -- outbox --------------------------------------------------------------

    def outbox_batch(self, limit: int) -> list[OutboxRow]:
        """The oldest unsent rows, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, message_id, source, body, attempts, platform, language, collected_at"
                " FROM outbox WHERE seq > (SELECT sent_through FROM outbox_cursor)"
                " ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [OutboxRow._make(row) for row in rows]

    def outbox_pending(self) -> int:
        rows = self.query(
            "SELECT COUNT(*) FROM outbox WHERE seq > (SELECT sent_through FROM outbox_cursor)"
        )
        return int(rows[0][0])

    def outbox_sent_through(self) -> int:
        """Every outbox row up to this sequence number has been published."""
        return int(self.query("SELECT sent_through FROM outbox_cursor")[0][0])

    def outbox_sent(self, through: int) -> None:
        """Every row up to sequence number `through` is sent (rows are published in order)."""
        with self.transaction() as db:
            db.execute("UPDATE outbox_cursor SET sent_through = MAX(sent_through, ?)", (through,))

    def outbox_failed(self, first: int, last: int, error: str) -> None:
        """Count a failed attempt on the rows numbered `first` to `last`."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq BETWEEN ? AND ?",
                (error, first, last),
            )

    # -- retention -----------------------------------------------------------

    def prune(
        self,
        before: datetime,
        *,
        outbox_before: datetime | None = None,
        posts_before: datetime | None = None,
    ) -> PruneResult:
        """Delete what is older than `before` and no guarantee needs, in one transaction.

        - source events and translation-cache entries;
        - outbox rows at or below the sent high-water mark (confirmed published) and created
          before `outbox_before` (default `before`): rows above the mark are what the publisher
          and the embedded queue's copy still read, and `seq` is AUTOINCREMENT, so a pruned
          number is never handed out again;
        - abandoned (`failed`) digest-log rows; `sent` ones stay, as they say which windows
          were sent (never twice), and `pending` ones are still to be delivered;
        - with `posts_before`: revisions other than the latest collected before it, and posts
          (with their revisions) last collected before it whose outbox rows are all sent.
        """
        cutoff = format_time(before)
        outbox_cutoff = format_time(min(before, outbox_before or before))
        with self.transaction() as db:
            events = db.execute("DELETE FROM source_events WHERE at < ?", (cutoff,)).rowcount
            cache = db.execute(
                "DELETE FROM translation_cache WHERE created_at < ?", (cutoff,)
            ).rowcount
            outbox = db.execute(
                "DELETE FROM outbox WHERE seq <= (SELECT sent_through FROM outbox_cursor)"
                " AND created_at < ?",
                (outbox_cutoff,),
            ).rowcount
            digests = db.execute(
                "DELETE FROM digests WHERE status = 'failed' AND created_at < ?", (cutoff,)
            ).rowcount
            revisions = posts = 0
            if posts_before is not None:
                old = format_time(posts_before)
                revisions = db.execute(
                    "DELETE FROM revisions WHERE collected_at < ? AND revision <"
                    " (SELECT p.revision FROM posts p WHERE p.id = revisions.id)",
                    (old,),
                ).rowcount
                gone = "SELECT id FROM posts WHERE collected_at < ? AND stage = 'ready'"
                gone += (
                    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.post_id = posts.id"
                    " AND o.seq > (SELECT sent_through FROM outbox_cursor))"
                )
                revisions += db.execute(
                    f"DELETE FROM revisions WHERE id IN ({gone})", (old,)
                ).rowcount
                db.execute(f"DELETE FROM outbox WHERE post_id IN ({gone})", (old,))
                posts = db.execute(f"DELETE FROM posts WHERE id IN ({gone})", (old,)).rowcount
        return PruneResult(events, cache, outbox, digests, revisions, posts)

    # -- reading records -----------------------------------------------------

    def published_records(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The latest ready revision of each post collected in [start, end), oldest first."""
        rows = self.query(
            "SELECT o.body FROM outbox o JOIN posts p ON p.id = o.post_id AND p.revision = o.revision"
            " WHERE p.stage = 'ready' AND p.collected_at >= ? AND p.collected_at < ?"
            " ORDER BY p.published_at, p.id",
            (format_time(start), format_time(end)),
        )
        return [json.loads(row[0]) for row in rows]

    def edited_from(
        self, keys: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], tuple[int, Item]]:
        """For each (post id, revision), the latest earlier revision whose title or text differs,
        as (revision number, item): what that revision was edited from. Revisions that only
        re-translated the same content are skipped; a key with no such revision (a first
        revision, or its predecessors pruned) is left out."""
        found: dict[tuple[str, int], tuple[int, Item]] = {}
        for start in range(0, len(keys), 400):  # within SQLite's bound-parameter limit
            chunk = keys[start : start + 400]
            wanted = ", ".join("(?, ?)" for _ in chunk)
            rows = self.query(
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

    # -- deletions -----------------------------------------------------------

    def recheck_candidates(
        self, source: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[KnownPost]:
        """The source's posts not yet declared deleted, newest first: those published at or
        after `since`, at most `limit` of them."""
        sql = (
            "SELECT id, json_extract(item, '$.native_id') AS native_id,"
            " json_extract(item, '$.url') AS url, published_at,"
            " json_extract(item, '$.kind') AS kind FROM posts"
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
            for row in self.query(sql, params)
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
                    _declare_deleted(db, post_id, now, stamp)
                    deleted.append(post_id)
        return deleted


def _declare_deleted(db: sqlite3.Connection, post_id: str, now: datetime, stamp: str) -> None:
    """Write the deletion revision of a published post and queue it (see `record_recheck`)."""
    row = db.execute(
        "SELECT revision, source, item, content_hash, language, confidence, translation"
        " FROM posts WHERE id = ?",
        (post_id,),
    ).fetchone()
    revision = int(row[0]) + 1
    item = Item.from_json(row[2])
    stored: dict[str, Any] = json.loads(row[6]) if row[6] else {"status": "not_needed"}
    status: TranslationStatus = stored["status"]
    translation = Translation(
        status,
        text=stored.get("text"),
        source=stored.get("from"),
        target=stored.get("to"),
        engine=stored.get("engine"),
        model=stored.get("model"),
    )
    record = build_record(
        item,
        source=row[1],
        revision=revision,
        collected_at=now,
        language=Language(row[4] or "und", float(row[5] or 0.0)),
        translation=translation,
        deleted_at=now,
    )
    db.execute(
        "UPDATE posts SET revision = ?, deleted_at = ?, collected_at = ?, updated_at = ?"
        " WHERE id = ?",
        (revision, stamp, stamp, stamp, post_id),
    )
    db.execute(
        "INSERT OR IGNORE INTO revisions (id, revision, content_hash, item, collected_at,"
        " deleted_at) VALUES (?, ?, ?, ?, ?, ?)",
        (post_id, revision, row[3], row[2], stamp, stamp),
    )
    db.execute(
        "INSERT INTO outbox (message_id, post_id, revision, source, body, created_at,"
        " platform, language, collected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            message_id(record),
            post_id,
            revision,
            record["source"],
            json.dumps(record, ensure_ascii=False, separators=(",", ":")),
            stamp,
            record["platform"],
            record["language"]["code"],
            record["collected_at"],
        ),
    )


def _stored_post(row: sqlite3.Row) -> StoredPost:
    return StoredPost(
        id=row["id"],
        revision=int(row["revision"]),
        source=row["source"],
        item=Item.from_json(row["item"]),
        collected_at=parse_time(row["collected_at"]),
        language=row["language"],
        confidence=row["confidence"],
        deleted_at=parse_time(row["deleted_at"]) if row["deleted_at"] else None,
    )
