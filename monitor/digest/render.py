"""Render a `Digest` to its plain-text and HTML parts with Jinja2, each within its size cap
(see `fit`), and, when either part cannot hold every statement, the full digest as an HTML
attachment.

Autoescaping is on for every template except `*.txt.j2`: post text is untrusted, and the
only markup made from it is `linkify`'s, which escapes everything and links http(s) only,
and `diff_html`'s, which escapes every segment of a diff inside its own `<del>`/`<ins>`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from monitor.digest.errors import DigestConfigError
from monitor.digest.fit import fit
from monitor.digest.model import Digest, plural
from monitor.text.clip import clip
from monitor.text.diff import Segment, displayed
from monitor.text.names import language_name, platform_name

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
_URL = re.compile(r"https?://[^\s<>\"'\u00a0]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»”’\"'"
_INDENT = re.compile(r"\n[ \t]+")
# The attached full digest is never cut short of a statement; past this, its long texts are
# shortened (mail servers commonly refuse messages over 10-25 MB).
MAX_ATTACHMENT_BYTES = 10_000_000
# Inline styles: mail clients drop <style> blocks. Colour and strike-through both mark a
# deletion, so it still reads as one where backgrounds are not shown.
DEL_STYLE = "padding:0 1px;background-color:#fde2e2;color:#7f1d1d;text-decoration:line-through;"
INS_STYLE = "padding:0 1px;background-color:#d9f5e3;color:#14532d;text-decoration:none;"


@dataclass(frozen=True, slots=True)
class Rendered:
    """`shortened`, `lines`, `attached`: statements the HTML body shortened, showed as one
    line, or left to the attachment; `text_*` the same for the text part. `attachment`: the
    full digest as HTML, named `attachment_name`, when either part left a statement to it."""

    subject: str
    text: str
    html: str
    shortened: int = 0
    lines: int = 0
    attached: int = 0
    text_shortened: int = 0
    text_lines: int = 0
    text_attached: int = 0
    attachment: str | None = None
    attachment_name: str | None = None


def _autoescape(name: str | None) -> bool:
    return not (name or "").endswith(".txt.j2")


def environment(override: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        if not override.is_dir():
            raise DigestConfigError(f"digest.templates: {override} is not a folder")
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.PackageLoader("monitor.digest", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["linkify"] = linkify
    env.filters["clock"] = clock
    env.filters["localtime"] = localtime
    env.filters["language_name"] = language_name
    env.filters["platform_name"] = platform_name
    env.filters["diff_html"] = diff_html
    env.filters["wdiff"] = wdiff
    env.filters["clip"] = clip
    env.filters["plural"] = plural
    return env


def linkify(text: str) -> Markup:
    """Escape `text`, turn its http(s) URLs into links and its line breaks into `<br>`."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(str(escape(text[position : match.start()])))
        parts.append(
            f'<a href="{escape(url)}" style="color:#1d4ed8;text-decoration:underline;">'
            f"{escape(url)}</a>"
        )
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("<br>".join("".join(parts).split("\n")))


def _html_text(text: str) -> str:
    return "<br>".join(str(escape(line)) for line in text.split("\n"))


def diff_html(segments: Sequence[Segment]) -> Markup:
    """A diff as escaped text, deletions in `<del>` and insertions in `<ins>`, styled inline."""
    parts: list[str] = []
    for op, text in displayed(segments):
        if op == "delete":
            parts.append(f'<del style="{DEL_STYLE}">{_html_text(text)}</del>')
        elif op == "insert":
            parts.append(f'<ins style="{INS_STYLE}">{_html_text(text)}</ins>')
        else:
            parts.append(_html_text(text))
    return Markup("".join(parts))


def wdiff(segments: Sequence[Segment]) -> str:
    """A diff in plain text, as wdiff writes it: `[-deleted-]{+inserted+}`."""
    marks = {"delete": ("[-", "-]"), "insert": ("{+", "+}"), "equal": ("", "")}
    return "".join(f"{marks[op][0]}{text}{marks[op][1]}" for op, text in displayed(segments))


def clock(moment: datetime, with_date: bool = True) -> str:
    """`Sat 28 Nov 07:42`, or `07:42`."""
    if not with_date:
        return moment.strftime("%H:%M")
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b %H:%M')}"


def localtime(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def attachment_name(digest: Digest) -> str:
    """`digest-2026-11-28.html`, or `digest-2026-11-26-to-2026-11-28.html` for a catch-up."""
    return f"digest-{digest.label.replace(' to ', '-to-')}.html"


class Renderer:
    """The HTML part fits `max_html_bytes` (mail clients clip longer HTML), the text part
    `max_text_bytes`; what neither can hold travels in the attached full digest."""

    def __init__(
        self, override: Path | None, max_html_bytes: int, max_text_bytes: int = 1_000_000
    ) -> None:
        self.env = environment(override)
        self.max_html_bytes = max_html_bytes
        self.max_text_bytes = max_text_bytes

    def _template(self, name: str) -> jinja2.Template:
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            raise DigestConfigError(
                f"the digest template {error.filename or name} is invalid: "
                f"{error.message} (line {error.lineno})"
            ) from None
        except jinja2.TemplateNotFound:
            raise DigestConfigError(f"the digest template {name} is missing") from None

    def _render(self, name: str, digest: Digest) -> str:
        limit = self.max_text_bytes if name == TEXT_TEMPLATE else self.max_html_bytes
        try:
            return self._template(name).render(digest=digest, max_kb=limit // 1000)
        except jinja2.TemplateError as error:
            raise DigestConfigError(f"the digest template {name} failed: {error}") from None

    def html(self, digest: Digest) -> str:
        return _INDENT.sub("\n", self._render(HTML_TEMPLATE, digest))

    def text(self, digest: Digest) -> str:
        return self._render(TEXT_TEMPLATE, digest)

    def render(self, digest: Digest) -> Rendered:
        name = attachment_name(digest)
        text, in_text = fit(digest, self.text, self.max_text_bytes, name)
        html, in_html = fit(digest, self.html, self.max_html_bytes, name)
        attachment = None
        if in_text.attached or in_html.attached:
            complete = replace(digest, complete=True)
            attachment, _ = fit(complete, self.html, MAX_ATTACHMENT_BYTES, None)
        return Rendered(
            digest.subject,
            text,
            html,
            in_html.shortened,
            in_html.lines,
            in_html.attached,
            in_text.shortened,
            in_text.lines,
            in_text.attached,
            attachment,
            name if attachment is not None else None,
        )
