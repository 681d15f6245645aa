"""`[monitor] retention`: old rows and files go, and nothing the guarantees need goes with them."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor import retention
from monitor.config import ConfigProblems, QueueSettings, Settings, parse_settings
from monitor.daemon import Daemon
from monitor.digest import log as digest_log
from monitor.queues.publisher import Publisher
from monitor.queues.sqlite import SqliteQueue
from monitor.record import Author, Item, format_time, utcnow
from monitor.sources.base import SourceState
from monitor.state import Window
from monitor.store import Store
from monitor.translate.cache import TranslationCache
from tests.queues.support import ES, NO_MODEL, delivered, fill_outbox
from tests.support.store import query
from tests.support.stores import StoreFactory

NOW = utcnow()
LONG_AGO = NOW - timedelta(days=800)


def settings(
    data: Path,
    digest: dict[str, Any] | None = None,
    store: StoreFactory | None = None,
    **monitor: Any,
) -> Settings:
    config: dict[str, Any] = {
        "monitor": {"data_dir": str(data), "health": "", **monitor},
        "digest": {"delivery": "file", **(digest or {})},
        "store": store.settings() if store else {},
    }
    return parse_settings(config, Path("test.toml"))


def backdate(store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Test set-up only: make rows look as old as a year of running would."""
    with store.transaction() as db:
        db.execute(sql, params)


def count(store: Store, table: str, where: str = "1 = 1") -> int:
    return int(query(store, f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])


def ids(store: Store) -> list[str]:
    return [str(row[0]) for row in query(store, "SELECT message_id FROM outbox ORDER BY seq")]


async def publish_all(store: Store, data: Path) -> int:
    queue = SqliteQueue(QueueSettings(), data)
    try:
        return await Publisher(store, queue, batch=3).drain()
    finally:
        await queue.close()


async def queued(data: Path) -> list[str]:
    return [d.message_id for d in await delivered("sqlite", "", data)]


async def test_store_prune_deletes_old_rows_and_keeps_what_the_guarantees_need(
    tmp_path: Path, backend_store: Store
) -> None:
    store = backend_store
    fill_outbox(store, "old", 4)
    fill_outbox(store, "new", 2)
    assert await publish_all(store, tmp_path) == 6
    fill_outbox(store, "unsent", 2)  # old too, but never published: must stay
    backdate(
        store,
        "UPDATE outbox SET created_at = ? WHERE source IN ('old', 'unsent')",
        (format_time(LONG_AGO),),
    )
    store.record_failure("old", "rss", "http", "HTTP 500")
    backdate(
        store, "UPDATE source_events SET at = ? WHERE source = 'old'", (format_time(LONG_AGO),)
    )
    cache = TranslationCache(store)
    cache.put_many("es-en", "m1", {"vieja": ["old"], "nueva": ["new"]})
    backdate(
        store,
        "UPDATE translation_cache SET created_at = ? WHERE sentence = 'vieja'",
        (format_time(LONG_AGO),),
    )
    for days, status in ((700, "sent"), (600, "failed"), (500, "pending"), (1, "sent")):
        start = NOW - timedelta(days=days)
        row = digest_log.create(
            store,
            Window(start, start + timedelta(days=1)),
            ("a@example.org",),
            f"<{days}@x>",
            start,
        )
        if status == "sent":
            digest_log.mark_sent(store, row, start)
        elif status == "failed":
            digest_log.mark_attempt_failed(store, row, "superseded", None)
    posts, revisions = count(store, "posts"), count(store, "revisions")

    result = store.prune(NOW - timedelta(days=365))

    assert ids(store) == [f"rss:new/{n}#1" for n in range(2)] + [
        f"rss:unsent/{n}#1" for n in range(2)
    ]
    assert result.outbox == 4 and store.outbox_pending() == 2
    assert count(store, "source_events", "source = 'old'") == 0
    assert count(store, "source_events", "source = 'new'") == 1
    assert [r[0] for r in query(store, "SELECT sentence FROM translation_cache")] == ["nueva"]
    assert cache.get_many("es-en", "m1", ["nueva"]) == {"nueva": ["new"]}
    statuses = sorted(r[0] for r in query(store, "SELECT status FROM digests"))
    assert statuses == ["pending", "sent", "sent"]  # sent windows are never sent twice
    assert (count(store, "posts"), count(store, "revisions")) == (posts, revisions)

    # The publisher carries on: the unsent rows go out once, nothing already sent goes again.
    assert await publish_all(store, tmp_path) == 2
    fill_outbox(store, "later", 1)
    assert await publish_all(store, tmp_path) == 1
    everything = await queued(tmp_path)
    assert len(everything) == len(set(everything)) == 9
    assert {"rss:unsent/1#1", "rss:later/0#1", "rss:old/0#1"} <= set(everything)


async def test_pruning_every_sent_row_never_reuses_a_sequence_number(
    tmp_path: Path, open_test_store: StoreFactory
) -> None:
    store = open_test_store()
    fill_outbox(store, "a", 3)
    assert await publish_all(store, tmp_path) == 3
    assert store.prune(NOW + timedelta(days=1)).outbox == 3
    store.close()
    store = open_test_store()  # a restart: the high-water mark must still hold
    fill_outbox(store, "b", 2)
    assert store.outbox_batch(10)[0].seq == 4
    assert await publish_all(store, tmp_path) == 2
    assert await queued(tmp_path) == [
        "rss:a/0#1",
        "rss:a/1#1",
        "rss:a/2#1",
        "rss:b/0#1",
        "rss:b/1#1",
    ]


