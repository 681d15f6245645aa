"""Render a `Digest` to its plain-text and HTML parts with Jinja2, each within its size cap.

Autoescaping is on for every template except `*.txt.j2`: post text is untrusted, and the
only markup made from it is `linkify`'s, which escapes everything and links http(s) only,
and `diff_html`'s, which escapes every segment of a diff inside its own `<del>`/`<ins>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from monitor.digest.errors import DigestConfigError
from monitor.digest.model import Digest, PostView, language_name, platform_name
from monitor.text.diff import Segment, condensed, displayed

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
_URL = re.compile(r"https?://[^\s<>\"'\u00a0]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»”’\"'"
_INDENT = re.compile(r"\n[ \t]+")
MIN_CLIP = 80
# Inline styles: mail clients drop <style> blocks. Colour and strike-through both mark a
# deletion, so it still reads as one where backgrounds are not shown.
DEL_STYLE = "padding:0 1px;background-color:#fde2e2;color:#7f1d1d;text-decoration:line-through;"
INS_STYLE = "padding:0 1px;background-color:#d9f5e3;color:#14532d;text-decoration:none;"


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    shortened: int
    omitted: int
    text_shortened: int = 0
    text_omitted: int = 0


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


def clip(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—\n") + " …"


class Renderer:
    """The HTML part fits `max_html_bytes` (mail clients clip longer HTML); the text part,
    which carries every post in full when it can, fits `max_text_bytes` the same way."""

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

    def _render(self, name: str, digest: Digest, text_complete: bool = True) -> str:
        limit = self.max_text_bytes if name == TEXT_TEMPLATE else self.max_html_bytes
        try:
            return self._template(name).render(
                digest=digest, max_kb=limit // 1000, text_complete=text_complete
            )
        except jinja2.TemplateError as error:
            raise DigestConfigError(f"the digest template {name} failed: {error}") from None

    def html(self, digest: Digest, text_complete: bool = True) -> str:
        return _INDENT.sub("\n", self._render(HTML_TEMPLATE, digest, text_complete))

    def text(self, digest: Digest) -> str:
        return self._render(TEXT_TEMPLATE, digest)

    def render(self, digest: Digest) -> Rendered:
        text, in_text = self.fit_text(digest)
        html, fitted = self.fit(digest, text_complete=not in_text.omitted)
        return Rendered(
            digest.subject,
            text,
            html,
            fitted.shortened,
            fitted.omitted,
            in_text.shortened,
            in_text.omitted,
        )

    def fit(self, digest: Digest, text_complete: bool = True) -> tuple[str, Digest]:
        """The HTML within `max_html_bytes`: clip long texts, then leave out the latest posts."""
        return self._fit(digest, lambda d: self.html(d, text_complete), self.max_html_bytes)

    def fit_text(self, digest: Digest) -> tuple[str, Digest]:
        """The text part within `max_text_bytes`, the same way as the HTML part."""
        return self._fit(digest, self.text, self.max_text_bytes)

    def _fit(
        self, digest: Digest, render: Callable[[Digest], str], limit: int
    ) -> tuple[str, Digest]:
        whole = render(digest)
        if _size(whole) <= limit:
            return whole, digest
        longest = max(
            (
                max(len(p.original), len(p.translation or ""), p.changes_chars)
                for g in digest.groups
                for p in g.posts
            ),
            default=0,
        )
        fits = _Fitting(render, limit)
        best = fits.largest(
            MIN_CLIP, max(MIN_CLIP, longest - 1), lambda chars: clipped(digest, chars)
        )
        if best is not None:
            return best
        base = clipped(digest, MIN_CLIP)
        total = sum(len(g.posts) for g in base.groups)
        best = fits.largest(0, total, lambda keep: limited(base, keep))
        if best is not None:
            return best
        nothing = limited(base, 0)
        return render(nothing), nothing


@dataclass(frozen=True, slots=True)
class _Fitting:
    render: Callable[[Digest], str]
    limit: int

    def largest(
        self, low: int, high: int, make: Callable[[int], Digest]
    ) -> tuple[str, Digest] | None:
        """The rendering of `make(n)` for the largest n in [low, high] that fits, by bisection."""
        best: tuple[str, Digest] | None = None
        while low <= high:
            middle = (low + high) // 2
            candidate = make(middle)
            output = self.render(candidate)
            if _size(output) <= self.limit:
                best, low = (output, candidate), middle + 1
            else:
                high = middle - 1
        return best


def _size(html: str) -> int:
    return len(html.encode("utf-8"))


def _clip_post(post: PostView, limit: int) -> PostView:
    original = clip(post.original, limit)
    translation = clip(post.translation, limit) if post.translation else None
    changes, hidden = _clip_changes(post.changes, limit)
    if changes:
        cut = changes != post.changes or translation != post.translation
    else:
        cut = hidden or original != post.original or translation != post.translation
    if not cut:
        return post
    return replace(
        post,
        original=original,
        translation=translation,
        changes=changes,
        changes_hidden=hidden or post.changes_hidden,
        shortened=True,
    )


def _clip_changes(changes: tuple[Segment, ...], limit: int) -> tuple[tuple[Segment, ...], bool]:
    """The diff within about `limit` characters: unchanged runs cut to their ends around the
    changes; when the changes alone are longer, no diff (True: it was dropped)."""
    if sum(len(segment.text) for segment in changes) <= limit:
        return changes, False
    short = condensed(changes, max(12, limit // 10))
    if sum(len(segment.text) for segment in short) <= limit:
        return short, False
    return (), True


def clipped(digest: Digest, limit: int) -> Digest:
    groups = tuple(
        replace(g, posts=tuple(_clip_post(p, limit) for p in g.posts)) for g in digest.groups
    )
    shortened = sum(1 for g in groups for p in g.posts if p.shortened)
    return replace(digest, groups=groups, shortened=shortened)


def limited(digest: Digest, keep: int) -> Digest:
    """The digest with only its first `keep` posts (in display order) in the HTML."""
    groups = []
    left = keep
    for group in digest.groups:
        if left <= 0:
            break
        groups.append(replace(group, posts=group.posts[:left]))
        left -= len(group.posts)
    shown = sum(len(g.posts) for g in groups)
    total = sum(len(g.posts) for g in digest.groups) + digest.omitted
    shortened = sum(1 for g in groups for p in g.posts if p.shortened)
    return replace(digest, groups=tuple(groups), omitted=total - shown, shortened=shortened)
