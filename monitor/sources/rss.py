"""RSS and Atom feeds: conditional GET, then feedparser on the bytes."""

from __future__ import annotations

import calendar
import hashlib
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from monitor.config import SourceSettings
from monitor.errors import ParseError
from monitor.record import Author, Item, Media
from monitor.sources.base import FetchResult, KnownPost, RecheckResult, Source, SourceState
from monitor.sources.entries import http_only, map_entries, off_loop
from monitor.sources.hints import lang_hint
from monitor.sources.rss_recheck import recheck_links
from monitor.text.entities import find_hashtags, find_links, find_mentions, http_url
from monitor.text.html import html_to_text, links_in_html

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9,"
    " application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
_TRUNCATED = ("unclosed token", "no element found", "mismatched tag")


class RssSource(Source):
    platform = "rss"

    async def fetch(self, state: SourceState) -> FetchResult:
        headers = {"Accept": FEED_ACCEPT}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        response = await self.http.get(self.settings.url, headers=headers)
        if response.not_modified:
            return FetchResult(items=(), state=state, not_modified=True)
        items, skipped = await off_loop(
            self.settings.url,
            len(response.content),
            feed_items,
            response.content,
            response.headers,
            response.url,
            self.settings,
        )
        items = self._window(items, first_run=state.first_run)
        new_state = SourceState(
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            cursor=state.cursor or "seen",
            extra=state.extra,
        )
        return FetchResult(items=items, state=new_state, skipped=skipped)

    async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
        return await recheck_links(self.http, self.settings.url, {"Accept": FEED_ACCEPT}, posts)

    def _window(self, items: list[Item], *, first_run: bool) -> list[Item]:
        if self.settings.max_age is not None:
            oldest = datetime.now(UTC) - timedelta(seconds=self.settings.max_age)
            items = [i for i in items if i.published_at is None or i.published_at >= oldest]
        if first_run and len(items) > self.settings.backfill:
            epoch = datetime.min.replace(tzinfo=UTC)
            items = sorted(items, key=lambda i: i.published_at or epoch, reverse=True)
            items = items[: self.settings.backfill]
        return items


def feed_items(
    content: bytes, headers: Mapping[str, str], url: str, settings: SourceSettings
) -> tuple[list[Item], int]:
    """The items of a feed body and how many malformed entries were skipped."""
    feed = parse_feed(content, headers, url, settings.url)
    channel = feed.get("feed", {})
    return map_entries(
        settings.name, feed.get("entries", []), lambda entry: entry_item(entry, channel, settings)
    )


def entry_item(entry: Mapping[str, Any], feed: Mapping[str, Any], settings: SourceSettings) -> Item:
    markup = _entry_markup(entry)
    text = html_to_text(markup)
    title = html_to_text(str(entry.get("title", ""))) or None
    link = http_url(entry.get("link"))
    native = str(entry.get("id") or "").strip() or link or _hash_id(title, text, entry)
    links = [link] if link else []
    links += [u for u in links_in_html(markup) + find_links(text) if u not in links]
    feed_link = http_url(feed.get("link"))
    return http_only(
        Item(
            platform="rss",
            native_id=f"{settings.name}/{native}",
            author=Author(
                handle=settings.handle or settings.name,
                name=str(entry.get("author") or feed.get("title") or "") or None,
                url=feed_link,
            ),
            text=text,
            url=link,
            published_at=_entry_time(entry),
            title=title,
            links=tuple(links),
            hashtags=find_hashtags(text),
            mentions=find_mentions(text),
            media=_media(entry),
            lang_hint=_language_hint(entry, feed),
        )
    )


def parse_feed(content: bytes, headers: Mapping[str, str], url: str, configured: str) -> Any:
    """feedparser on the raw bytes (it sniffs the charset); clear errors for non-feeds."""
    try:
        feed = feedparser.parse(
            content,
            response_headers={
                "content-type": headers.get("content-type", "application/xml"),
                "content-location": url,
            },
            sanitize_html=True,
            resolve_relative_uris=True,
        )
    except MemoryError:
        raise
    except Exception as error:  # feedparser's own failures on hostile bytes (bad charsets...)
        raise ParseError(
            f"{configured}: the feed cannot be read ({type(error).__name__}: {error})"
        ) from None
    version = feed.get("version", "")
    problem = feed.get("bozo_exception") if feed.get("bozo") else None
    detail = str(problem) if problem is not None else ""
    if problem is not None and any(mark in detail for mark in _TRUNCATED):
        raise ParseError(f"{configured}: the feed is truncated or broken XML ({detail})")
    if not version and not feed.get("entries"):
        kind = "an HTML page" if b"<html" in content[:2048].lower() else "not an RSS/Atom feed"
        reason = f" ({detail})" if detail else ""
        raise ParseError(
            f"{configured}: the response is {kind}{reason}",
            remedy="check the source's url points at the feed itself",
        )
    return feed


def _entry_markup(entry: Mapping[str, Any]) -> str:
    for content in entry.get("content") or []:
        value = str(content.get("value") or "")
        if value.strip():
            return value
    summary = entry.get("summary") or entry.get("description") or ""
    if not str(summary).strip():
        media = entry.get("media_description") or ""
        return str(media)
    return str(summary)


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _media(entry: Mapping[str, Any]) -> tuple[Media, ...]:
    found: dict[str, Media] = {}
    for enclosure in entry.get("enclosures") or []:
        url = http_url(enclosure.get("href") or enclosure.get("url"))
        if url:
            found.setdefault(url, Media(_media_type(str(enclosure.get("type", ""))), url))
    for media in list(entry.get("media_content") or []) + list(entry.get("media_thumbnail") or []):
        url = http_url(media.get("url"))
        if url:
            found.setdefault(
                url,
                Media(_media_type(str(media.get("type", "") or media.get("medium", "image"))), url),
            )
    return tuple(found.values())


def _media_type(mime: str) -> str:
    mime = mime.lower()
    if mime.startswith("image"):
        return "photo"
    if mime.startswith("video"):
        return "video"
    if mime.startswith("audio"):
        return "audio"
    return "document"


def _language_hint(entry: Mapping[str, Any], feed: Mapping[str, Any]) -> str | None:
    detail = entry.get("title_detail") or {}
    return lang_hint(detail.get("language") or feed.get("language"))


def _hash_id(title: str | None, text: str, entry: Mapping[str, Any]) -> str:
    stamp = str(entry.get("published") or entry.get("updated") or "")
    digest = hashlib.sha256(f"{title}\n{text}\n{stamp}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"
