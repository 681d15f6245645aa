"""Offline sentence splitting for Spanish, Russian and English posts.

Rules, not models: nothing is downloaded. A sentence ends at `.`, `!`, `?`, `…`
(plus closing quotes/brackets) followed by white space and something that can
start a sentence. Abbreviations, initials, decimals and URLs never end one, and
`¿...?` / `¡...!` / `«...»` stay whole.
"""

from __future__ import annotations

import re

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
_URL = re.compile(r"(?:https?://|www\.)\S+|\b(?:[\w-]+\.)+[a-z]{2,}/\S*", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_STARTER = re.compile(r"[\"'«“(\[¿¡—–\-•#@\d]|[^\W\d_]", re.UNICODE)


def split_paragraphs(text: str) -> list[str]:
    """Line breaks are paragraph breaks, as Argos Translate treats them."""
    return text.split("\n")


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph (no line breaks), stripped, in order."""
    text = paragraph.strip()
    if not text:
        return []
    protected = _protected_spans(text)
    sentences: list[str] = []
    start = 0
    i = 0
    length = len(text)
    while i < length:
        if i in protected:
            i = protected[i]
            continue
        char = text[i]
        if char in _OPENERS:
            closing = _matching_close(text, i, _OPENERS[char])
            if closing is not None:
                ends_sentence = text[closing - 1] in _CLOSERS and text[closing - 2] in _ENDERS
                if ends_sentence and _is_boundary(text, closing - 2, closing):
                    sentences.append(text[start:closing].strip())
                    start = closing
                i = closing
                continue
        if char in _ENDERS:
            end = i + 1
            while end < length and (text[end] in _ENDERS or text[end] in _CLOSERS):
                end += 1
            if _is_boundary(text, i, end):
                sentences.append(text[start:end].strip())
                start = end
            i = end
            continue
        i += 1
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _protected_spans(text: str) -> dict[int, int]:
    """Start -> end of spans that never hold a boundary: URLs (minus their trailing dot)."""
    spans: dict[int, int] = {}
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?»”)\"'":
            end -= 1
        spans[match.start()] = end
    return spans


def _matching_close(text: str, start: int, closer: str) -> int | None:
    """Index just past the closer of the opener at `start`, when it closes a short clause.

    The closer is followed to the end of the clause: `¿...?` ends at its `?`, whose own
    boundary is then judged like any other.
    """
    opener = text[start]
    depth = 0
    limit = min(len(text), start + 600)
    for j in range(start, limit):
        if text[j] == opener and opener != closer:
            depth += 1
        elif text[j] == closer:
            depth -= 1
            if depth <= 0:
                return j if closer in _ENDERS else j + 1
    return None


def _is_boundary(text: str, dot: int, end: int) -> bool:
    if end >= len(text) or not text[end].isspace():
        return False
    rest = text[end:].lstrip()
    if not rest or not _STARTER.match(rest):
        return False
    if rest[0].islower():
        return False
    if text[dot] != ".":
        return True
    if dot > 0 and text[dot - 1] == ".":
        return True  # an ellipsis written as dots
    return not _is_abbreviation(text[: dot + 1])


def _is_abbreviation(head: str) -> bool:
    match = _WORD_BEFORE.search(head)
    if match is None:
        return False
    word = match.group(1)
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
