"""Deletions in the store: consecutive misses, the deletion revision, reappearance, migration 5."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema

from monitor.config import SourceSettings
from monitor.recheck import recheck
from monitor.record import Author, Item, Language, Translation, json_schema
from monitor.sources.base import FetchResult, KnownPost, RecheckResult, Source, SourceState
from monitor.sources.http import HttpClient
from monitor.store import Store
from monitor.store.migrations import MIGRATIONS
from tests.support.store import query

PUBLISHED = datetime(2022, 7, 4, 9, 12, tzinfo=UTC)
NOTICED = datetime(2022, 7, 5, 10, 0, tzinfo=UTC)


def item(native: str, text: str, published: datetime = PUBLISHED) -> Item:
    return Item(
        platform="mastodon",
        native_id=f"mastodon.social/{native}",
        author=Author("CancilleriaVE"),
        text=text,
        url=f"https://mastodon.social/@CancilleriaVE/{native}",
        published_at=published,
    )


def publish(store: Store, *items: Item) -> None:
    store.save_fetch("masto", "mastodon", list(items), SourceState())
    translated = Translation("translated", "We met.", "es", "en", "argos", "translate-es_en")
    store.mark_ready(
        [p.record(Language("es", 0.99), translated) for p in store.posts_in_stage("collected")]
    )


def outbox(store: Store) -> list[dict[str, object]]:
    return [json.loads(row.body) for row in store.outbox_batch(100)]


def test_every_record_carries_deleted_at_null_while_the_post_exists(backend_store: Store) -> None:
    store = backend_store
    publish(store, item("1", "Nos reunimos."))
    (record,) = outbox(store)
    assert record["deleted_at"] is None
    jsonschema.validate(record, json_schema())


def test_two_consecutive_misses_publish_one_deletion_revision(backend_store: Store) -> None:
    store = backend_store
    publish(store, item("1", "Nos reunimos."))
    post_id = "mastodon:mastodon.social/1"
    assert store.record_recheck("masto", {post_id: "missing"}, noticed_at=NOTICED) == []
    assert len(outbox(store)) == 1
    deleted = store.record_recheck("masto", {post_id: "missing"}, noticed_at=NOTICED)
    assert deleted == [post_id]
    first, gone = outbox(store)
    jsonschema.validate(gone, json_schema())
    assert gone["revision"] == 2 and gone["deleted_at"] == "2022-07-05T10:00:00Z"
    assert gone["text"] == first["text"] and gone["translation"] == first["translation"]
    assert gone["language"] == first["language"]
    assert store.outbox_batch(10)[-1].message_id == f"{post_id}#2"
    # Never twice: it is no longer a candidate, and further misses change nothing.
    assert store.recheck_candidates("masto") == []
    assert store.record_recheck("masto", {post_id: "missing"}, noticed_at=NOTICED) == []
    assert len(outbox(store)) == 2
    rows = query(store, "SELECT revision, deleted_at FROM revisions WHERE id = ?", (post_id,))
    assert [tuple(r) for r in rows] == [(1, None), (2, "2022-07-05T10:00:00Z")]


def test_unknown_neither_counts_nor_resets_and_presence_resets(backend_store: Store) -> None:
    store = backend_store
    publish(store, item("1", "uno"))
    post_id = "mastodon:mastodon.social/1"
    store.record_recheck("masto", {post_id: "missing"})
    store.record_recheck("masto", {post_id: "unknown"})
    store.record_recheck("masto", {post_id: "present"})
    assert store.record_recheck("masto", {post_id: "missing"}) == []
    assert store.record_recheck("masto", {post_id: "unknown"}) == []
    assert store.record_recheck("masto", {post_id: "missing"}) == [post_id]


def test_a_post_not_yet_published_waits_for_its_first_revision(backend_store: Store) -> None:
    store = backend_store
    store.save_fetch("masto", "mastodon", [item("1", "uno")], SourceState())
    post_id = "mastodon:mastodon.social/1"
    store.record_recheck("masto", {post_id: "missing"})
    assert store.record_recheck("masto", {post_id: "missing"}) == []
    publish(store)
    assert store.record_recheck("masto", {post_id: "missing"}) == [post_id]


def test_a_deleted_post_collected_again_unchanged_stays_deleted(backend_store: Store) -> None:
    store = backend_store
    publish(store, item("1", "uno"))
    post_id = "mastodon:mastodon.social/1"
    store.record_recheck("masto", {post_id: "missing"})
    store.record_recheck("masto", {post_id: "missing"})
    assert store.save_fetch("masto", "mastodon", [item("1", "uno")], SourceState()).unchanged
    assert len(outbox(store)) == 2
    assert store.recheck_candidates("masto") == []
    # Collected with changed content: a new revision, no longer deleted.
    publish(store, item("1", "uno, corregido"))
    last = outbox(store)[-1]
    assert (last["revision"], last["deleted_at"]) == (3, None)
    assert [p.id for p in store.recheck_candidates("masto")] == [post_id]


def test_candidates_by_window_or_count_newest_first(backend_store: Store) -> None:
    store = backend_store
    publish(
        store,
        *(item(str(n), f"post {n}", PUBLISHED + timedelta(days=n)) for n in range(1, 6)),
    )
    since = PUBLISHED + timedelta(days=3)
    assert [p.native_id for p in store.recheck_candidates("masto", since=since)] == [
        "mastodon.social/5",
        "mastodon.social/4",
        "mastodon.social/3",
    ]
    two = store.recheck_candidates("masto", limit=2)
    assert [p.id for p in two] == ["mastodon:mastodon.social/5", "mastodon:mastodon.social/4"]
    assert two[0].url == "https://mastodon.social/@CancilleriaVE/5"
    assert two[0].published_at == PUBLISHED + timedelta(days=5) and two[0].kind == "post"
    assert store.recheck_candidates("other") == []


def test_migration_5_keeps_posts_and_starts_them_undeleted(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "monitor.db") as db:
        for number, script in enumerate(MIGRATIONS[:4], start=1):
            db.executescript(script)
            db.execute(f"PRAGMA user_version = {number}")
        body = item("1", "uno").to_json()
        db.execute(
            "INSERT INTO posts (id, source, platform, revision, content_hash, item, published_at,"
            " first_seen_at, collected_at, stage, language, confidence, translation,"
            " translation_status, updated_at) VALUES (?, 'masto', 'mastodon', 1, ?, ?,"
            " '2022-07-04T09:12:00Z', '2022-07-04T09:15:00Z', '2022-07-04T09:15:00Z', 'ready',"
            " 'es', 0.99, ?, 'not_needed', '2022-07-04T09:15:00Z')",
            (
                "mastodon:mastodon.social/1",
                item("1", "uno").content_hash,
                body,
                json.dumps({"status": "not_needed", "text": None, "from": "es", "to": None}),
            ),
        )
        db.execute(
            "INSERT INTO revisions (id, revision, content_hash, item, collected_at)"
            " VALUES ('mastodon:mastodon.social/1', 1, 'h', ?, '2022-07-04T09:15:00Z')",
            (body,),
        )
    store = Store.open(tmp_path)
    assert store.schema_version == len(MIGRATIONS) >= 5
    (candidate,) = store.recheck_candidates("masto")
    assert candidate.id == "mastodon:mastodon.social/1"
    store.record_recheck("masto", {candidate.id: "missing"}, noticed_at=NOTICED)
    assert store.record_recheck("masto", {candidate.id: "missing"}, noticed_at=NOTICED)
    (record,) = outbox(store)
    jsonschema.validate(record, json_schema())
    assert (record["revision"], record["deleted_at"], record["text"]) == (
        2,
        "2022-07-05T10:00:00Z",
        "uno",
    )
    assert record["translation"]["status"] == "not_needed"


def test_a_deleted_post_translated_later_stays_deleted(backend_store: Store) -> None:
    store = backend_store
    store.save_fetch("masto", "mastodon", [item("1", "uno")], SourceState())
    untranslated = Translation("no_model", source="es", target="en")
    store.mark_ready(
        [p.record(Language("es", 0.99), untranslated) for p in store.posts_in_stage("collected")]
    )
    post_id = "mastodon:mastodon.social/1"
    store.record_recheck("masto", {post_id: "missing"}, noticed_at=NOTICED)
    store.record_recheck("masto", {post_id: "missing"}, noticed_at=NOTICED)
    assert store.requeue_untranslated("es") == 1
    (post,) = store.posts_in_stage("translating")
    assert post.revision == 3 and post.deleted_at == NOTICED
    done = Translation("translated", "one", "es", "en", "argos", "translate-es_en")
    store.mark_ready([post.record(Language("es", 0.99), done)])
    last = outbox(store)[-1]
    jsonschema.validate(last, json_schema())
    assert (last["revision"], last["deleted_at"]) == (3, "2022-07-05T10:00:00Z")
    rows = query(
        store, "SELECT deleted_at FROM revisions WHERE id = ? AND revision = 3", (post_id,)
    )
    assert rows[0][0] == "2022-07-05T10:00:00Z"


async def test_every_post_missing_at_once_is_an_account_change_not_deletions(
    backend_store: Store,
) -> None:
    class AllGone(Source):
        """An account taken down: its platform answers every lookup with "not found"."""

        platform = "mastodon"

        async def fetch(self, state: SourceState) -> FetchResult:
            raise AssertionError("not polled here")

        async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
            return RecheckResult({post.id: "missing" for post in posts})

    store = backend_store
    publish(store, *(item(str(n), f"Comunicado {n}.") for n in range(3)))
    settings = SourceSettings.model_validate(
        {"name": "masto", "platform": "mastodon", "handle": "CancilleriaVE@mastodon.social"}
    )
    async with HttpClient() as http:
        source = AllGone(settings, http)
        for hour in range(3):
            outcome = await recheck(source, store, now=NOTICED + timedelta(hours=hour))
            assert outcome.deleted == () and outcome.unknown == 3
    assert len(outbox(store)) == 3


async def test_posts_not_asked_about_do_not_hide_an_account_level_change(
    backend_store: Store,
) -> None:
    """An adapter asks about a bounded number of posts a run; the rest are unknown. Every
    post it did ask about missing is still an account change, not deletions."""

    class AllAskedGone(Source):
        platform = "mastodon"

        async def fetch(self, state: SourceState) -> FetchResult:
            raise AssertionError("not polled here")

        async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
            return RecheckResult({post.id: "missing" for post in posts[:3]})

    store = backend_store
    publish(store, *(item(str(n), f"Comunicado {n}.") for n in range(5)))
    settings = SourceSettings.model_validate(
        {"name": "masto", "platform": "mastodon", "handle": "CancilleriaVE@mastodon.social"}
    )
    async with HttpClient() as http:
        source = AllAskedGone(settings, http)
        for hour in range(3):
            outcome = await recheck(source, store, now=NOTICED + timedelta(hours=hour))
            assert outcome.deleted == () and outcome.unknown == 5
    assert len(outbox(store)) == 5
