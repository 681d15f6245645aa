"""The store on both backends: durability first, revisions, source state, outbox order.
The SQLite file's own things (WAL, PRAGMA user_version, raw upgrades) stay SQLite-only."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import StoreError
from monitor.record import Author, Item, Language, PostRecord, Translation
from monitor.sources.base import SourceState
from monitor.store import Store
from monitor.store.migrations import MIGRATIONS, PG_MIGRATIONS
from tests.support.store import query
from tests.support.stores import StoreFactory


def item(native: str, text: str) -> Item:
    return Item(
        platform="rss",
        native_id=f"feed/{native}",
        author=Author("feed"),
        text=text,
        published_at=datetime(2022, 7, 4, 9, 12, tzinfo=UTC),
    )


def test_schema_is_versioned_and_reopening_keeps_data(open_test_store: StoreFactory) -> None:
    store = open_test_store()
    assert store.schema_version == len(store.migrations)
    store.save_fetch("feed", "rss", [item("1", "hola")], SourceState(etag='"a"'))
    store.close()
    again = open_test_store()
    assert again.schema_version == len(again.migrations)  # a second start migrates nothing
    assert again.source_state("feed").etag == '"a"'
    assert again.count_stage("collected") == 1


def test_the_embedded_store_is_in_wal_mode(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    assert query(store, "PRAGMA journal_mode")[0][0] == "wal"
    store.close()


def test_a_readonly_store_refuses_writes(open_test_store: StoreFactory) -> None:
    open_test_store().save_fetch("feed", "rss", [item("1", "hola")], SourceState())
    reader = open_test_store(readonly=True)
    assert reader.count_stage("collected") == 1
    assert not reader.writable()
    with pytest.raises(StoreError):
        reader.save_fetch("feed", "rss", [item("2", "adios")], SourceState())


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        db.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer than this monitor knows"):
        Store.open(tmp_path)


def test_a_newer_postgresql_schema_is_refused(postgresql_store_factory: StoreFactory) -> None:
    store = postgresql_store_factory()
    with store.transaction() as db:
        db.execute("INSERT INTO monitor_schema (version) VALUES (999)")
    store.close()
    with pytest.raises(StoreError, match="newer than this monitor knows"):
        postgresql_store_factory()


def test_postgresql_instances_starting_together_migrate_once(
    postgresql_store_factory: StoreFactory,
) -> None:
    with ThreadPoolExecutor(3) as pool:
        stores = list(pool.map(lambda _: postgresql_store_factory(), range(3)))
    versions = query(stores[0], "SELECT version FROM monitor_schema ORDER BY version")
    assert [int(row[0]) for row in versions] == list(range(1, len(PG_MIGRATIONS) + 1))
    assert {store.schema_version for store in stores} == {len(PG_MIGRATIONS)}


def test_changed_text_is_a_new_revision_and_same_text_is_unchanged(backend_store: Store) -> None:
    store = backend_store
    assert store.save_fetch("feed", "rss", [item("1", "hola")], SourceState()).new == 1
    assert store.save_fetch("feed", "rss", [item("1", "hola")], SourceState()).unchanged == 1
    result = store.save_fetch("feed", "rss", [item("1", "hola mundo")], SourceState())
    assert (result.new, result.updated) == (0, 1)
    rows = query(store, "SELECT revision FROM revisions WHERE id = 'rss:feed/1' ORDER BY revision")
    assert [r[0] for r in rows] == [1, 2]


def test_a_failed_write_leaves_nothing_half_done(backend_store: Store) -> None:
    store = backend_store
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
        raise RuntimeError("crash")
    assert query(store, "SELECT COUNT(*) FROM meta WHERE key = 'x'")[0][0] == 0


def test_failures_count_up_and_a_success_resets_them(backend_store: Store) -> None:
    store = backend_store
    assert store.record_failure("feed", "rss", "timeout", "timed out") == 1
    assert store.record_failure("feed", "rss", "http", "HTTP 500") == 2
    status = store.source_statuses()[0]
    assert (status.consecutive_errors, status.last_error_kind) == (2, "http")
    store.save_fetch("feed", "rss", [], SourceState())
    assert store.source_statuses()[0].consecutive_errors == 0
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    assert store.source_failures(start, end)[0]["failures"] == 2


def ready_record(store: Store, native: str) -> PostRecord:
    post = next(p for p in store.posts_in_stage("collected") if p.id == f"rss:feed/{native}")
    return post.record(Language("es", 0.99), Translation("no_model", source="es", target="en"))


def test_outbox_keeps_order_and_skips_superseded_revisions(backend_store: Store) -> None:
    store = backend_store
    store.save_fetch("feed", "rss", [item("1", "uno"), item("2", "dos")], SourceState())
    stale = ready_record(store, "1")
    store.save_fetch("feed", "rss", [item("1", "uno editado")], SourceState())
    assert store.mark_ready([stale]) == 0
    assert store.mark_ready([ready_record(store, "2"), ready_record(store, "1")]) == 2
    batch = store.outbox_batch(10)
    assert [row.message_id for row in batch] == ["rss:feed/2#1", "rss:feed/1#2"]
    store.outbox_sent(batch[0].seq)
    assert [row.message_id for row in store.outbox_batch(10)] == ["rss:feed/1#2"]
    assert store.mark_ready([ready_record_from_ready(store)]) == 0


def test_outbox_advance_marks_a_batch_sent_and_reads_the_next(backend_store: Store) -> None:
    store = backend_store
    store.save_fetch("feed", "rss", [item(str(n), f"texto {n}") for n in range(5)], SourceState())
    store.mark_ready([ready_record(store, str(n)) for n in range(5)])
    first = store.outbox_batch(2)
    second = store.outbox_advance(first[-1].seq, 2)
    assert [row.seq for row in second] == [first[-1].seq + 1, first[-1].seq + 2]
    assert store.outbox_sent_through() == first[-1].seq
    assert store.outbox_pending() == 3
    assert store.outbox_advance(second[-1].seq, 2)[0].seq == second[-1].seq + 1
    store.outbox_advance(first[-1].seq, 2)  # an older mark never moves the cursor back
    assert store.outbox_sent_through() == second[-1].seq


def ready_record_from_ready(store: Store) -> PostRecord:
    row = query(store, "SELECT body FROM outbox ORDER BY seq DESC LIMIT 1")[0]
    return PostRecord.from_json(row[0])


def test_upgrading_keeps_unsent_outbox_rows_pending(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        db.executemany(
            "INSERT INTO outbox (message_id, post_id, revision, source, body, created_at, sent_at)"
            " VALUES (?, ?, 1, 'feed', '{}', '2022-07-04T09:00:00Z', ?)",
            [
                ("a#1", "a", "2022-07-04T09:01:00Z"),
                ("b#1", "b", "2022-07-04T09:01:00Z"),
                ("c#1", "c", None),
            ],
        )
    store = Store.open(tmp_path)
    assert [row.message_id for row in store.outbox_batch(10)] == ["c#1"]
    assert store.outbox_pending() == 1
    assert store.outbox_sent_through() == 2


def test_the_translation_cache_stores_replaces_and_counts_hits(backend_store: Store) -> None:
    store = backend_store
    many = {f"frase {n}": f"sentence {n}" for n in range(450)}  # more than one IN (...) chunk
    store.cache_translations("es_en", "m1", many)
    store.cache_translations("es_en", "m1", {"frase 1": "phrase 1"})
    found = store.cached_translations("es_en", "m1", [*many, "otra"])
    assert len(found) == 450 and found["frase 1"] == "phrase 1" and "otra" not in found
    assert store.cached_translations("es_en", "m2", ["frase 1"]) == {}
    store.count_cache_hits("es_en", "m1", ["frase 1", "frase 2", "otra"])
    rows = query(store, "SELECT SUM(hits), COUNT(*) FROM translation_cache")
    assert (int(rows[0][0]), int(rows[0][1])) == (2, 450)
