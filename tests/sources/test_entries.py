"""Hostile entries: one bad entry costs only itself, deep JSON is a parse error, and no link
or media URL that is not http(s) reaches a record."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from monitor.config import SourceSettings
from monitor.errors import ParseError
from monitor.pipeline import collect
from monitor.record import Author, Item, Media
from monitor.sources.base import SourceState
from monitor.sources.bluesky import BlueskySource
from monitor.sources.bluesky_posts import feed_item
from monitor.sources.entries import http_only, http_url, map_entries
from monitor.sources.http import HttpClient
from monitor.sources.mastodon import MastodonSource
from monitor.sources.mastodon_status import status_item
from monitor.sources.rss import RssSource, feed_items
from monitor.sources.telegram import parse_page
from monitor.sources.x import XSource
from monitor.sources.x_tweets import tweet_item
from monitor.store import Store
from tests.support.httpserver import LocalServer, Reply

DATA = Path(__file__).parent / "testdata"
JSON = {"Content-Type": "application/json"}
RSS = {"Content-Type": "application/rss+xml"}
HOSTILE = [
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "vbscript:msgbox",
    "//no-scheme.example/x",
    "https:no-host",
]
NESTED = "<div>" * 1000 + "deep" + "</div>" * 1000


def source(platform: str, server: LocalServer, **extra: object) -> SourceSettings:
    values: dict[str, object] = {
        "rss": {"url": server.url("/feed")},
        "x": {"handle": "CancilleriaVE", "token_env": "X_TEST_TOKEN"},
        "mastodon": {"handle": "CancilleriaVE@mastodon.social"},
        "bluesky": {"handle": "cancilleriave.bsky.social"},
    }[platform]
    return SourceSettings.model_validate(
        {"name": f"{platform}-src", "platform": platform, "base_url": server.base_url}
        | values
        | extra
    )


def rss_feed(*entries: str) -> bytes:
    items = "".join(
        f"<item><guid>g{n}</guid><title>Entry {n}</title><link>https://example.org/{n}</link>"
        f"<description>{body}</description></item>"
        for n, body in enumerate(entries)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        f"<link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def test_http_url_keeps_only_http_and_https() -> None:
    assert http_url(" https://example.org/a ") == "https://example.org/a"
    assert http_url("HTTP://example.org") == "HTTP://example.org"
    for value in [*HOSTILE, "", None, 42, "http://[broken"]:
        assert http_url(value) is None, value


def test_http_only_drops_every_other_scheme_from_an_item() -> None:
    item = Item(
        platform="rss",
        native_id="f/1",
        author=Author("f", url="javascript:alert(1)"),
        text="t",
        url="data:text/html,x",
        links=("https://ok.example/", *HOSTILE),
        media=(Media("photo", "https://ok.example/p.jpg"), Media("document", "file:///etc/passwd")),
    )
    clean = http_only(item)
    assert clean.links == ("https://ok.example/",)
    assert clean.media == (Media("photo", "https://ok.example/p.jpg"),)
    assert clean.url is None and clean.author.url is None


def test_a_failing_entry_is_skipped_counted_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def to_item(value: int) -> int | None:
        if value % 3 == 0:
            raise RecursionError("maximum recursion depth exceeded")
        return None if value == 4 else value * 10

    with caplog.at_level(logging.WARNING, "monitor.sources"):
        results, skipped = map_entries("my-feed", range(1, 10), to_item)
    assert results == [10, 20, 50, 70, 80] and skipped == 3
    (record,) = caplog.records
    assert "my-feed" in record.getMessage() and "skipped 3" in record.getMessage()
    assert "RecursionError" in record.getMessage()


async def test_a_deeply_nested_rss_entry_does_not_cost_the_others(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    feed = rss_feed("<p>first</p>", f"<![CDATA[{NESTED}]]>", "<p>last</p>")
    http_server.route("/feed", Reply(body=feed, headers=RSS))
    outcome = await collect(RssSource(source("rss", http_server), http), store)
    assert outcome.status == "ok", outcome.error
    stored = {post.item.title for post in store.posts_in_stage("collected", 10)}
    assert {"Entry 0", "Entry 2"} <= stored
    assert outcome.new == len(stored) and outcome.new + outcome.skipped == 3


def test_feed_items_skips_a_bad_entry_and_keeps_the_good_one() -> None:
    feed = rss_feed("<p>good</p>", f"<![CDATA[{NESTED}]]>")
    settings = SourceSettings.model_validate(
        {"name": "f", "platform": "rss", "url": "https://example.org/feed"}
    )
    items, skipped = feed_items(feed, RSS, "https://example.org/feed", settings)
    assert "Entry 0" in {i.title for i in items} and len(items) + skipped == 2


def _nested_embed(depth: int) -> dict[str, Any]:
    embed: dict[str, Any] = {"$type": "app.bsky.embed.images#view", "images": []}
    for _ in range(depth):
        embed = {"$type": "app.bsky.embed.recordWithMedia#view", "media": embed}
    return embed


def test_a_deeply_nested_bluesky_embed_is_not_followed() -> None:
    good = json.loads((DATA / "bluesky" / "feed-page1.json").read_bytes())["feed"][0]
    bad = json.loads(json.dumps(good))
    bad["post"]["embed"] = _nested_embed(5000)
    items, skipped = map_entries("bsky", [good, bad, good], feed_item)
    assert skipped == 0 and len(items) == 3 and items[1].media == ()


async def test_deeply_nested_json_is_a_parse_error_on_every_json_platform(
    http_server: LocalServer,
    http: HttpClient,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("X_TEST_TOKEN", "token")
    deep = Reply(body=b"[" * 100_000, headers=JSON)
    http_server.route("/2/users/1316781476/tweets", deep)
    http_server.route("/api/v1/accounts/42/statuses", deep)
    http_server.route("/xrpc/app.bsky.feed.getAuthorFeed", deep)
    sources = [
        (XSource(source("x", http_server), http), {"user_id": "1316781476"}),
        (MastodonSource(source("mastodon", http_server), http), {"account_id": "42"}),
        (BlueskySource(source("bluesky", http_server), http), {}),
    ]
    for adapter, extra in sources:
        with pytest.raises(ParseError, match="nested too deeply"):
            await adapter.fetch(SourceState(extra=extra))
        store.save_fetch(adapter.name, adapter.platform, [], SourceState(extra=extra))
        outcome = await collect(adapter, store)
        assert outcome.error_kind == "parse", outcome.error


def test_telegram_documents_locations_and_previews_keep_only_http_links() -> None:
    html = """<html><body><section class="tgme_channel_history js-message_history">
      <div class="tgme_widget_message js-widget_message" data-post="chan/5">
        <div class="tgme_widget_message_text js-message_text">hello
          <a href="javascript:alert(1)">click</a> <a href="https://ok.example/a">ok</a></div>
        <a class="tgme_widget_message_document_wrap" href="javascript:alert(1)">doc</a>
        <a class="tgme_widget_message_document_wrap" href="https://ok.example/doc.pdf">doc</a>
        <a class="tgme_widget_message_location_wrap" href="data:text/html,boom">map</a>
        <a class="tgme_widget_message_link_preview" href="file:///etc/passwd">preview</a>
        <a class="tgme_widget_message_link_preview" href="vbscript:msgbox">preview</a>
        <div class="tgme_widget_message_date"><time datetime="2024-01-01T00:00:00+00:00">
        </time></div>
      </div></section></body></html>"""
    (item,) = parse_page(html, "chan", "https://t.me/s/chan").items
    assert item.links == ("https://ok.example/a",)
    assert [m.url for m in item.media] == ["https://ok.example/doc.pdf"]


def test_mastodon_media_and_cards_keep_only_http_links() -> None:
    status = {
        "id": "1",
        "url": "https://mastodon.social/@a/1",
        "content": '<p>hi <a href="javascript:alert(1)">x</a></p>',
        "account": {"display_name": "A", "url": "javascript:alert(1)"},
        "media_attachments": [
            {"type": "image", "url": "javascript:alert(1)"},
            {"type": "image", "url": "", "remote_url": "data:image/png;base64,AAAA"},
            {"type": "video", "url": "https://files.example/v.mp4"},
        ],
        "card": {"url": "file:///etc/passwd"},
    }
    item = status_item(status, "mastodon.social", "a@mastodon.social")
    assert item.links == ()
    assert [m.url for m in item.media] == ["https://files.example/v.mp4"]
    assert item.author.url is None


def test_x_and_bluesky_links_keep_only_http() -> None:
    tweet = {
        "id": "1",
        "text": "see https://t.co/a and https://t.co/b",
        "entities": {
            "urls": [
                {"url": "https://t.co/a", "expanded_url": "javascript:alert(1)"},
                {"url": "https://t.co/b", "expanded_url": "https://ok.example/b"},
            ]
        },
    }
    assert tweet_item(tweet, {}, "someone").links == ("https://ok.example/b",)
    entry = {
        "post": {
            "uri": "at://did:plc:abc/app.bsky.feed.post/3k",
            "author": {"did": "did:plc:abc", "handle": "a.bsky.social"},
            "record": {
                "text": "link",
                "facets": [
                    {
                        "index": {"byteStart": 0, "byteEnd": 4},
                        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "file:/x"}],
                    }
                ],
            },
            "embed": {
                "$type": "app.bsky.embed.external#view",
                "external": {"uri": "javascript:alert(1)"},
            },
        }
    }
    item = feed_item(entry)
    assert item.links == () and item.media == ()


async def test_rss_links_and_enclosures_keep_only_http(
    http_server: LocalServer, http: HttpClient
) -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item>'
        b"<guid>g</guid><title>t</title><link>javascript:alert(1)</link>"
        b'<description>&lt;a href="data:text/html,x"&gt;x&lt;/a&gt; text</description>'
        b'<enclosure url="file:///etc/passwd" type="image/png" length="1"/>'
        b'<enclosure url="https://ok.example/p.png" type="image/png" length="1"/>'
        b"</item></channel></rss>"
    )
    http_server.route("/feed", Reply(body=feed, headers=RSS))
    result = await RssSource(source("rss", http_server), http).fetch(SourceState())
    (item,) = result.items
    assert item.url is None and all(link.startswith("http") for link in item.links)
    assert [m.url for m in item.media] == ["https://ok.example/p.png"]
