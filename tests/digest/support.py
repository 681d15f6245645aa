"""Sample posts (testdata/posts.json) put into a real Store, and settings for digest tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Settings, parse_settings
from monitor.record import (
    Author,
    Item,
    Language,
    Media,
    PostRecord,
    Translation,
    build_record,
    format_time,
    parse_time,
)
from monitor.sources.base import SourceState
from monitor.store import Store
from tests.support.store import query

TESTDATA = Path(__file__).resolve().parent / "testdata"
SAMPLE_DAY = "2026-11-27"
SOURCES: list[dict[str, Any]] = [
    {
        "name": "cancilleria-ve-x",
        "platform": "x",
        "handle": "CancilleriaVE",
        "token_env": "X_TOKEN",
    },
    {"name": "fariacrt-x", "platform": "x", "handle": "Fariacrt", "token_env": "X_TOKEN"},
    {"name": "mid-russia-telegram", "platform": "telegram", "handle": "MID_Russia"},
    {"name": "zakharova-telegram", "platform": "telegram", "handle": "MariaVladimirovnaZ"},
    {"name": "mfa-russia-en", "platform": "mastodon", "handle": "mfa_russia_en"},
    {"name": "mppre-feed", "platform": "rss", "url": "https://mppre.gob.ve/feed/"},
]


def samples() -> list[dict[str, Any]]:
    return list(json.loads((TESTDATA / "posts.json").read_text("utf-8")))


def make_settings(data_dir: Path, **digest: Any) -> Settings:
    config: dict[str, Any] = {
        "monitor": {"data_dir": str(data_dir), "timezone": "America/Caracas"},
        "digest": {
            "delivery": "file",
            "to": ["analysts@example.org"],
            "from": "monitor@example.org",
            **digest,
        },
        "sources": SOURCES,
    }
    return parse_settings(config, Path("test.toml"))


def item_of(sample: dict[str, Any], text: str | None = None) -> Item:
    return Item(
        platform=sample["platform"],
        native_id=sample["native_id"],
        author=Author(**sample["author"]),
        text=text if text is not None else sample["text"],
        url=sample.get("url"),
        published_at=parse_time(sample["published_at"]),
        kind=sample.get("kind", "post"),
        title=sample.get("title"),
        hashtags=tuple(sample.get("hashtags", ())),
        mentions=tuple(sample.get("mentions", ())),
        media=tuple(Media(**m) for m in sample.get("media", ())),
    )


def add_post(
    store: Store,
    sample: dict[str, Any],
    collected_at: datetime,
    *,
    text: str | None = None,
    ready: bool = True,
) -> PostRecord:
    """Collect `sample` (again, if `text` changes it) and, with `ready`, enrich and publish it."""
    item = item_of(sample, text)
    store.save_fetch(
        sample["source"], sample["platform"], [item], SourceState(), collected_at=collected_at
    )
    revision = int(query(store, "SELECT revision FROM posts WHERE id = ?", (item.id,))[0][0])
    # The sample's statement: the id of its statement's first post (its own id by default).
    statement = sample.get("statement") or item.id
    store.assign_statements([(item.id, statement)])
    status = sample.get("status", "not_needed")
    record = build_record(
        item,
        source=sample["source"],
        revision=revision,
        collected_at=collected_at,
        language=Language(sample.get("language", "und"), sample.get("confidence", 0.99)),
        translation=Translation(
            status=status,
            text=sample.get("translation") if status == "translated" else None,
            source=sample.get("language"),
            target="en",
            engine="argos" if status == "translated" else None,
            model=f"translate-{sample.get('language')}_en-1.9" if status == "translated" else None,
        ),
        statement_id=str(
            query(store, "SELECT statement_id FROM posts WHERE id = ?", (item.id,))[0][0]
        ),
    )
    if ready:
        store.mark_ready([record])
    return record


def seed(store: Store, shift: timedelta = timedelta(0)) -> list[PostRecord]:
    """Every sample, collected 3 minutes after it was published (moved by `shift`)."""
    records = []
    for sample in samples():
        collected = parse_time(sample["published_at"]) + shift + timedelta(minutes=3)
        record = add_post(store, sample, collected)
        if "edited_text" in sample:
            record = add_post(
                store, sample, collected + timedelta(minutes=20), text=sample["edited_text"]
            )
        records.append(record)
    return records


def add_failure(store: Store, source: str, at: datetime, message: str) -> None:
    """A failed poll at `at` (record_failure always stamps the current time)."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO source_events (source, at, ok, kind, message) VALUES (?, ?, 0, 'http', ?)",
            (source, format_time(at), message),
        )
