"""Word-level differences between two versions of a text, bounded on any input.

Texts are split into tokens (a run of word characters, a run of whitespace, or one other
character), so a diff never cuts a word and keeps the whitespace as it was. The
concatenation of the `equal` and `delete` segments is the old text; of the `equal` and
`insert` segments, the new one.

`difflib.SequenceMatcher` is quadratic (or worse) on unlucky input, so it only ever sees the
part between the longest common prefix and suffix, and only when that part is at most
`MAX_TOKENS` tokens on each side; a larger changed part is shown as replaced whole. Both
steps are linear, so a hostile pair of texts costs what its size costs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from typing import Literal, NamedTuple

Op = Literal["equal", "delete", "insert"]

# Past this many tokens on either side of the changed middle, the middle is replaced whole.
MAX_TOKENS = 5_000
# Below this, every token may anchor a match; above, tokens filling more than 1% of the new
# text (spaces, articles) only extend matches: keeps SequenceMatcher near-linear on long texts.
AUTOJUNK_FROM = 1_000
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_ELLIPSIS = " … "


class Segment(NamedTuple):
    """One run of the diff: `op` is `equal`, `delete` (only in the old text) or `insert`."""

    op: Op
    text: str


def tokens(text: str) -> list[str]:
    """`text` as word, whitespace and punctuation tokens; their concatenation is `text`."""
    return _TOKEN.findall(text)


def _common_prefix(old: Sequence[str], new: Sequence[str]) -> int:
    size = min(len(old), len(new))
    count = 0
    while count < size and old[count] == new[count]:
        count += 1
    return count


def _common_suffix(old: Sequence[str], new: Sequence[str], floor: int) -> int:
    size = min(len(old), len(new)) - floor
    count = 0
    while count < size and old[-1 - count] == new[-1 - count]:
        count += 1
    return count


def _middle(old: list[str], new: list[str]) -> list[Segment]:
    if not old or not new or len(old) > MAX_TOKENS or len(new) > MAX_TOKENS:
        return [Segment("delete", "".join(old)), Segment("insert", "".join(new))]
    matcher = SequenceMatcher(None, old, new, autojunk=max(len(old), len(new)) >= AUTOJUNK_FROM)
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(new[j1:j2])))
    return segments


def diff(old: str, new: str) -> tuple[Segment, ...]:
    """The segments that turn `old` into `new`, word by word, merged for reading.

    Whitespace alone between two changes joins them (`[-a b-]{+x y+}`, not `[-a-]{+x+}
    [-b-]{+y+}`), and within each change the deleted text comes before the inserted text.
    """
    if old == new:
        return (Segment("equal", old),) if old else ()
    before, after = tokens(old), tokens(new)
    head = _common_prefix(before, after)
    tail = _common_suffix(before, after, head)
    segments = [Segment("equal", "".join(before[:head]))]
    segments += _middle(before[head : len(before) - tail], after[head : len(after) - tail])
    segments.append(Segment("equal", "".join(before[len(before) - tail :])))
    return tuple(_merged(_absorb_spaces([s for s in segments if s.text])))


def _absorb_spaces(segments: list[Segment]) -> list[Segment]:
    """Whitespace-only equal runs between two changes become part of both sides of the change."""
    result: list[Segment] = []
    for index, segment in enumerate(segments):
        between = 0 < index < len(segments) - 1
        if (
            between
            and segment.op == "equal"
            and not segment.text.strip()
            and segments[index - 1].op != "equal"
            and segments[index + 1].op != "equal"
        ):
            result += [Segment("delete", segment.text), Segment("insert", segment.text)]
        else:
            result.append(segment)
    return result


def _merged(segments: Iterable[Segment]) -> list[Segment]:
    """Adjacent changes as one deletion then one insertion; adjacent equal runs as one."""
    result: list[Segment] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            result.append(Segment("delete", "".join(deleted)))
        if inserted:
            result.append(Segment("insert", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for segment in segments:
        if segment.op == "delete":
            deleted.append(segment.text)
        elif segment.op == "insert":
            inserted.append(segment.text)
        else:
            flush()
            if result and result[-1].op == "equal":
                result[-1] = Segment("equal", result[-1].text + segment.text)
            else:
                result.append(segment)
    flush()
    return result


def changed(segments: Iterable[Segment]) -> bool:
    """Whether the diff holds any deletion or insertion."""
    return any(segment.op != "equal" for segment in segments)


def condensed(segments: Sequence[Segment], context: int) -> tuple[Segment, ...]:
    """The diff with each unchanged run longer than twice `context` characters cut to its
    ends (about `context` characters each, at word boundaries) around ` … `.

    The first run keeps only its end and the last only its start. For display: the result
    no longer spells out either text.
    """
    result: list[Segment] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if segment.op != "equal" or len(segment.text) <= 2 * context + len(_ELLIPSIS):
            result.append(segment)
            continue
        if index == 0:
            text = "… " + _tail(segment.text, context)
        elif index == last:
            text = _head(segment.text, context) + " …"
        else:
            text = _head(segment.text, context) + _ELLIPSIS + _tail(segment.text, context)
        result.append(Segment("equal", text))
    return tuple(result)


def _head(text: str, size: int) -> str:
    cut = text[:size]
    space = cut.rfind(" ")
    return cut[:space] if space > size // 2 else cut


def _tail(text: str, size: int) -> str:
    cut = text[-size:]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < size // 2 else cut


def displayed(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """For display: the whitespace that ends a change is shown after it, unmarked, so that
    `{+e ilegales +}contra` reads `{+e ilegales+} contra`. The result no longer spells out
    the old text exactly where the change was a pure insertion (or the new one, a deletion).
    """
    result: list[Segment] = []
    for index, segment in enumerate(segments):
        result.append(segment)
        ends_change = segment.op != "equal" and (
            index == len(segments) - 1 or segments[index + 1].op == "equal"
        )
        if not ends_change:
            continue
        start = index - 1 if index > 0 and segments[index - 1].op == "delete" else index
        sides = [s.text for s in segments[start : index + 1]]
        space = min((len(text) - len(text.rstrip()) for text in sides), default=0)
        space = min(space, *(len(text) - 1 for text in sides)) if space else 0
        if space <= 0:
            continue
        trailing = sides[-1][-space:]
        if any(not text.endswith(trailing) for text in sides):
            continue
        for offset in range(start, index + 1):
            position = len(result) - 1 - (index - offset)
            result[position] = Segment(result[position].op, result[position].text[:-space])
        result.append(Segment("equal", trailing))
    return tuple(_merged(result))
