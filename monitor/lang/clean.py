"""Strip what is not language from a post: links, handles, hashtags, emoji, numbers, punctuation.

Only the start of a post is read (MAX_CHARS): a few hundred letters settle its language, and
cleaning a megabyte-long post would hold the GIL, and stall the daemon, for nothing. Every pattern here runs in linear time on any input (a post is untrusted): each alternative
either starts with a literal or is tried only where a token or run begins (a lookbehind), and
runs are consumed possessively, so a long run without a match is scanned once, not once per
position.
"""

from __future__ import annotations

import re
import unicodedata

# Enough for any detection: the n-gram model counts in full from 120 n-grams (40-odd letters).
MAX_CHARS = 4_000
_NOISE = re.compile(
    r"""
    (?:https?://|www\.)\S+                      # links
    # bare links (pic.twitter.com/x, t.co/x), tried where a dotted run or one of its
    # parts after ".." begins
    | (?<![\w-])(?<![\w-]\.)-*+\b[\w-]++(?:\.[\w-]++)++/\S*
    | (?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++  # e-mail addresses
    | [@#][\w.]+                                # @mentions, #hashtags
    | (?<!\S)\S*\d\S*                           # words with a digit: numbers, dates, codes
    """,
    re.VERBOSE,
)
# Apostrophes, hyphens and the Catalan middle dot belong to a word when letters surround them
# (the modifier-letter apostrophe ʼ is a letter itself).
_JOINERS = "'’-‐·"
_KEPT_MARKS = "¿¡"


def head(text: str) -> str:
    """The first MAX_CHARS characters of `text`, without a word cut in two."""
    if len(text) <= MAX_CHARS:
        return text
    start = text[:MAX_CHARS]
    if not text[MAX_CHARS].isspace():
        words = start.rsplit(None, 1)
        if len(words) == 2:
            return words[0]
    return start


def clean_text(text: str) -> str:
    """The linguistic part of the start of `text` (`head`): words separated by single spaces
    (plus ¿ and ¡).

    A combining mark stays after a letter; an apostrophe, hyphen or middle dot stays between
    two letters (apostrophes become ', hyphens -); everything else becomes a space. The loop
    is linear and runs on at most MAX_CHARS characters.
    """
    text = _NOISE.sub(" ", unicodedata.normalize("NFC", head(text)))
    out: list[str] = []
    last = len(text) - 1
    for i, char in enumerate(text):
        mark = unicodedata.category(char) == "Mn" and bool(out) and out[-1].isalpha()
        if char.isalpha() or char in _KEPT_MARKS or mark:
            out.append(char)
        elif char in _JOINERS and 0 < i < last and text[i - 1].isalpha() and text[i + 1].isalpha():
            out.append("·" if char == "·" else "-" if char in "-‐" else "'")
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def letter_count(text: str) -> int:
    return sum(1 for char in text if char.isalpha())
