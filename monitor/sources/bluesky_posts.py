"""One `app.bsky.feed.defs#feedViewPost` of an author feed -> one `Item`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.record import Author, Item, Kind, Media, Refs
from monitor.sources.common import as_dict, as_list, as_str, parse_time, unique
from monitor.sources.entries import http_only
from monitor.sources.hints import lang_hint
from monitor.text.entities import find_hashtags, find_links
from monitor.text.html import normalize_text

APP = "https://bsky.app"
REPOST = "app.bsky.feed.defs#reasonRepost"
PIN = "app.bsky.feed.defs#reasonPin"
POST = "app.bsky.feed.post"


@dataclass(frozen=True, slots=True)
class RichText:
    text: str
    links: tuple[str, ...]
    mentions: tuple[str, ...]
    hashtags: tuple[str, ...]


def at_parts(uri: str) -> tuple[str, str, str]:
    """`at://did:plc:x/app.bsky.feed.post/3k2a` -> (`did:plc:x`, `app.bsky.feed.post`, `3k2a`)."""
    parts = uri.removeprefix("at://").split("/")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", "", "")


def post_id(uri: str) -> str | None:
    """Our id of a post's at:// uri: `bluesky:<did>/<rkey>`."""
    did, collection, rkey = at_parts(uri)
    return f"bluesky:{did}/{rkey}" if did and rkey and collection == POST else None


def post_url(author: Mapping[str, Any], uri: str) -> str:
    """The bsky.app page; a handle that failed verification (`handle.invalid`) uses the DID."""
    handle = as_str(author.get("handle"))
    did, _, rkey = at_parts(uri)
    who = handle if handle and handle != "handle.invalid" else did
    return f"{APP}/profile/{who}/post/{rkey}"


def sort_time(entry: Mapping[str, Any]) -> datetime | None:
    """Where the AppView sorts an entry: a repost's time, else the earlier of created/indexed."""
    reason = as_dict(entry.get("reason"))
    if as_str(reason.get("$type")) == REPOST:
        return parse_time(reason.get("indexedAt"))
    post = as_dict(entry.get("post"))
    times = [
        t
        for t in (
            parse_time(as_dict(post.get("record")).get("createdAt")),
            parse_time(post.get("indexedAt")),
        )
        if t is not None
    ]
    return min(times) if times else None


def entry_key(entry: Mapping[str, Any]) -> str:
    reason = as_dict(entry.get("reason"))
    if as_str(reason.get("$type")) == REPOST:
        return as_str(reason.get("uri")) or "repost:" + as_str(
            as_dict(entry.get("post")).get("uri")
        )
    return as_str(as_dict(entry.get("post")).get("uri"))


def feed_item(entry: Mapping[str, Any]) -> Item:
    post = as_dict(entry.get("post"))
    record = as_dict(post.get("record"))
    uri = as_str(post.get("uri"))
    did, _, rkey = at_parts(uri)
    author = as_dict(post.get("author"))
    reason = as_dict(entry.get("reason"))
    reposted = as_str(reason.get("$type")) == REPOST
    rich = rich_text(as_str(record.get("text")), as_list(record.get("facets")))
    media, links, quoted = _embed(as_dict(post.get("embed")))
    if quoted is None:
        quoted = as_str(as_dict(as_dict(record.get("embed")).get("record")).get("uri")) or None
    parent = as_str(as_dict(as_dict(record.get("reply")).get("parent")).get("uri"))
    kind: Kind = "repost" if reposted else "quote" if quoted else "reply" if parent else "post"
    poster = as_dict(reason.get("by")) if reposted else author
    mentions = list(rich.mentions)
    if reposted and as_str(author.get("handle")):
        mentions.insert(0, as_str(author.get("handle")))
    tags = [as_str(tag) for tag in as_list(record.get("tags"))]
    langs = as_list(record.get("langs"))
    item = Item(
        platform="bluesky",
        native_id=_native_id(reason, did, rkey) if reposted else f"{did}/{rkey}",
        author=Author(
            handle=as_str(poster.get("handle")) or as_str(poster.get("did")),
            name=as_str(poster.get("displayName")) or None,
            url=f"{APP}/profile/{as_str(poster.get('did')) or as_str(poster.get('handle'))}",
        ),
        text=rich.text,
        url=post_url(author, uri),
        published_at=(
            parse_time(reason.get("indexedAt"))
            if reposted
            else parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
        ),
        kind=kind,
        links=unique([*rich.links, *links]),
        hashtags=unique(t for t in [*rich.hashtags, *tags] if t),
        mentions=unique(m for m in mentions if m),
        media=tuple(media),
        refs=Refs(
            reply_to=(post_id(parent) or parent) if parent and not reposted else None,
            repost_of=post_id(uri) if reposted else None,
            quote_of=(post_id(quoted) or quoted) if quoted else None,
        ),
        lang_hint=lang_hint(langs[0]) if langs else None,
    )
    return http_only(item)


