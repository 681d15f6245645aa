"""Finding things in a Telegram web-preview message: media, polls, classes, styles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bs4.element import Tag

from monitor.record import Media
from monitor.text.html import element_text

_STYLE_URL = re.compile(r"background-image:\s*url\(\s*['\"]?([^'\")]+)")


def media_of(body: Tag, url: str) -> Iterable[Media]:
    for photo in find_every(body, "tgme_widget_message_photo_wrap"):
        found = style_url(photo)
        if found:
            yield Media("photo", found)
    for player in find_every(
        body, ["tgme_widget_message_video_player", "tgme_widget_message_roundvideo_player"]
    ):
        video = as_tag(player.find("video", src=True))
        if video is not None:
            yield Media("video", absolute(str(video["src"])))
        else:
            yield Media("video", str(player.get("href") or url))
    for sticker in find_every(body, "tgme_widget_message_sticker_wrap"):
        tree: Any = sticker
        image = as_tag(tree.find(attrs={"data-webp": True})) or as_tag(tree.find("img", src=True))
        found = str(image.get("data-webp") or image.get("src")) if image is not None else ""
        yield Media("photo", absolute(found) if found else url)
    for voice in find_every(body, "tgme_widget_message_voice", "audio", {"src": True}):
        yield Media("audio", absolute(str(voice["src"])))
    for document in find_every(body, "tgme_widget_message_document_wrap", "a"):
        yield Media("document", str(document.get("href") or url))
    if find_first(body, "tgme_widget_message_poll"):
        yield Media("poll", url)
    for place in find_every(body, "tgme_widget_message_location_wrap", "a", {"href": True}):
        yield Media("link", str(place["href"]))
    for preview in find_every(body, "tgme_widget_message_link_preview", "a", {"href": True}):
        yield Media("link", str(preview["href"]))


def poll_text(body: Tag) -> str:
    poll = find_first(body, "tgme_widget_message_poll")
    if poll is None:
        return ""
    question = find_first(poll, "tgme_widget_message_poll_question")
    lines = [element_text(question)] if question is not None else []
    for option in find_every(poll, "tgme_widget_message_poll_option_text"):
        lines.append(f"• {element_text(option)}")
    return "\n".join(line for line in lines if line)


def style_url(node: Tag) -> str | None:
    match = _STYLE_URL.search(str(node.get("style") or ""))
    return absolute(match.group(1).strip()) if match else None


def absolute(url: str) -> str:
    return "https:" + url if url.startswith("//") else url


def as_tag(found: object) -> Tag | None:
    return found if isinstance(found, Tag) else None


def find_first(
    node: Tag,
    classes: str | list[str],
    name: str | None = None,
    attrs: dict[str, bool] | None = None,
) -> Tag | None:
    """The first descendant with one of `classes` (plain find: far cheaper than CSS select)."""
    tree: Any = node
    return as_tag(tree.find(name, class_=classes, attrs=attrs or {}))


def find_every(
    node: Tag,
    classes: str | list[str],
    name: str | None = None,
    attrs: dict[str, bool] | None = None,
) -> list[Tag]:
    tree: Any = node
    return [t for t in tree.find_all(name, class_=classes, attrs=attrs or {}) if isinstance(t, Tag)]
