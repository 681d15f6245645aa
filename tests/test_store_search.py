"""The search index moves with the posts, in the same transactions: edits replace what a post
is found by, retention removes it, a deletion keeps it, and the migration indexes old posts.
On both backends (`store_backend`), but the migration: PostgreSQL had the index from its
first schema."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.record import utcnow
from monitor.search import parse_query
from monitor.state import SourceState
from monitor.store import Store
from monitor.store.migrations import MIGRATIONS
from tests.search.support import PUBLISHED, collect, ids, item, publish
from tests.support.store import query
from tests.support.stores import StoreFactory


def index_rows(store: Store) -> int:
    return int(query(store, "SELECT count(*) FROM post_search")[0][0])


def test_an_edit_replaces_what_the_post_is_found_by(backend_store: Store) -> None:
    store = backend_store
    publish(
        store, item("1", "Reunión con el embajador de Cuba"), "es", "Meeting with Cuba's ambassador"
    )
    assert ids(store, "embajadores") == ids(store, "ambassadors") == ["1"]
    collect(store, item("1", "Reunión con la embajadora de Brasil"))  # revision 2
    assert ids(store, "Cuba") == ids(store, "ambassador") == []  # neither text nor translation
    assert ids(store, "Brasil") == ["1"]
    publish(
        store,
        item("1", "Reunión con la embajadora de Brasil"),
        "es",
        "Meeting with Brazil's ambassador",
    )
    assert ids(store, "Brazil") == ids(store, "embajadora lang:es") == ["1"]
    assert index_rows(store) == 1
    (record,) = store.search(parse_query("Brasil")).records
    assert record.revision == 2


def test_retention_removes_pruned_posts_from_the_index(backend_store: Store) -> None:
    store = backend_store
    publish(store, item("old", "Comunicado antiguo"), "es")
    publish(
        store, item("new", "Comunicado reciente", published=PUBLISHED + timedelta(days=1)), "es"
    )
    store.outbox_sent(store.outbox_sent_through() + 2)
    with store.transaction() as db:  # as if "old" had been collected long ago
        db.execute(
            "UPDATE posts SET collected_at = '2020-01-01T00:00:00Z' WHERE id = 'telegram:old'"
        )
    result = store.prune(utcnow() - timedelta(days=365), posts_before=utcnow() - timedelta(days=30))
    assert result.posts == 1
    assert ids(store, "comunicado") == ["new"]
    assert index_rows(store) == 1


def test_a_post_deleted_on_its_platform_stays_searchable(backend_store: Store) -> None:
    store = backend_store
    publish(store, item("gone", "Declaración retirada"), "es")
    store.record_recheck("chan", {"telegram:gone": "missing"})
    assert store.record_recheck("chan", {"telegram:gone": "missing"}) == ["telegram:gone"]
    (record,) = store.search(parse_query("declaración")).records
    assert record.deleted_at is not None and record.revision == 2


def test_the_index_is_written_in_the_same_transaction(
    backend_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = backend_store

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(Store, "_index_collected", broken)
    with pytest.raises(OSError):
        collect(store, item("1", "Texto"))
    assert query(store, "SELECT count(*) FROM posts")[0][0] == 0
    monkeypatch.undo()
    collect(store, item("1", "Texto"))
    assert ids(store, "texto") == ["1"]


def test_posts_published_in_the_same_second_each_get_a_row(backend_store: Store) -> None:
    store = backend_store
    store.save_fetch(
        "chan",
        "telegram",
        [item(str(n), f"Parte {n} del informe") for n in range(5)],
        SourceState(),
    )
    found = store.search(parse_query("informe"))
    assert found.total == 5 and len({r.id for r in found.records}) == 5
    assert ids(store, "informe", limit=2, offset=3) == [
        "1",
        "0",
    ]  # same second: last collected first


def test_the_migration_indexes_the_posts_already_stored(tmp_path: Path) -> None:
    version = next(n for n, script in enumerate(MIGRATIONS) if "post_search" in script)
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        for number, script in enumerate(MIGRATIONS[:version], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        for native, text, language, translation in (
            ("a", "Nuevas sanciones económicas", "es", "New economic sanctions"),
            ("b", "Новые санкции", "ru", None),
            ("c", "Texto sin detectar", None, None),
        ):
            post = item(native, text)
            stored = (
                {"status": "translated", "text": translation, "from": language, "to": "en"}
                if translation
                else {"status": "not_needed", "text": None, "from": language, "to": None}
            )
            db.execute(
                "INSERT INTO posts (id, source, platform, revision, content_hash, item, published_at,"
                " first_seen_at, collected_at, stage, language, confidence, translation,"
                " translation_status, updated_at) VALUES (?, 'chan', 'telegram', 1, ?, ?,"
                " '2026-10-05T12:00:00Z', '2026-10-05T12:01:00Z', '2026-10-05T12:01:00Z', ?, ?, 0.9,"
                " ?, ?, '2026-10-05T12:01:00Z')",
                (
                    post.id,
                    post.content_hash,
                    post.to_json(),
                    "ready" if language else "collected",
                    language,
                    json.dumps(stored) if language else None,
                    stored["status"] if language else None,
                ),
            )
    store = Store.open(tmp_path)
    assert store.schema_version == len(MIGRATIONS)
    assert ids(store, "sanción") == ids(store, "sanctioned") == ["a"]
    assert ids(store, "санкций lang:ru") == ["b"]
    assert ids(store, "detectar") == ["c"]
    assert ids(store, "since:2026-10-05") == ["c", "b", "a"]
    collect(store, item("d", "Otro texto"))  # a new post after the migration gets its own row
    assert ids(store, "texto") == ["d", "c"]


def test_a_phrase_never_runs_from_the_original_into_the_translation(backend_store: Store) -> None:
    publish(
        backend_store, item("1", "Firmado en Bruselas con la Unión"), "es", "European leaders met"
    )
    assert ids(backend_store, "unión european") == ["1"]
    assert ids(backend_store, '"unión european"') == []
    assert ids(backend_store, '"european leaders"') == ids(backend_store, '"con la unión"') == ["1"]


def test_a_word_too_long_for_postgresql_is_indexed_and_found(backend_store: Store) -> None:
    giant = "ж" * 1500  # 3,000 bytes: PostgreSQL keeps lexemes up to 2,047
    publish(backend_store, item("1", f"{giant} Новые санкции"), "ru")
    assert ids(backend_store, "санкции") == ids(backend_store, giant) == ["1"]
    assert ids(backend_store, f'"{giant} новых"') == ["1"]


def test_posts_of_one_second_written_at_once_by_two_instances_each_get_a_row(
    postgresql_store_factory: StoreFactory,
) -> None:
    """Several instances share a PostgreSQL store: numbering a second is one at a time."""
    stores = [postgresql_store_factory() for _ in range(2)]
    errors: list[BaseException] = []

    def write(store: Store, name: str) -> None:
        try:
            for n in range(10):
                collect(store, item(f"{name}{n}", f"Parte {n} del informe"), source=name)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(store, name))
        for store, name in zip(stores, "ab", strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stores[0].search(parse_query("informe"), limit=100).total == 20
    assert index_rows(stores[0]) == 20


def test_one_poll_numbers_its_posts_by_second_after_those_already_stored(
    backend_store: Store,
) -> None:
    store = backend_store
    later = PUBLISHED + timedelta(seconds=1)
    collect(store, item("old", "Parte vieja del informe"))
    store.save_fetch(
        "chan",
        "telegram",
        [
            item("a", "Parte a del informe", published=later),
            item("b", "Parte b del informe"),
            item("c", "Parte c del informe", published=later),
            item("b", "Parte b corregida del informe"),  # new, then edited in the same poll
        ],
        SourceState(),
    )
    docs = dict(query(store, "SELECT id, search_doc FROM posts"))
    base, next_base = (int(moment.timestamp()) << 20 for moment in (PUBLISHED, later))
    assert [docs[f"telegram:{n}"] for n in ("old", "b", "a", "c")] == [
        base,
        base + 1,
        next_base,
        next_base + 1,
    ]
    assert index_rows(store) == 4
    assert ids(store, "corregida") == ["b"] and ids(store, "informe", limit=10) == [
        "c",
        "a",
        "b",
        "old",
    ]


def test_two_instances_writing_polls_of_several_seconds_neither_deadlock_nor_collide(
    postgresql_store_factory: StoreFactory,
) -> None:
    """Each poll locks its seconds in one order, whatever the order of its posts."""
    stores = [postgresql_store_factory() for _ in range(2)]
    seconds = [PUBLISHED + timedelta(seconds=s) for s in range(4)]
    errors: list[BaseException] = []

    def write(store: Store, name: str, order: list[datetime]) -> None:
        try:
            for n in range(8):
                posts = [
                    item(f"{name}{n}-{s}", f"Parte {n} del informe", published=moment)
                    for s, moment in enumerate(order)
                ]
                store.save_fetch(name, "telegram", posts, SourceState())
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(store, name, order))
        for store, name, order in zip(stores, "ab", (seconds, seconds[::-1]), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert query(stores[0], "SELECT count(DISTINCT search_doc) FROM posts")[0][0] == 64
    assert index_rows(stores[0]) == 64
