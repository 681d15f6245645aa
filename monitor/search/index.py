"""What the full-text index holds for a post, and a query compiled against it (SQLite FTS5).

A post is indexed as three columns of space-separated tokens:

- `original`: title and text, stemmed for the post's language (folded tokens, unstemmed,
  while the language is not detected yet or has no stemmer);
- `translation`: the translation, stemmed for its target language;
- `tags`: `_l<lang>`, `_p<platform>`, `_s<hash of the source name>`, so the lang:, platform:
  and account: filters are answered inside the index, without a join, and `_a` on every
  post. Text tokens never contain `_` (see `stem.TOKEN`), so a tag never matches a word.

The FTS5 table uses the `ascii` tokenizer with `_` as a token character: it splits on the
spaces written here and nothing else, so the tokens stored are exactly the ones made here.

A query word has no language, so it is compiled to every form it can take in the index: its
Spanish, Russian and English stems, and the word itself for unstemmed texts (`word_forms`).
A phrase becomes the same phrase stemmed consistently by each stemmer (a phrase is written
in one language), as alternatives.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

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
    """A query compiled for the index: the FTS5 MATCH `expression`, and the index `terms`
    of its positive words and phrases (what the web view highlights; see `highlight`)."""

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


def compile_query(query: Query) -> Match:
    """The MATCH expression of `query`'s words and its lang/platform/account filters (dates
    are the store's: they bound the row ids, see `monitor.store.search`)."""
    terms: set[str] = set()
    filters = _filters(query.filters)
    if query.expression is None:
        return Match(" AND ".join(filters or [_string(EVERY_POST)]), frozenset())
    expression = _conjunction(
        list(query.expression.items) if isinstance(query.expression, And) else [query.expression],
        filters,
        terms,
    )
    return Match(expression, frozenset(terms))


def _conjunction(items: list[Node], extra: list[str], terms: set[str]) -> str:
    """`items` all required, `extra` (compiled filters) too; exclusions subtract from them,
    or from every post when nothing else is left (the parser allows that only beside
    filters, e.g. `-deporte since:2026-10-01`)."""
    positives = extra + [_node(item, terms) for item in items if not isinstance(item, Not)]
    positives = positives or [_string(EVERY_POST)]
    negatives = [_node(item.item, set()) for item in items if isinstance(item, Not)]
    expression = positives[0] if len(positives) == 1 else "(" + " AND ".join(positives) + ")"
    if negatives:
        expression = f"{expression} NOT ({' OR '.join(negatives)})"
    return expression


def _node(node: Node, terms: set[str]) -> str:
    if isinstance(node, Word):
        return _phrase(tokens(node.text), terms)
    if isinstance(node, Phrase):
        return _phrase(tokens(node.text), terms)
    if isinstance(node, Or):
        return "(" + " OR ".join(_node(item, terms) for item in node.items) + ")"
    if isinstance(node, And):
        return "(" + _conjunction(list(node.items), [], terms) + ")"
    raise ValueError(f"a bare exclusion cannot be compiled: {node}")  # the parser prevents it


def _phrase(words: list[str], terms: set[str]) -> str:
    """A word (one token) in every form, or a phrase in each stemmer's forms. A word that
    tokenises to several tokens ("U.S.", "e-mail") is a phrase of them, as FTS5 does."""
    if len(words) == 1:
        forms = word_forms(words[0])
        terms.update(forms)
        return _any([_string(form) for form in forms])
    variants = [stem_tokens(words, language) for language in STEMMED] + [words]
    for variant in variants:
        terms.update(variant)
    return _any([_string(" ".join(variant)) for variant in variants])


def _filters(filters: Filters) -> list[str]:
    found = []
    for values, tag in (
        (filters.languages, language_tag),
        (filters.platforms, platform_tag),
        (filters.accounts, account_tag),
    ):
        if values:
            found.append(_any([_string(tag(value)) for value in values]))
    return found


def _any(alternatives: list[str]) -> str:
    unique = list(dict.fromkeys(alternatives))
    return unique[0] if len(unique) == 1 else "(" + " OR ".join(unique) + ")"


def _string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
