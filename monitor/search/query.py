"""The search query language (DESIGN.md, "Search query language"): parsed into a typed AST.

    venezuela sanciones           both words (in any inflection, original or translation)
    "unión europea"               the words in this order
    sanciones OR санкции          either; OR binds tighter than the implicit AND, as in web
                                  search: `venezuela sanciones OR санкции` is venezuela AND
                                  (sanciones OR санкции)
    -eeuu   NOT eeuu              without the word; needs something positive beside it
    (a OR b) c                    grouping
    lang:ru platform:telegram account:NAME since:2026-10-01 until:2026-10-31
                                  filters, for the whole query; the same filter repeated
                                  allows any of its values (lang:es lang:ru)

`OR`, `AND` and `NOT` are operators only in capitals; `or` is a word. Words without any
letter or digit (`&`, `—`) are ignored. Anything malformed raises `QueryError` naming the
problem and where it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import get_args

from monitor.config import Platform
from monitor.errors import QueryError
from monitor.search.lexer import EXAMPLES, Token, lex
from monitor.search.stem import tokens

PLATFORMS: tuple[str, ...] = get_args(Platform)
LANGUAGE = re.compile(r"[a-z]{2,3}")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Word:
    """One word as typed; it matches any inflection (see `monitor.search.index`)."""

    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words that must appear together in this order (each in any inflection)."""

    text: str


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Word | Phrase | And | Or | Not


