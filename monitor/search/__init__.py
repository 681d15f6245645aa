"""Full-text search over stored posts: the query language, stemming in es/ru/en, what the
index holds and how a query is compiled against it, and highlighting of matched words.

Pure functions over text: the FTS5 table itself and its SQL live in `monitor.store.search`.
"""

from __future__ import annotations

from monitor.search.highlight import highlight
from monitor.search.index import Document, Match, compile_query, document
from monitor.search.query import Filters, Query, parse_query

__all__ = [
    "Document",
    "Filters",
    "Match",
    "Query",
    "compile_query",
    "document",
    "highlight",
    "parse_query",
]
