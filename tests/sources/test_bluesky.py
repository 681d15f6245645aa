"""The Bluesky adapter against a real HTTP server on 127.0.0.1 serving getAuthorFeed output."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import SourceSettings
from monitor.errors import AuthError, ConfigError, FetchError, NotFound, ParseError, RateLimited
from monitor.sources.base import SourceState
from monitor.sources.bluesky import BlueskySource, actor_of
from monitor.sources.bluesky_posts import rich_text
from monitor.sources.http import HttpClient
from monitor.store import Store
from tests.support.httpserver import LocalServer, Reply, Request

DATA = Path(__file__).parent / "testdata" / "bluesky"
JSON = {"Content-Type": "application/json; charset=utf-8"}
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
DID = "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"


def body(name: str) -> bytes:
    return (DATA / name).read_bytes()


def settings(server: LocalServer, **extra: object) -> SourceSettings:
    values = {
        "name": "cancilleria-ve-bluesky",
        "platform": "bluesky",
        "handle": "cancilleriave.bsky.social",
        "base_url": server.base_url,
    }
    return SourceSettings.model_validate({**values, **extra})


def serve(server: LocalServer, *, later: bool = False) -> None:
    def feed(request: Request) -> Reply:
        if later:
            return Reply(body=body("feed-later.json"), headers=JSON)
        page = "feed-page2.json" if request.arg("cursor") else "feed-page1.json"
        return Reply(body=body(page), headers=JSON)

    server.route(FEED, feed)


async def test_first_run_pages_and_normalises_posts(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve(http_server)
    result = await BlueskySource(settings(http_server), http).fetch(SourceState())
    hits = http_server.hits(FEED)
    assert [(r.arg("actor"), r.arg("cursor")) for r in hits] == [
        ("cancilleriave.bsky.social", None),
        ("cancilleriave.bsky.social", "2022-07-04T12:20:00.000Z"),
    ]
    items = {item.id: item for item in result.items}
    assert len(items) == 5 and result.requests == 2
    assert result.state.extra["did"] == DID
    assert result.state.cursor == "2022-07-04T14:05:11+00:00"

    repost = items[f"bluesky:{DID}/3jwrepost001"]
    assert repost.kind == "repost"
    assert repost.refs.repost_of == "bluesky:did:plc:q6gjnaw2blty4crticxkmujt/3jwfaria0001"
    assert repost.url == "https://bsky.app/profile/fariacrt.bsky.social/post/3jwfaria0001"
    assert repost.text.endswith(
        "Venezuela y Rusia. https://mppre.gob.ve/2022/07/04/faria-lavrov-moscu/"
    )
    assert repost.author.handle == "cancilleriave.bsky.social"
    assert repost.mentions == ("fariacrt.bsky.social",)
    assert [m.type for m in repost.media] == ["video"]
    assert repost.published_at is not None
    assert repost.published_at.isoformat() == "2022-07-04T14:05:11+00:00"

    photos = items[f"bluesky:{DID}/3jwfotos0002"]
    assert photos.kind == "post" and photos.text.endswith("#Moscú 🇻🇪🤝🏾🇷🇺")
    assert photos.hashtags == ("EnFotos", "Moscú", "VenezuelaRusia")
    assert photos.mentions == ("fariacrt.bsky.social",)
    assert [m.type for m in photos.media] == ["photo", "photo"]
    assert photos.url == "https://bsky.app/profile/cancilleriave.bsky.social/post/3jwfotos0002"
    assert photos.lang_hint == "es" and photos.author.name == "Cancillería Venezuela 🇻🇪"

    reply = items[f"bluesky:{DID}/3jwthrd0003"]
    assert reply.kind == "reply" and reply.refs.reply_to == f"bluesky:{DID}/3jwthrd0001"
    assert reply.lang_hint == "es"

    quote = items[f"bluesky:{DID}/3jwquote0004"]
    assert quote.kind == "quote"
    assert quote.refs.quote_of == "bluesky:did:plc:3kq7mid5russia2ofgmfpz4lx/3jwmidru0001"
    assert [m.type for m in quote.media] == ["photo"]

    russian = items[f"bluesky:{DID}/3jwrusia0005"]
    assert russian.lang_hint == "ru"
    assert russian.text.endswith("Подробнее: https://mid.ru/ru/foreign_policy/news/1820000/")
    assert russian.links == ("https://mid.ru/ru/foreign_policy/news/1820000/",)
    assert [m.type for m in russian.media] == ["link"]


async def test_backfill_limit(http_server: LocalServer, http: HttpClient) -> None:
    serve(http_server)
    result = await BlueskySource(settings(http_server, backfill=2), http).fetch(SourceState())
    assert len(result.items) == 2 and len(http_server.hits(FEED)) == 1
    assert http_server.hits(FEED)[0].arg("limit") == "2"
    assert result.state.cursor == "2022-07-04T14:05:11+00:00"


async def test_later_run_stops_at_the_cursor_and_ignores_the_pin(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    serve(http_server)
    source = BlueskySource(settings(http_server), http)
    first = await source.fetch(SourceState())
    store.save_fetch("cancilleria-ve-bluesky", "bluesky", first.items, first.state)
    serve(http_server, later=True)
    second = await source.fetch(store.source_state("cancilleria-ve-bluesky"))
    assert [item.id for item in second.items] == [f"bluesky:{DID}/3jwnuevo0006"]
    assert http_server.hits(FEED)[-1].arg("actor") == DID
    assert len(http_server.hits(FEED)) == 3
    assert second.state.cursor == "2022-07-04T16:00:00+00:00"
    third = await source.fetch(second.state)
    assert third.items == [] and third.state.cursor == second.state.cursor


def test_facets_use_utf8_byte_offsets() -> None:
    text = "Лавров 🇷🇺 #Россия mid.ru/ru/foreign_pol... @mid.ru"
    raw = text.encode()

    def span(needle: str) -> dict[str, int]:
        start = raw.index(needle.encode())
        return {"byteStart": start, "byteEnd": start + len(needle.encode())}

    facets = [
        {"index": span("@mid.ru"), "features": [{"$type": "app.bsky.richtext.facet#mention"}]},
        {
            "index": span("#Россия"),
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Россия"}],
        },
        {
            "index": span("mid.ru/ru/foreign_pol..."),
            "features": [
                {
                    "$type": "app.bsky.richtext.facet#link",
                    "uri": "https://mid.ru/ru/foreign_policy/",
                }
            ],
        },
        {"index": {"byteStart": 3, "byteEnd": 999}, "features": []},
    ]
    rich = rich_text(text, facets)
    assert rich.text == "Лавров 🇷🇺 #Россия https://mid.ru/ru/foreign_policy/ @mid.ru"
    assert rich.hashtags == ("Россия",) and rich.mentions == ("mid.ru",)
    assert rich.links == ("https://mid.ru/ru/foreign_policy/",)


@pytest.mark.parametrize(
    ("handle", "actor"),
    [
        ("@CancilleriaVE.bsky.social", "cancilleriave.bsky.social"),
        (DID, DID),
        ("https://bsky.app/profile/mid.ru/", "mid.ru"),
    ],
)
def test_actors(handle: str, actor: str) -> None:
    assert actor_of(handle) == actor


def test_bad_handle() -> None:
    with pytest.raises(ConfigError):
        actor_of("not a handle")


async def test_unknown_account_is_not_found(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route(FEED, Reply(400, body("profile-not-found.json"), JSON))
    with pytest.raises(NotFound, match="Profile not found"):
        await BlueskySource(settings(http_server), http).fetch(SourceState())


async def test_errors(http_server: LocalServer, http: HttpClient) -> None:
    source = BlueskySource(settings(http_server), http)
    state = SourceState(cursor="2022-07-04T14:05:11+00:00", extra={"did": DID})
    http_server.route(
        FEED, Reply(429, b'{"error":"RateLimitExceeded"}', {**JSON, "ratelimit-reset": "30"})
    )
    with pytest.raises(RateLimited) as caught:
        await source.fetch(state)
    assert caught.value.retry_after == 30
    http_server.route(FEED, Reply(401, b'{"error":"AuthMissing"}', JSON))
    with pytest.raises(AuthError, match="HTTP 401"):
        await source.fetch(state)
    http_server.route(FEED, Reply(502, b"", JSON))
    with pytest.raises(FetchError, match="HTTP 502"):
        await source.fetch(state)
    http_server.route(FEED, Reply(body=b'{"feed": [{"post": ', headers=JSON))
    with pytest.raises(ParseError, match="not valid JSON"):
        await source.fetch(state)
    http_server.route(FEED, Reply(body=b'{"cursor": "x"}', headers=JSON))
    with pytest.raises(ParseError, match="no feed"):
        await source.fetch(state)
