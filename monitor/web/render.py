"""Jinja2 for the web view: autoescaping everywhere, and the few filters that make markup
out of post text, each escaping every piece of text it is given.

- `linkify`: http(s) URLs in the text become links (`text.entities.http_url` decides);
- `marked`: search highlights, matched words in `<mark>`;
- `diff_html`: a word diff, deletions in `<del>` and insertions in `<ins>`.

Nothing here writes a `style` or `on*` attribute: the page's CSP allows the stylesheet only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from monitor.record import parse_time
from monitor.search import highlight
from monitor.text.clip import clip
from monitor.text.diff import Segment, displayed
from monitor.text.entities import http_url
from monitor.text.names import language_name, platform_name
from monitor.web.links import post_path, statement_path

_URL = re.compile(r"https?://[^\s<>\"'\u00a0]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»”’\"'"
LINK_REL = "noopener noreferrer nofollow"


def environment(zone: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tz = ZoneInfo(zone)
    env.globals["zone"] = zone
    env.filters["when"] = lambda moment: when(moment, tz)
    env.filters["day"] = lambda moment: moment.astimezone(tz).date().isoformat()
    env.filters["linkify"] = linkify
    env.filters["marked"] = marked
    env.filters["diff_html"] = diff_html
    env.filters["http_url"] = http_url
    env.filters["post_url"] = post_path
    env.filters["statement_url"] = statement_path
    env.filters["platform_name"] = platform_name
    env.filters["language_name"] = language_name
    env.filters["clip"] = clip
    env.globals["query_string"] = query_string
    env.globals["link_rel"] = LINK_REL
    return env


def when(moment: datetime | str | None, zone: ZoneInfo) -> str:
    """`2026-11-27 09:05` in the monitor's time zone (from a time or its RFC 3339 text)."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = parse_time(moment)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def query_string(params: dict[str, object], **changes: object) -> str:
    """`?a=1&b=2` from `params` updated with `changes`; empty values left out."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        for one in value if isinstance(value, list | tuple) else [value]:
            if one not in (None, "", False):
                pairs.append((key, str(one)))
    return "?" + urlencode(pairs) if pairs else "?"


def linkify(text: str) -> Markup:
    """Escape `text` and turn its http(s) URLs into links (line breaks stay: CSS keeps them)."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        safe = http_url(url)
        if safe is None:
            continue
        parts.append(str(escape(text[position : match.start()])))
        parts.append(f'<a href="{escape(safe)}" rel="{LINK_REL}">{escape(url)}</a>')
        position = match.start() + len(url)
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


def marked(text: str, language: str | None, terms: Collection[str]) -> Markup:
    """Escape `text` with the words a search matched (in `language`'s stems) in `<mark>`."""
    return Markup(
        "".join(
            f"<mark>{escape(piece)}</mark>" if hit else str(escape(piece))
            for piece, hit in highlight(text, language, terms)
        )
    )


def diff_html(segments: Sequence[Segment]) -> Markup:
    """A word diff as escaped text, deletions in `<del>` and insertions in `<ins>`."""
    tags = {"delete": "del", "insert": "ins"}
    parts = []
    for op, text in displayed(segments):
        tag = tags.get(op)
        parts.append(f"<{tag}>{escape(text)}</{tag}>" if tag else str(escape(text)))
    return Markup("".join(parts))
