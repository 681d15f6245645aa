"""Deletion rechecks against real local HTTP servers, per platform, through the store."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from monitor.config import SourceSettings
from monitor.recheck import RecheckOutcome, recheck
from monitor.record import Language, Translation, json_schema, utcnow
from monitor.sources.base import Source, SourceState
from monitor.sources.http import HttpClient
from monitor.sources.registry import build_source
from monitor.store import Store
from tests.sources.recheck_cases import (
    BLUESKY,
    MASTODON,
    RSS,
    TELEGRAM,
    TOKEN_ENV,
    Case,
    World,
    X,
)
from tests.support.httpserver import LocalServer

CASES = [MASTODON, BLUESKY, TELEGRAM, X, RSS]


@pytest.fixture(autouse=True)
def x_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "test-bearer-token")


NOW = utcnow()


@pytest.fixture
async def quick_http() -> AsyncIterator[HttpClient]:
    async with HttpClient(timeout=0.5, max_bytes=2 * 1024 * 1024) as client:
        yield client


def make_source(case: Case, server: LocalServer, http: HttpClient, **extra: Any) -> Source:
    values = {"name": f"{case.platform}-source", **case.settings(server), **extra}
    return build_source(SourceSettings.model_validate(values), http)


def seed(case: Case, server: LocalServer, store: Store, source: Source) -> list[str]:
    """Collect and publish the case's two posts; returns their ids."""
    items = case.items(server, NOW)
    store.save_fetch(source.name, case.platform, items, SourceState())
    translated = Translation("translated", "We met.", "es", "en", "argos", "translate-es_en")
    store.mark_ready(
        [p.record(Language("es", 0.99), translated) for p in store.posts_in_stage("collected")]
    )
    return [item.id for item in items]


def records(store: Store) -> list[dict[str, Any]]:
    return [json.loads(row.body) for row in store.outbox_batch(100)]


async def run(source: Source, store: Store, hours: int = 0) -> RecheckOutcome:
    return await recheck(source, store, deadline=30, now=NOW + timedelta(hours=hours))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.platform)
async def test_missing_on_two_consecutive_rechecks_is_published_as_deleted(
    case: Case, http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    world = World()
    case.serve(http_server, world)
    source = make_source(case, http_server, http)
    gone_id, kept_id = seed(case, http_server, store, source)
    first = await run(source, store)
    assert (first.present, first.missing, first.deleted) == (2, 0, ())
    world.gone.add(case.ids[0])
    second = await run(source, store, 1)
    assert (second.present, second.missing, second.deleted) == (1, 1, ())
    assert len(records(store)) == 2
    third = await run(source, store, 2)
    assert third.deleted == (gone_id,)
    published = records(store)
    assert len(published) == 3
    deletion = published[-1]
    jsonschema.validate(deletion, json_schema())
    original = next(r for r in published if r["id"] == gone_id)
    assert deletion["id"] == gone_id and deletion["revision"] == original["revision"] + 1
    assert deletion["deleted_at"] is not None and deletion["text"] == original["text"]
    assert deletion["translation"] == original["translation"]
    # Never twice: the deleted post is not asked about again.
    fourth = await run(source, store, 3)
    assert fourth.deleted == () and fourth.checked == 1
    assert len(records(store)) == 3
    assert kept_id not in {r["id"] for r in published if r["deleted_at"]}


@pytest.mark.parametrize("status", [500, 503, 429])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.platform)
async def test_a_server_error_during_a_recheck_is_not_a_deletion(
    case: Case, status: int, http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    world = World(gone={case.ids[0]})
    case.serve(http_server, world)
    source = make_source(case, http_server, http)
    seed(case, http_server, store, source)
    world.failing = status
    for hour in range(3):
        outcome = await run(source, store, hour)
        assert outcome.deleted == () and outcome.missing == 0
    assert case.lookups(http_server) >= 3
    assert all(r["deleted_at"] is None for r in records(store))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.platform)
