"""The Telegram web-preview adapter against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import SourceSettings
from monitor.errors import ConfigError, FetchError, NotFound, ParseError, RateLimited
from monitor.pipeline import collect
from monitor.sources.base import SourceState
from monitor.sources.http import HttpClient
from monitor.sources.telegram import UNSUPPORTED_NOTE, TelegramSource, channel_name
from monitor.store import Store
from tests.support.httpserver import LocalServer, Reply, Request
from tests.support.store import query

DATA = Path(__file__).parent / "testdata" / "telegram"
HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGES = {None: "page-newest.html", "4201": "page-4201.html", "4195": "page-4195.html"}


def page(name: str) -> str:
    return (DATA / name).read_text("utf-8")


def settings(base_url: str, **extra: object) -> SourceSettings:
    return SourceSettings.model_validate(
        {
            "name": "mid-russia-telegram",
            "platform": "telegram",
            "handle": "MID_Russia",
            "base_url": base_url,
            **extra,
        }
    )


def serve_channel(server: LocalServer, pages: dict[str | None, str] | None = None) -> None:
    bodies = {key: page(name) for key, name in (pages or PAGES).items()}

    def handler(request: Request) -> Reply:
        body = bodies.get(request.arg("before"))
        if body is None:
            return Reply(body=page("page-4195.html").split("<div")[0] + "</html>", headers=HTML)
        return Reply(body=body, headers=HTML)

    server.route("/s/MID_Russia", handler)


async def test_first_run_pages_back_through_the_whole_preview(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve_channel(http_server)
    result = await TelegramSource(settings(http_server.base_url), http).fetch(SourceState())
    assert result.requests == 3 and result.state.cursor == "4210"
    assert [r.arg("before") for r in http_server.hits("/s/MID_Russia")] == [None, "4201", "4195"]
    numbers = [int(item.native_id.split("/")[1]) for item in result.items]
    assert numbers == sorted(numbers) and 4207 not in numbers  # the service message
    assert numbers[0] == 4190 and numbers[-1] == 4210 and len(numbers) == 16
    items = {item.id: item for item in result.items}

    talks = items["telegram:MID_Russia/4201"]
    assert talks.url == "https://t.me/MID_Russia/4201"
    assert talks.text.startswith("🇷🇺🇻🇪 4 июля С.В.Лавров провёл переговоры")
    assert "\n\nМинистры обсудили" in talks.text
    assert "🔗 https://mid.ru/ru/foreign_policy/news/1820474/" in talks.text
    assert talks.links == ("https://mid.ru/ru/foreign_policy/news/1820474/",)
    assert talks.hashtags == ("РоссияВенесуэла",) and talks.mentions == ("Fariacrt",)
    assert talks.published_at is not None
    assert talks.published_at.isoformat() == "2022-07-04T09:12:00+00:00"
    assert talks.author.name == "МИД России 🇷🇺" and talks.author.url == "https://t.me/MID_Russia"
    assert (talks.kind, talks.lang_hint) == ("post", None)

    album = items["telegram:MID_Russia/4202"]
    assert [m.url for m in album.media] == [
        "https://cdn4.telesco.pe/file/Lavrov-Faria-1.jpg",
        "https://cdn4.telesco.pe/file/Lavrov-Faria-2.jpg",
    ]
    forwarded = items["telegram:MID_Russia/4204"]
    assert forwarded.kind == "repost"
    assert forwarded.refs.repost_of == "telegram:EmbajadaRusaVen/1532"
    assert forwarded.text.startswith("🇷🇺🇻🇪 Los Cancilleres de Venezuela, @Fariacrt")
    assert forwarded.hashtags == ("Moscú",)
    reply = items["telegram:MID_Russia/4205"]
    assert (reply.kind, reply.refs.reply_to) == ("reply", "telegram:MID_Russia/4201")
    assert "Лавров провёл" not in reply.text  # the quoted message is not part of the reply
    video = items["telegram:MID_Russia/4208"]
    assert video.media[0].type == "video" and video.media[0].url.endswith("4208.mp4?token=abc")
    assert "https://mid.ru/ru/press_service/minister_speeches/1820475/" in video.links
    poll = items["telegram:MID_Russia/4209"]
    assert poll.text.splitlines() == [
        "Какую тему брифинга М.В.Захаровой вы считаете главной?",
        "• Россия – Венесуэла",
        "• Санкции",
    ]
    assert [m.type for m in poll.media] == ["poll"]
    document = items["telegram:MID_Russia/4210"]
    assert [m.type for m in document.media] == ["document", "link"]
    assert document.links == ("https://mid.ru/ru/foreign_policy/news/1820480/",)


async def test_unsupported_media_is_kept_with_a_note(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve_channel(http_server)
    result = await TelegramSource(settings(http_server.base_url, backfill=5), http).fetch(
        SourceState()
    )
    unsupported = next(i for i in result.items if i.native_id == "MID_Russia/4206")
    assert unsupported.text == UNSUPPORTED_NOTE
    assert [(m.type, m.url) for m in unsupported.media] == [
        ("unsupported", "https://t.me/MID_Russia/4206")
    ]


async def test_first_run_stops_at_the_backfill_limit(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve_channel(http_server)
    result = await TelegramSource(settings(http_server.base_url, backfill=5), http).fetch(
        SourceState()
    )
    assert result.requests == 1
    assert [i.native_id for i in result.items] == [
        f"MID_Russia/{n}" for n in (4205, 4206, 4208, 4209, 4210)
    ]


async def test_max_age_keeps_nothing_old_but_remembers_the_position(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve_channel(http_server)
    result = await TelegramSource(settings(http_server.base_url, max_age="1d"), http).fetch(
        SourceState()
    )
    assert (result.items, result.requests, result.state.cursor) == ([], 1, "4210")


async def test_incremental_runs_return_new_and_edited_posts(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    serve_channel(http_server)
    source = TelegramSource(settings(http_server.base_url), http)
    first = await collect(source, store)
    assert (first.status, first.new, first.requests) == ("ok", 16, 3)

    http_server.route("/s/MID_Russia", Reply(body=page("page-newer.html"), headers=HTML))
    second = await collect(source, store)
    assert (second.status, second.new, second.updated, second.requests) == ("ok", 1, 1, 1)
    assert store.source_state("mid-russia-telegram").cursor == "4211"
    rows = query(
        store, "SELECT revision, item FROM posts WHERE id = ?", ("telegram:MID_Russia/4205",)
    )
    assert rows[0]["revision"] == 2 and "опубликован на сайте МИД: mid.ru" in rows[0]["item"]
    third = await collect(source, store)  # the very same page: not even parsed
    assert (third.status, third.new, third.updated, third.requests) == ("not_modified", 0, 0, 1)


async def test_incremental_run_pages_back_to_the_cursor(
    http_server: LocalServer, http: HttpClient
) -> None:
    serve_channel(http_server)
    source = TelegramSource(settings(http_server.base_url), http)
    result = await source.fetch(SourceState(cursor="4196"))
    assert result.requests == 2
    numbers = [int(i.native_id.split("/")[1]) for i in result.items]
    assert numbers == [4198, 4199, 4200, 4201, 4202, 4204, 4205, 4206, 4208, 4209, 4210]


async def test_unknown_channel_is_not_found(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route("/s/NoSuchMinistry", Reply(302, headers={"Location": "/NoSuchMinistry"}))
    http_server.route("/NoSuchMinistry", Reply(body=page("not-found.html"), headers=HTML))
    source = TelegramSource(settings(http_server.base_url, handle="@NoSuchMinistry"), http)
    with pytest.raises(NotFound, match=r"NoSuchMinistry.*shows no public messages"):
        await source.fetch(SourceState())


@pytest.mark.parametrize(
    ("reply", "error", "words"),
    [
        (Reply(429, "slow", {"Retry-After": "90"}), RateLimited, "retry after 90s"),
        (Reply(500, "oops"), FetchError, "HTTP 500"),
        (Reply(404, "gone"), NotFound, "HTTP 404"),
        (Reply(body='{"ok": true}', headers=HTML), ParseError, "not a Telegram web preview"),
        (
            Reply(
                body='<section class="tgme_channel_history"><div class="tgme_widget_message"'
                ' data-post="MID_Russia/x"></div></section>',
                headers=HTML,
            ),
            ParseError,
            "carries a post id",
        ),
    ],
    ids=["429", "500", "404", "json", "no-ids"],
)
async def test_errors(
    http_server: LocalServer,
    http: HttpClient,
    reply: Reply,
    error: type[Exception],
    words: str,
) -> None:
    http_server.route("/s/MID_Russia", reply)
    with pytest.raises(error, match=words) as raised:
        await TelegramSource(settings(http_server.base_url), http).fetch(SourceState())
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 90.0


def test_channel_names() -> None:
    assert channel_name("@MID_Russia") == "MID_Russia"
    assert channel_name("https://t.me/s/MID_Russia/") == "MID_Russia"
    with pytest.raises(ConfigError, match="not a Telegram channel name"):
        channel_name("MID Russia")
