"""The web view's side of search: a query string in, one page of hits out.

The engine is the store's (`Store.search`, FTS5 over stemmed text); the web view only
needs what this Protocol says, so a store without search still serves every other page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Protocol, runtime_checkable

from monitor.errors import QueryError
from monitor.record import PostRecord
from monitor.search import Query, parse_query
from monitor.web.params import BadRequest

UNAVAILABLE = "search is not available in this monitor (its store has no full-text index)"


class Hits(Protocol):
    @property
    def total(self) -> int: ...
    @property
    def records(self) -> Sequence[PostRecord]: ...
    @property
    def terms(self) -> frozenset[str]: ...


@runtime_checkable
class SearchBackend(Protocol):
    def search(self, query: Query, *, limit: int, offset: int, zone: tzinfo) -> Hits: ...


def parsed(text: str) -> Query:
    """The query, or BadRequest saying what is wrong with it (and where)."""
    if not text.strip():
        raise BadRequest("q: the query is empty; write words to look for, e.g. sanciones lang:es")
    try:
        return parse_query(text)
    except QueryError as error:
        where = f" (at character {error.position + 1})" if error.position is not None else ""
        raise BadRequest(f"q: {error.args[0]}{where}") from None


def run(backend: SearchBackend, text: str, *, limit: int, offset: int, zone: tzinfo) -> Hits:
    return backend.search(parsed(text), limit=limit, offset=offset, zone=zone)
