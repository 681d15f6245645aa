"""The RSS/Atom adapter against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import SourceSettings
from monitor.pipeline import collect
from monitor.sources.base import SourceState
from monitor.sources.http import HttpClient
from monitor.sources.rss import RssSource
from monitor.store import Store
from tests.support.httpserver import LocalServer, Reply, Request, free_port
from tests.support.store import query

DATA = Path(__file__).parent / "testdata" / "rss"
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def source(url: str, name: str = "feed", **extra: object) -> SourceSettings:
    return SourceSettings.model_validate({"name": name, "platform": "rss", "url": url, **extra})


async def test_rss_entries_become_clean_items(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route("/feed", Reply(body=fixture("mppre.xml"), headers=RSS))
    result = await RssSource(source(http_server.url("/feed"), "mppre-feed"), http).fetch(
        SourceState()
    )
    items = {item.id: item for item in result.items}
    first = items["rss:mppre-feed/https://mppre.gob.ve/?p=101"]
    assert first.title == "Cancilleres de Venezuela y Rusia sostienen negociaciones en Moscú"
    assert first.text.startswith("#EnFotos | Los Cancilleres de Venezuela, @Fariacrt")
    assert "alert" not in first.text and "<" not in first.text
    assert "\n\n" in first.text
    assert first.hashtags == ("EnFotos", "Moscú")
    assert first.mentions == ("Fariacrt",)
    assert first.links[0] == "https://mppre.gob.ve/2022/07/04/cancilleres-venezuela-rusia-moscu/"
    assert "https://mppre.gob.ve/comunicados/" in first.links
    assert [m.type for m in first.media] == ["photo"]
    assert (
        first.published_at is not None
        and first.published_at.isoformat() == "2022-07-04T09:12:00+00:00"
    )
    assert first.author.name == "Prensa MPPRE" and first.lang_hint == "es"
    no_guid = items["rss:mppre-feed/https://mppre.gob.ve/2022/07/03/comunicado/"]
    assert no_guid.text.startswith("La República Bolivariana")


async def test_atom_feed_and_times(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route(
        "/atom",
        Reply(body=fixture("kremlin-atom.xml"), headers={"Content-Type": "application/atom+xml"}),
    )
    result = await RssSource(source(http_server.url("/atom")), http).fetch(SourceState())
    assert len(result.items) == 2
    call = result.items[0]
    assert call.text.startswith("Состоялся телефонный разговор")
    assert (
        call.published_at is not None
        and call.published_at.isoformat() == "2022-07-04T08:30:00+00:00"
    )
    assert "С.В.Лавров" in result.items[1].text


async def test_charset_from_xml_declaration_wins_over_missing_header(
    http_server: LocalServer, http: HttpClient
) -> None:
    http_server.route(
        "/cp1251", Reply(body=fixture("mid-cp1251.xml"), headers={"Content-Type": "text/xml"})
    )
    result = await RssSource(source(http_server.url("/cp1251")), http).fetch(SourceState())
    assert result.items[0].title == "Заявление МИД России"
    assert result.items[0].text.startswith("Министерство иностранных дел")


async def test_entry_without_guid_or_link_gets_a_stable_hash_id(
    http_server: LocalServer, http: HttpClient
) -> None:
    body = (
        '<rss version="2.0"><channel><title>t</title><item><title>Sin enlace</title>'
        "<description>Texto del comunicado oficial.</description></item></channel></rss>"
    )
    http_server.route("/nolink", Reply(body=body, headers=RSS))
    rss = RssSource(source(http_server.url("/nolink")), http)
    first = (await rss.fetch(SourceState())).items[0]
    again = (await rss.fetch(SourceState())).items[0]
    assert first.id == again.id and first.id.startswith("rss:feed/sha256:")


async def test_conditional_get_and_revisions(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    body = {"feed": fixture("mppre.xml")}

    def serve(request: Request) -> Reply:
        etag = f'"v{hash(body["feed"]) & 0xFFFF}"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(
            body=body["feed"],
            headers={**RSS, "ETag": etag, "Last-Modified": "Mon, 04 Jul 2022 10:00:00 GMT"},
        )

    http_server.route("/feed", serve)
    rss = RssSource(source(http_server.url("/feed"), "mppre-feed"), http)
    first = await collect(rss, store)
    assert (first.status, first.new) == ("ok", 3)
    second = await collect(rss, store)
    assert (second.status, second.new, second.updated) == ("not_modified", 0, 0)
    assert http_server.hits("/feed")[-1].headers["if-none-match"].startswith('"v')
    assert (
        http_server.hits("/feed")[-1].headers["if-modified-since"]
        == "Mon, 04 Jul 2022 10:00:00 GMT"
    )

    body["feed"] = body["feed"].replace(b"para seguir afianzando", b"para afianzar")
    third = await collect(rss, store)
    assert (third.status, third.new, third.updated, third.unchanged) == ("ok", 0, 1, 2)
    row = query(
        store,
        "SELECT revision FROM posts WHERE id = ?",
        ("rss:mppre-feed/https://mppre.gob.ve/?p=100",),
    )
    assert row[0]["revision"] == 2


async def test_first_run_backfill_limit(http_server: LocalServer, http: HttpClient) -> None:
    http_server.route("/feed", Reply(body=fixture("mppre.xml"), headers=RSS))
    result = await RssSource(source(http_server.url("/feed"), backfill=2), http).fetch(
        SourceState()
    )
    assert [i.title for i in result.items] == [
        "Cancilleres de Venezuela y Rusia sostienen negociaciones en Moscú",
        "Canciller Faría se reúne con Serguéi Lavrov",
    ]


BAD_REPLIES = {
    "truncated": (Reply(body=fixture("truncated.xml"), headers=RSS), "parse", "truncated"),
    "html": (
        Reply(body=fixture("not-a-feed.html"), headers={"Content-Type": "text/html"}),
        "parse",
        "HTML page",
    ),
    "garbage": (Reply(body=b"\x00\x01\x02 garbage", headers=RSS), "parse", "not an RSS/Atom feed"),
    "huge": (Reply(body=b"<rss>" + b" " * (3 * 1024 * 1024), headers=RSS), "too_large", "cap"),
    "timeout": (Reply(body=fixture("mppre.xml"), headers=RSS, delay=3.0), "timeout", "timed out"),
    "404": (Reply(404, "gone"), "not_found", "HTTP 404"),
    "410": (Reply(410, "gone"), "not_found", "HTTP 410"),
    "429": (Reply(429, "slow down", {"Retry-After": "120"}), "rate_limited", "retry after 120s"),
    "500": (Reply(500, "oops"), "http", "HTTP 500"),
    "503": (Reply(503, "later", {"Retry-After": "30"}), "http", "HTTP 503"),
}


@pytest.mark.parametrize("case", sorted(BAD_REPLIES))
async def test_bad_input_is_a_recorded_error_and_the_next_good_fetch_resumes(
    case: str, http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    reply, kind, words = BAD_REPLIES[case]
    http_server.route("/bad", reply)
    http_server.route("/good", Reply(body=fixture("kremlin-atom.xml"), headers=RSS))
    bad = RssSource(source(http_server.url("/bad"), "bad"), http)
    good = RssSource(source(http_server.url("/good"), "good"), http)
    outcome = await collect(bad, store)
    assert outcome.status == "error" and outcome.error_kind == kind
    assert words in (outcome.error or "")
    if case in ("429", "503"):
        assert outcome.retry_after == (120.0 if case == "429" else 30.0)
    assert (await collect(good, store)).new == 2
    again = await collect(bad, store)
    assert again.consecutive_errors == 2
    http_server.route("/bad", Reply(body=fixture("mppre.xml"), headers=RSS))
    healed = await collect(bad, store)
    assert (healed.status, healed.new) == ("ok", 3)
    status = {s.name: s for s in store.source_statuses()}["bad"]
    assert status.consecutive_errors == 0 and status.last_success is not None


@pytest.fixture
def resetting_server() -> Iterator[str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(1024)
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
    stop.set()
    thread.join()
    listener.close()


async def test_connection_reset_and_refused(
    resetting_server: str, http: HttpClient, store: Store
) -> None:
    outcome = await collect(RssSource(source(resetting_server, "reset"), http), store)
    assert (outcome.status, outcome.error_kind) == ("error", "connection")
    refused = await collect(
        RssSource(source(f"http://127.0.0.1:{free_port()}/feed", "refused"), http), store
    )
    assert (refused.status, refused.error_kind) == ("error", "connection")
