"""Issue 13, end to end: one ministry's cross-posts, collected by `monitor collect` from the five
platforms (each served in its real response format), come out with one statement_id per statement.

The fictional Valdorian foreign ministry posts:
  A  the minister's meeting with Kestria's minister, in Spanish: the full text on Telegram and
     the website (RSS title + body), an X truncation with the article link, the Mastodon copy
     (HTML), a Bluesky truncation with the article as link card; and its English translation on
     the ministry's English Telegram channel;
  B  the next day's phone call with the same minister (another statement, same people), on
     Telegram and X;
  C  a short unrelated greeting on Mastodon.

Sources are polled concurrently, so which post is collected first varies; the delays below fix
two collection orders (the website first, the fragments and the translation first). Either way
every version of A carries the id of A's first collected post, which is also A's first record in
the queue (records are published in the order they were collected). Collection order is not
publication order: with the website first, Monday's greeting (C) is collected after Tuesday's
Spanish versions of A and just before A's translation, so a clusterer that walks back in
collection order and stops at the first post older than its time gap never sees A from the
translation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from monitor.record import json_schema
from tests.support.cli import queued_records, run_monitor
from tests.support.httpserver import LocalServer, Reply, Request

DATA = Path(__file__).parent / "testdata"
JSON = {"Content-Type": "application/json; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
TOKEN = "AAAAAAAAAAAAAAAAAAAAAValdoriaTestToken%3Dsecret"

X_USER = "/2/users/by/username/CancilleriaVD"
X_TIMELINE = "/2/users/1790442211000000001/tweets"
M_LOOKUP = "/api/v1/accounts/lookup"
M_STATUSES = "/api/v1/accounts/112233445566778899/statuses"
B_FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
T_SPANISH = "/s/CancilleriaVD"
T_ENGLISH = "/s/ValdoriaMFA_en"
FEED = "/feed/"

M_STATUS_A = "112460120000000512"
A_ENGLISH = "telegram:ValdoriaMFA_en/87"
A = {
    "rss:valdoria-web/https://cancilleria.valdoria.example/?p=4821",
    "telegram:CancilleriaVD/512",
    "x:1790330000000000512",
    f"mastodon:social.valdoria.example/{M_STATUS_A}",
    "bluesky:did:plc:vd7cancilleria4mre2xq/3ksmvd4bq2k2a",
    A_ENGLISH,
}
B = {"telegram:CancilleriaVD/515", "x:1790700000000000515"}
C = {"mastodon:social.valdoria.example/112453880000000498"}

# Each platform is its own host (the HTTP client limits requests per host). Each source's data
# request waits GAP seconds times its rank: that fixes the order of the sources' posts in the
# store, hence in the clusterer and in the queue.
GAP = 0.5
ORDERS = {
    "website-first": [FEED, T_SPANISH, X_TIMELINE, B_FEED, M_STATUSES, T_ENGLISH],
    "fragments-first": [T_ENGLISH, B_FEED, X_TIMELINE, M_STATUSES, T_SPANISH, FEED],
}


def fixture(path: str) -> bytes:
    return (DATA / path).read_bytes()


class Ministry:
    """The ministry's accounts, one local server per source; Mastodon statuses can be edited."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.delays = {path: GAP * rank for rank, path in enumerate(ORDERS[name])}
        self.statuses: list[dict[str, Any]] = json.loads(fixture("mastodon/statuses.json"))
        tweets = json.loads(fixture("x/timeline.json"))
        routes: dict[str, dict[str, Callable[[Request], Reply]]] = {
            "web": {FEED: self._static("rss/feed.xml", RSS)},
            "telegram": {T_SPANISH: self._static("telegram/cancilleria-vd.html", HTML)},
            "telegram-en": {T_ENGLISH: self._static("telegram/valdoria-mfa-en.html", HTML)},
            "x": {
                X_USER: self._static("x/user.json", JSON),
                X_TIMELINE: lambda request: self._timeline(request, tweets),
            },
            "mastodon": {
                M_LOOKUP: self._static("mastodon/account.json", JSON),
                M_STATUSES: self._mastodon,
            },
            "bluesky": {B_FEED: self._static("bluesky/feed.json", JSON)},
        }
        self.servers: dict[str, LocalServer] = {}
        for source, paths in routes.items():
            server = self.servers[source] = LocalServer().start()
            for path, handler in paths.items():
                server.route(path, self._delayed(path, handler))

    def base(self, source: str) -> str:
        return self.servers[source].base_url

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def _delayed(
        self, path: str, handler: Callable[[Request], Reply]
    ) -> Callable[[Request], Reply]:
        def reply(request: Request) -> Reply:
            answer = handler(request)
            answer.delay = self.delays.get(path, 0.0)
            return answer

        return reply

    @staticmethod
    def _static(name: str, headers: dict[str, str]) -> Callable[[Request], Reply]:
        body = fixture(name)
        return lambda request: Reply(body=body, headers=headers)

    @staticmethod
    def _timeline(request: Request, body: dict[str, Any]) -> Reply:
        """`since_id`: only newer tweets, as X answers (no `data` when there are none)."""
        since = int(request.arg("since_id") or 0)
        newer = [tweet for tweet in body["data"] if int(tweet["id"]) > since]
        if not newer:
            return Reply(body=json.dumps({"meta": {"result_count": 0}}), headers=JSON)
        page = {**body, "data": newer, "meta": {**body["meta"], "result_count": len(newer)}}
        return Reply(body=json.dumps(page, ensure_ascii=False), headers=JSON)

    def _mastodon(self, request: Request) -> Reply:
        """Newest first; `min_id`: only the statuses above it."""
        floor = request.arg("min_id")
        chosen = [s for s in self.statuses if floor is None or int(s["id"]) > int(floor)]
        return Reply(body=json.dumps(chosen, ensure_ascii=False), headers=JSON)

    def edit_status(self, status_id: str, old: str, new: str, at: str) -> None:
        status = next(s for s in self.statuses if s["id"] == status_id)
        assert old in status["content"]
        status["content"] = status["content"].replace(old, new)
        status["edited_at"] = at


