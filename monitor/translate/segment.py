"""Offline sentence splitting for Spanish, Russian and English posts.

Rules, not models: nothing is downloaded. A sentence ends at `.`, `!`, `?`, `…`
(plus closing quotes/brackets) followed by white space and something that can
start a sentence. Abbreviations, initials, decimals and URLs never end one, and
`¿...?` / `¡...!` / `«...»` stay whole. A sentence longer than MAX_SENTENCE_CHARS is cut at
its last space before that length (or at that length), so the model never gets a huge input.

Linear in the length of the text, whatever it holds: only sentence ends followed by white
space and openers are visited, each looking at a bounded window.
"""

from __future__ import annotations

import bisect
import re

from monitor.text.entities import bare_link_spans

ABBREVIATIONS = frozenset(
    {
        # Spanish
        "sr", "sra", "srta", "sres", "dr", "dra", "drs", "lic", "ing", "prof", "arq", "gral",
        "cnel", "tte", "cap", "excmo", "excma", "ilmo", "sto", "sta", "etc", "ej", "pág", "págs",
        "núm", "nro", "art", "aprox", "av", "avda", "dpto", "depto", "tel", "vol", "ud",
        "uds", "vd", "vds", "pp", "cía", "ee.uu", "ee", "uu", "a.c", "d.c", "p.ej", "s.a",
        "máx", "mín", "hs", "hrs", "n°",
        # Russian
        "г", "гг", "т.е", "т.к", "т.д", "т.п", "т.н", "т", "е", "д", "п", "др", "пр", "ул",
        "им", "тыс", "млн", "млрд", "руб", "долл", "см", "стр", "гос", "о", "ок", "напр", "проф",
        "акад", "чел", "св", "вв", "н.э", "до н.э", "рис", "табл", "мин", "ст", "обл", "р", "с",
        # English
        "mr", "mrs", "ms", "st", "jr", "vs", "e.g", "i.e", "u.s", "u.k", "u.n", "approx",
        "dept", "gen", "gov", "sen", "rep", "inc", "ltd", "co", "corp", "jan", "feb",
        "apr", "jun", "jul", "aug", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip

_ENDERS = ".!?…"
_CLOSERS = "\"'»”’)]}"
_OPENERS = {"¿": "?", "¡": "!", "«": "»", "“": "”", "(": ")"}
# A clause in quotes, brackets or ¿...? that runs longer than this is no clause: its opener
# is read as plain text.
CLAUSE_CHARS = 600
# About 120 SentencePiece tokens: room for the translation within the decoder's 256.
MAX_SENTENCE_CHARS = 500
# Longer than any abbreviation: the word before a dot is read within this many characters.
WORD_WINDOW = 64
_ENDER_CLASS = re.escape(_ENDERS)
_RUN_CLASS = re.escape(_ENDERS + _CLOSERS)
# Links never end a sentence. Bare ones (`t.co/x`, found by `bare_link_spans`) are tried where
# a dotted run (or a part of it after "..") begins; runs are read possessively, so each is
# scanned once.
_LINK = re.compile(r"[hHwW](?i:ttps?://|ww\.)\S+")
_BARE_LINK = re.compile(r"(?<![\w-])(?<![\w-]\.)-*+\b(?:[\w-]++\.)++[a-z]{2,}/", re.IGNORECASE)
_NON_SPACE = re.compile(r"\S*+")
# What the scan stops at: an opener, or a run of enders and closers that white space follows
# (a run starts at an ender that follows no other ender).
_EVENT = re.compile(
    rf"[{re.escape(''.join(_OPENERS))}]"
    rf"|[{_ENDER_CLASS}](?<![{_ENDER_CLASS}][{_ENDER_CLASS}])[{_RUN_CLASS}]*+(?=\s)"
)
_RUN = re.compile(rf"[{_RUN_CLASS}]*+")
_SPACE = re.compile(r"\s*+")
_WORD_BEFORE = re.compile(r"(?<![\w.])[\w.]+\Z")
_STARTER = re.compile(r"[\"'«“(\[¿¡—–\-•#@\d]|[^\W\d_]", re.UNICODE)


def split_paragraphs(text: str) -> list[str]:
    """Line breaks are paragraph breaks, as Argos Translate treats them."""
    return text.split("\n")


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph (no line breaks), stripped, in order."""
    text = paragraph.strip()
    if not text:
        return []
    spans = _protected_spans(text)
    starts = [start for start, _ in spans]
    partners = _Partners(text)
    sentences: list[str] = []
    start = 0
    i = 0
    jumped = False  # a jump past a link or clause lands on i: read it whatever it is
    length = len(text)
    while i < length:
        if jumped:
            at, jumped = i, False
        else:
            event = _EVENT.search(text, i)
            at = event.start() if event is not None else length
        span = bisect.bisect_left(starts, i)
        if span < len(spans) and spans[span][0] <= at:
            i, jumped = spans[span][1], True
            continue
        if at >= length:
            break
        i = at
        char = text[i]
        if char in _OPENERS:
            closing = partners.close(i)
            if closing is None:
                i += 1
                continue
            ends_sentence = text[closing - 1] in _CLOSERS and text[closing - 2] in _ENDERS
            if ends_sentence and _is_boundary(text, closing - 2, closing):
                sentences.append(text[start:closing].strip())
                start = closing
            i, jumped = closing, True
        elif char in _ENDERS:
            end = _end(_RUN, text, i + 1)
            if _is_boundary(text, i, end):
                sentences.append(text[start:end].strip())
                start = end
            i = end
        else:
            i += 1
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [piece for sentence in sentences for piece in _bounded(sentence)]


def _bounded(sentence: str) -> list[str]:
    """`sentence` in pieces of at most MAX_SENTENCE_CHARS, cut at the last space that fits."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces: list[str] = []
    start = 0
    while len(sentence) - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = sentence.rfind(" ", start + 1, limit + 1)
        cut = cut if cut > start else limit
        pieces.append(sentence[start:cut].rstrip())
        start = _end(_SPACE, sentence, cut)
    pieces.append(sentence[start:])
    return [piece for piece in pieces if piece]


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of spans that never hold a boundary: URLs (minus their trailing dot)."""
    found = [match.span() for match in _LINK.finditer(text)]
    if "/" in text:
        found += bare_link_spans(text, found, _BARE_LINK, _NON_SPACE)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if spans and start < spans[-1][1]:
            continue  # a link runs to the end of its word: the first one found takes it
        url = text[start:end].rstrip(".,;:!?»”)\"'")
        spans.append((start, start + len(url)))
    return spans


def _end(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where `pattern` (which may match nothing) stops matching from `position`."""
    match = pattern.match(text, position)
    return match.end() if match is not None else position


class _Partners:
    """The closer of each opener, when it closes a clause of at most CLAUSE_CHARS.

    `¿...?` ends at its `?`, whose own boundary is then judged like any other; the other
    closers end just past themselves.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: dict[str, dict[int, int]] = {}

    def close(self, start: int) -> int | None:
        opener = self._text[start]
        if opener not in self._found:
            self._found[opener] = self._pair(opener, _OPENERS[opener])
        closing = self._found[opener].get(start)
        if closing is None or closing - start >= CLAUSE_CHARS:
            return None
        return closing if _OPENERS[opener] in _ENDERS else closing + 1

    def _pair(self, opener: str, closer: str) -> dict[int, int]:
        pairs: dict[int, int] = {}
        open_at: list[int] = []
        for match in re.finditer(f"[{re.escape(opener + closer)}]", self._text):
            if match.group(0) == opener:
                open_at.append(match.start())
            elif open_at:
                pairs[open_at.pop()] = match.start()
        return pairs


def _is_boundary(text: str, dot: int, end: int) -> bool:
    if end >= len(text) or not text[end].isspace():
        return False
    rest = _end(_SPACE, text, end)
    if rest >= len(text) or not _STARTER.match(text, rest):
        return False
    if text[rest].islower():
        return False
    if text[dot] != ".":
        return True
    if dot > 0 and text[dot - 1] == ".":
        return True  # an ellipsis written as dots
    return not _is_abbreviation(text[max(0, dot - WORD_WINDOW) : dot + 1])


def _is_abbreviation(head: str) -> bool:
    match = _WORD_BEFORE.search(head)
    word = match.group(0)[:-1] if match is not None else ""
    if not word:
        return False
    if word[-1].isdigit():
        return False
    bare = word.lower()
    if bare in ABBREVIATIONS or bare.rstrip(".") in ABBREVIATIONS:
        return True
    last = bare.rsplit(".", 1)[-1]
    if "." in bare and last in ABBREVIATIONS:
        return True
    # Initials: `С. В.` or `С.В.` or `J.` (one capital letter before the dot).
    return len(last) == 1 and word[-1].isupper()
