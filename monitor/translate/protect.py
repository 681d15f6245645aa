"""Keep URLs, @mentions, #hashtags and emoji out of the model and put them back afterwards.

A sentence becomes `prefix + core + suffix`: entities at its edges (with the
separators between them, like `#EnFotos | `) are not translated at all; each entity
inside the core is replaced by a private-use character. SentencePiece maps that
character to `<unk>`, `replace_unknowns` copies it through, and `substitute` swaps it
back. An entity the model dropped is appended to the end of its sentence (`restore`
does both for one sentence), so none is ever lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.text.entities import bare_link_spans

PLACEHOLDER_BASE = 0xF0000  # Supplementary Private Use Area-A
_PLACEHOLDERS = re.compile("[\U000f0000-\U000ffffd]")

_EMOJI_CHAR = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u2190-\u21ff"
    "\u3030\u303d\u3297\u3299\u00a9\u00ae\u203c\u2049\u2122\u2139"
)
_EMOJI_MOD = "\ufe0f\ufe0e\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
_EMOJI = rf"(?:[{_EMOJI_CHAR}][{_EMOJI_MOD}]*(?:\u200d[{_EMOJI_CHAR}][{_EMOJI_MOD}]*)*)+"
# Linear on any input: links, mentions and hashtags start with a literal (then look back); a
# bare link (`t.co/x`) is found by `bare_link_spans`, tried where a run of host characters
# begins and read possessively.
_URL = r"[hHwW](?i:ttps?://|ww\.)[^\s<>\"]+"
_MENTION = r"@(?<![\w@/]@)[A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?"
_HASHTAG = r"#(?<![\w#&/]#)\w+"
ENTITY = re.compile(f"{_URL}|{_MENTION}|{_HASHTAG}|{_EMOJI}")
_BARE_LINK = re.compile(r"(?<![@\w.-])(?:[a-z0-9-]++\.)++[a-z]{2,}/", re.IGNORECASE)
_PATH = re.compile(r"[^\s<>\"]*+")
_URL_TRAILING = ".,;:!?»”’)\"'…"
_GLUE = re.compile(r"[\s|:·•–—\-/]*")


@dataclass(frozen=True, slots=True)
class Protected:
    """One sentence split for translation. `core` holds placeholders 0..n-1 for `entities`."""

    prefix: str
    core: str
    suffix: str
    entities: tuple[str, ...]
    space_before_suffix: bool


def placeholder(index: int) -> str:
    return chr(PLACEHOLDER_BASE + index)


def find_entities(text: str) -> list[tuple[int, int]]:
    """(start, end) of every entity, URLs without their trailing punctuation."""
    found = [match.span() for match in ENTITY.finditer(text)]
    if "/" in text:
        found += bare_link_spans(text, found, _BARE_LINK, _PATH)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if spans and start < spans[-1][1]:
            continue  # inside a link found further left
        entity = text[start:end]
        if entity[0] not in "@#" and not _is_emoji(entity):
            # A closing bracket stays when the link opened one ("wiki/X_(y)").
            opened = entity.count("(") - entity.count(")")
            while end > start and text[end - 1] in _URL_TRAILING:
                if text[end - 1] == ")":
                    if opened >= 0:
                        break
                    opened += 1
                end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def protect(sentence: str) -> Protected:
    text = _PLACEHOLDERS.sub("", sentence).strip()
    spans = find_entities(text)
    prefix_end = 0
    inner = 0
    for start, end in spans:
        if not _is_glue(text[prefix_end:start]):
            break
        prefix_end = _glue_end(text, end)
        inner += 1
    if prefix_end >= len(text):
        return Protected(text, "", "", (), False)
    core_end = len(text)
    outer = len(spans)
    for start, end in reversed(spans[inner:]):
        if not _is_glue(text[end:core_end]):
            break
        core_end = start
        outer -= 1
    core_end = len(text[:core_end].rstrip())
    parts: list[str] = []
    entities: list[str] = []
    cursor = prefix_end
    for start, end in spans[inner:outer]:
        parts += [text[cursor:start], placeholder(len(entities))]
        entities.append(text[start:end])
        cursor = end
    parts.append(text[cursor:core_end])
    return Protected(
        prefix=text[:prefix_end].rstrip(),
        core="".join(parts).strip(),
        suffix=text[core_end:].strip(),
        entities=tuple(entities),
        space_before_suffix=text[core_end : core_end + 1].isspace(),
    )


def substitute(
    translated: str, entities: tuple[str, ...], seen: set[int] | None = None
) -> tuple[str, set[int]]:
    """Swap placeholders back (stray or repeated ones are dropped); also the indexes seen.

    Passing the same `seen` over several pieces of one text drops repeats across them.
    """
    seen = set() if seen is None else seen

    def swap(match: re.Match[str]) -> str:
        index = ord(match.group(0)) - PLACEHOLDER_BASE
        if index >= len(entities) or index in seen:
            return ""
        seen.add(index)
        return entities[index]

    return _PLACEHOLDERS.sub(swap, translated), seen


def restore(translated: str, entities: tuple[str, ...]) -> str:
    """Swap placeholders back; append entities the model dropped; drop stray placeholders."""
    text, seen = substitute(translated, entities)
    missing = [entity for i, entity in enumerate(entities) if i not in seen]
    if missing:
        text = " ".join([text.rstrip(), *missing]) if text.strip() else " ".join(missing)
    return re.sub(r"  +", " ", text).strip()


def has_placeholder(piece: str) -> bool:
    return _PLACEHOLDERS.search(piece) is not None


def _is_glue(text: str) -> bool:
    return _GLUE.fullmatch(text) is not None


def _glue_end(text: str, position: int) -> int:
    match = _GLUE.match(text, position)
    return match.end() if match else position


def _is_emoji(text: str) -> bool:
    return re.fullmatch(_EMOJI, text) is not None