def _native_id(reason: Mapping[str, Any], did: str, rkey: str) -> str:
    """A repost is its own record in the reposter's repository."""
    repo, _, repost_rkey = at_parts(as_str(reason.get("uri")))
    if repo and repost_rkey:
        return f"{repo}/{repost_rkey}"
    return f"{as_str(as_dict(reason.get('by')).get('did'))}/repost:{did}/{rkey}"


def rich_text(text: str, facets: list[Any]) -> RichText:
    """Apply facets (UTF-8 byte ranges): shortened link text becomes the whole URL."""
    raw = text.encode("utf-8")
    pieces: list[bytes] = []
    links: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    position = 0
    for start, end, features in _spans(facets):
        if start < position or end > len(raw) or start >= end:
            continue  # overlapping or out-of-range facets come from buggy clients
        shown = raw[start:end].decode("utf-8", errors="replace")
        replacement = shown
        for feature in features:
            kind = as_str(feature.get("$type"))
            if kind.endswith("#link") and as_str(feature.get("uri")):
                target = feature["uri"]
                links.append(target)
                if _shortened(shown, target):
                    replacement = target
            elif kind.endswith("#mention"):
                mentions.append(shown.strip().lstrip("@") or as_str(feature.get("did")))
            elif kind.endswith("#tag") and as_str(feature.get("tag")):
                hashtags.append(feature["tag"].lstrip("#"))
        pieces += [raw[position:start], replacement.encode("utf-8")]
        position = end
    pieces.append(raw[position:])
    clean = normalize_text(b"".join(pieces).decode("utf-8", errors="replace"))
    return RichText(
        clean,
        unique([*links, *find_links(clean)]),
        unique(mentions),
        unique([*hashtags, *find_hashtags(clean)]),
    )


def _spans(facets: list[Any]) -> list[tuple[int, int, list[Mapping[str, Any]]]]:
    spans = []
    for facet in facets:
        index = as_dict(as_dict(facet).get("index"))
        start, end = index.get("byteStart"), index.get("byteEnd")
        if isinstance(start, int) and isinstance(end, int):
            features = [as_dict(f) for f in as_list(as_dict(facet).get("features"))]
            spans.append((start, end, features))
    return sorted(spans, key=lambda span: (span[0], span[1]))


def _shortened(shown: str, target: str) -> bool:
    bare = target.split("://", 1)[-1].removeprefix("www.")
    visible = shown.strip().rstrip("…").rstrip(".").split("://", 1)[-1].removeprefix("www.")
    return len(visible) >= 4 and bare.startswith(visible)


def _embed(
    view: Mapping[str, Any], *, inner: bool = False
) -> tuple[list[Media], list[str], str | None]:
    """Media, links and the quoted post's uri of a post's hydrated embed view.

    recordWithMedia holds one plain media embed; one nested again is malformed, and
    following it would let a hostile feed recurse without bound.
    """
    kind = as_str(view.get("$type"))
    media: list[Media] = []
    links: list[str] = []
    quoted: str | None = None
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        if inner:
            return media, links, None
        quoted = _quoted(as_dict(as_dict(view.get("record")).get("record")))
        media, links, _ = _embed(as_dict(view.get("media")), inner=True)
        return media, links, quoted
    if kind.startswith("app.bsky.embed.record"):
        return media, links, _quoted(as_dict(view.get("record")))
    if kind.startswith("app.bsky.embed.images"):
        for image in as_list(view.get("images")):
            url = as_str(as_dict(image).get("fullsize")) or as_str(as_dict(image).get("thumb"))
            if url:
                media.append(Media("photo", url))
    elif kind.startswith("app.bsky.embed.video"):
        url = as_str(view.get("playlist")) or as_str(view.get("thumbnail"))
        if url:
            media.append(Media("video", url))
    elif kind.startswith("app.bsky.embed.external"):
        url = as_str(as_dict(view.get("external")).get("uri"))
        if url:
            media.append(Media("link", url))
            links.append(url)
    return media, links, quoted


def _quoted(record: Mapping[str, Any]) -> str | None:
    """The uri of an embedded post (also when it is deleted or blocked); other records: None."""
    uri = as_str(record.get("uri"))
    return uri if at_parts(uri)[1] == POST else None
