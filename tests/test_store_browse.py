"""The web view's reads on both backends: the "edited only" and "deleted only" timelines find
statements by any of their posts, and an older store learns which posts were edited."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.record import Author, Item
from monitor.sources.base import SourceState
from monitor.store import Store
from monitor.store.backends import Connection
from monitor.store.browse import TimelineFilter
from tests.support.store import query
from tests.support.stores import StoreFactory


def item(native: str, text: str, hour: int) -> Item:
    return Item(
        platform="rss",
        native_id=f"feed/{native}",
        author=Author("feed"),
        text=text,
        published_at=datetime(2022, 7, 4, hour, 0, tzinfo=UTC),
    )


def seed(store: Store) -> None:
    """Statements (newest first): 6 alone, edited; 5 alone, deleted; 4 alone, untouched;
    3 with member 2, edited; 1 with member 0, deleted."""
    first = [item(str(n), f"text {n}", 8 + n) for n in range(7)]
    store.save_fetch("feed", "rss", first, SourceState())
    store.assign_statements([("rss:feed/2", "rss:feed/3"), ("rss:feed/0", "rss:feed/1")])
    store.save_fetch("feed", "rss", [item("2", "text 2, corrected", 10)], SourceState())
    store.save_fetch("feed", "rss", [item("6", "text 6, corrected", 14)], SourceState())
    with store.transaction() as db:
        db.execute(
            "UPDATE posts SET deleted_at = '2022-07-05T00:00:00Z' WHERE id IN (?, ?)",
            ("rss:feed/0", "rss:feed/5"),
        )


def timeline(store: Store, wanted: TimelineFilter) -> list[str]:
    statements, more = store.timeline(wanted, limit=10)
    assert not more
    return [s.id for s in statements]


def check(store: Store) -> None:
    assert timeline(store, TimelineFilter(edited=True)) == ["rss:feed/6", "rss:feed/3"]
    assert timeline(store, TimelineFilter(deleted=True)) == ["rss:feed/5", "rss:feed/1"]
    assert timeline(store, TimelineFilter(edited=True, deleted=True)) == []
    assert timeline(store, TimelineFilter(edited=False)) == [
        "rss:feed/5",
        "rss:feed/4",
        "rss:feed/3",  # its first post was not edited
        "rss:feed/1",
    ]
    assert timeline(store, TimelineFilter(deleted=False, edited=True)) == [
        "rss:feed/6",
        "rss:feed/3",
    ]
    assert timeline(store, TimelineFilter(deleted=True, edited=False)) == [
        "rss:feed/5",
        "rss:feed/1",
    ]
    edited = {
        post.record.id: post.edited
        for statement in store.timeline(TimelineFilter(), limit=10)[0]
        for post in statement.posts
    }
    assert edited == {f"rss:feed/{n}": n in (2, 6) for n in range(7)}


def test_edited_and_deleted_timelines_find_statements_by_any_post(backend_store: Store) -> None:
    seed(backend_store)
    check(backend_store)


def test_upgrading_from_version_8_marks_the_posts_edited_before(
    open_test_store: StoreFactory,
) -> None:
    store = open_test_store()
    seed(store)
    # Back to the schema before the column (SQLite 8, PostgreSQL 2), data kept.
    with store.transaction() as db:
        db.execute("DROP INDEX posts_edited")
        db.execute("DROP INDEX posts_deleted")
        db.execute("ALTER TABLE posts DROP COLUMN edited_at")
        undo_cluster_migration(db)
        if store.dialect.name == "sqlite":
            db.execute("PRAGMA user_version = 8")
        else:
            db.execute("DELETE FROM monitor_schema WHERE version > 2")
    store.close()
    store = open_test_store()
    assert store.schema_version == len(store.migrations)
    rows = query(store, "SELECT id, edited_at FROM posts WHERE edited_at IS NOT NULL ORDER BY id")
    assert [row[0] for row in rows] == ["rss:feed/2", "rss:feed/6"]
    check(store)


def undo_cluster_migration(db: Connection) -> None:
    """The schema as it was before instances could share the store (SQLite 10, PostgreSQL 4)."""
    db.execute("DROP TABLE instances")
    db.execute("DROP TABLE leases")
    db.execute("DROP INDEX sources_due")
    db.execute("DROP INDEX posts_claimed")
    for table, column in (
        ("sources", "host"),
        ("sources", "due_at"),
        ("sources", "lease_owner"),
        ("sources", "lease_until"),
        ("posts", "claimed_by"),
        ("posts", "claimed_until"),
    ):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
