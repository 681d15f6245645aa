"""The Mastodon adapter against a real HTTP server on 127.0.0.1 serving Status entities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.config import SourceSettings
from monitor.errors import AuthError, ConfigError, FetchError, NotFound, ParseError, RateLimited
from monitor.sources.base import SourceState
from monitor.sources.http import HttpClient
from monitor.sources.mastodon import MastodonSource, parse_handle
from monitor.sources.mastodon_status import content_text
from monitor.store import Store
from tests.support.httpserver import LocalServer, Reply, Request

DATA = Path(__file__).parent / "testdata" / "mastodon"
JSON = {"Content-Type": "application/json; charset=utf-8"}
LOOKUP = "/api/v1/accounts/lookup"
STATUSES = "/api/v1/accounts/109245317640941234/statuses"
KNOWN = {"account_id": "109245317640941234"}


def body(name: str) -> bytes:
    return (DATA / name).read_bytes()


def settings(server: LocalServer, **extra: object) -> SourceSettings:
    values = {
        "name": "cancilleria-ve-mastodon",
        "platform": "mastodon",
        "handle": "CancilleriaVE@mastodon.social",
        "base_url": server.base_url,
    }
    return SourceSettings.model_validate({**values, **extra})


def serve(server: LocalServer) -> None:
    def statuses(request: Request) -> Reply:
        link = f'<{server.base_url}{STATUSES}?max_id={{}}>; rel="next"'
        if request.arg("min_id"):
            return Reply(body=body("statuses-later.json"), headers=JSON)
        if request.arg("max_id") == "110651000000000003":
            return Reply(
                body=body("statuses-page2.json"),
                headers={**JSON, "Link": link.format("110650000000000001")},
            )
        if request.arg("max_id") == "110650000000000001":
            return Reply(body=b"[]", headers=JSON)
        return Reply(
            body=body("statuses-page1.json"),
            headers={**JSON, "Link": link.format("110651000000000003")},
        )

    server.route(LOOKUP, Reply(body=body("account.json"), headers=JSON))
    server.route(STATUSES, statuses)


async def test_first_run_pages_back_and_makes_clean_items(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve(http_server)
    result = await MastodonSource(settings(http_server), http).fetch(SourceState())
    assert http_server.hits(LOOKUP)[0].arg("acct") == "CancilleriaVE@mastodon.social"
    assert [r.arg("max_id") for r in http_server.hits(STATUSES)] == [
        None,
        "110651000000000003",
        "110650000000000001",
    ]
    items = {item.id: item for item in result.items}
    assert len(items) == 5 and result.requests == 4
    assert result.state.cursor == "110652000000000005"
    assert result.state.extra["account_id"] == "109245317640941234"

    boost = items["mastodon:mastodon.social/110652000000000005"]
    assert boost.kind == "repost"
    assert boost.refs.repost_of == "https://masto.es/@Fariacrt/110651990000000001"
    assert boost.text.startswith("1/4 Nos reunimos con el canciller Serguéi Lavrov")
    assert boost.text.endswith("https://mppre.gob.ve/2022/07/04/faria-lavrov-moscu/")
    assert boost.url == "https://masto.es/@Fariacrt/110651990000000001"
    assert boost.media[0].type == "video"

    photos = items["mastodon:mastodon.social/110651500000000004"]
    assert photos.title == "Comunicado oficial"
    assert photos.text == (
        "#EnFotos | Los Cancilleres de Venezuela, @Fariacrt y la Federación de Rusia,"
        " Serguéi Lavrov, sostienen negociaciones en #Moscú 🇻🇪🤝🏾🇷🇺\n\nMás información:\n"
        "https://mppre.gob.ve/2022/07/04/cancilleres-venezuela-rusia-moscu/"
    )
    assert photos.hashtags == ("EnFotos", "Moscú", "venezuelarusia")
    assert photos.mentions == ("Fariacrt@masto.es",)
    assert photos.links == ("https://mppre.gob.ve/2022/07/04/cancilleres-venezuela-rusia-moscu/",)
    assert [m.type for m in photos.media] == ["photo"] and photos.lang_hint == "es"
    assert photos.author.name == "Cancillería Venezuela :flag_ve:"
    assert photos.url == "https://mastodon.social/@CancilleriaVE/110651500000000004"
    assert photos.published_at is not None
    assert photos.published_at.isoformat() == "2022-07-04T13:12:00+00:00"

    reply = items["mastodon:mastodon.social/110651000000000003"]
    assert reply.kind == "reply"
    assert reply.refs.reply_to == "mastodon:mastodon.social/110650000000000001"
    assert [m.type for m in reply.media] == ["poll"]

    quote = items["mastodon:mastodon.social/110650500000000002"]
    assert quote.kind == "quote"
    assert quote.refs.quote_of == "https://mastodon.ru/@MID_Russia/110650400000000009"
    assert "RE:" not in quote.text and "mastodon.ru" not in quote.text
    assert quote.links == ("https://mid.ru/ru/foreign_policy/news/1820000/",)


async def test_backfill_limit_asks_for_that_many(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve(http_server)
    result = await MastodonSource(settings(http_server, backfill=2), http).fetch(SourceState())
    assert len(result.items) == 2 and len(http_server.hits(STATUSES)) == 1
    assert http_server.hits(STATUSES)[0].arg("limit") == "2"


async def test_later_run_moves_forward_with_min_id_and_sees_edits(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    serve(http_server)
    source = MastodonSource(settings(http_server), http)
    first = await source.fetch(SourceState())
    store.save_fetch("cancilleria-ve-mastodon", "mastodon", first.items, first.state)
    assert first.state.extra["floor"] == "110650000000000001"

    second = await source.fetch(store.source_state("cancilleria-ve-mastodon"))
    request = http_server.hits(STATUSES)[-1]
    assert request.arg("min_id") == "110650000000000001" and request.arg("limit") == "40"
    assert len(http_server.hits(LOOKUP)) == 1
    assert sorted(item.id for item in second.items) == [
        "mastodon:mastodon.social/110651500000000004",
        "mastodon:mastodon.social/110653000000000006",
    ]
    assert second.state.cursor == "110653000000000006"
    saved = store.save_fetch("cancilleria-ve-mastodon", "mastodon", second.items, second.state)
    assert (saved.new, saved.updated) == (1, 1)

    third = await source.fetch(store.source_state("cancilleria-ve-mastodon"))
    assert [item.id for item in third.items] == []


async def test_full_pages_follow_link_prev_upwards(
    http_server: LocalServer, http: HttpClient
) -> None:
    template = json.loads(body("statuses-page2.json"))[0]

    def status(number: int) -> dict[str, Any]:
        return {**template, "id": str(110700000000000000 + number), "quote": None}

    def statuses(request: Request) -> Reply:
        low = int(request.arg("min_id") or 0) - 110700000000000000
        page = [status(n) for n in range(low + 1, min(low + 40, 90) + 1)][::-1]
        link = f'<{http_server.base_url}{STATUSES}?min_id={page[0]["id"]}>; rel="prev"'
        return Reply(body=json.dumps(page), headers={**JSON, "Link": link})

    http_server.route(STATUSES, statuses)
    state = SourceState(cursor="110700000000000000", extra=KNOWN)
    result = await MastodonSource(settings(http_server), http).fetch(state)
    assert len(result.items) == 90 and result.requests == 3
    assert result.state.cursor == "110700000000000090"
    assert result.state.extra["floor"] == "110700000000000080"


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("CancilleriaVE@mastodon.social", ("CancilleriaVE", "mastodon.social")),
        ("@mid_russia@Mastodon.RU", ("mid_russia", "mastodon.ru")),
        ("https://masto.es/@Fariacrt", ("Fariacrt", "masto.es")),
    ],
)
def test_handles(handle: str, expected: tuple[str, str]) -> None:
    assert parse_handle(handle) == expected


def test_a_handle_without_instance_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="user@instance"):
        parse_handle("CancilleriaVE")


def test_link_text_is_the_full_url_whatever_the_spans_show() -> None:
    markup = (
        '<p>Ver <a href="https://mid.ru/ru/foreign_policy/news/1820000/">'
        '<span class="invisible">https://</span><span class="ellipsis">mid.ru/ru/foreign_</span>'
        '<span class="invisible">policy/news/1820000/</span></a> y '
        '<a href="https://mid.ru/ru/">el sitio</a></p>'
    )
    text, links = content_text(markup)
    assert text == "Ver https://mid.ru/ru/foreign_policy/news/1820000/ y el sitio"
    assert links == ["https://mid.ru/ru/foreign_policy/news/1820000/", "https://mid.ru/ru/"]


async def test_unknown_account(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route(LOOKUP, Reply(404, b'{"error":"Record not found"}', JSON))
    with pytest.raises(NotFound, match=r"@CancilleriaVE@mastodon\.social was not found"):
        await MastodonSource(settings(http_server), http).fetch(SourceState())


async def test_instance_that_wants_a_token(
    http_server: LocalServer, http: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusal = b'{"error":"This API requires an authenticated user"}'
    http_server.route(LOOKUP, Reply(401, refusal, JSON))
    with pytest.raises(AuthError, match="token"):
        await MastodonSource(settings(http_server), http).fetch(SourceState())
    with pytest.raises(AuthError, match="MASTODON_TOKEN is not set"):
        await MastodonSource(settings(http_server, token_env="MASTODON_TOKEN"), http).fetch(
            SourceState()
        )
    monkeypatch.setenv("MASTODON_TOKEN", "mastodon-test-token")
    serve(http_server)
    await MastodonSource(settings(http_server, token_env="MASTODON_TOKEN"), http).fetch(
        SourceState()
    )
    assert http_server.hits(STATUSES)[0].headers["authorization"] == "Bearer mastodon-test-token"


async def test_rate_limit_server_error_and_malformed_body(
    http_server: LocalServer, http: HttpClient
) -> None:
    source = MastodonSource(settings(http_server), http)
    state = SourceState(cursor="110652000000000005", extra=KNOWN)
    limited = {**JSON, "Retry-After": "120", "X-RateLimit-Remaining": "0"}
    http_server.route(STATUSES, Reply(429, b'{"error":"Too many requests"}', limited))
    with pytest.raises(RateLimited) as caught:
        await source.fetch(state)
    assert caught.value.retry_after == 120
    http_server.route(STATUSES, Reply(500, b"", JSON))
    with pytest.raises(FetchError, match="HTTP 500"):
        await source.fetch(state)
    http_server.route(STATUSES, Reply(body=b'[{"id": "1", "content": "<p>cor', headers=JSON))
    with pytest.raises(ParseError, match="not valid JSON"):
        await source.fetch(state)
    http_server.route(STATUSES, Reply(body=b'{"error": "oops"}', headers=JSON))
    with pytest.raises(ParseError, match="JSON array"):
        await source.fetch(state)
