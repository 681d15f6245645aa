"""Every schema migration, on both backends, run on a store of the version before it with data
in it: the store is built to version k-1 through its backend, filled with raw SQL (only the
tables and columns that version has, read from its catalogue), then opened as usual, which
migrates it to the latest version; every row must still read back through the public API.

Cases come from the migration lists, so a migration added later is tested without a change
here. What a later version adds (a column, a table) is left for the migrations to fill.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.record import (
    Author,
    Item,
    Language,
    PostRecord,
    Translation,
    build_record,
    format_time,
)
from monitor.search import parse_query
from monitor.search.index import record_document, tsvector
from monitor.state import SourceState, Window
from monitor.store import (
    STORE_FILE,
    AlertEvent,
    BrowsedPost,
    DigestEntry,
    OutboxRow,
    Revision,
    SourceStatus,
    Statement,
    Store,
    StoredPost,
    TimelineFilter,
)
from monitor.store.backends import Backend, Connection
from monitor.store.backends.sqlite import SqliteBackend
from monitor.store.migrations import MIGRATIONS, PG_MIGRATIONS
from monitor.store.search_index import doc_base, register_functions
from tests.support.stores import PG_URL, drop_schema, new_schema, require_postgresql

HISTORIES = {"sqlite": MIGRATIONS, "postgresql": PG_MIGRATIONS}
CASES = [
    pytest.param(name, version, id=f"{name}-{version - 1}-to-{version}")
    for name, migrations in HISTORIES.items()
    for version in range(2, len(migrations) + 1)
]

PUBLISHED = datetime(2022, 7, 4, 9, 12, tzinfo=UTC)
SEEN = datetime(2022, 7, 4, 9, 15, tzinfo=UTC)
EDITED = datetime(2022, 7, 4, 10, 30, tzinfo=UTC)
DAY = Window(datetime(2022, 7, 4, tzinfo=UTC), datetime(2022, 7, 5, tzinfo=UTC))
FIRST = Item(
    platform="rss",
    native_id="feed/1",
    author=Author("mfa", "Ministerio"),
    text="Nuevas sanciones económicas",
    url="https://example.org/1",
    published_at=PUBLISHED,
    links=("https://example.org/doc",),
    hashtags=("sanciones",),
)
SECOND = replace(FIRST, text="Nuevas sanciones económicas contra tres empresas")
POST_ID = FIRST.id


def record(item: Item, revision: int, at: datetime, text: str) -> PostRecord:
    translation = Translation("translated", text, "es", "en", "argos", "es_en-1.9")
    return build_record(
        item,
        source="feed",
        revision=revision,
        collected_at=at,
        language=Language("es", 0.99),
        translation=translation,
    )


SENT = record(FIRST, 1, SEEN, "New economic sanctions")
PENDING = record(SECOND, 2, EDITED, "New economic sanctions against three companies")
SOURCE = SourceState('"v7"', "Mon, 04 Jul 2022 10:30:00 GMT", "feed/1", {"user_id": "42"})
SENTENCE = ("Nuevas sanciones económicas.", "▁New ▁economic ▁sanctions .")
ALERT = ("sanctions", "mail", POST_ID, "edited", f"{POST_ID}#2", POST_ID, 2)


@dataclass(frozen=True, slots=True)
class Filled:
    """What `fill` wrote: the tables it found (and filled) and the outbox's sequence numbers."""

    tables: frozenset[str]
    sent: int
    pending: int


