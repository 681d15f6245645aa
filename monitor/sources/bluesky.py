"""Bluesky accounts through the public AppView's `app.bsky.feed.getAuthorFeed`, no login.

The feed is newest first by the AppView's sort time (a repost's time, else the
earlier of createdAt and indexedAt). The cursor is the newest sort time seen and
`extra["last"]` the key of that entry; paging stops where the feed reaches them.
Once known, the account's DID is asked for instead of the handle, so a handle
change does not break the source.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.config import SourceSettings
from monitor.errors import AuthError, ConfigError, FetchError, NotFound, ParseError, SourceError
from monitor.record import Item
from monitor.sources.base import FetchResult, KnownPost, RecheckResult, Source, SourceState
from monitor.sources.bluesky_posts import PIN, REPOST, entry_key, feed_item, sort_time
from monitor.sources.bluesky_recheck import recheck_posts
from monitor.sources.common import (
    MAX_PAGES,
    as_dict,
    as_list,
    as_str,
    json_object,
    oldest_allowed,
    parse_time,
    too_old,
)
from monitor.sources.entries import map_entries, off_loop
from monitor.sources.http import HttpClient

log = logging.getLogger("monitor.sources.bluesky")

APPVIEW = "https://public.api.bsky.app"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
PAGE = 100  # the lexicon's maximum `limit`
LATER_PAGE = 30
_ACTOR = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]+|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_GONE = ("AccountTakedown", "AccountDeactivated", "BlockedActor", "BlockedByActor")


def actor_of(handle: str) -> str:
    """`x.bsky.social`, `@x.bsky.social`, a DID or a bsky.app profile URL -> the actor."""
    text = handle.strip().rstrip("/")
    if "/profile/" in text:
        text = text.split("/profile/", 1)[1].split("/", 1)[0]
    text = text.lstrip("@")
    if not _ACTOR.fullmatch(text):
        raise ConfigError(
            f'"{handle}" is not a Bluesky handle or DID',
            remedy='write it as "name.bsky.social" or "did:plc:..."',
        )
    return text if text.startswith("did:") else text.lower()


@dataclass
class _Run:
    """What one poll has read so far."""

    since: datetime | None
    last: str
    cutoff: datetime | None
    extra: dict[str, str]
    items: list[Item] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    newest: tuple[datetime, str] | None = None
    skipped: int = 0


class BlueskySource(Source):
    platform = "bluesky"

    def __init__(self, settings: SourceSettings, http: HttpClient) -> None:
        super().__init__(settings, http)
        self.actor = actor_of(settings.handle)
        self.base = (settings.base_url or APPVIEW).rstrip("/")

    async def fetch(self, state: SourceState) -> FetchResult:
        extra = dict(state.extra)
        since = parse_time(state.cursor)
        first = state.cursor is None
        last = extra.get("last", "")
        cutoff = oldest_allowed(self.settings)
        want = self.settings.backfill
        params: dict[str, str | int] = {
            "actor": extra.get("did") or self.actor,
            "limit": min(max(want, 1), PAGE) if first else LATER_PAGE,
        }
        run = _Run(since, last, cutoff, extra)
        requests = 0
        while True:
            feed, next_cursor, size = await self._page(params)
            requests += 1
            reached = await off_loop(self.base + FEED, size, self._take, feed, run)
            if (
                reached
                or not next_cursor
                or not feed
                or (first and len(run.items) >= want)
                or requests >= MAX_PAGES
            ):
                break
            params["cursor"] = next_cursor
        items, newest = run.items, run.newest
        if first:
            items = items[:want]
        if newest is not None and (since is None or newest[0] >= since):
            extra["last"] = newest[1]
            cursor: str | None = newest[0].isoformat()
        else:
            cursor = state.cursor
        return FetchResult(
            items=items,
            state=SourceState(state.etag, state.last_modified, cursor, extra),
            requests=requests,
            skipped=run.skipped,
        )

    async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
        return await recheck_posts(self.http, self.base, posts)

    def _take(self, feed: list[Any], run: _Run) -> bool:
        """Add the page's new entries to `run`; True once the feed reaches what was seen."""
        reached = False
        fresh: list[Mapping[str, Any]] = []
        for entry in feed:
            if not isinstance(entry, dict):
                continue
            moment, key = sort_time(entry), entry_key(entry)
            if moment is None or not key:
                continue
            pinned = as_str(as_dict(entry.get("reason")).get("$type")) == PIN
            seen = run.since is not None and (
                moment < run.since or (moment == run.since and key == run.last)
            )
            if not pinned:
                reached = reached or seen
                if run.newest is None or moment > run.newest[0]:
                    run.newest = (moment, key)
                self._learn_did(entry, run.extra)
            if seen or key in run.taken:
                continue
            run.taken.add(key)
            fresh.append(entry)
        mapped, skipped = map_entries(self.name, fresh, feed_item)
        run.skipped += skipped
        for item in mapped:
            if too_old(item, run.cutoff):
                reached = True
            else:
                run.items.append(item)
        return reached

    def _learn_did(self, entry: Mapping[str, Any], extra: dict[str, str]) -> None:
        reason = as_dict(entry.get("reason"))
        owner = (
            as_dict(reason.get("by"))
            if as_str(reason.get("$type")) == REPOST
            else as_dict(as_dict(entry.get("post")).get("author"))
        )
        did = as_str(owner.get("did"))
        matches = self.actor in (did, as_str(owner.get("handle")).lower())
        if did and "did" not in extra and matches:
            extra["did"] = did

    async def _page(self, params: Mapping[str, str | int]) -> tuple[list[Any], str, int]:
        """The page's feed entries, its cursor, and its size in bytes."""
        url = self.base + FEED
        try:
            response = await self.http.get(url, params=params)
        except AuthError as error:
            status = error.status or 401
            raise AuthError(
                f"{self.base} refused to show {self.actor}'s feed without a login (HTTP {status})",
                remedy=f"point base_url at a public AppView such as {APPVIEW}",
            ) from None
        except FetchError as error:
            if error.status == 400:
                raise self._refusal(error) from None
            raise
        size = len(response.content)
        body = await off_loop(url, size, json_object, response, url)
        if not isinstance(body.get("feed"), list):
            raise ParseError(f"{url}: the response has no feed array")
        return as_list(body["feed"]), as_str(body.get("cursor")), size

    def _refusal(self, error: FetchError) -> SourceError:
        """The AppView answers 400 with an XRPC error name for unknown or hidden accounts."""
        try:
            problem = as_dict(json.loads(error.body or b"{}"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            problem = {}
        name, message = as_str(problem.get("error")), as_str(problem.get("message"))
        if name in _GONE or "not found" in message.lower() or "actor" in message.lower():
            return NotFound(
                f"Bluesky account {self.actor} is not available ({message or name})",
                remedy="check the handle or DID; the account may be deleted, deactivated or taken down",
            )
        return FetchError(
            f"{self.base}{FEED}: HTTP 400 ({message or name or 'bad request'})", kind="http"
        )
