"""Strip what is not language from a post: links, handles, hashtags, emoji, numbers, punctuation."""

from __future__ import annotations

import re
import unicodedata

_NOISE = re.compile(
    r"""
    (?:https?://|www\.)\S+                      # links
    | \b[\w-]+(?:\.[\w-]+)+/\S*                 # bare links: pic.twitter.com/x, t.co/x
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+              # e-mail addresses
    | [@#][\w.]+                                # @mentions, #hashtags
    | \S*\d\S*                                  # numbers and anything glued to a digit
    """,
    re.VERBOSE,
)
# Apostrophes, hyphens and the Catalan middle dot belong to a word when letters surround them.
_JOINERS = "'’ʼ-‐·"
_KEPT_MARKS = "¿¡"


def clean_text(text: str) -> str:
    """The linguistic part of `text`: words separated by single spaces (plus ¿ and ¡)."""
    text = _NOISE.sub(" ", unicodedata.normalize("NFC", text))
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
