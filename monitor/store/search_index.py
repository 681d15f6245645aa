"""The full-text index of posts (table `post_search`: FTS5 on SQLite, rows with a tsvector
and a GIN index on PostgreSQL), written in the same transaction as every write that changes
what a post says.

- `save_fetch` (a new post, or an edit): the title and text, language not yet known, so
  indexed as folded unstemmed tokens;
- `mark_detected` (language known, translation awaited): rewritten with the stems of the
  post's language;
- `mark_ready` (language and translation final): rewritten with the stems of the post's
  language and of its translation (skipped when that changes nothing);
- retention deleting posts: their rows go too. A deletion noticed on the platform changes
  no text, so the row stays and deleted posts remain searchable.

The row id of a post's index row is `search_doc` (a column of `posts`), made of its
publication time: `unix seconds << 20`, plus a counter for posts published in the same
second. Newest-first is then the index's own row order, and since:/until: are a row-id
range, both answered inside FTS5 without touching `posts`. The FTS5 table keeps its own copy
of the (stemmed) text: a contentless table would be smaller, but it can only delete rows
from SQLite 3.43, and this runs on 3.40.

On PostgreSQL the row's number is the `doc` column, and beside the same three token columns
it holds `terms`, a tsvector of the same tokens with their positions
(`monitor.search.index.tsvector`, which says why the monitor's own stems are used rather
than PostgreSQL's configurations). Writers there run at once (several instances share a
store), so a new number is picked under a transaction lock on its publication second.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from monitor.errors import StoreError
from monitor.record import Item, PostRecord, parse_time
from monitor.search.index import Document, document, indexed, record_document, tags, tsvector
from monitor.store.backends import Connection
from monitor.store.db import StoreBase, chunked, marks

DOC_SHIFT = 20  # row ids per second of publication time
DOC_LOCK = 0x6D6F6E69  # "moni": pg_advisory_xact_lock(DOC_LOCK, second) keys

# One row of PostgreSQL's index, written or replaced; parameters: `pg_doc_row`. (Also what
# copying a SQLite store writes, from its FTS5 columns: the same tokens.)
PG_PUT_DOC = (
    "INSERT INTO post_search (doc, original, translation, tags, terms)"
    " VALUES (?, ?, ?, ?, CAST(? AS tsvector)) ON CONFLICT (doc) DO UPDATE SET"
    " original = excluded.original, translation = excluded.translation,"
    " tags = excluded.tags, terms = excluded.terms"
)


def pg_doc_row(number: int, doc: Document) -> tuple[int, str, str, str, str]:
    return (number, doc.original, doc.translation, doc.tags, tsvector(doc))


def doc_base(moment: datetime) -> int:
    """The smallest row id of a post published at `moment` (to the second)."""
    return int(moment.timestamp()) << DOC_SHIFT


def _base_of(published_at: str) -> int:
    return doc_base(parse_time(published_at))


def _original(item: str, language: str | None) -> str:
    data = json.loads(item)
    title, text = data.get("title"), data["text"]
    return indexed(f"{title}\n{text}" if title else text, language)


def _translation(stored: str | None) -> str:
    data = json.loads(stored) if stored else {}
    if data.get("status") != "translated" or not data.get("text"):
        return ""
    return indexed(data["text"], data.get("to"))


def register_functions(db: sqlite3.Connection) -> None:
    """The SQL functions the search-index migration builds rows of existing posts with."""
    db.create_function("search_doc_base", 1, _base_of, deterministic=True)
    db.create_function("search_original", 2, _original, deterministic=True)
    db.create_function("search_translation", 1, _translation, deterministic=True)
    db.create_function("search_tags", 3, tags, deterministic=True)


class SearchIndexMixin(StoreBase):
    def _index_collected(
        self, db: Connection, source: str, written: Sequence[tuple[Item, str, bool]]
    ) -> None:
        """`save_fetch` just wrote these posts of one poll: each `(item, published_at, new)`,
        a `new` post or a new revision of one, with the publication time it stored. New
        posts are numbered and written together (a few statements a poll, not a post: on
        PostgreSQL each is a round trip); they go first, as a post may come twice in one
        poll, new and then edited, and the edit rewrites the row its first version got."""
        fresh: list[tuple[str, int, Document]] = []
        edited: list[tuple[str, Document]] = []
        for item, published_at, new in written:
            doc = document(
                title=item.title,
                text=item.text,
                language=None,
                platform=item.platform,
                source=source,
            )
            if new:
                fresh.append((item.id, _base_of(published_at), doc))
            else:
                edited.append((item.id, doc))
        if fresh:
            numbers = self._new_docs(db, [base for _, base, _ in fresh])
            db.executemany(
                "UPDATE posts SET search_doc = ? WHERE id = ?",
                [(number, post_id) for number, (post_id, _, _) in zip(numbers, fresh, strict=True)],
            )
            self._put_docs(
                db, [(number, doc) for number, (_, _, doc) in zip(numbers, fresh, strict=True)]
            )
        for post_id, doc in edited:
            self._write_doc(db, post_id, doc)

    def _index_ready(self, db: Connection, record: PostRecord) -> None:
        """`record`'s language and translation were just stored by `mark_ready`."""
        doc = record_document(record)
        self._write_doc(db, record.id, doc)

    def _index_detected(self, db: Connection, ids: Sequence[str]) -> None:
        """`mark_detected` just stored the language of these posts: their text is indexed
        with its language's stems while the translation is awaited (which may take hours
        when the translation backlog is long). Posts whose update did not apply (a newer
        revision came meanwhile) have no language and are left as they are."""
        for chunk in chunked(ids):
            rows = db.execute(
                "SELECT id, item, language, platform, source FROM posts"
                f" WHERE id IN ({marks(len(chunk))}) AND language IS NOT NULL",
                chunk,
            ).fetchall()
            for post_id, item, language, platform, source in rows:
                data = json.loads(item)
                doc = document(
                    title=data.get("title"),
                    text=data["text"],
                    language=language,
                    platform=platform,
                    source=source,
                )
                self._write_doc(db, post_id, doc)

    def _unindex_posts(self, db: Connection, ids: str, params: tuple[object, ...]) -> None:
        """Before the posts whose ids the SQL `ids` selects are deleted: drop their rows."""
        db.execute(
            f"DELETE FROM post_search WHERE {self._doc_key} IN"
            f" (SELECT search_doc FROM posts WHERE id IN ({ids}) AND search_doc IS NOT NULL)",
            params,
        )

    def _write_doc(self, db: Connection, post_id: str, doc: Document) -> None:
        row = db.execute(
            "SELECT search_doc, published_at FROM posts WHERE id = ?", (post_id,)
        ).fetchone()
        if row is None:
            return
        number = row[0]
        if number is None:
            number = self._new_doc(db, _base_of(row[1]))
            db.execute("UPDATE posts SET search_doc = ? WHERE id = ?", (number, post_id))
        else:
            # An FTS5 update is a delete and an insert of every token: skip it when nothing
            # changed (a post published untranslated indexes the same as when detected).
            indexed = db.execute(
                f"SELECT original, translation, tags FROM post_search WHERE {self._doc_key} = ?",
                (number,),
            ).fetchone()
            if indexed is not None and tuple(indexed) == (doc.original, doc.translation, doc.tags):
                return
        self._put_doc(db, number, doc)

    @property
    def _doc_key(self) -> str:
        """The column of `post_search` holding a post's `search_doc`."""
        return "rowid" if self.dialect.name == "sqlite" else "doc"

    def _put_doc(self, db: Connection, number: int, doc: Document) -> None:
        """Write (or replace) index row `number`."""
        self._put_docs(db, [(number, doc)])

    def _put_docs(self, db: Connection, rows: Sequence[tuple[int, Document]]) -> None:
        """Write (or replace) these index rows: `(number, document)`."""
        if self.dialect.name == "sqlite":
            db.executemany(
                "INSERT OR REPLACE INTO post_search (rowid, original, translation, tags)"
                " VALUES (?, ?, ?, ?)",
                [(number, doc.original, doc.translation, doc.tags) for number, doc in rows],
            )
            return
        db.executemany(PG_PUT_DOC, [pg_doc_row(number, doc) for number, doc in rows])

    def _new_doc(self, db: Connection, base: int) -> int:
        return self._new_docs(db, [base])[0]

    def _new_docs(self, db: Connection, bases: Sequence[int]) -> list[int]:
        """A new row number for each post published at these `doc_base`s (in their order;
        posts of one second numbered in the order given)."""
        seconds = sorted({base >> DOC_SHIFT for base in bases})
        if self.dialect.name == "postgresql":
            # Until this transaction commits, other writers wait here for the same seconds,
            # then see their numbers (read committed: each statement sees what is committed).
            # Locks are taken in one order (ascending key) by every writer, so two writers
            # of overlapping seconds cannot each hold one the other waits for.
            keys = sorted({second % (1 << 31) for second in seconds})
            db.executemany(
                "SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), CAST(? AS INTEGER))",
                [(DOC_LOCK, key) for key in keys],
            )
        following = _top_docs(db, [second << DOC_SHIFT for second in seconds])
        numbers = []
        for base in bases:
            number = following.get(base, base)
            if number >= base + (1 << DOC_SHIFT):
                raise StoreError(
                    "more than a million posts claim the same publication second",
                    remedy="check the source's published dates",
                )
            following[base] = number + 1
            numbers.append(number)
        return numbers


def _top_docs(db: Connection, bases: Sequence[int]) -> dict[int, int]:
    """The next free row number of each second (`doc_base`) that has posts already: one
    query per run of seconds `chunked` allows."""
    following: dict[int, int] = {}
    for chunk in chunked(bases):
        rows = db.execute(
            "SELECT b.column1, (SELECT MAX(search_doc) FROM posts"
            f" WHERE search_doc >= b.column1 AND search_doc < b.column1 + {1 << DOC_SHIFT})"
            f" FROM (VALUES {', '.join('(CAST(? AS BIGINT))' for _ in chunk)}) AS b",
            chunk,
        ).fetchall()
        following.update((int(base), int(top) + 1) for base, top in rows if top is not None)
    return following
