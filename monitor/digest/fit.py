"""Fit a rendering of the digest under a size cap, losing nothing without a trace.

In order, each step only when the previous one does not fit:

1. every statement in full;
2. every statement in full, long texts shortened at a word boundary only as much as needed
   (each shortened text links to its post);
3. the most important statements (see `model.TIERS`) in full, shortened to `ENTRY_CLIP`
   characters, and one line with its link for each of the others: as many in full as fit;
4. the full digest travels as an attachment: deletions and edits in full (shortened as much
   as needed, up to `ENTRY_CLIP`, to fit them all), then one line per statement in digest
   order as far as they fit; the rest is only in the attachment, and the rendering says so.

Each step bisects on what it varies, rendering the whole template each time, so a custom
template is measured as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from monitor.digest.model import Digest, PostView, Show, StatementView
from monitor.text.clip import clip
from monitor.text.diff import Segment, condensed

MIN_CLIP = 80
# Texts of statements shown in full next to one-line ones: a paragraph or two.
ENTRY_CLIP = 400


@dataclass(frozen=True, slots=True)
class Fitting:
    render: Callable[[Digest], str]
    limit: int

    def fits(self, output: str) -> bool:
        return size(output) <= self.limit

    def largest(
        self, low: int, high: int, make: Callable[[int], Digest]
    ) -> tuple[str, Digest] | None:
        """The rendering of `make(n)` for the largest n in [low, high] that fits, by bisection."""
        best: tuple[str, Digest] | None = None
        while low <= high:
            middle = (low + high) // 2
            candidate = make(middle)
            output = self.render(candidate)
            if self.fits(output):
                best, low = (output, candidate), middle + 1
            else:
                high = middle - 1
        return best


def fit(
    digest: Digest,
    render: Callable[[Digest], str],
    limit: int,
    attachment: str | None,
) -> tuple[str, Digest]:
    """The rendering of `digest` within `limit` bytes and the digest it shows. `attachment`:
    the name the full digest would be attached under (None: no attachment, as for the
    attachment itself, which is only ever shortened)."""
    fitting = Fitting(render, limit)
    whole = render(digest)
    if fitting.fits(whole):
        return whole, digest
    longest = max((s.longest for s in digest.statements), default=0)
    shortest = clipped(digest, MIN_CLIP)
    output = render(shortest)
    if fitting.fits(output):
        best = fitting.largest(
            MIN_CLIP + 1, max(MIN_CLIP, longest - 1), lambda chars: clipped(digest, chars)
        )
        return best or (output, shortest)
    if attachment is None:
        return output, shortest
    base = clipped(digest, ENTRY_CLIP)
    count = len(base.statements)
    best = fitting.largest(0, count, lambda full: shown(base, full, count - full))
    if best is not None:
        return best
    changed = sum(1 for s in base.statements if s.tier == "changed")
    chosen = replace(clipped(digest, MIN_CLIP), attachment=attachment), 0
    # Deletions and edits in full, their texts shortened only as much as needed...
    every = fitting.largest(MIN_CLIP, ENTRY_CLIP, _changed_in_full(digest, attachment, changed))
    if every is not None:
        chosen = every[1], changed
    else:  # ... or as many of them as fit at the shortest
        best = fitting.largest(0, changed, _showing(chosen[0], lines=0))
        chosen = chosen[0], best[1].full if best is not None else 0
    base, full = chosen
    best = fitting.largest(0, count - full, _showing(base, full=full))
    if best is not None:
        return best
    nothing = shown(base, 0, 0)
    return render(nothing), nothing


def _changed_in_full(digest: Digest, attachment: str, changed: int) -> Callable[[int], Digest]:
    """The first `changed` statements (the deletions and edits) in full at `n` characters."""
    return lambda n: shown(replace(clipped(digest, n), attachment=attachment), changed, 0)


def _showing(
    digest: Digest, *, full: int | None = None, lines: int | None = None
) -> Callable[[int], Digest]:
    """`shown` with one of its counts fixed and the other the bisected `n`."""
    if full is not None:
        return lambda n: shown(digest, full, n)
    return lambda n: shown(digest, n, lines or 0)


def shown(digest: Digest, full: int, lines: int) -> Digest:
    """The first `full` statements (in digest order) in full, the next `lines` as one line
    each, the rest left to the attachment."""
    statements = []
    for position, statement in enumerate(digest.statements):
        show: Show = (
            "full" if position < full else "line" if position < full + lines else "attached"
        )
        statements.append(statement if statement.show == show else replace(statement, show=show))
    kept = tuple(statements)
    return replace(
        digest, statements=kept, shortened=sum(1 for s in kept if s.show == "full" and s.shortened)
    )


def size(output: str) -> int:
    return len(output.encode("utf-8"))


def clip_post(post: PostView, limit: int) -> PostView:
    original = clip(post.original, limit)
    translation = clip(post.translation, limit) if post.translation else None
    changes, hidden = clip_changes(post.changes, limit)
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


def clip_changes(changes: tuple[Segment, ...], limit: int) -> tuple[tuple[Segment, ...], bool]:
    """The diff within about `limit` characters: unchanged runs cut to their ends around the
    changes; when the changes alone are longer, no diff (True: it was dropped)."""
    if sum(len(segment.text) for segment in changes) <= limit:
        return changes, False
    short = condensed(changes, max(12, limit // 10))
    if sum(len(segment.text) for segment in short) <= limit:
        return short, False
    return (), True


def clip_statement(statement: StatementView, limit: int) -> StatementView:
    versions = tuple(clip_post(version, limit) for version in statement.versions)
    if versions == statement.versions:
        return statement
    main = next(v for v in versions if v.id == statement.main.id)
    return replace(statement, main=main, versions=versions)


def clipped(digest: Digest, limit: int) -> Digest:
    statements: Sequence[StatementView] = tuple(clip_statement(s, limit) for s in digest.statements)
    return replace(
        digest,
        statements=tuple(statements),
        shortened=sum(1 for s in statements if s.show == "full" and s.shortened),
    )