@dataclass(frozen=True, slots=True)
class Filters:
    """Conditions on the whole query. Empty tuples do not filter; dates are inclusive."""

    languages: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def __bool__(self) -> bool:
        return bool(self.languages or self.platforms or self.accounts or self.since or self.until)

    def window(self, zone: tzinfo = UTC) -> tuple[datetime | None, datetime | None]:
        """[start, end) of `published_at` in UTC: `since` from its midnight, `until` through
        the end of its day, both days taken in `zone` (the monitor's timezone)."""
        start = datetime.combine(self.since, time(), zone).astimezone(UTC) if self.since else None
        end = None
        if self.until is not None:
            end = datetime.combine(self.until + timedelta(days=1), time(), zone).astimezone(UTC)
        return start, end


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: `expression` is None when the query is only filters."""

    text: str
    expression: Node | None
    filters: Filters = field(default_factory=Filters)


def parse_query(text: str) -> Query:
    """Parse `text`; raises `QueryError` (with the position of the problem) if malformed."""
    return _Parser(text, list(lex(text))).parse()


class _Parser:
    """Recursive descent: conjunction := disjunction ([AND] disjunction)*;
    disjunction := unary (OR unary)*; unary := (NOT | -) unary | primary;
    primary := word | phrase | ( conjunction ). Filters only as top-level conjuncts."""

    def __init__(self, text: str, found: list[Token]) -> None:
        self.text = text
        self.tokens = found
        self.at = 0
        self.languages: list[str] = []
        self.platforms: list[str] = []
        self.accounts: list[str] = []
        self.dates: dict[str, date] = {}

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Query:
        if not self.tokens:
            raise QueryError(
                "the query is empty" if not self.text.strip() else "the query has no words",
                remedy="give at least one word, phrase or filter, e.g. sanciones lang:es",
            )
        items = self.conjunction(top=True)
        extra = self.peek()
        if extra is not None:  # only a ")" stops the top-level conjunction
            raise QueryError(
                f'the ")" at character {extra.position + 1} closes nothing',
                position=extra.position,
                remedy='remove it, or add the "(" it should close',
            )
        filters = self.filters()
        expression = _join(items)
        if expression is not None and not _positive(expression) and not filters:
            raise QueryError(
                "the query only excludes words: it must also say what to find",
                remedy="add a word or a filter beside the exclusions, e.g. sanciones -eeuu",
            )
        return Query(self.text, expression, filters)

    def conjunction(self, *, top: bool) -> list[Node]:
        items: list[Node] = []
        while (token := self.peek()) is not None and token.kind != "close":
            if token.kind == "and":
                self.take()
                if not items and not (top and self.has_filters()):
                    raise _nothing_before(token)
                self.expect_operand(token)
            elif token.kind == "filter" and top:
                self.filter(self.take())
                if (after := self.peek()) is not None and after.kind == "or":
                    raise _filter_misplaced(token)
            else:
                items.append(self.disjunction())
        return items

    def disjunction(self) -> Node:
        alternatives = [self.unary()]
        first: Token | None = None
        while (token := self.peek()) is not None and token.kind == "or":
            first = first or token
            self.take()
            self.expect_operand(token)
            alternatives.append(self.unary())
        if first is None:
            return alternatives[0]
        if not all(map(_positive, alternatives)):
            raise QueryError(
                f"an alternative of the OR at character {first.position + 1} only excludes"
                " words, so it would match almost everything",
                position=first.position,
                remedy="put the exclusion outside the OR: (a OR b) -c",
            )
        return Or(tuple(alternatives))

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("not", "minus"):
            self.take()
            self.expect_operand(token)
            inner = self.unary()
            return inner.item if isinstance(inner, Not) else Not(inner)
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "word":
            return Word(token.text)
        if token.kind == "phrase":
            if not tokens(token.text):
                raise QueryError(
                    f"the phrase at character {token.position + 1} has no words",
                    position=token.position,
                    remedy="put words between the quotes, or remove them",
                )
            return Phrase(token.text)
        if token.kind == "open":
            if (after := self.peek()) is not None and after.kind == "close":
                raise QueryError(
                    f"the parentheses at character {token.position + 1} are empty",
                    position=token.position,
                    remedy="put words inside them, or remove them",
                )
            items = self.conjunction(top=False)
            if self.peek() is None:
                raise QueryError(
                    f'the "(" at character {token.position + 1} is never closed',
                    position=token.position,
                    remedy='add the missing ")"',
                )
            self.take()
            group = _join(items)
            assert group is not None  # a conjunction stops only at ")", checked above
            if not _positive(group):
                raise QueryError(
                    f"the parentheses at character {token.position + 1} only exclude words",
                    position=token.position,
                    remedy="exclude outside the parentheses: -(a OR b) beside a word to find",
                )
            return group
        if token.kind == "filter":
            raise _filter_misplaced(token)
        if token.kind == "close":
            raise QueryError(
                f'the ")" at character {token.position + 1} closes nothing',
                position=token.position,
                remedy='remove it, or add the "(" it should close',
            )
        raise _nothing_before(token)  # OR / AND where a word should be

    def expect_operand(self, operator: Token) -> None:
        after = self.peek()
        if after is None or after.kind in ("close", "or", "and"):
            name = "-" if operator.kind == "minus" else operator.text
            raise QueryError(
                f"the {name} at character {operator.position + 1} has nothing after it",
                position=operator.position,
                remedy=f"put a word after {name}, or remove it",
            )
        if after.kind == "filter" and operator.kind != "and":
            raise _filter_misplaced(after)

    def has_filters(self) -> bool:
        return bool(self.languages or self.platforms or self.accounts or self.dates)

    def filter(self, token: Token) -> None:
        value = token.text
        if token.name == "lang":
            value = value.lower()
            if not LANGUAGE.fullmatch(value):
                raise _bad_value(token, "a language code like es, ru or en")
            self.languages.append(value)
        elif token.name == "platform":
            value = value.lower()
            if value not in PLATFORMS:
                raise _bad_value(token, "one of " + ", ".join(PLATFORMS))
            self.platforms.append(value)
        elif token.name == "account":
            self.accounts.append(value)
        else:
            if token.name in self.dates:
                raise QueryError(
                    f"{token.name}: is given twice (again at character {token.position + 1})",
                    position=token.position,
                    remedy=f"keep one {token.name}: filter",
                )
            try:
                if not DAY.fullmatch(value):
                    raise ValueError(value)
                self.dates[token.name] = date.fromisoformat(value)
            except ValueError:
                raise _bad_value(token, "a date like 2026-10-01 (YYYY-MM-DD)") from None

    def filters(self) -> Filters:
        since, until = self.dates.get("since"), self.dates.get("until")
        if since is not None and until is not None and since > until:
            raise QueryError(
                f"since:{since} is after until:{until}, so nothing can match",
                remedy="swap the two dates",
            )
        return Filters(
            languages=tuple(dict.fromkeys(self.languages)),
            platforms=tuple(dict.fromkeys(self.platforms)),
            accounts=tuple(dict.fromkeys(self.accounts)),
            since=since,
            until=until,
        )


def _join(items: list[Node]) -> Node | None:
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


def _positive(node: Node) -> bool:
    """Whether `node` can find posts by itself: a conjunction needs one part that is not an
    exclusion (the rest subtract from it), a disjunction needs it of every alternative."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(map(_positive, node.items))
    if isinstance(node, Or):
        return all(map(_positive, node.items))
    return True


def _nothing_before(token: Token) -> QueryError:
    return QueryError(
        f"the {token.text} at character {token.position + 1} has nothing before it",
        position=token.position,
        remedy=f"put a word before {token.text}, or remove it",
    )


def _filter_misplaced(token: Token) -> QueryError:
    return QueryError(
        f"the filter {token.name}:{token.text} at character {token.position + 1} is inside"
        " parentheses, negated or next to OR, but filters apply to the whole query",
        position=token.position,
        remedy="write filters beside the words, e.g. (sanciones OR санкции) lang:es; a filter"
        " given twice allows either value: lang:es lang:ru",
    )


def _bad_value(token: Token, wanted: str) -> QueryError:
    return QueryError(
        f"{token.name}:{token.text} at character {token.position + 1} is not valid: {token.name}:"
        f" takes {wanted}",
        position=token.position,
        remedy=f"e.g. {EXAMPLES[token.name]}",
    )
