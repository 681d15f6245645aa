"""HTML -> clean plain text with a real parser (BeautifulSoup on lxml)."""

from __future__ import annotations

import re
import unicodedata
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import (
    Comment,
    Doctype,
    NavigableString,
    PageElement,
    ProcessingInstruction,
    Tag,
)

warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset(["script", "style", "noscript", "template", "head", "iframe", "object", "svg"])
_SPACE_CHARS = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"
# Runs of spaces that need collapsing; a lone plain space (most of them) is left alone.
_SPACES = re.compile(f" [ {_SPACE_CHARS}]+|[{_SPACE_CHARS}][ {_SPACE_CHARS}]*")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(markup: str, *, full_urls: bool = False) -> str:
    """Visible text of an HTML fragment: paragraphs and <br> become line breaks, NFC.

    With `full_urls`, a link whose visible text is a shortened form of its target
    (`mid.ru/ru/…`, Mastodon's ellipsis spans) shows the whole target URL instead.
    """
    if "<" not in markup and "&" not in markup:
        return normalize_text(markup)
    return element_text(BeautifulSoup(markup, "lxml"), full_urls=full_urls)


def element_text(node: Tag, *, full_urls: bool = False) -> str:
    """Like `html_to_text`, for an element of an already parsed document."""
    parts: list[str] = []
    _walk(node, parts, full_urls)
    return normalize_text("".join(parts))


def classes(node: Tag) -> list[str]:
    """A tag's CSS classes, however the parser stored the attribute."""
    value = node.get("class")
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def shows_url(anchor: Tag) -> bool:
    """Whether a link's visible text is its own target, possibly shortened."""
    href = str(anchor.get("href") or "").strip()
    shown = anchor.get_text().strip().rstrip("…").rstrip(".")
    if len(shown) < 4 or not href.startswith(("http://", "https://")):
        return False
    return _bare(href).lower().startswith(_bare(shown).lower())


def _bare(url: str) -> str:
    for prefix in ("https://", "http://", "www."):
        url = url.removeprefix(prefix)
    return url


def _walk(node: Tag, parts: list[str], full_urls: bool = False) -> None:
    """Append the text of `node`'s children to `parts`, depth first, with an explicit stack (a
    deeply nested entry must not exhaust Python's recursion limit)."""
    # Each entry is a child still to read, or the text that closes a block element.
    stack: list[PageElement | str] = list(reversed(node.contents))
    while stack:
        child = stack.pop()
        if isinstance(child, str) and not isinstance(child, NavigableString):
            parts.append(child)
            continue
        if isinstance(child, Comment | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, NavigableString):
            parts.append(str(child).replace("\n", " "))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name in _SKIP:
            continue
        if name == "br":
            parts.append("\n")
            continue
        if full_urls and name == "a" and shows_url(child):
            parts.append(str(child.get("href")).strip())
            continue
        block = name in _BLOCK
        edge = "\n\n" if name in ("p", "blockquote", "pre") else "\n"
        if block:
            parts.append(edge)
            stack.append(edge)
        if name == "li":
            parts.append("• ")
        stack.extend(reversed(child.contents))


def normalize_text(text: str) -> str:
    """NFC, collapsed spaces, trimmed lines, at most one blank line in a row."""
    # Zero-width characters go first: one between a letter and its accent would block NFC.
    text = _ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def links_in_html(markup: str) -> tuple[str, ...]:
    """The http(s) targets of <a href> in document order, without duplicates."""
    if "<a" not in markup.lower():
        return ()
    soup = BeautifulSoup(markup, "lxml")
    seen: dict[str, None] = {}
    for anchor in soup.find_all("a", href=True):
        href = str(anchor.get("href", "")).strip()
        if href.startswith(("http://", "https://")):
            seen.setdefault(href, None)
    return tuple(seen)
