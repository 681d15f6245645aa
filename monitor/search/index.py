"""What the full-text index holds for a post, and a query compiled against it: an FTS5 MATCH
expression (SQLite) or a tsquery (PostgreSQL), from the same word forms.

A post is indexed as three columns of space-separated tokens:

- `original`: title and text, stemmed for the post's language (folded tokens, unstemmed,
  while the language is not detected yet or has no stemmer);
- `translation`: the translation, stemmed for its target language;
- `tags`: `_l<lang>`, `_p<platform>`, `_s<hash of the source name>`, so the lang:, platform:
  and account: filters are answered inside the index, without a join, and `_a` on every
  post. Text tokens never contain `_` (see `stem.TOKEN`), so a tag never matches a word.

The FTS5 table uses the `ascii` tokenizer with `_` as a token character: it splits on the
spaces written here and nothing else, so the tokens stored are exactly the ones made here.

On PostgreSQL the same tokens are written as a tsvector (`tsvector`), not analysed again by
PostgreSQL's text-search configurations, although its russian/spanish/english ones run the
same Snowball algorithms: with the monitor's own tokens both backends find exactly the same
posts, phrases are matched over the same token sequence, and accents and `ё` are folded the
same way (PostgreSQL's configurations keep `sanción` and `sancion` apart, and tokenise and
handle stop words differently). The tsvector is written in its text form with `::tsvector`
and queried with `::tsquery`, so PostgreSQL stores and compares these tokens verbatim.

A query word has no language, so it is compiled to every form it can take in the index: its
Spanish, Russian and English stems, and the word itself for unstemmed texts (`word_forms`).
A phrase becomes the same phrase stemmed consistently by each stemmer (a phrase is written
in one language), as alternatives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from monitor.record import PostRecord
from monitor.search.query import And, Filters, Node, Not, Or, Phrase, Query, Word
from monitor.search.stem import STEMMED, analyse, stem_tokens, tokens, word_forms

FTS_TOKENIZER = "ascii tokenchars '_'"


@dataclass(frozen=True, slots=True)
class Document:
    """The indexed columns of one post."""

    original: str
    translation: str
    tags: str


@dataclass(frozen=True, slots=True)
class Match:
    """A query compiled for the index: the FTS5 MATCH (or tsquery) `expression`, and the
    index `terms` of its positive words and phrases (what the web view highlights; see
    `highlight`)."""

    expression: str
    terms: frozenset[str]


def document(
    *,
    title: str | None,
    text: str,
    language: str | None,
    translation: str | None = None,
    translation_language: str | None = None,
    platform: str,
    source: str,
) -> Document:
    return Document(
        indexed(f"{title}\n{text}" if title else text, language),
        indexed(translation, translation_language) if translation else "",
        tags(platform, source, language),
    )


def indexed(text: str, language: str | None) -> str:
    """What one column holds for `text` in `language`: its analysed tokens, space-separated."""
    return " ".join(analyse(text, language))


# On every post: what a query of only dates or exclusions (-x since:...) subtracts from.
EVERY_POST = "_a"


def record_document(record: PostRecord) -> Document:
    """The indexed columns of a published record: its language and, once translated, its
    translation."""
    translation = record.translation
    return document(
        title=record.title,
        text=record.text,
        language=record.language.code,
        translation=translation.text if translation.status == "translated" else None,
        translation_language=translation.target,
        platform=record.platform,
        source=record.source,
    )


def tags(platform: str, source: str, language: str | None) -> str:
    found = [EVERY_POST, platform_tag(platform), account_tag(source)]
    if language:
        found.append(language_tag(language))
    return " ".join(found)


def language_tag(code: str) -> str:
    return "_l" + code.lower()


def platform_tag(name: str) -> str:
    return "_p" + name.lower()


@lru_cache(maxsize=4096)
def account_tag(name: str) -> str:
    """Source names are free text: the tag is a 64-bit hash of the name, one token."""
    return "_s" + hashlib.blake2b(name.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class _Syntax:
    """How one index's query language writes what the compiler builds."""

    term: Callable[[str], str]  # one token
    phrase: Callable[[list[str]], str]  # tokens next to each other, in this order
    both: str  # between required parts
    either: str  # between alternatives
    but_not: str  # between what is required and the alternatives excluded


def _string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


FTS5 = _Syntax(_string, lambda words: _string(" ".join(words)), " AND ", " OR ", " NOT ")

# PostgreSQL refuses a lexeme longer than this (bytes); see `_lexeme`.
MAX_LEXEME = 2047
# Positions in a tsvector go up to this (larger ones are taken as it), and a lexeme keeps at
# most 256 of them: phrases are matched in the first ~16,000 tokens of a post, and over the
# first 256 occurrences of each word; single words are matched anywhere.
MAX_POSITION = 16383
MAX_POSITIONS = 256


