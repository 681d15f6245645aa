"""X (Twitter) accounts through API v2 with an app bearer token.

Reads are billed per post, so a poll only asks for what is newer than the
cursor (`since_id`). A poll cut short by the rate limit keeps the unread span
between the old cursor and the oldest post read as a gap (`extra["gap"]`),
filled first on the next poll, so nothing is lost and nothing is read twice.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.config import SourceSettings, secret_from_env
from monitor.errors import AuthError, ConfigError, NotFound, ParseError, RateLimited
from monitor.record import Item
from monitor.sources.base import FetchResult, KnownPost, RecheckResult, Source, SourceState
from monitor.sources.common import (
    MAX_PAGES,
    as_dict,
    as_list,
    as_str,
    json_object,
    newer,
    newest,
    oldest_allowed,
    too_old,
)
from monitor.sources.entries import map_entries, off_loop
from monitor.sources.http import HttpClient, Response, rate_limit_wait
from monitor.sources.x_recheck import recheck_tweets
from monitor.sources.x_tweets import tweet_item

log = logging.getLogger("monitor.sources.x")

API = "https://api.x.com"
TWEET_FIELDS = (
    "created_at,lang,entities,referenced_tweets,note_tweet,edit_history_tweet_ids,"
    "attachments,author_id,conversation_id,in_reply_to_user_id"
)
EXPANSIONS = (
    "author_id,referenced_tweets.id,referenced_tweets.id.author_id,"
    "attachments.media_keys,attachments.poll_ids"
)
MEDIA_FIELDS = "type,url,preview_image_url,variants"
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")


def username_of(handle: str) -> str:
    """`CancilleriaVE`, `@CancilleriaVE` or `https://x.com/CancilleriaVE` -> `CancilleriaVE`."""
    name = handle.strip().rstrip("/").rsplit("/", 1)[-1].lstrip("@")
    if not _USERNAME.fullmatch(name):
        raise ConfigError(
            f'"{handle}" is not an X username',
            remedy="set handle to the account's @name without the @, e.g. CancilleriaVE",
        )
    return name


@dataclass
class _Run:
    """What one poll has read so far."""

    tweets: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    includes: dict[str, dict[str, Mapping[str, Any]]] = field(default_factory=dict)
    requests: int = 0
    reset_at: float | None = None
    bytes: int = 0  # of the responses read, to weigh mapping them

    def add_includes(self, includes: Mapping[str, Any]) -> None:
        for kind, key in (
            ("tweets", "id"),
            ("users", "id"),
            ("media", "media_key"),
            ("polls", "id"),
        ):
            table = self.includes.setdefault(kind, {})
            for entry in as_list(includes.get(kind)):
                if isinstance(entry, dict) and as_str(entry.get(key)):
                    table[entry[key]] = entry


class XSource(Source):
    platform = "x"

    def __init__(self, settings: SourceSettings, http: HttpClient) -> None:
        super().__init__(settings, http)
        self.username = username_of(settings.handle)
        self.base = (settings.base_url or API).rstrip("/")

    async def fetch(self, state: SourceState) -> FetchResult:
        token = self._token()
        _refuse_while_exhausted(state.extra, self.username)
        extra = {k: v for k, v in state.extra.items() if k != "rate_reset"}
        run = _Run()
        if "user_id" not in extra:
            extra.update(await self._resolve(token, run))
        cursor = state.cursor
        complete = True
        gap = _parse_gap(extra.pop("gap", ""))
        if gap is not None:
            since, until = gap
            oldest = await self._read(token, extra["user_id"], run, since=since, until=until)
            if oldest is not None:
                extra["gap"] = f"{since}:{oldest}"
                complete = False
        if complete:
            limit = self.settings.backfill if cursor is None else None
            before = set(run.tweets)
            oldest = await self._read(token, extra["user_id"], run, since=cursor, limit=limit)
            read_now = [tid for tid in run.tweets if tid not in before]
            if oldest is not None and cursor is not None:
                extra["gap"] = f"{cursor}:{oldest}"
            cursor = newest(read_now, cursor) or cursor or "0"
        if run.reset_at is not None:
            extra["rate_reset"] = str(int(run.reset_at))
        items, skipped = await off_loop(
            f"X timeline of @{self.username}", run.bytes, self._items, run, state.cursor is None
        )
        new_state = SourceState(state.etag, state.last_modified, cursor, extra)
        return FetchResult(
            items=items, state=new_state, requests=max(run.requests, 1), skipped=skipped
        )

    async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        return await recheck_tweets(self.http, self.base, headers, posts)

    def _items(self, run: _Run, first_run: bool) -> tuple[list[Item], int]:
        cutoff = oldest_allowed(self.settings)
        mapped, skipped = map_entries(
            self.name,
            run.tweets.values(),
            lambda tweet: tweet_item(tweet, run.includes, self.username),
        )
        items = [item for item in mapped if not too_old(item, cutoff)]
        if first_run:
            items = items[: self.settings.backfill]
        return items, skipped

    def _token(self) -> str:
        variable = self.settings.token_env
        token = secret_from_env(variable)
        if token is None:
            raise AuthError(
                f"{variable} is not set; export it with your app's bearer token",
                remedy="create a bearer token in the X developer portal",
            )
        return token

    async def _resolve(self, token: str, run: _Run) -> dict[str, str]:
        body, _ = await self._get(token, f"/2/users/by/username/{self.username}", {}, run)
        user = as_dict(body.get("data"))
        if not as_str(user.get("id")):
            detail = _first_error(body) or "the response has no user"
            raise NotFound(
                f"X account @{self.username} was not found ({detail})",
                remedy="check the source's handle",
            )
        return {"user_id": user["id"], "name": as_str(user.get("name"))}

    async def _read(
        self,
        token: str,
        user_id: str,
        run: _Run,
        *,
        since: str | None,
        until: str | None = None,
        limit: int | None = None,
    ) -> str | None:
        """Read newest-first from `until` back to `since`; the oldest id read if cut short."""
        params: dict[str, str | int] = {
            "max_results": 100 if limit is None else min(max(limit, 5), 100),
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "media.fields": MEDIA_FIELDS,
            "user.fields": "username,name",
            "poll.fields": "options",
        }
        if since and since != "0":  # "0": a first run found no posts at all
            params["since_id"] = since
        elif (cutoff := oldest_allowed(self.settings)) is not None:
            params["start_time"] = cutoff.strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )  # older reads are billed too
        if until:
            params["until_id"] = until
        path = f"/2/users/{user_id}/tweets"
        read = 0
        oldest: str | None = None
        for page in range(MAX_PAGES):
            try:
                body, headers = await self._get(token, path, params, run)
            except RateLimited:
                if page == 0 and not run.tweets:
                    raise
                log.warning("source %s: rate limited while paging; the rest waits", self.name)
                return oldest
            if "data" not in body and "meta" not in body:
                self._no_timeline(body)
            data = [t for t in as_list(body.get("data")) if as_str(as_dict(t).get("id"))]
            run.add_includes(as_dict(body.get("includes")))
            for tweet in data:
                run.tweets.setdefault(tweet["id"], tweet)
                if oldest is None or newer(oldest, tweet["id"]):
                    oldest = tweet["id"]
            read += len(data)
            next_token = as_str(as_dict(body.get("meta")).get("next_token"))
            if not next_token or (limit is not None and read >= limit):
                return None
            if headers.get("x-rate-limit-remaining", "").strip() == "0":
                log.warning("source %s: rate limit used up while paging; the rest waits", self.name)
                return oldest
            params["pagination_token"] = next_token
        log.warning("source %s: stopped after %d pages; the rest waits", self.name, MAX_PAGES)
        return oldest

    def _no_timeline(self, body: Mapping[str, Any]) -> None:
        detail = _first_error(body)
        if detail:
            raise NotFound(
                f"X timeline of @{self.username} is not readable ({detail})",
                remedy="check the account still exists and is not protected or suspended",
            )
        raise ParseError(f"X timeline of @{self.username}: the response has neither data nor meta")

    async def _get(
        self, token: str, path: str, params: Mapping[str, str | int], run: _Run
    ) -> tuple[Mapping[str, Any], Mapping[str, str]]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        run.requests += 1
        try:
            response = await self.http.get(self.base + path, params=params, headers=headers)
        except AuthError as error:
            status = error.status or 401
            raise AuthError(
                f"X refused the bearer token in {self.settings.token_env} (HTTP {status})",
                remedy="check the token is current and the app's plan includes user timelines",
            ) from None
        _note_budget(response, run)
        run.bytes += len(response.content)
        body = await off_loop(path, len(response.content), json_object, response, path)
        return body, response.headers


def _note_budget(response: Response, run: _Run) -> None:
    if response.headers.get("x-rate-limit-remaining", "").strip() != "0":
        return
    wait = rate_limit_wait({"x-rate-limit-reset": response.headers.get("x-rate-limit-reset", "")})
    if wait:
        run.reset_at = time.time() + wait


def _refuse_while_exhausted(extra: Mapping[str, str], username: str) -> None:
    reset = extra.get("rate_reset", "")
    wait = float(reset) - time.time() if reset.isdecimal() else 0.0
    if wait > 0:
        raise RateLimited(
            f"X rate limit for @{username} is used up; it resets in {wait:.0f}s",
            retry_after=wait,
        )


def _parse_gap(value: str) -> tuple[str, str] | None:
    since, _, until = value.partition(":")
    return (since, until) if since.isdecimal() and until.isdecimal() else None


def _first_error(body: Mapping[str, Any]) -> str:
    for error in as_list(body.get("errors")):
        detail = as_str(as_dict(error).get("detail")) or as_str(as_dict(error).get("title"))
        if detail:
            return detail
    return ""
