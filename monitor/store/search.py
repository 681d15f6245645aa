"""Full-text search of stored posts: the latest revision of each, newest first.

SQLite asks its FTS5 table with MATCH; PostgreSQL asks the GIN-indexed tsvector with `@@`
and the same query compiled to a tsquery (`monitor.search.index`). On both, newest-first
and since:/until: are the order and a range of the index's post numbers (`search_doc`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from monitor.record import Language, PostRecord, Translation
from monitor.search import Query, compile_query, compile_tsquery
from monitor.store.posts import POST_COLUMNS, stored_post
from monitor.store.search_index import SearchIndexMixin, doc_base


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results. `terms` are the index terms of the query's words, for
    `monitor.search.highlight` (original text in the record's language, translation in its
    target language)."""

    total: int
    records: tuple[PostRecord, ...]
    terms: frozenset[str]


class SearchMixin(SearchIndexMixin):
    def search(
        self, query: Query, *, limit: int = 20, offset: int = 0, zone: tzinfo = UTC
    ) -> SearchResults:
        """Posts matching `query`, newest published first: `limit` of them after `offset`,
        and how many match in all. since:/until: days are taken in `zone`."""
        filters = query.filters
        if self.dialect.name == "sqlite":
            match = compile_query(query)
            key, conditions = "rowid", ["post_search MATCH ?"]
            params: list[Any] = [match.expression]
        else:
            match = compile_tsquery(query)
            key, conditions, params = "doc", ["terms @@ CAST(? AS tsquery)"], [match.expression]
            if query.expression is None and not (
                filters.languages or filters.platforms or filters.accounts
            ):
                # Only dates: every post in the range, without asking the GIN index for
                # the lexeme every row has.
                conditions, params = [], []
        start, end = filters.window(zone)
        if start is not None:
            conditions.append(f"{key} >= ?")
            params.append(doc_base(start))
        if end is not None:
            conditions.append(f"{key} < ?")
            params.append(doc_base(end))
        where = " AND ".join(conditions) or "TRUE"
        total = int(self._query(f"SELECT count(*) FROM post_search WHERE {where}", params)[0][0])
        rows = self._query(
            f"SELECT {POST_COLUMNS}, translation FROM posts WHERE search_doc IN"
            f" (SELECT {key} FROM post_search WHERE {where} ORDER BY {key} DESC LIMIT ? OFFSET ?)"
            " ORDER BY search_doc DESC",
            [*params, max(0, limit), max(0, offset)],
        )
        records = []
        for row in rows:
            post = stored_post(row)
            stored = json.loads(row["translation"]) if row["translation"] else None
            records.append(
                post.record(
                    post.detected or Language("und", 0.0),
                    Translation.from_dict(stored) if stored else Translation("pending"),
                )
            )
        return SearchResults(total, tuple(records), match.terms)