def _lexeme(token: str) -> str:
    """`token` quoted for tsvector/tsquery text input, cut to PostgreSQL's lexeme limit (a
    run of 2,000+ bytes of letters is no word; the document and the query cut it alike)."""
    raw = token.encode("utf-8")
    if len(raw) > MAX_LEXEME:
        token = raw[:MAX_LEXEME].decode("utf-8", errors="ignore")
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


TSQUERY = _Syntax(
    _lexeme,
    lambda words: "(" + " <-> ".join(_lexeme(word) for word in words) + ")",
    " & ",
    " | ",
    " & !",
)


def tsvector(doc: Document) -> str:
    """`doc` as tsvector text input (`'tok':1,4 'tok2':2 '_a'`), for PostgreSQL: the tokens
    of the original, then those of the translation, numbered in order with a gap between
    the two, so a phrase (`<->`: the next position) never runs from one into the other.
    Tags are lexemes without positions (they are never part of a phrase)."""
    positions: dict[str, list[int]] = {}
    at = 0
    for column in (doc.original, doc.translation):
        for token in column.split():
            at += 1
            found = positions.setdefault(_lexeme(token), [])
            position = min(at, MAX_POSITION)
            if len(found) < MAX_POSITIONS and (not found or found[-1] != position):
                found.append(position)
        at += 1
    words = [f"{lexeme}:{','.join(map(str, found))}" for lexeme, found in positions.items()]
    return " ".join(words + [_lexeme(tag) for tag in doc.tags.split()])


def compile_query(query: Query) -> Match:
    """The FTS5 MATCH expression of `query`'s words and its lang/platform/account filters
    (dates are the store's: they bound the row ids, see `monitor.store.search`)."""
    return _compile(query, FTS5)


def compile_tsquery(query: Query) -> Match:
    """The same query as a PostgreSQL tsquery (text input, for `::tsquery`) over the
    lexemes `tsvector` writes: `&`, `|`, `!`, and `<->` for phrases."""
    return _compile(query, TSQUERY)


def _compile(query: Query, syntax: _Syntax) -> Match:
    terms: set[str] = set()
    filters = _filters(query.filters, syntax)
    if query.expression is None:
        return Match(syntax.both.join(filters or [syntax.term(EVERY_POST)]), frozenset())
    expression = _conjunction(
        list(query.expression.items) if isinstance(query.expression, And) else [query.expression],
        filters,
        terms,
        syntax,
    )
    return Match(expression, frozenset(terms))


def _conjunction(items: list[Node], extra: list[str], terms: set[str], syntax: _Syntax) -> str:
    """`items` all required, `extra` (compiled filters) too; exclusions subtract from them,
    or from every post when nothing else is left (the parser allows that only beside
    filters, e.g. `-deporte since:2026-10-01`)."""
    positives = extra + [_node(item, terms, syntax) for item in items if not isinstance(item, Not)]
    positives = positives or [syntax.term(EVERY_POST)]
    negatives = [_node(item.item, set(), syntax) for item in items if isinstance(item, Not)]
    expression = positives[0] if len(positives) == 1 else "(" + syntax.both.join(positives) + ")"
    if negatives:
        expression = f"{expression}{syntax.but_not}({syntax.either.join(negatives)})"
    return expression


def _node(node: Node, terms: set[str], syntax: _Syntax) -> str:
    if isinstance(node, Word | Phrase):
        return _phrase(tokens(node.text), terms, syntax)
    if isinstance(node, Or):
        return "(" + syntax.either.join(_node(item, terms, syntax) for item in node.items) + ")"
    if isinstance(node, And):
        return "(" + _conjunction(list(node.items), [], terms, syntax) + ")"
    raise ValueError(f"a bare exclusion cannot be compiled: {node}")  # the parser prevents it


def _phrase(words: list[str], terms: set[str], syntax: _Syntax) -> str:
    """A word (one token) in every form, or a phrase in each stemmer's forms. A word that
    tokenises to several tokens ("U.S.", "e-mail") is a phrase of them, as FTS5 does."""
    if len(words) == 1:
        forms = word_forms(words[0])
        terms.update(forms)
        return _any([syntax.term(form) for form in forms], syntax)
    variants = [stem_tokens(words, language) for language in STEMMED] + [words]
    for variant in variants:
        terms.update(variant)
    return _any([syntax.phrase(variant) for variant in variants], syntax)


def _filters(filters: Filters, syntax: _Syntax) -> list[str]:
    found = []
    for values, tag in (
        (filters.languages, language_tag),
        (filters.platforms, platform_tag),
        (filters.accounts, account_tag),
    ):
        if values:
            found.append(_any([syntax.term(tag(value)) for value in values], syntax))
    return found


def _any(alternatives: list[str], syntax: _Syntax) -> str:
    unique = list(dict.fromkeys(alternatives))
    return unique[0] if len(unique) == 1 else "(" + syntax.either.join(unique) + ")"