async def test_sent_rows_stay_until_the_digest_covering_them_is_sent(
    open_test_store: StoreFactory,
) -> None:
    data = open_test_store.data_dir
    store = open_test_store()
    fill_outbox(store, "a", 2)
    assert await publish_all(store, data) == 2
    backdate(store, "UPDATE outbox SET created_at = ?", (format_time(LONG_AGO),))
    backdate(store, "UPDATE posts SET collected_at = ?", (format_time(LONG_AGO),))
    config = settings(data)

    retention.prune(config, store, NOW)
    assert count(store, "outbox") == 2  # no digest has covered them yet

    window = Window(LONG_AGO, LONG_AGO + timedelta(days=1))
    digest_log.mark_sent(store, digest_log.create(store, window, (), "<m@x>", LONG_AGO), NOW)
    retention.prune(config, store, NOW)
    assert count(store, "outbox") == 0
    assert count(store, "posts") == 2 and count(store, "digests") == 1


def test_digest_files_older_than_the_retention_are_deleted(open_test_store: StoreFactory) -> None:
    data = open_test_store.data_dir
    store = open_test_store()
    folder = data / "digests"
    folder.mkdir(parents=True)
    names = ["digest-old.eml", "digest-old.html", "digest-new.eml", "notes.txt"]
    for name in names:
        (folder / name).write_text("x")
    old = (NOW - timedelta(days=400)).timestamp()
    for name in ("digest-old.eml", "digest-old.html", "notes.txt"):
        os.utime(folder / name, (old, old))

    pruned = retention.prune(settings(data), store, NOW)

    assert pruned.files == 2
    assert sorted(p.name for p in folder.iterdir()) == ["digest-new.eml", "notes.txt"]


def test_retention_zero_keeps_everything(open_test_store: StoreFactory) -> None:
    data = open_test_store.data_dir
    store = open_test_store()
    store.record_failure("a", "rss", "http", "HTTP 500")
    backdate(store, "UPDATE source_events SET at = ?", (format_time(LONG_AGO),))
    assert retention.prune(settings(data, retention="0"), store, NOW).store is None
    assert count(store, "source_events") == 1
    assert retention.prune(settings(data), store, NOW).store is not None
    assert count(store, "source_events") == 0


def test_retention_settings() -> None:
    default = settings(Path("data")).monitor
    assert default.retention == 365 * 86400 and default.retention_posts == 0
    assert settings(Path("data"), retention=0).monitor.retention == 0
    assert settings(Path("data"), retention_posts="730d").monitor.retention_posts == 730 * 86400
    with pytest.raises(ConfigProblems) as error:
        settings(Path("data"), retention="12h")
    assert error.value.problems == [
        'monitor.retention: "12h" is shorter than a day; use "1d" or more, or "0" to keep all'
    ]


async def test_posts_and_old_revisions_go_only_when_asked(open_test_store: StoreFactory) -> None:
    data = open_test_store.data_dir
    store = open_test_store()
    fill_outbox(store, "a", 2)
    edit = Item("rss", "a/0", Author("a"), "texto editado", published_at=LONG_AGO)
    store.save_fetch("a", "rss", [edit], SourceState())  # a/0 now has two revisions
    store.mark_ready([p.record(ES, NO_MODEL) for p in store.posts_in_stage("collected")])
    backdate(store, "UPDATE revisions SET collected_at = ?", (format_time(LONG_AGO),))
    backdate(
        store, "UPDATE posts SET collected_at = ? WHERE id = 'rss:a/1'", (format_time(LONG_AGO),)
    )
    assert await publish_all(store, data) == 3

    retention.prune(settings(data), store, NOW)
    assert count(store, "posts") == 2 and count(store, "revisions") == 3

    retention.prune(settings(data, retention_posts="365d", digest={"enabled": False}), store, NOW)
    # a/1 was last collected long ago and is published: it goes. a/0 keeps its latest revision.
    assert [r[0] for r in query(store, "SELECT id FROM posts")] == ["rss:a/0"]
    assert [tuple(r) for r in query(store, "SELECT id, revision FROM revisions")] == [
        ("rss:a/0", 2)
    ]


async def test_the_daemon_prunes_on_start_and_daily(open_test_store: StoreFactory) -> None:
    data = open_test_store.data_dir
    store = open_test_store()
    store.record_failure("a", "rss", "http", "HTTP 500")
    backdate(store, "UPDATE source_events SET at = ?", (format_time(LONG_AGO),))
    store.close()
    daemon = Daemon(settings(data, store=open_test_store))
    try:
        daemon.schedule_retention()
        job = daemon.scheduler.get_job("retention")
        assert job is not None and job.trigger.interval == timedelta(days=1)
        await daemon.prune()
        assert count(daemon.app.store, "source_events") == 0
    finally:
        await daemon.app.aclose()
    off = Daemon(settings(data, store=open_test_store, retention="0"))
    try:
        off.schedule_retention()
        assert off.scheduler.get_job("retention") is None
    finally:
        await off.app.aclose()
