"""Fake platforms for the deletion rechecks: each serves its real lookup endpoint on 127.0.0.1.

`World` is what the platform currently says: which posts are gone, whether lookups fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.record import Author, Item
from tests.support.httpserver import LocalServer, Reply, Request

JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass
class World:
    gone: set[str] = field(default_factory=set)  # the ids (last part of native ids) deleted
    failing: int = 0  # an HTTP status every lookup answers with, 0 for none
    delay: float = 0.0
    feed_down: bool = False  # rss: the feed itself answers 503


@dataclass(frozen=True)
class Case:
    platform: str
    settings: Callable[[LocalServer], dict[str, Any]]
    items: Callable[[LocalServer, datetime], list[Item]]
    serve: Callable[[LocalServer, World], None]
    lookups: Callable[[LocalServer], int]
    ids: tuple[str, str]


def _failure(world: World) -> Reply | None:
    if world.failing:
        return Reply(world.failing, json.dumps({"error": "busy"}), JSON, delay=world.delay)
    if world.delay:
        return Reply(200, "{}", JSON, delay=world.delay)
    return None


# -- Mastodon ------------------------------------------------------------------

MASTODON_IDS = ("110652000000000005", "110652000000000004")


def _mastodon_items(server: LocalServer, now: datetime) -> list[Item]:
    return [
        Item(
            platform="mastodon",
            native_id=f"mastodon.social/{status}",
            author=Author("CancilleriaVE"),
            text=f"Comunicado {n}: nos reunimos con el canciller.",
            url=f"https://mastodon.social/@CancilleriaVE/{status}",
            published_at=now - timedelta(hours=n + 1),
        )
        for n, status in enumerate(MASTODON_IDS)
    ]


def _mastodon_serve(server: LocalServer, world: World) -> None:
    for status in MASTODON_IDS:

        def handler(request: Request, status: str = status) -> Reply:
            failed = _failure(world)
            if failed is not None:
                return failed
            if status in world.gone:
                return Reply(404, json.dumps({"error": "Record not found"}), JSON)
            return Reply(200, json.dumps({"id": status, "content": "<p>hola</p>"}), JSON)

        server.route(f"/api/v1/statuses/{status}", handler)


MASTODON = Case(
    "mastodon",
    lambda server: {
        "platform": "mastodon",
        "handle": "CancilleriaVE@mastodon.social",
        "base_url": server.base_url,
    },
    _mastodon_items,
    _mastodon_serve,
    lambda server: sum(1 for r in server.requests if r.path.startswith("/api/v1/statuses/")),
    MASTODON_IDS,
)


# -- Bluesky -------------------------------------------------------------------

DID = "did:plc:cancilleriave2024"
BLUESKY_IDS = ("3lbskyaaaaa2x", "3lbskyaaaaa1x")
GET_POSTS = "/xrpc/app.bsky.feed.getPosts"


def _bluesky_items(server: LocalServer, now: datetime) -> list[Item]:
    return [
        Item(
            platform="bluesky",
            native_id=f"{DID}/{rkey}",
            author=Author("cancilleriave.bsky.social"),
            text=f"Comunicado {n}.",
            url=f"https://bsky.app/profile/cancilleriave.bsky.social/post/{rkey}",
            published_at=now - timedelta(hours=n + 1),
        )
        for n, rkey in enumerate(BLUESKY_IDS)
    ]


def _bluesky_serve(server: LocalServer, world: World) -> None:
    def handler(request: Request) -> Reply:
        failed = _failure(world)
        if failed is not None:
            return failed
        uris = request.query.get("uris", [])
        posts = [
            {"uri": uri, "cid": "bafyrei", "record": {"text": "hola"}}
            for uri in uris
            if uri.rsplit("/", 1)[-1] not in world.gone
        ]
        return Reply(200, json.dumps({"posts": posts}), JSON)

    server.route(GET_POSTS, handler)


BLUESKY = Case(
    "bluesky",
    lambda server: {
        "platform": "bluesky",
        "handle": "cancilleriave.bsky.social",
        "base_url": server.base_url,
    },
    _bluesky_items,
    _bluesky_serve,
    lambda server: len(server.hits(GET_POSTS)),
    BLUESKY_IDS,
)


# -- Telegram ------------------------------------------------------------------

TELEGRAM_IDS = ("4201", "4200")
WIDGETS = Path(__file__).parent / "testdata" / "telegram"


def _telegram_items(server: LocalServer, now: datetime) -> list[Item]:
    return [
        Item(
            platform="telegram",
            native_id=f"MID_Russia/{number}",
            author=Author("MID_Russia"),
            text=f"Заявление {n}.",
            url=f"https://t.me/MID_Russia/{number}",
            published_at=now - timedelta(hours=n + 1),
        )
        for n, number in enumerate(TELEGRAM_IDS)
    ]


def _telegram_serve(server: LocalServer, world: World) -> None:
    for number in TELEGRAM_IDS:

        def handler(request: Request, number: str = number) -> Reply:
            failed = _failure(world)
            if failed is not None:
                return failed
            if number in world.gone:
                return Reply(200, (WIDGETS / "widget-not-found.html").read_bytes(), HTML)
            page = (WIDGETS / "widget-message.html").read_text("utf-8").replace("{id}", number)
            return Reply(200, page, HTML)

        server.route(f"/MID_Russia/{number}", handler)


TELEGRAM = Case(
    "telegram",
    lambda server: {"platform": "telegram", "handle": "MID_Russia", "base_url": server.base_url},
    _telegram_items,
    _telegram_serve,
    lambda server: sum(1 for r in server.requests if r.arg("embed") == "1"),
    TELEGRAM_IDS,
)


# -- X -------------------------------------------------------------------------

X_IDS = ("1544000000000000005", "1544000000000000004")
TOKEN_ENV = "MONITOR_TEST_X_TOKEN"


def _x_items(server: LocalServer, now: datetime) -> list[Item]:
    return [
        Item(
            platform="x",
            native_id=tweet,
            author=Author("CancilleriaVE"),
            text=f"Comunicado {n}.",
            url=f"https://x.com/CancilleriaVE/status/{tweet}",
            published_at=now - timedelta(hours=n + 1),
        )
        for n, tweet in enumerate(X_IDS)
    ]


def _x_serve(server: LocalServer, world: World) -> None:
    def handler(request: Request) -> Reply:
        failed = _failure(world)
        if failed is not None:
            return failed
        ids = (request.arg("ids") or "").split(",")
        body: dict[str, Any] = {
            "data": [{"id": i, "text": "hola"} for i in ids if i not in world.gone]
        }
        errors = [
            {
                "value": i,
                "detail": f"Could not find tweet with ids: [{i}].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": i,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
            for i in ids
            if i in world.gone
        ]
        if errors:
            body["errors"] = errors
        return Reply(200, json.dumps(body), JSON)

    server.route("/2/tweets", handler)


X = Case(
    "x",
    lambda server: {
        "platform": "x",
        "handle": "CancilleriaVE",
        "token_env": TOKEN_ENV,
        "base_url": server.base_url,
        "deletions": True,
    },
    _x_items,
    _x_serve,
    lambda server: len(server.hits("/2/tweets")),
    X_IDS,
)


# -- RSS -----------------------------------------------------------------------

RSS_IDS = ("comunicado-5", "comunicado-4")
FEED = Path(__file__).parent / "testdata" / "rss" / "mppre.xml"


def _rss_items(server: LocalServer, now: datetime) -> list[Item]:
    return [
        Item(
            platform="rss",
            native_id=f"rss-source/{slug}",
            author=Author("mppre"),
            text=f"Comunicado {n}.",
            url=server.url(f"/news/{slug}"),
            published_at=now - timedelta(hours=n + 1),
        )
        for n, slug in enumerate(RSS_IDS)
    ]


def _rss_serve(server: LocalServer, world: World) -> None:
    def feed(request: Request) -> Reply:  # the lookups (the links) fail, not the feed
        if world.feed_down:
            return Reply(503, "down for maintenance", {"Content-Type": "text/plain"})
        return Reply(200, FEED.read_bytes(), {"Content-Type": "application/rss+xml"})

    server.route("/feed.xml", feed)
    for n, slug in enumerate(RSS_IDS):

        def page(request: Request, slug: str = slug, status: int = (404, 410)[n]) -> Reply:
            failed = _failure(world)
            if failed is not None:
                return failed
            if slug in world.gone:
                return Reply(status, "<html>Not found</html>", HTML)
            return Reply(200, f"<html><h1>{slug}</h1></html>", HTML)

        server.route(f"/news/{slug}", page)


RSS = Case(
    "rss",
    lambda server: {"platform": "rss", "url": server.url("/feed.xml"), "deletions": True},
    _rss_items,
    _rss_serve,
    lambda server: sum(1 for r in server.requests if r.path.startswith("/news/")),
    RSS_IDS,
)
