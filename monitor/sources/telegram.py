"""Public Telegram channels through the web preview `t.me/s/<channel>`: no login, no API key.

The preview shows about twenty messages per page, newest last; `?before=<id>`
pages back. The cursor is the newest message id seen.
"""

from __future__ import annotations

import copy as copying
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bs4 import BeautifulSoup
from bs4.element import Tag

from monitor.config import SourceSettings
from monitor.errors import ConfigError, NotFound, ParseError
from monitor.record import Author, Item, Kind, Media, Refs
from monitor.sources.base import FetchResult, KnownPost, RecheckResult, Source, SourceState
from monitor.sources.common import MAX_PAGES, oldest_allowed, parse_time, too_old, unique
from monitor.sources.entries import http_only, map_entries, off_loop
from monitor.sources.http import HttpClient
from monitor.sources.telegram_nodes import (
    as_tag,
    find_every,
    find_first,
    media_of,
    poll_text,
)
from monitor.sources.telegram_recheck import recheck_messages
from monitor.text.entities import find_hashtags, find_links, find_mentions
from monitor.text.html import classes, element_text

log = logging.getLogger("monitor.sources.telegram")

PUBLIC = "https://t.me"
_CHANNEL = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_POST_LINK = re.compile(r"^https?://(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?(\w+)/(\d+)")
UNSUPPORTED_NOTE = "[media not shown in the web preview: open the post in Telegram]"


@dataclass(frozen=True, slots=True)
class Page:
    """One preview page: its posts, every message id on it (services too), the next `before`."""

    items: tuple[Item, ...]
    ids: tuple[int, ...]
    before: int | None
    edited: frozenset[int] = frozenset()
    skipped: int = 0


def channel_name(handle: str) -> str:
    """`MID_Russia`, `@MID_Russia` or `https://t.me/s/MID_Russia` -> `MID_Russia`."""
    name = handle.strip().rstrip("/")
    if "/" in name:
        name = name.rsplit("/", 1)[-1]
    name = name.lstrip("@")
    if not _CHANNEL.fullmatch(name):
        raise ConfigError(
            f'"{handle}" is not a Telegram channel name',
            remedy="set handle to the public channel's username, e.g. MID_Russia",
        )
    return name


class TelegramSource(Source):
    platform = "telegram"

    def __init__(self, settings: SourceSettings, http: HttpClient) -> None:
        super().__init__(settings, http)
        self.channel = channel_name(settings.handle)
        self.base = (settings.base_url or PUBLIC).rstrip("/")

    async def recheck(self, posts: Sequence[KnownPost]) -> RecheckResult:
        return await recheck_messages(self.http, self.base, posts)

    async def fetch(self, state: SourceState) -> FetchResult:
        cursor = int(state.cursor) if state.cursor and state.cursor.isdecimal() else None
        limit = self.settings.backfill if cursor is None else None
        cutoff = oldest_allowed(self.settings)
        found: dict[int, Item] = {}
        newest = cursor or 0
        before: int | None = None
        requests = 0
        first_digest = ""
        skipped = 0
        while True:
            html = await self._html(before)
            requests += 1
            if before is None:
                first_digest = _digest(html)
                if cursor is not None and state.extra.get("page") == first_digest:
                    return FetchResult(items=(), state=state, not_modified=True, requests=1)
            url = f"{self.base}/s/{self.channel}"
            page = await off_loop(url, len(html), parse_page, html, self.channel, url)
            skipped += page.skipped
            newest = max([newest, *page.ids])
            for item in page.items:
                number = _number(item)
                if cursor is None or number > cursor or number in page.edited:
                    found[number] = item
            if not self._more(page, before, cursor, limit, len(found), cutoff):
                break
            if cursor is not None and requests >= MAX_PAGES:
                log.warning(
                    "telegram %s: over %d pages of new messages; older new ones are skipped",
                    self.channel,
                    MAX_PAGES,
                )
                break
            before = page.before
        items = [found[n] for n in sorted(found, reverse=True) if not too_old(found[n], cutoff)]
        if limit is not None:
            items = items[:limit]
        new_state = SourceState(
            cursor=str(newest) if newest else None, extra={**state.extra, "page": first_digest}
        )
        return FetchResult(items=items[::-1], state=new_state, requests=requests, skipped=skipped)

    @staticmethod
    def _more(
        page: Page,
        before: int | None,
        cursor: int | None,
        limit: int | None,
        count: int,
        cutoff: datetime | None,
    ) -> bool:
        if not page.ids or page.before is None:
            return False
        if before is not None and page.before >= before:
            return False  # the preview repeated itself: no progress
        if cursor is not None and min(page.ids) <= cursor + 1:
            return False
        if limit is not None and count >= limit:
            return False
        return not any(too_old(item, cutoff) for item in page.items)

    async def _html(self, before: int | None) -> str:
        url = f"{self.base}/s/{self.channel}"
        response = await self.http.get(url, params={"before": before} if before else None)
        return response.text()


def _digest(html: str) -> str:
    """The preview sends no validators; an identical newest page means nothing changed."""
    return hashlib.sha256(html.encode("utf-8", "replace")).hexdigest()[:32]


def _number(item: Item) -> int:
    return int(item.native_id.rsplit("/", 1)[1])


