"""Posts written into a store the way the pipeline writes them: collected, then published."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.record import Author, Item, Language, PostRecord, Translation
from monitor.search import parse_query
from monitor.state import SourceState
from monitor.store import Store

PUBLISHED = datetime(2026, 10, 5, 12, 0, tzinfo=UTC)


def item(
    native: str,
    text: str,
    *,
    platform: str = "telegram",
    title: str | None = None,
    published: datetime = PUBLISHED,
) -> Item:
    return Item(
        platform=platform,
        native_id=native,
        author=Author("account"),
        text=text,
        title=title,
        url=f"https://example.org/{native}",
        published_at=published,
    )


def collect(store: Store, post: Item, source: str = "chan") -> None:
    store.save_fetch(source, post.platform, [post], SourceState())


def publish(
    store: Store,
    post: Item,
    language: str,
    translation: str | None = None,
    *,
    source: str = "chan",
) -> PostRecord:
    """Collect `post` and publish it as detected in `language`, translated to English
    when `translation` is given (else `not_needed`)."""
    collect(store, post, source)
    stored = next(p for p in store.posts_in_stage("collected", 10_000) if p.id == post.id)
    record = stored.record(
        Language(language, 0.99),
        Translation("translated", translation, language, "en", "test", "test-1")
        if translation
        else Translation("not_needed", source=language),
    )
    assert store.mark_ready([record]) == 1
    return record


def ids(store: Store, text: str, **options: object) -> list[str]:
    """Native ids of what `text` finds, in result order."""
    found = store.search(parse_query(text), **options)  # type: ignore[arg-type]
    return [record.id.split(":", 1)[1] for record in found.records]
