"""Property-based fuzzing of every adapter's parsing and mapping, without HTTP.

Seeds are the project's own fixtures, mutated (bytes flipped, cut, inserted, repeated;
JSON keys dropped, types changed, values nested deeply). The property: nothing but the
project's own errors comes out, every entry of a fixture-shaped document maps (none is
skipped), and each example finishes in bounded time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from monitor.config import SourceSettings
from monitor.errors import MonitorError
from monitor.sources.bluesky_posts import entry_key, feed_item, sort_time
from monitor.sources.common import as_dict, as_list, as_str, json_body, link_params
from monitor.sources.http import Response, rate_limit_wait
from monitor.sources.mastodon_status import status_item
from monitor.sources.rss import feed_items
from monitor.sources.telegram import Page, parse_page
from monitor.sources.x import _Run
from monitor.sources.x_tweets import tweet_item
from tests.support.fuzz import fuzz_settings

DATA = Path(__file__).parent / "testdata"
SECONDS_PER_EXAMPLE = 10.0
RSS_SEEDS = [p.read_bytes() for p in sorted((DATA / "rss").glob("*.xml"))]
TELEGRAM_SEEDS = [p.read_bytes() for p in sorted((DATA / "telegram").glob("page-*.html"))]
FEED_SETTINGS = SourceSettings.model_validate(
    {"name": "fuzz", "platform": "rss", "url": "https://example.org/feed"}
)
TOKENS = [
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#xD800;",
    b"&#99999999;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"</entry>",
    b'<link href="javascript:alert(1)"/>',
    b'<enclosure url="data:x" type="image/png"/>',
    b'<?xml version="1.0" encoding="utf-16"?>',
    b'<?xml version="1.0" encoding="no-such-charset"?>',
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"<div>" * 60,
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    b"&a;",
    b'<div class="tgme_widget_message" data-post="MID_Russia/\xc2\xb2">',
    b'<a class="tme_messages_more" data-before="\xd9\xa3">',
    b'<time datetime="2024-99-99T99:99:99">',
    b'style="background-image:url(javascript:x)"',
    b'<a class="tgme_widget_message_document_wrap" href="file:///etc/passwd">',
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=24),
    st.sampled_from(
        [
            "",
            "javascript:alert(1)",
            "data:text/html,x",
            "https://t.co/x",
            "at://did:plc:x/app.bsky.feed.post/3k",
            "2024-13-45T99:99:99Z",
            "2024-01-01T00:00:00Z",
            "0",
            "-1",
            "\u00b2",
            "app.bsky.embed.recordWithMedia#view",
            "app.bsky.feed.defs#reasonRepost",
            "retweeted",
        ]
    ),
)


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        operation = draw(st.sampled_from(["flip", "cut", "insert", "delete", "repeat"]))
        at = draw(st.integers(min_value=0, max_value=len(data)))
        if operation == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif operation == "cut":
            del data[at:]
        elif operation == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(max_size=16))
        elif operation == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=64))]
        elif operation == "repeat":
            data[at:at] = data[at : at + draw(st.integers(min_value=1, max_value=512))]
    return bytes(data)


TAGS = ["rss", "channel", "item", "feed", "entry", "title", "link", "description", "content"]
TAGS += ["summary", "guid", "id", "pubDate", "updated", "enclosure", "media:content", "author"]
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30).map(
    lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
)
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["href", "url", "type", "rel", "version", "xmlns", "length", "medium"]),
    st.sampled_from(["https://example.org/a", "javascript:x", "2.0", "image/png", "", "-1"]),
    max_size=3,
)


def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def render(tag: str, attributes: dict[str, str], body: list[str]) -> str:
        shown = "".join(f' {k}="{v}"' for k, v in attributes.items())
        return f"<{tag}{shown}>{''.join(body)}</{tag}>"

    return st.builds(render, st.sampled_from(TAGS), ATTRIBUTES, st.lists(children, max_size=4))


RANDOM_FEEDS = st.builds(
    lambda root: f'<?xml version="1.0" encoding="utf-8"?>{root}'.encode(),
    st.recursive(TEXT, element, max_leaves=30),
)


@st.composite
def mutated_json(draw: st.DrawFn, value: Any) -> Any:
    choice = draw(st.integers(min_value=0, max_value=24))
    if choice == 0:
        return draw(SCALARS)  # a value of another type
    if choice == 1:
        nested = value
        for level in range(draw(st.integers(min_value=1, max_value=3000))):
            nested = [nested] if level % 2 else {"$type": "x", "value": nested}
        return nested
    if choice == 2:
        return [] if isinstance(value, dict) else {}
    if isinstance(value, dict):
        result = {}
        for key, inner in value.items():
            if draw(st.integers(min_value=0, max_value=9)) == 0:
                continue  # a key dropped
            result[key] = draw(mutated_json(inner))
        return result
    if isinstance(value, list):
        return [draw(mutated_json(inner)) for inner in value]
    return value


def seed(platform: str, name: str) -> Any:
    return json.loads((DATA / platform / name).read_bytes())


def only_project_errors(call: Callable[[], object]) -> object:
    started = time.monotonic()
    try:
        return call()
    except MonitorError:
        return None
    finally:
        elapsed = time.monotonic() - started
        assert elapsed < SECONDS_PER_EXAMPLE, f"one example took {elapsed:.1f}s"


def check_feed(content: bytes) -> None:
    def parse() -> None:
        items, skipped = feed_items(
            content, {"content-type": "application/rss+xml"}, "https://example.org/f", FEED_SETTINGS
        )
        assert skipped == 0
        for item in items:
            assert all(link.startswith(("http://", "https://")) for link in item.links)

    only_project_errors(parse)


@fuzz_settings
@given(mutated_bytes(RSS_SEEDS))
@example(b'<?=?xml version="1.0" encoding="\x80utf-8"?>')
@example(b'<?=?xml version="1.0" encoding="\x00utf-8"?>')
def test_mutated_feeds(content: bytes) -> None:
    check_feed(content)


@fuzz_settings
@given(RANDOM_FEEDS)
def test_random_feeds(content: bytes) -> None:
    check_feed(content)


@fuzz_settings
@given(mutated_bytes(TELEGRAM_SEEDS))
def test_mutated_telegram_pages(content: bytes) -> None:
    html = content.decode("utf-8", errors="replace")
    page = only_project_errors(lambda: parse_page(html, "MID_Russia", "https://t.me/s/MID_Russia"))
    if isinstance(page, Page):
        assert page.skipped == 0


@fuzz_settings
@given(
    st.sampled_from(["timeline-page1.json", "timeline-page2.json", "timeline-new.json"]).flatmap(
        lambda name: mutated_json(seed("x", name))
    )
)
def test_mutated_x_timelines(body: Any) -> None:
    def mapping() -> None:
        run = _Run()
        run.add_includes(as_dict(as_dict(body).get("includes")))
        for tweet in as_list(as_dict(body).get("data")):
            if as_str(as_dict(tweet).get("id")):
                tweet_item(tweet, run.includes, "CancilleriaVE")

    only_project_errors(mapping)


MASTODON_STATUSES = [
    status
    for name in ("statuses-page1.json", "statuses-page2.json", "statuses-later.json")
    for status in seed("mastodon", name)
]
BLUESKY_ENTRIES = [
    entry
    for name in ("feed-page1.json", "feed-page2.json", "feed-later.json")
    for entry in seed("bluesky", name)["feed"]
]


@fuzz_settings
@given(st.sampled_from(MASTODON_STATUSES).flatmap(mutated_json))
def test_mutated_mastodon_statuses(status: Any) -> None:
    def mapping() -> None:
        # What the adapter passes on: objects with a string id.
        if isinstance(status, dict) and as_str(status.get("id")):
            status_item(status, "mastodon.social", "CancilleriaVE@mastodon.social")

    only_project_errors(mapping)


@fuzz_settings
@given(st.sampled_from(BLUESKY_ENTRIES).flatmap(mutated_json))
def test_mutated_bluesky_entries(entry: Any) -> None:
    def mapping() -> None:
        if isinstance(entry, dict):  # the adapter skips anything else
            sort_time(entry)
            entry_key(entry)
            feed_item(entry)

    only_project_errors(mapping)


@fuzz_settings
@given(
    st.one_of(
        st.binary(max_size=64),
        st.integers(min_value=1, max_value=200_000).map(lambda n: b"[" * n),
        st.integers(min_value=1, max_value=200_000).map(lambda n: b'{"a":' * n),
        mutated_bytes([(DATA / "x" / "timeline-page1.json").read_bytes()]),
    )
)
def test_json_bodies(content: bytes) -> None:
    response = Response(200, "https://example.org", {}, content)
    only_project_errors(lambda: json_body(response, "https://example.org"))


@fuzz_settings
@given(st.text(max_size=80), st.text(max_size=80))
def test_rate_limit_and_link_headers(value: str, link: str) -> None:
    for name in ("retry-after", "x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"):
        headers = {name: value}
        only_project_errors(lambda: rate_limit_wait(headers, now=1_700_000_000.0))  # noqa: B023
    only_project_errors(lambda: link_params(link))
