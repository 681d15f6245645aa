"""What the web view reads: statements newest first, a statement's posts, a post's revisions.

Records are the `monitor.post/1` records that went out (the outbox body of a post's
revision) where the outbox still holds them; otherwise (not published yet, or its outbox
row pruned by retention) they are rebuilt from the post and the revision as stored.

Newest first is the order of `posts.search_doc`, the full-text index's row id, which is made
of the publication time (see `search_index`): its unique index answers the timeline without
sorting, and a date range is a range of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from monitor.record import Item, Language, PostRecord, Translation, parse_time
from monitor.store.backends import Row
from monitor.store.db import StoreBase, chunked, marks
from monitor.store.posts import POST_COLUMNS, stored_post
from monitor.store.search_index import doc_base

# The latest revision of posts, with its published record when the outbox has it, and
# whether its content was ever edited (`edited_at`, kept by `save_fetch`: unlike testing the
# revisions, it stays true once retention prunes the revision it was edited from).
_LATEST = (
    f"SELECT {POST_COLUMNS}, translation, stage,"
    " (SELECT o.body FROM outbox o WHERE o.post_id = p.id AND o.revision = p.revision"
    "  ORDER BY o.seq DESC LIMIT 1) AS body,"
    " p.edited_at IS NOT NULL AS edited"
    " FROM posts p"
)


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """Which statements the timeline shows: those with at least one post matching every
    condition given. Empty tuples and None do not filter; [since, until) is in UTC and
    bounds the publication of the statement's first post."""

    accounts: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    translated: bool | None = None
    edited: bool | None = None
    deleted: bool | None = None


