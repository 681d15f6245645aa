"""One Mastodon Status entity -> one `Item`.

`spoiler_text` (the content warning) becomes the item's `title`, so the text
stays the post itself and a changed warning is an edit like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bs4 import BeautifulSoup

from monitor.record import Author, Item, Kind, Media, Refs
from monitor.sources.common import as_dict, as_list, as_str, parse_time, unique
from monitor.sources.entries import http_only
from monitor.sources.hints import lang_hint
from monitor.text.entities import find_hashtags
from monitor.text.html import classes as html_classes
from monitor.text.html import element_text, normalize_text

_MEDIA_TYPES = {"image": "photo", "video": "video", "gifv": "gif", "audio": "audio"}
_NOT_LINKS = frozenset(["mention", "hashtag", "u-url"])


def status_item(status: Mapping[str, Any], instance: str, acct: str) -> Item:
    """A boost carries the boosted status's content; the item stays the boost itself."""
    boosted = as_dict(status.get("reblog"))
    body = boosted or status
    quoted = as_dict(as_dict(body.get("quote")).get("quoted_status"))
    text, links = content_text(as_str(body.get("content")), drop_quote_fallback=bool(quoted))
    card = as_dict(body.get("card"))
    if as_str(card.get("url")):
        links.append(card["url"])
    reply_to = as_str(status.get("in_reply_to_id"))
    kind: Kind = "repost" if boosted else "quote" if quoted else "reply" if reply_to else "post"
    refs = Refs(
        reply_to=_ref(instance, reply_to, None) if reply_to and not boosted else None,
        repost_of=_ref(instance, as_str(boosted.get("id")), boosted) if boosted else None,
        quote_of=_ref(instance, as_str(quoted.get("id")), quoted) if quoted else None,
    )
    tags = [as_str(as_dict(tag).get("name")) for tag in as_list(body.get("tags"))]
    account = as_dict(status.get("account"))
    spoiler = normalize_text(as_str(body.get("spoiler_text")))
    item = Item(
        platform="mastodon",
        native_id=f"{instance}/{as_str(status.get('id'))}",
        author=Author(
            handle=acct,
            name=as_str(account.get("display_name")) or None,
            url=as_str(account.get("url")) or None,
        ),
        text=text,
        url=as_str(status.get("url")) or as_str(body.get("url")) or None,
        published_at=parse_time(status.get("created_at")),
        kind=kind,
        title=spoiler or None,
        links=unique(links),
        hashtags=_hashtags(find_hashtags(text), tags),
        mentions=unique(as_str(as_dict(m).get("acct")) for m in as_list(body.get("mentions")) if m),
        media=tuple(_media(body)),
        refs=refs,
        lang_hint=lang_hint(body.get("language")),
    )
    return http_only(item)


def content_text(markup: str, *, drop_quote_fallback: bool = False) -> tuple[str, list[str]]:
    """Clean text of `content`, where links show their whole URL, and the links it carries.

    Mastodon splits a link's visible text into `invisible` and `ellipsis` spans; the
    text here is the full target instead, whatever the spans show.
    """
    soup = BeautifulSoup(markup or "", "lxml")
    if drop_quote_fallback:
        for fallback in soup.select(".quote-inline"):
            fallback.decompose()
    links: list[str] = []
    for anchor in soup.select("a[href]"):
        classes = set(html_classes(anchor))
        href = str(anchor["href"]).strip()
        if classes & _NOT_LINKS or not href.startswith(("http://", "https://")):
            continue
        links.append(href)
        if anchor.select_one(".invisible, .ellipsis"):
            anchor.clear()
            anchor.append(href)
    return element_text(soup, full_urls=True), links


def _hashtags(in_text: Iterable[str], tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as written in the text; the API's lowercased `tags` only add missing ones."""
    found = list(in_text)
    known = {tag.casefold() for tag in found}
    found += [tag for tag in tags if tag and tag.casefold() not in known]
    return unique(found)


def _ref(instance: str, status_id: str, status: Mapping[str, Any] | None) -> str | None:
    """Our id for a status of this instance's accounts; its URL when it lives elsewhere."""
    if status is not None and "@" in as_str(as_dict(status.get("account")).get("acct")):
        return as_str(status.get("url")) or as_str(status.get("uri")) or None
    return f"mastodon:{instance}/{status_id}" if status_id else None


def _media(status: Mapping[str, Any]) -> Iterable[Media]:
    for attachment in as_list(status.get("media_attachments")):
        entry = as_dict(attachment)
        url = as_str(entry.get("url")) or as_str(entry.get("remote_url"))
        if url:
            yield Media(_MEDIA_TYPES.get(as_str(entry.get("type")), "document"), url)
    poll = as_dict(status.get("poll"))
    if poll and as_str(status.get("url")):
        yield Media("poll", status["url"])
    card = as_dict(status.get("card"))
    if as_str(card.get("url")):
        yield Media("link", card["url"])
