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
from functools import cache

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
# Planes that hold combining marks and non-letter numerals (digits are `\d` already).
_PLANES = (*range(0x0, 0x30000), *range(0xE0000, 0xE1000))


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What `str.isalpha` and "a nonspacing mark" mean, as regex classes (built on first use).

    `re` has no class for either: a letter is a word character that is not a digit, not `_` and
    not a numeral such as ² or Ⅻ.
    """
    marks: list[str] = []
    numerals: list[str] = []
    for code in _PLANES:
        char = chr(code)
        if unicodedata.category(char) == "Mn":
            marks.append(char)
        elif char.isalnum() and not char.isalpha() and not char.isdecimal():
            numerals.append(char)
    mark, numeral = _class(marks), _class(numerals)
    letter = rf"(?!{numeral})[^\W\d_]"
    joiner = f"[{re.escape(_JOINERS)}]"
    # Anything that can never stay becomes a space; what stays only beside letters is
    # judged in a second pass, where each alternative starts with its character (then looks
    # back), so `re` skips to them.
    drop = re.compile(rf"(?:(?!{mark})[^\w{_KEPT_MARKS}{re.escape(_JOINERS)}]|[\d_]|{numeral})+")
    lone = re.compile(
        rf"{mark}(?<!{letter}{mark})|{joiner}(?<!{letter}{joiner})|{joiner}(?!{letter})"
    )
    return drop, lone


def _class(chars: list[str]) -> str:
    """A regex matching one of `chars`. `re` tests a class holding code points past U+FFFF
    range by range, so those get a class of their own, tried only on such characters."""
    basic = [char for char in chars if char <= "\uffff"]
    astral = [char for char in chars if char > "\uffff"]
    return f"(?:[{_ranges(basic)}]|(?=[\U00010000-\U0010ffff])[{_ranges(astral)}])"


def _ranges(chars: list[str]) -> str:
    """A regex class body for sorted `chars`, consecutive code points as ranges."""
    out: list[str] = []
    index = 0
    while index < len(chars):
        end = index
        while end + 1 < len(chars) and ord(chars[end + 1]) == ord(chars[end]) + 1:
            end += 1
        first, last = re.escape(chars[index]), re.escape(chars[end])
        out.append(first if index == end else f"{first}-{last}")
        index = end + 1
    return "".join(out)


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
    two letters (apostrophes become ', hyphens -); everything else becomes a space.
    """
    drop, lone = _patterns()
    text = _NOISE.sub(" ", unicodedata.normalize("NFC", head(text)))
    text = lone.sub(" ", drop.sub(" ", text))
    text = text.replace("‐", "-").replace("’", "'")
    return " ".join(text.split())


def letter_count(text: str) -> int:
    return sum(1 for char in text if char.isalpha())
