"""What an alert says: short enough for a phone, translation first, matched words marked.

The e-mail has a plain-text part (matches in `*stars*`) and an HTML part (matches in
`<mark>`), every piece of post text escaped and every link checked to be http(s). The
webhook gets the same facts as JSON, with the records in their published shape.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from monitor.record import PostRecord
from monitor.search.highlight import highlight
from monitor.text.clip import clip
from monitor.text.entities import http_url
from monitor.web.links import statement_link

PREVIEW = 600  # characters of each text in a message


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One event to announce: the matched record and the other versions of its statement."""

    event: str  # new | edited | deleted
    record: PostRecord
    versions: tuple[PostRecord, ...]  # the statement's other posts


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def _marked_text(text: str, language: str | None, terms: frozenset[str]) -> str:
    return "".join(
        f"*{s}*" if hit else s for s, hit in highlight(clip(text, PREVIEW), language, terms)
    )


def _marked_html(text: str, language: str | None, terms: frozenset[str]) -> str:
    return "".join(
        f"<mark>{html.escape(s)}</mark>" if hit else html.escape(s)
        for s, hit in highlight(clip(text, PREVIEW), language, terms)
    )


def _label(event: str) -> str:
    return {"new": "", "edited": "EDITED · ", "deleted": "DELETED · "}[event]


def render(
    alert: str,
    items: Sequence[AlertItem],
    terms: frozenset[str],
    zone: tzinfo,
    public_url: str = "",
) -> Rendered:
    """One message for `items`: a single event, or a flood summary of several."""
    first = items[0].record
    if len(items) == 1:
        preview = first.translation.text or first.title or first.text
        subject = f"[{alert}] {_label(items[0].event)}{first.source}: {clip(preview, PREVIEW)[:80]}"
    else:
        subject = f"[{alert}] {len(items)} matches (summary: more than the hourly cap)"
    texts: list[str] = []
    pages: list[str] = []
    for item in items:
        text, page = _one(item, terms, zone, public_url)
        texts.append(text)
        pages.append(page)
    body = "\n\n---\n\n".join(texts)
    document = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width"></head>'
        '<body style="font-family:sans-serif;max-width:40em">'
        + "<hr>".join(pages)
        + f'<p style="color:#666;font-size:small">alert “{html.escape(alert)}”</p></body></html>'
    )
    return Rendered(subject.replace("\n", " "), body + f"\n\nalert “{alert}”\n", document)


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if moment else ""


def _one(item: AlertItem, terms: frozenset[str], zone: tzinfo, public_url: str) -> tuple[str, str]:
    record = item.record
    translated = record.translation.status == "translated" and record.translation.text
    original = f"{record.title}\n{record.text}" if record.title else record.text
    meta = f"{record.source} · {record.platform} · {record.language.code} · " + _when(
        record.published_at, zone
    )
    if item.event == "deleted":
        meta += f" · deleted, noticed {_when(record.deleted_at, zone)}"
    elif item.event == "edited":
        meta += f" · edited (rev. {record.revision})"
    lines = [_label(item.event) + meta]
    parts = [f"<p><b>{html.escape(_label(item.event))}</b>{html.escape(meta)}</p>"]
    if translated:
        assert record.translation.text is not None
        lines.append(_marked_text(record.translation.text, record.translation.target, terms))
        parts.append(
            "<p>" + _marked_html(record.translation.text, record.translation.target, terms) + "</p>"
        )
    lines.append(
        ("Original: " if translated else "") + _marked_text(original, record.language.code, terms)
    )
    parts.append(
        f'<p lang="{html.escape(record.language.code)}" style="color:#444">'
        + _marked_html(original, record.language.code, terms)
        + "</p>"
    )
    link = http_url(record.url)
    if link:
        lines.append(link)
        parts.append(f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>')
    others = [v for v in item.versions if v.id != record.id]
    if others:
        lines.append("Also on: " + "; ".join(_version_text(v) for v in others))
        parts.append("<p>Also on: " + " · ".join(_version_html(v) for v in others) + "</p>")
    page = statement_link(public_url, record.statement_id)
    if page:
        lines.append(f"Statement: {page}")
        parts.append(f'<p><a href="{html.escape(page)}">The statement in the web view</a></p>')
    return "\n".join(lines), "".join(parts)


def _version_text(record: PostRecord) -> str:
    link = http_url(record.url)
    return f"{record.platform} {record.source} ({record.language.code})" + (
        f" {link}" if link else ""
    )


def _version_html(record: PostRecord) -> str:
    label = html.escape(f"{record.platform} {record.source} ({record.language.code})")
    link = http_url(record.url)
    return f'<a href="{html.escape(link)}">{label}</a>' if link else label


def webhook_body(alert: str, items: Sequence[AlertItem], public_url: str = "") -> bytes:
    """The JSON a webhook receives: the alert, and per event the records of the statement
    (the matched one first) in their published `monitor.post/1` shape."""
    events = [
        {
            "event": item.event,
            "statement_id": item.record.statement_id,
            "statement_url": statement_link(public_url, item.record.statement_id),
            "record": item.record.as_dict(),
            "also_on": [v.as_dict() for v in item.versions if v.id != item.record.id],
        }
        for item in items
    ]
    payload = {"alert": alert, "summary": len(items) > 1, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
