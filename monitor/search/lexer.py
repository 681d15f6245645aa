"""The query language's tokens: words, "phrases", operators, parentheses and filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from monitor.errors import QueryError
from monitor.search.stem import tokens

FILTERS = ("lang", "platform", "account", "since", "until")
FILTER = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
FILTER_HELP = "the filters are " + ", ".join(f"{name}:" for name in FILTERS)
EXAMPLES = {
    "lang": "lang:ru",
    "platform": "platform:telegram",
    "account": "account:mid-russia-telegram",
    "since": "since:2026-10-01",
    "until": "until:2026-10-31",
}

Kind = Literal["word", "phrase", "or", "and", "not", "minus", "open", "close", "filter"]
OPERATORS: dict[str, Kind] = {"OR": "or", "AND": "and", "NOT": "not"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    position: int
    text: str = ""
    name: str = ""  # a filter's name


def lex(text: str) -> list[Token]:
    found: list[Token] = []
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            found.append(Token("open" if char == "(" else "close", i))
            i += 1
        elif char == '"':
            close = text.find('"', i + 1)
            if close < 0:
                raise QueryError(
                    f"the quote at character {i + 1} is never closed",
                    position=i,
                    remedy='end the phrase with a second ", e.g. "unión europea"',
                )
            found.append(Token("phrase", i, text[i + 1 : close]))
            i = close + 1
        elif char == "-":
            if i + 1 >= end or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError(
                    f'the "-" at character {i + 1} has no word after it',
                    position=i,
                    remedy="write it against the word it excludes, e.g. -eeuu, or remove it",
                )
            found.append(Token("minus", i))
            i += 1
        else:
            stop = i
            while stop < end and not text[stop].isspace() and text[stop] not in '()"':
                stop += 1
            token, i = _word(text, i, stop)
            if token is not None:
                found.append(token)
    return found


def _word(text: str, start: int, stop: int) -> tuple[Token | None, int]:
    """The token of the word text[start:stop] (an operator, a filter or a word), or None for
    punctuation, and where lexing goes on (after a filter's quoted value)."""
    word = text[start:stop]
    if word in OPERATORS:
        return Token(OPERATORS[word], start, word), stop
    match = FILTER.fullmatch(word)
    # A word ending in a colon ("Comunicado:") is a word; "name:value" is meant as a filter.
    if match is None or (match.group(1).lower() not in FILTERS and not match.group(2)):
        return (Token("word", start, word) if tokens(word) else None), stop
    name, value = match.group(1).lower(), match.group(2)
    if name not in FILTERS:
        raise QueryError(
            f'"{match.group(1)}:" at character {start + 1} is not a filter; {FILTER_HELP}',
            position=start,
            remedy=f'to search for the text itself, put it in quotes: "{word}"',
        )
    if not value and stop < len(text) and text[stop] == '"':
        close = text.find('"', stop + 1)
        if close < 0:
            raise QueryError(
                f"the quote at character {stop + 1} is never closed",
                position=stop,
                remedy=f'end the value with a second ", e.g. {name}:"name"',
            )
        value, stop = text[stop + 1 : close], close + 1
    if not value.strip():
        raise QueryError(
            f"the filter {name}: at character {start + 1} has no value",
            position=start,
            remedy=f"write the value right after the colon, e.g. {EXAMPLES[name]}",
        )
    return Token("filter", start, value.strip(), name), stop
