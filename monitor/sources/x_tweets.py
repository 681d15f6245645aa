"""One X API v2 tweet object (plus the response's `includes`) -> one `Item`."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from monitor.record import Author, Item, Kind, Media, Refs
from monitor.sources.common import as_dict, as_list, as_str, parse_time, unique
from monitor.sources.entries import http_only
from monitor.sources.hints import lang_hint
from monitor.text.html import normalize_text

Includes = Mapping[str, Mapping[str, Mapping[str, Any]]]
_MEDIA_LINK = re.compile(
    r"^https?://(?:www\.)?(?:twitter|x)\.com/\w+/status/\d+/(?:photo|video)/\d"
)


def tweet_item(tweet: Mapping[str, Any], includes: Includes, username: str) -> Item:
    """A retweet carries the original's full text; an edited tweet keeps its first id."""
    tweet_id = as_str(tweet.get("id"))
    history = [h for h in as_list(tweet.get("edit_history_tweet_ids")) if isinstance(h, str)]
    referenced = {
        as_str(as_dict(ref).get("type")): as_str(as_dict(ref).get("id"))
        for ref in as_list(tweet.get("referenced_tweets"))
    }
    users = includes.get("users", {})
    body = tweet
    kind: Kind = "post"
    extra_mentions: list[str] = []
    if referenced.get("retweeted"):
        kind = "repost"
        original = includes.get("tweets", {}).get(referenced["retweeted"])
        if original is not None:
            body = original
            poster = as_str(as_dict(users.get(as_str(original.get("author_id")))).get("username"))
            extra_mentions = [poster] if poster else []
        refs = Refs(repost_of=f"x:{referenced['retweeted']}")
    else:
        reply_to = referenced.get("replied_to")
        quote_of = referenced.get("quoted")
        kind = "quote" if quote_of else "reply" if reply_to else "post"
        refs = Refs(
            reply_to=f"x:{reply_to}" if reply_to else None,
            quote_of=f"x:{quote_of}" if quote_of else None,
        )
    raw_text, entities = full_text(body)
    text, links = expand_urls(raw_text, entities)
    hashtags = [as_str(as_dict(h).get("tag")) for h in as_list(entities.get("hashtags"))]
    mentions = [as_str(as_dict(m).get("username")) for m in as_list(entities.get("mentions"))]
    url = f"https://x.com/{username}/status/{tweet_id}"
    me = as_dict(users.get(as_str(tweet.get("author_id"))))
    item = Item(
        platform="x",
        native_id=history[0] if history else tweet_id,
        author=Author(
            handle=as_str(me.get("username")) or username,
            name=as_str(me.get("name")) or None,
            url=f"https://x.com/{as_str(me.get('username')) or username}",
        ),
        text=text,
        url=url,
        published_at=parse_time(tweet.get("created_at")),
        kind=kind,
        links=unique(links),
        hashtags=unique(h for h in hashtags if h),
        mentions=unique(m for m in extra_mentions + mentions if m),
        media=media_of(body, includes, url),
        refs=refs,
        lang_hint=lang_hint(body.get("lang")),
    )
    return http_only(item)


def full_text(tweet: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """`note_tweet` holds the whole text of a long post; `text` is cut at 280 characters."""
    note = as_dict(tweet.get("note_tweet"))
    if as_str(note.get("text")):
        return note["text"], as_dict(note.get("entities"))
    return as_str(tweet.get("text")), as_dict(tweet.get("entities"))


def expand_urls(text: str, entities: Mapping[str, Any]) -> tuple[str, list[str]]:
    """t.co links become their targets; the t.co link to the post's own media is dropped."""
    text = html.unescape(text)  # v2 escapes &, < and > in `text`
    links: list[str] = []
    for entity in as_list(entities.get("urls")):
        entry = as_dict(entity)
        short = as_str(entry.get("url"))
        if not short:
            continue
        target = as_str(entry.get("unwound_url")) or as_str(entry.get("expanded_url")) or short
        own_media = bool(entry.get("media_key")) or bool(_MEDIA_LINK.match(target))
        pattern = re.compile(re.escape(short) + r"(?![\w/])")
        replacement = "" if own_media else target.replace("\\", "\\\\")
        text = pattern.sub(replacement, text)
        if not own_media:
            links.append(target)
    return normalize_text(text), links


def media_of(tweet: Mapping[str, Any], includes: Includes, url: str) -> tuple[Media, ...]:
    attachments = as_dict(tweet.get("attachments"))
    table = includes.get("media", {})
    found: list[Media] = []
    for key in as_list(attachments.get("media_keys")):
        media = table.get(as_str(key))
        if media is None:
            continue
        kind = as_str(media.get("type"))
        if kind == "photo" and as_str(media.get("url")):
            found.append(Media("photo", media["url"]))
        elif kind in ("video", "animated_gif"):
            target = _best_variant(media) or as_str(media.get("preview_image_url"))
            if target:
                found.append(Media("video" if kind == "video" else "gif", target))
    for poll_id in as_list(attachments.get("poll_ids")):
        if as_str(poll_id):
            found.append(Media("poll", url))
    return tuple(found)


def _best_variant(media: Mapping[str, Any]) -> str:
    variants = [
        as_dict(v)
        for v in as_list(media.get("variants"))
        if as_str(as_dict(v).get("content_type")) == "video/mp4" and as_str(as_dict(v).get("url"))
    ]
    if not variants:
        return ""
    best = max(variants, key=lambda v: v.get("bit_rate") or 0)
    return as_str(best.get("url"))