async def test_a_timeout_during_a_recheck_is_not_a_deletion(
    case: Case, http_server: LocalServer, quick_http: HttpClient, store: Store
) -> None:
    world = World(gone={case.ids[0]}, delay=1.0)
    case.serve(http_server, world)
    source = make_source(case, http_server, quick_http)
    seed(case, http_server, store, source)
    for hour in range(2):
        outcome = await run(source, store, hour)
        assert outcome.deleted == () and outcome.missing == 0
    assert all(r["deleted_at"] is None for r in records(store))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.platform)
async def test_one_miss_then_presence_resets_the_count(
    case: Case, http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    world = World(gone={case.ids[0]})
    case.serve(http_server, world)
    source = make_source(case, http_server, http)
    seed(case, http_server, store, source)
    assert (await run(source, store)).missing == 1
    world.gone.clear()
    assert (await run(source, store, 1)).missing == 0
    world.gone.add(case.ids[0])
    assert (await run(source, store, 2)).deleted == ()
    assert (await run(source, store, 3)).deleted != ()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.platform)
async def test_posts_outside_the_window_are_not_rechecked(
    case: Case, http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    case.serve(http_server, World())
    source = make_source(case, http_server, http, recheck_window="1")
    seed(case, http_server, store, source)
    assert (await run(source, store)).checked == 1
    later = make_source(case, http_server, http, recheck_window="30m")
    assert (await run(later, store)).checked == 0


def test_the_telegram_widget_says_present_missing_or_cannot_tell() -> None:
    from monitor.sources.telegram_recheck import widget_presence

    data = Path(__file__).parent / "testdata" / "telegram"
    page = (data / "widget-message.html").read_text("utf-8").replace("{id}", "4201")
    assert widget_presence(page, "MID_Russia/4201") == "present"
    assert widget_presence(page, "MID_Russia/4202") == "unknown"
    not_found = (data / "widget-not-found.html").read_text("utf-8")
    assert widget_presence(not_found, "MID_Russia/4201") == "missing"
    private = (data / "widget-private.html").read_text("utf-8")
    assert widget_presence(private, "MID_Russia/4201") == "unknown"
    assert widget_presence("<html><body>Cloudflare</body></html>", "MID_Russia/1") == "unknown"


async def test_a_feed_that_is_down_makes_a_404_link_no_deletion(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    world = World(gone={RSS.ids[0]}, feed_down=True)
    RSS.serve(http_server, world)
    source = make_source(RSS, http_server, http)
    seed(RSS, http_server, store, source)
    for hour in range(3):
        outcome = await run(source, store, hour)
        assert outcome.deleted == () and outcome.error is not None
    assert RSS.lookups(http_server) == 0
    world.feed_down = False
    await run(source, store, 4)
    assert (await run(source, store, 5)).deleted != ()


async def test_x_asks_for_many_ids_in_one_request_with_the_token(
    http_server: LocalServer, http: HttpClient, store: Store
) -> None:
    X.serve(http_server, World())
    source = make_source(X, http_server, http)
    seed(X, http_server, store, source)
    await run(source, store)
    (request,) = http_server.hits("/2/tweets")
    assert sorted((request.arg("ids") or "").split(",")) == sorted(X.ids)
    assert request.headers["authorization"] == "Bearer test-bearer-token"


def test_only_an_api_answer_in_json_counts_a_404_as_missing() -> None:
    from monitor.errors import FetchError, NotFound, RateLimited
    from monitor.sources.lookups import presence_of

    api = NotFound("gone", status=404, body=b'{"error":"Record not found"}')
    proxy = NotFound("gone", status=404, body=b"<html>404</html>")
    assert presence_of(api, needs_json=True) == "missing"
    assert presence_of(proxy, needs_json=True) == "unknown"
    assert presence_of(proxy) == "missing"
    assert presence_of(FetchError("HTTP 502", status=502)) == "unknown"
    assert presence_of(RateLimited("HTTP 429", status=429)) == "unknown"
