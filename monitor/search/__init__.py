"""Full-text search over stored posts: the query language, stemming in es/ru/en, what the
index holds and how a query is compiled against it, and highlighting of matched words.

Pure functions over text: the index tables (FTS5 on SQLite, a tsvector on PostgreSQL) and
their SQL live in `monitor.store.search_index` and `monitor.store.search`.
"""

from __future__ import annotations

from monitor.search.highlight import highlight
from monitor.search.index import (
    Document,
    Match,
    compile_query,
    compile_tsquery,
    document,
    tsvector,
)
from monitor.search.query import Filters, Query, parse_query

__all__ = [
    "Document",
    "Filters",
    "Match",
    "Query",
    "compile_query",
    "compile_tsquery",
    "document",
    "highlight",
    "parse_query",
    "tsvector",
]