def parse_page(html: str, channel: str, url: str) -> Page:
    """Every message of one preview page; NotFound if the page is not a channel's preview."""
    soup = BeautifulSoup(html, "lxml")
    history = find_first(soup, ["tgme_channel_history", "js-message_history"])
    if history is None or "Unable to find channel" in html[:20000]:
        if "tgme_" in html:
            raise NotFound(
                f"telegram channel {channel}: {url} shows no public messages",
                remedy="check the handle; the channel may not exist, be private,"
                " or have its web preview turned off",
            )
        raise ParseError(f"telegram channel {channel}: {url} is not a Telegram web preview page")
    owner = _owner_name(soup)
    posts: list[tuple[Tag, str, int]] = []
    ids: list[int] = []
    messages = find_every(history, "tgme_widget_message", attrs={"data-post": True})
    for node in messages:
        name, _, number = str(node.get("data-post") or "").rpartition("/")
        if not name or not number.isdecimal():
            continue
        ids.append(int(number))
        if "service_message" not in classes(node):
            posts.append((node, name, int(number)))
    if messages and not ids:
        raise ParseError(f"telegram channel {channel}: no message on {url} carries a post id")

    def one(post: tuple[Tag, str, int]) -> tuple[Item, bool]:
        node, name, number = post
        return parse_message(node, name, number, owner), _is_edited(node)

    parsed, skipped = map_entries(channel, posts, one)
    edited = frozenset(_number(item) for item, was_edited in parsed if was_edited)
    items = tuple(item for item, _ in parsed)
    return Page(items, tuple(ids), _before(soup), edited, skipped)


def parse_message(node: Tag, channel: str, number: int, owner: str | None) -> Item:
    """One `.tgme_widget_message` as an Item."""
    url = f"{PUBLIC}/{channel}/{number}"
    body = _without_quoted(node)
    text_node = find_first(body, "tgme_widget_message_text")
    text = element_text(text_node, full_urls=True) if text_node is not None else ""
    links = list(_text_links(text_node)) if text_node is not None else []
    media = list(media_of(body, url))
    preview = find_first(body, "tgme_widget_message_link_preview", "a", {"href": True})
    if preview is not None:
        links.append(str(preview["href"]))
    poll = poll_text(body)
    if poll:
        text = f"{text}\n\n{poll}".strip()
    if find_first(body, ["message_media_not_supported", "message_media_not_supported_label"]):
        media.append(Media("unsupported", url))
        if not text:
            text = UNSUPPORTED_NOTE
    kind, refs = _kind_and_refs(node)
    time_node = _message_time(node, body)
    item = Item(
        platform="telegram",
        native_id=f"{channel}/{number}",
        author=Author(handle=channel, name=owner or _author_name(node), url=f"{PUBLIC}/{channel}"),
        text=text,
        url=url,
        published_at=parse_time(time_node.get("datetime")) if time_node is not None else None,
        kind=kind,
        links=unique([*links, *find_links(text)]),
        hashtags=find_hashtags(text),
        mentions=find_mentions(text),
        media=unique(media),
        refs=refs,
    )
    return http_only(item)


def _without_quoted(node: Tag) -> Tag:
    """The message with the quoted reply box removed, so its text and photo are not ours."""
    if find_first(node, "tgme_widget_message_reply") is None:
        return node
    copy = copying.copy(node)
    for quoted in find_every(copy, "tgme_widget_message_reply"):
        quoted.decompose()
    return copy


def _text_links(node: Tag) -> Iterable[str]:
    for anchor in node.find_all("a", href=True):
        href = str(anchor["href"]).strip()
        shown = anchor.get_text().strip()
        if href.startswith(("http://", "https://")) and not shown.startswith(("@", "#")):
            yield href


def _kind_and_refs(node: Tag) -> tuple[Kind, Refs]:
    forwarded = find_first(node, "tgme_widget_message_forwarded_from")
    if forwarded is not None:
        source = find_first(
            forwarded, "tgme_widget_message_forwarded_from_name", "a", {"href": True}
        )
        return "repost", Refs(repost_of=_post_ref(source.get("href")) if source else None)
    reply = find_first(node, "tgme_widget_message_reply", "a")
    if reply is not None:
        return "reply", Refs(reply_to=_post_ref(reply.get("href")))
    return "post", Refs()


def _post_ref(href: object) -> str | None:
    """`https://t.me/chan/12` -> `telegram:chan/12`; another URL stays a URL."""
    if not isinstance(href, str) or not href.strip():
        return None
    match = _POST_LINK.match(href.strip())
    if match:
        return f"telegram:{match.group(1)}/{match.group(2)}"
    return href.strip() if href.startswith(("http://", "https://")) else None


def _is_edited(node: Tag) -> bool:
    if find_first(node, "tgme_widget_message_edited"):
        return True
    meta = find_first(node, "tgme_widget_message_meta")
    return meta is not None and "edited" in meta.get_text().lower()


def _before(soup: BeautifulSoup) -> int | None:
    more = find_first(soup, "tme_messages_more", attrs={"data-before": True})
    if more is not None and str(more["data-before"]).isdecimal():
        return int(str(more["data-before"]))
    return None


def _owner_name(soup: BeautifulSoup) -> str | None:
    for selector in ("tgme_channel_info_header_title", "tgme_widget_message_owner_name"):
        found = find_first(soup, selector)
        if found is not None and element_text(found):
            return element_text(found)
    meta = as_tag(soup.find("meta", attrs={"property": "og:title", "content": True}))
    return str(meta["content"]).strip() or None if meta is not None else None


def _author_name(node: Tag) -> str | None:
    found = find_first(node, "tgme_widget_message_owner_name")
    return element_text(found) or None if found is not None else None


def _message_time(node: Tag, body: Tag) -> Tag | None:
    date = find_first(node, "tgme_widget_message_date")
    found = as_tag(date.find("time", datetime=True)) if date is not None else None
    return found or as_tag(body.find("time", datetime=True))