def write_config(tmp_path: Path, ministry: Ministry) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(f"""
[monitor]
data_dir = "{tmp_path / "data"}"
health = ""

[translation]
enabled = false

[[sources]]
name = "valdoria-web"
platform = "rss"
url = "{ministry.base("web")}{FEED}"
organisation = "xx-mfa"

[[sources]]
name = "valdoria-telegram"
platform = "telegram"
handle = "CancilleriaVD"
base_url = "{ministry.base("telegram")}"
organisation = "xx-mfa"

[[sources]]
name = "valdoria-telegram-en"
platform = "telegram"
handle = "ValdoriaMFA_en"
base_url = "{ministry.base("telegram-en")}"
organisation = "xx-mfa"

[[sources]]
name = "valdoria-x"
platform = "x"
handle = "CancilleriaVD"
token_env = "X_BEARER_TOKEN"
base_url = "{ministry.base("x")}"
organisation = "xx-mfa"

[[sources]]
name = "valdoria-mastodon"
platform = "mastodon"
handle = "cancilleria@social.valdoria.example"
base_url = "{ministry.base("mastodon")}"
organisation = "xx-mfa"

[[sources]]
name = "valdoria-bluesky"
platform = "bluesky"
handle = "cancilleriavd.bsky.social"
base_url = "{ministry.base("bluesky")}"
organisation = "xx-mfa"
""")
    return config


@pytest.fixture
def ministry(request: pytest.FixtureRequest) -> Iterator[Ministry]:
    accounts = Ministry(getattr(request, "param", "website-first"))
    try:
        yield accounts
    finally:
        accounts.stop()


@pytest.fixture
def env(subprocess_env: dict[str, str]) -> dict[str, str]:
    return {**subprocess_env, "X_BEARER_TOKEN": TOKEN}


def collect(config: Path, env: dict[str, str], tmp_path: Path) -> str:
    done = run_monitor(["--config", str(config), "collect"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "6 source(s): 6 ok, 0 failed" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr
    return done.stdout


def statement_of(records: list[dict[str, Any]], group: set[str]) -> str:
    """The one statement id of a group's records, and that it is its first record's id."""
    members = [record for record in records if record["id"] in group]
    found = {record["id"]: record["statement_id"] for record in members}
    first = str(members[0]["id"])
    assert found == dict.fromkeys(group, first), json.dumps(found, indent=1)
    return first


@pytest.mark.parametrize("ministry", list(ORDERS), indirect=True)
def test_cross_posts_come_out_with_one_statement_id_per_statement(
    ministry: Ministry, tmp_path: Path, env: dict[str, str]
) -> None:
    config = write_config(tmp_path, ministry)
    collect(config, env, tmp_path)
    records = queued_records(config, env, tmp_path)
    for record in records:
        jsonschema.validate(record, json_schema())
        assert record["statement_id"], record["id"]
    assert sorted(record["id"] for record in records) == sorted(A | B | C)
    languages = {record["id"]: record["language"]["code"] for record in records}
    assert {languages[i] for i in A - {A_ENGLISH}} == {"es"} and languages[A_ENGLISH] == "en"
    order = [record["id"] for record in records]
    if ministry.name == "fragments-first":
        assert order[0] == A_ENGLISH  # the delays did their job
    else:
        assert order[0].startswith("rss:") and order[-1] == A_ENGLISH

    # The Spanish versions join by text containment and the shared article link.
    spanish = {record["statement_id"] for record in records if record["id"] in A - {A_ENGLISH}}
    assert len(spanish) == 1 and spanish <= A, spanish
    b = statement_of(records, B)
    c = statement_of(records, C)
    assert b in B and c in C  # each the id of the statement's first collected post
    # The translation joins by embedding; A's id is its first collected post's, whichever.
    a = statement_of(records, A)
    assert a == (A_ENGLISH if ministry.name == "fragments-first" else order[0])


def test_an_edit_on_mastodon_keeps_its_statement_id(
    ministry: Ministry, tmp_path: Path, env: dict[str, str]
) -> None:
    config = write_config(tmp_path, ministry)
    collect(config, env, tmp_path)
    before = {record["id"]: record for record in queued_records(config, env, tmp_path)}
    edited_id = f"mastodon:social.valdoria.example/{M_STATUS_A}"
    original = before[edited_id]
    assert original["revision"] == 1

    ministry.edit_status(
        M_STATUS_A, "estudiar una línea", "explorar una línea", "2024-05-14T11:20:03.000Z"
    )
    summary = collect(config, env, tmp_path)
    assert "0 new, 1 updated" in summary, summary
    after = queued_records(config, env, tmp_path)
    assert len(after) == len(before) + 1
    latest = after[-1]
    jsonschema.validate(latest, json_schema())
    assert latest["id"] == edited_id and latest["revision"] == 2
    assert "explorar una línea" in latest["text"] and "estudiar" not in latest["text"]
    assert latest["statement_id"] == original["statement_id"]
    assert original["statement_id"] == before["telegram:CancilleriaVD/512"]["statement_id"]