def catalogue(backend: Backend) -> dict[str, set[str]]:
    """The columns of each table the store has at its current version."""
    if backend.dialect.name == "sqlite":
        sql = (
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c"
            " WHERE m.type = 'table'"
        )
    else:
        sql = (
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
    tables: dict[str, set[str]] = {}
    for table, column in backend.query(sql):
        tables.setdefault(str(table), set()).add(str(column))
    return tables


def fill(backend: Backend) -> Filled:
    """One post with two revisions (the first sent, the second pending in the outbox), its
    source's state, its search row, a sent digest, a cached translation, an alert event."""
    tables = catalogue(backend)
    if backend.dialect.name == "sqlite":  # FTS5's row id is no column of the catalogue
        tables.get("post_search", set()).add("rowid")
    doc = doc_base(PUBLISHED)
    search = record_document(PENDING)
    seen, edited = format_time(SEEN), format_time(EDITED)
    rows: list[tuple[str, dict[str, Any]]] = [
        ("posts", {
            "id": POST_ID, "source": "feed", "platform": "rss", "revision": 2,
            "content_hash": SECOND.content_hash, "item": SECOND.to_json(),
            "published_at": format_time(PUBLISHED), "first_seen_at": seen,
            "collected_at": edited, "stage": "ready", "language": "es", "confidence": 0.99,
            "translation": json.dumps(PENDING.translation.to_dict()), "updated_at": edited,
            "translation_status": "translated", "misses": 0, "statement_id": POST_ID,
            "search_doc": doc, "edited_at": edited,
        }),
        ("revisions", {"id": POST_ID, "revision": 1, "content_hash": FIRST.content_hash,
                       "item": FIRST.to_json(), "collected_at": seen}),
        ("revisions", {"id": POST_ID, "revision": 2, "content_hash": SECOND.content_hash,
                       "item": SECOND.to_json(), "collected_at": edited}),
        ("post_search", {"rowid": doc, "doc": doc, "original": search.original,
                         "translation": search.translation, "tags": search.tags,
                         "terms": tsvector(search)}),
        ("sources", {
            "name": "feed", "platform": "rss", "etag": SOURCE.etag,
            "last_modified": SOURCE.last_modified, "cursor": SOURCE.cursor,
            "extra": json.dumps(dict(SOURCE.extra)), "last_attempt": edited,
            "last_success": edited, "consecutive_errors": 0, "posts": 1,
        }),
        ("source_events", {"source": "feed", "at": edited, "ok": 1, "new": 0, "updated": 1}),
        *[("outbox", {
            "message_id": r.message_id, "post_id": r.id, "revision": r.revision,
            "source": r.source, "body": r.to_json(), "created_at": format_time(r.collected_at),
            "platform": r.platform, "language": r.language.code,
            "collected_at": format_time(r.collected_at), "sent_at": sent_at,
        }) for r, sent_at in ((SENT, edited), (PENDING, None))],
        ("digests", {
            "window_start": format_time(DAY.start), "window_end": format_time(DAY.end),
            "recipients": '["desk@example.org"]', "message_id": "<digest-1@monitor>",
            "status": "sent", "attempts": 1, "created_at": format_time(DAY.end),
            "sent_at": format_time(DAY.end),
        }),
        ("translation_cache", {"pair": "es_en", "model": "m1", "sentence": SENTENCE[0],
                               "translation": SENTENCE[1], "hits": 3, "created_at": seen}),
        ("alert_events", {
            **dict(zip(("alert", "channel", "statement_id", "event", "event_key", "post_id",
                        "revision"), ALERT, strict=True)),
            "matched_at": edited, "status": "sent", "attempts": 1, "sent_at": edited,
        }),
    ]  # fmt: skip
    with backend.transaction() as db:
        for table, row in rows:
            if table in tables:
                insert(db, table, {k: v for k, v in row.items() if k in tables[table]})
        seq = "SELECT seq FROM outbox WHERE message_id = ?"
        seqs = [int(db.execute(seq, (r.message_id,)).fetchone()[0]) for r in (SENT, PENDING)]
        if "outbox_cursor" in tables:
            db.execute("UPDATE outbox_cursor SET sent_through = ?", (seqs[0],))
        db.execute("INSERT INTO meta (key, value) VALUES ('alerts_through', ?)", (str(seqs[0]),))
    return Filled(frozenset(tables), *seqs)


def insert(db: Connection, table: str, row: dict[str, Any]) -> None:
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values()))


@pytest.mark.parametrize(("name", "version"), CASES)
def test_a_migration_keeps_the_data_of_the_version_before(
    name: str, version: int, tmp_path: Path
) -> None:
    schema = None
    backend: Backend
    if name == "postgresql":
        require_postgresql()  # skips (fails under CI) before psycopg is imported
        from monitor.store.backends.postgresql import PostgresBackend

        schema = new_schema()
        backend = PostgresBackend(PG_URL, schema=schema)
    else:
        backend = SqliteBackend(tmp_path / STORE_FILE, functions=register_functions)
    try:
        with closing(backend):
            backend.migrate(HISTORIES[name][: version - 1])
            assert backend.schema_version() == version - 1
            filled = fill(backend)
        opened = Store.open(tmp_path) if schema is None else Store.postgresql(PG_URL, schema=schema)
        with closing(opened) as store:
            assert store.schema_version == len(HISTORIES[name])
            check(store, filled)
    finally:
        if schema is not None:
            drop_schema(schema)


def check(store: Store, filled: Filled) -> None:
    # The post, its revisions (each still found with its published record), its statement.
    latest = BrowsedPost(PENDING, published=True, edited=True)
    assert store.browsed_post(POST_ID) == latest
    assert store.revisions(POST_ID) == [Revision(SENT, True), Revision(PENDING, True)]
    assert store.posts_in_stage("ready") == [
        StoredPost(POST_ID, 2, "feed", SECOND, EDITED, "es", 0.99, None, POST_ID)
    ]
    assert store.edited_from([(POST_ID, 2)]) == {(POST_ID, 2): (1, FIRST)}
    wanted = TimelineFilter(edited=True, translated=True, since=DAY.start, until=DAY.end)
    assert store.timeline(wanted, limit=5) == ([Statement(POST_ID, (latest,))], False)
    for words in ("sanciones empresas", "sanctions companies"):
        assert [r.id for r in store.search(parse_query(words)).records] == [POST_ID]
    # The source's state and status.
    edited = format_time(EDITED)
    assert store.source_state("feed") == SOURCE
    assert store.polled_sources(DAY.start, DAY.end) == {"feed"}
    assert store.source_statuses() == [
        SourceStatus("feed", "rss", edited, edited, None, None, None, 0, None, 1)
    ]
    # The outbox: the first revision sent, the second still pending with its routing.
    assert store.outbox_sent_through() == filled.sent
    assert store.outbox_pending() == 1
    assert store.outbox_batch(10) == [
        OutboxRow(
            filled.pending, PENDING.message_id, "feed", PENDING.to_json(), 0, "rss", "es", edited
        )
    ]
    assert store.alerts_cursor() == filled.sent
    # The digest ledger, the translation cache, the alert ledger.
    recipients = ("desk@example.org",)
    digest = DigestEntry(
        1, DAY, recipients, "<digest-1@monitor>", "sent", 1, None, None, DAY.end, DAY.end
    )
    assert store.find_digest(DAY.start, DAY.end) == store.last_sent_digest() == digest
    assert store.cached_translations("es_en", "m1", [SENTENCE[0]]) == dict([SENTENCE])
    if "alert_events" in filled.tables:
        assert store.alert_events() == [
            AlertEvent(1, *ALERT, EDITED, "sent", 1, None, None, EDITED)
        ]
    assert store.writable()
