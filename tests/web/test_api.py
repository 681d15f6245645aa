"""The JSON API: paths and shapes pinned by DESIGN.md, records valid `monitor.post/1`."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from monitor.record import json_schema
from monitor.web.links import post_path, statement_path
from tests.web.support import Seeded


def valid(record: dict[str, Any]) -> dict[str, Any]:
    jsonschema.validate(record, json_schema())
    return record


async def test_search(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await client.get("/api/search", params={"q": "санкции", "limit": 10})
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert set(body) == {"total", "results"}
    assert body["total"] == 2
    ids = [valid(record)["id"] for record in body["results"]]
    assert ids == [seeded.deleted, seeded.statement]  # newest first
    one = (await client.get("/api/search", params={"q": "санкции", "limit": 1})).json()
    assert one["total"] == 2 and [r["id"] for r in one["results"]] == [seeded.deleted]


async def test_search_in_translations_and_with_filters(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    found = (await client.get("/api/search", params={"q": "sanctions lang:es"})).json()
    assert {r["id"] for r in found["results"]} == {seeded.spanish}
    none = (await client.get("/api/search", params={"q": "sanctions since:2026-11-28"})).json()
    assert none == {"total": 0, "results": []}


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({}, "q: the query is empty"),
        ({"q": "  "}, "q: the query is empty"),
        ({"q": '"open'}, "q: "),
        ({"q": "lang:xxxx"}, "q: "),
        ({"q": "a", "limit": "0"}, "limit:"),
        ({"q": "a", "limit": "many"}, "limit:"),
        ({"q": "a", "limit": "100000"}, "limit:"),
        ({"q": "a", "offset": "-1"}, "offset:"),
    ],
)
async def test_bad_search_is_a_400_with_the_problem(
    client: httpx.AsyncClient, params: dict[str, str], problem: str
) -> None:
    reply = await client.get("/api/search", params=params)
    assert reply.status_code == 400
    assert reply.json()["error"].startswith(problem)


async def test_statement(client: httpx.AsyncClient, seeded: Seeded) -> None:
    reply = await client.get("/api" + statement_path(seeded.statement))
    assert reply.status_code == 200
    body = reply.json()
    assert body["id"] == seeded.statement
    posts = [valid(record) for record in body["posts"]]
    assert posts[0]["id"] == seeded.statement
    assert {p["platform"] for p in posts} == {"telegram", "x", "mastodon"}
    assert {p["statement_id"] for p in posts} == {seeded.statement}
    raw = await client.get(f"/api/statements/{seeded.statement}")  # unescaped slashes too
    assert raw.json() == body


async def test_post_with_revisions(client: httpx.AsyncClient, seeded: Seeded) -> None:
    body = (await client.get("/api" + post_path(seeded.edited))).json()
    assert set(body) == {"record", "revisions"}
    latest = valid(body["record"])
    revisions = [valid(record) for record in body["revisions"]]
    assert [r["revision"] for r in revisions] == [1, 2]
    assert revisions[-1] == latest
    assert "e ilegales" in latest["text"] and "e ilegales" not in revisions[0]["text"]
    deleted = (await client.get("/api" + post_path(seeded.deleted))).json()
    assert deleted["record"]["deleted_at"] == "2026-11-27T21:30:00Z"
    assert [r["deleted_at"] is not None for r in deleted["revisions"]] == [False, True]


async def test_a_post_not_yet_published_is_a_pending_record(
    client: httpx.AsyncClient, seeded: Seeded
) -> None:
    body = (await client.get("/api" + post_path(seeded.pending))).json()
    assert valid(body["record"])["translation"]["status"] == "pending"


async def test_unknown_ids_are_404_json(client: httpx.AsyncClient) -> None:
    for path in ("/api/statements/x:none", "/api/posts/x:none", "/api/nothing"):
        reply = await client.get(path)
        assert reply.status_code == 404, path
        assert "error" in reply.json()
