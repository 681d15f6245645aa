"""The X API v2 adapter against a real HTTP server on 127.0.0.1 serving v2-shaped JSON."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from monitor.config import SourceSettings
from monitor.errors import AuthError, FetchError, NotFound, ParseError, RateLimited
from monitor.sources.base import SourceState
from monitor.sources.http import HttpClient
from monitor.sources.x import XSource
from monitor.sources.x_tweets import tweet_item
from monitor.store import Store
from tests.support.httpserver import LocalServer, Reply, Request

DATA = Path(__file__).parent / "testdata" / "x"
JSON = {"Content-Type": "application/json; charset=utf-8"}
TOKEN = "AAAAAAAAAAAAAAAAAAAAAMonitorTestToken%3Dsecret"
USER = "/2/users/by/username/CancilleriaVE"
TIMELINE = "/2/users/1316781476/tweets"
KNOWN = SourceState(cursor="1543960000000000005", extra={"user_id": "1316781476", "name": "x"})


def body(name: str) -> bytes:
    return (DATA / name).read_bytes()


def settings(server: LocalServer, **extra: object) -> SourceSettings:
    values: dict[str, object] = {
        "name": "cancilleria-ve-x",
        "platform": "x",
        "handle": "CancilleriaVE",
        "token_env": "X_BEARER_TOKEN",
        "base_url": server.base_url,
    }
    return SourceSettings.model_validate({**values, **extra})


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)


def serve_timeline(server: LocalServer, headers: dict[str, str] | None = None) -> None:
    def timeline(request: Request) -> Reply:
        if request.arg("since_id") == KNOWN.cursor:
            return Reply(body=body("timeline-new.json"), headers=JSON)
        page = "timeline-page2.json" if request.arg("pagination_token") else "timeline-page1.json"
        return Reply(body=body(page), headers={**JSON, **(headers or {})})

    server.route(USER, Reply(body=body("user.json"), headers=JSON))
    server.route(TIMELINE, timeline)


async def test_first_run_reads_pages_and_normalises_tweets(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve_timeline(http_server)
    result = await XSource(settings(http_server), http).fetch(SourceState())
    items = {item.id: item for item in result.items}
    assert list(items) == [
        "x:1543960000000000005",
        "x:1543955000000000004",
        "x:1543952000000000003",
        "x:1543940000000000002",
        "x:1543930000000000001",
    ]
    assert result.state.cursor == "1543960000000000005"
    assert result.state.extra["user_id"] == "1316781476" and result.requests == 3
    assert http_server.hits(USER)[0].headers["authorization"] == f"Bearer {TOKEN}"
    fields = http_server.hits(TIMELINE)[0].arg("tweet.fields") or ""
    assert {"note_tweet", "entities", "referenced_tweets", "edit_history_tweet_ids"} <= set(
        fields.split(",")
    )

    retweet = items["x:1543960000000000005"]
    assert retweet.kind == "repost" and retweet.refs.repost_of == "x:1543950000000000001"
    assert retweet.text.endswith("de la agenda de cooperación de ambas naciones.")
    assert "RT @" not in retweet.text and "t.co" not in retweet.text
    assert retweet.mentions == ("Fariacrt",)
    assert retweet.media[0].type == "video" and retweet.media[0].url.endswith("high.mp4")
    assert retweet.url == "https://x.com/CancilleriaVE/status/1543960000000000005"

    long = items["x:1543955000000000004"]
    assert "Texto completo: https://mppre.gob.ve/comunicado/2022-07-04-rusia/" in long.text
    assert long.text.endswith("#VenezuelaRusia") and "…" not in long.text
    assert long.links == ("https://mppre.gob.ve/comunicado/2022-07-04-rusia/",)
    assert long.hashtags == ("VenezuelaRusia",)

    photos = items["x:1543952000000000003"]
    assert photos.text.endswith("🇻🇪🤝🏾🇷🇺 & más.")
    assert photos.hashtags == ("EnFotos", "Moscú") and photos.mentions == ("Fariacrt",)
    assert [m.type for m in photos.media] == ["photo", "photo"] and photos.links == ()
    assert photos.kind == "post" and photos.lang_hint == "es"
    assert photos.published_at is not None
    assert photos.published_at.isoformat() == "2022-07-04T13:12:00+00:00"
    assert photos.author.name == "Cancillería Venezuela 🇻🇪"

    reply = items["x:1543940000000000002"]
    assert reply.kind == "reply" and reply.refs.reply_to == "x:1543930000000000001"
    assert reply.text.endswith("https://mppre.gob.ve/2022/07/04/cooperacion-venezuela-rusia/")

    quote = items["x:1543930000000000001"]
    assert quote.kind == "quote" and quote.refs.quote_of == "x:1543900000000000000"
    assert [m.type for m in quote.media] == ["poll"]


async def test_backfill_limit_stops_paging(http_server: LocalServer, http: HttpClient) -> None:
    serve_timeline(http_server)
    result = await XSource(settings(http_server, backfill=2), http).fetch(SourceState())
    assert len(result.items) == 2 and len(http_server.hits(TIMELINE)) == 1
    assert http_server.hits(TIMELINE)[0].arg("max_results") == "5"
    assert result.state.cursor == "1543960000000000005"
    assert http_server.hits(TIMELINE)[0].arg("start_time") is None


async def test_max_age_asks_only_for_recent_posts(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve_timeline(http_server)
    result = await XSource(settings(http_server, max_age="2d"), http).fetch(SourceState())
    start = http_server.hits(TIMELINE)[0].arg("start_time") or ""
    assert start.endswith("Z") and start[:4] >= "2024"
    assert result.items == [] and result.state.cursor == "1543960000000000005"


async def test_incremental_run_reads_since_cursor_and_edit_keeps_first_id(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    serve_timeline(http_server)
    source = XSource(settings(http_server), http)
    first = await source.fetch(SourceState())
    store.save_fetch("cancilleria-ve-x", "x", first.items, first.state)

    second = await source.fetch(store.source_state("cancilleria-ve-x"))
    assert not http_server.hits(USER)[1:]
    assert http_server.hits(TIMELINE)[-1].arg("since_id") == "1543960000000000005"
    edited = next(i for i in second.items if i.id == "x:1543952000000000003")
    assert edited.url == "https://x.com/CancilleriaVE/status/1543990000000000008"
    assert "@Fariacrt, y de la Federación" in edited.text
    hashtags_only = next(i for i in second.items if i.id == "x:1543980000000000007")
    assert hashtags_only.lang_hint is None
    assert second.state.cursor == "1543990000000000008"
    saved = store.save_fetch("cancilleria-ve-x", "x", second.items, second.state)
    assert (saved.new, saved.updated) == (1, 1)


async def test_missing_token_is_a_clear_auth_error_without_a_request(
    http_server: LocalServer, http: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN")
    with pytest.raises(AuthError, match="X_BEARER_TOKEN is not set; export it"):
        await XSource(settings(http_server), http).fetch(SourceState())
    assert http_server.requests == []


async def test_rejected_token_names_the_variable_not_the_token(
    http_server: LocalServer, http: HttpClient
) -> None:
    problem = b'{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}'
    http_server.route(USER, Reply(401, problem, JSON))
    with pytest.raises(AuthError) as caught:
        await XSource(settings(http_server), http).fetch(SourceState())
    assert "X_BEARER_TOKEN" in str(caught.value) and "401" in str(caught.value)
    assert TOKEN not in str(caught.value) and len(http_server.requests) == 1


async def test_unknown_account_is_not_found(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route(
        "/2/users/by/username/NoSuchMinistry", Reply(body=body("user-unknown.json"), headers=JSON)
    )
    with pytest.raises(NotFound, match="@NoSuchMinistry was not found"):
        await XSource(settings(http_server, handle="NoSuchMinistry"), http).fetch(SourceState())


async def test_429_waits_until_the_reset(http_server: LocalServer, http: HttpClient) -> None:
    reset = int(time.time()) + 600
    http_server.route(
        TIMELINE,
        Reply(429, b'{"title":"Too Many Requests"}', {**JSON, "x-rate-limit-reset": str(reset)}),
    )
    with pytest.raises(RateLimited) as caught:
        await XSource(settings(http_server), http).fetch(KNOWN)
    assert caught.value.retry_after is not None and 590 < caught.value.retry_after <= 600


async def test_used_up_budget_keeps_a_gap_and_fills_it_after_the_reset(
    http_server: LocalServer, http: HttpClient
) -> None:
    reset = int(time.time()) + 900
    limits = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
    serve_timeline(http_server, headers=limits)
    source = XSource(settings(http_server), http)
    state = SourceState(cursor="1543920000000000000", extra=KNOWN.extra)
    first = await source.fetch(state)
    assert len(first.items) == 3 and len(http_server.hits(TIMELINE)) == 1
    assert first.state.cursor == "1543960000000000005"
    assert first.state.extra["gap"] == "1543920000000000000:1543952000000000003"

    with pytest.raises(RateLimited) as caught:
        await source.fetch(first.state)
    assert caught.value.retry_after is not None and caught.value.retry_after > 800
    assert len(http_server.hits(TIMELINE)) == 1

    serve_timeline(http_server)
    after_reset = first.state.with_extra(rate_reset=str(int(time.time()) - 1))
    second = await source.fetch(after_reset)
    gap_read = http_server.hits(TIMELINE)[1]
    assert gap_read.arg("since_id") == "1543920000000000000"
    assert gap_read.arg("until_id") == "1543952000000000003"
    assert "gap" not in second.state.extra and "rate_reset" not in second.state.extra


async def test_server_error_and_malformed_body(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route(TIMELINE, Reply(500, b"", JSON))
    with pytest.raises(FetchError, match="HTTP 500"):
        await XSource(settings(http_server), http).fetch(KNOWN)
    http_server.route(TIMELINE, Reply(body=b'{"data": [{"id": "1", "te', headers=JSON))
    with pytest.raises(ParseError, match="not valid JSON"):
        await XSource(settings(http_server), http).fetch(KNOWN)
    http_server.route(TIMELINE, Reply(body=b"[]", headers=JSON))
    with pytest.raises(ParseError):
        await XSource(settings(http_server), http).fetch(KNOWN)


async def test_empty_timeline_keeps_the_cursor(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route(TIMELINE, Reply(body=body("timeline-empty.json"), headers=JSON))
    result = await XSource(settings(http_server), http).fetch(KNOWN)
    assert result.items == [] and result.state.cursor == KNOWN.cursor


def test_retweet_of_a_hidden_post_keeps_the_retweet_text() -> None:
    retweet = {
        "id": "1543970000000000006",
        "text": "RT @mid_rf: Сергей Лавров провёл переговоры с К.Фарией &gt; https://t.co/AbCdEf1234",
        "created_at": "2022-07-04T14:10:00.000Z",
        "lang": "ru",
        "referenced_tweets": [{"type": "retweeted", "id": "1543900000000000000"}],
        "entities": {
            "mentions": [{"start": 3, "end": 10, "username": "mid_rf"}],
            "urls": [
                {
                    "url": "https://t.co/AbCdEf1234",
                    "expanded_url": "https://mid.ru/ru/foreign_policy/news/1820474/",
                }
            ],
        },
    }
    item = tweet_item(retweet, {}, "CancilleriaVE")
    assert item.kind == "repost" and item.refs.repost_of == "x:1543900000000000000"
    assert item.text == (
        "RT @mid_rf: Сергей Лавров провёл переговоры с К.Фарией > "
        "https://mid.ru/ru/foreign_policy/news/1820474/"
    )
    assert item.mentions == ("mid_rf",) and item.lang_hint == "ru"