@dataclass(frozen=True, slots=True)
class BrowsedPost:
    """A post's latest revision. `published`: its record went out through the outbox."""

    record: PostRecord
    published: bool
    edited: bool


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: its posts on every platform, in every language, first one first."""

    id: str
    posts: tuple[BrowsedPost, ...]


@dataclass(frozen=True, slots=True)
class Revision:
    record: PostRecord
    published: bool


def _conditions(alias: str, wanted: TimelineFilter) -> tuple[list[str], list[Any]]:
    """SQL conditions on the post `alias` for the per-post parts of `wanted`."""
    where: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("source", wanted.accounts),
        ("platform", wanted.platforms),
        ("language", wanted.languages),
    ):
        if values:
            where.append(f"{alias}.{column} IN ({marks(len(values))})")
            params.extend(values)
    if wanted.translated is not None:
        # COALESCE, not SQLite's `IS NOT 'x'`: a NULL status (not translated yet) is "no".
        test = "=" if wanted.translated else "!="
        where.append(f"COALESCE({alias}.translation_status, '') {test} 'translated'")
    if wanted.edited is not None:
        where.append(f"{alias}.edited_at IS {'NOT ' if wanted.edited else ''}NULL")
    if wanted.deleted is not None:
        where.append(f"{alias}.deleted_at IS {'NOT ' if wanted.deleted else ''}NULL")
    return where, params


def _latest(row: Row) -> BrowsedPost:
    body = row["body"]
    if body is not None:
        return BrowsedPost(PostRecord.from_json(body), True, bool(row["edited"]))
    post = stored_post(row)
    stored = json.loads(row["translation"]) if row["translation"] else None
    record = post.record(
        post.detected or Language("und", 0.0),
        Translation.from_dict(stored) if stored else Translation("pending"),
    )
    return BrowsedPost(record, False, bool(row["edited"]))


class BrowseMixin(StoreBase):
    def timeline(
        self, wanted: TimelineFilter, *, limit: int, offset: int = 0
    ) -> tuple[list[Statement], bool]:
        """One page of statements matching `wanted`, newest first (by the publication of
        each statement's first post), and whether there are more after it."""
        where = ["COALESCE(h.statement_id, h.id) = h.id"]
        params: list[Any] = []
        if wanted.since is not None:
            where.append("h.search_doc >= ?")
            params.append(doc_base(wanted.since))
        if wanted.until is not None:
            where.append("h.search_doc < ?")
            params.append(doc_base(wanted.until))
        # Few posts are edited or deleted: those filters start from the statements that have
        # one (a partial index each, migration 9), not from every post newest first.
        for column, flag in (("edited_at", wanted.edited), ("deleted_at", wanted.deleted)):
            if flag:
                where.append(
                    "h.id IN (SELECT COALESCE(f.statement_id, f.id) FROM posts f"
                    f" WHERE f.{column} IS NOT NULL)"
                )
        head, head_params = _conditions("h", wanted)
        member, member_params = _conditions("m", wanted)
        if head:
            where.append(
                f"(({' AND '.join(head)}) OR EXISTS (SELECT 1 FROM posts m"
                f" WHERE m.statement_id = h.id AND {' AND '.join(member)}))"
            )
            params += head_params + member_params
        rows = self._query(
            f"SELECT h.id FROM posts h WHERE {' AND '.join(where)}"
            " ORDER BY h.search_doc DESC LIMIT ? OFFSET ?",
            [*params, limit + 1, max(0, offset)],
        )
        ids = [str(row[0]) for row in rows[:limit]]
        found = self._statements(ids)
        return [found[i] for i in ids if i in found], len(rows) > limit

    def statement(self, statement_id: str) -> Statement | None:
        """Every post of one statement (latest revisions), or None when there is none."""
        return self._statements([statement_id]).get(statement_id)

    def browsed_post(self, post_id: str) -> BrowsedPost | None:
        rows = self._query(f"{_LATEST} WHERE p.id = ?", (post_id,))
        return _latest(rows[0]) if rows else None

    def revisions(self, post_id: str) -> list[Revision]:
        """Every revision of a post still stored, oldest first, as records."""
        posts = self._query(
            f"SELECT {POST_COLUMNS}, translation FROM posts WHERE id = ?", (post_id,)
        )
        if not posts:
            return []
        post = stored_post(posts[0])
        stored = json.loads(posts[0]["translation"]) if posts[0]["translation"] else None
        rows = self._query(
            "SELECT r.revision, r.item, r.collected_at, r.deleted_at,"
            " (SELECT o.body FROM outbox o WHERE o.post_id = r.id AND o.revision = r.revision"
            "  ORDER BY o.seq DESC LIMIT 1) AS body"
            " FROM revisions r WHERE r.id = ? ORDER BY r.revision",
            (post_id,),
        )
        found: list[Revision] = []
        for row in rows:
            if row["body"] is not None:
                found.append(Revision(PostRecord.from_json(row["body"]), True))
                continue
            # Not in the outbox: the revision as collected, with what is known of it now
            # (its translation only if it is the current, translated revision).
            revision = int(row["revision"])
            current = revision == post.revision and stored is not None
            rebuilt = Item.from_json(row["item"])
            record = post.record(
                post.detected or Language("und", 0.0),
                Translation.from_dict(stored) if current and stored else Translation("pending"),
            )
            found.append(
                Revision(
                    _with_item(record, rebuilt, revision, row["collected_at"], row["deleted_at"]),
                    False,
                )
            )
        return found

    def _statements(self, ids: Sequence[str]) -> dict[str, Statement]:
        members: dict[str, list[BrowsedPost]] = {}
        for chunk in chunked(list(ids)):
            # Two lookups, not one OR: an OR with `statement_id IS NULL` walks every post not
            # yet clustered. A post still waiting for its statement stands for itself.
            rows = self._query(
                f"{_LATEST} WHERE p.statement_id IN ({marks(len(chunk))}) ORDER BY p.search_doc, p.id",
                chunk,
            )
            # (By id alone: with `statement_id IS NULL` beside it, a planner may pick the
            # statement index and walk every unclustered post.)
            rows += [
                row
                for row in self._query(
                    f"{_LATEST} WHERE p.id IN ({marks(len(chunk))}) ORDER BY p.search_doc, p.id",
                    chunk,
                )
                if row["statement_id"] is None
            ]
            for row in rows:
                browsed = _latest(row)
                members.setdefault(browsed.record.statement_id, []).append(browsed)
        found: dict[str, Statement] = {}
        for statement_id, posts in members.items():
            # The statement's first post first, then the others as published.
            posts.sort(key=lambda p: p.record.id != statement_id)
            found[statement_id] = Statement(statement_id, tuple(posts))
        return found


def _with_item(
    record: PostRecord, item: Item, revision: int, collected_at: str, deleted_at: str | None
) -> PostRecord:
    """`record` (built from the post as it is now) as it was at an earlier revision."""
    return replace(
        record,
        revision=revision,
        title=item.title,
        text=item.text,
        truncated=item.truncated,
        links=item.links,
        hashtags=item.hashtags,
        mentions=item.mentions,
        media=item.media,
        content_hash=item.content_hash,
        collected_at=parse_time(collected_at),
        deleted_at=parse_time(deleted_at) if deleted_at else None,
    )
