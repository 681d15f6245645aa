"""HTML -> clean plain text with a real parser (BeautifulSoup on lxml)."""

from __future__ import annotations

import re
import unicodedata
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import Comment, Doctype, NavigableString, ProcessingInstruction, Tag

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
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment: paragraphs and <br> become line breaks, NFC."""
    if "<" not in markup and "&" not in markup:
        return normalize_text(markup)
    soup = BeautifulSoup(markup, "lxml")
    parts: list[str] = []
    _walk(soup, parts)
    return normalize_text("".join(parts))


def _walk(node: Tag, parts: list[str]) -> None:
    for child in node.children:
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
        block = name in _BLOCK
        if block:
            parts.append("\n\n" if name in ("p", "blockquote", "pre") else "\n")
        if name == "li":
            parts.append("• ")
        _walk(child, parts)
        if block:
            parts.append("\n\n" if name in ("p", "blockquote", "pre") else "\n")


def normalize_text(text: str) -> str:
    """NFC, collapsed spaces, trimmed lines, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ZERO_WIDTH.sub("", text)
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
